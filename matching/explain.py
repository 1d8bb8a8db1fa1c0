"""Explain a score factor by factor, for both sides, in plain words.

Every explanation is deterministic and adds up: on each side the factor
contributions sum to that side's score, and ``total`` is
``sqrt(person_side * household_side)`` (see :mod:`matching.scoring`).

Every factor carries a **verdict**, decided here once from its value
(:func:`verdict`): ``for`` from :data:`FOR_AT` up, ``against`` at or below
:data:`AGAINST_AT`, ``partly`` in between, and ``neutral`` for the stand-in
used when nothing on a side can be compared.  Its words come from
:data:`WORDS`, templates each written for one verdict, so a shared interest
never reads as a reason against and a mismatch never reads as a reason for.
"""

from __future__ import annotations

import math

import numpy as np

from ._columns import distance_km, pair_views
from .constraints import exclusion_reasons
from .instance import LIFESTYLES, SETTINGS
from .scoring import DEFAULT_DISTANCE_KM, household_factors, person_factors
from .weights import DEFAULT_WEIGHTS, FACTOR_LABELS

__all__ = [
    "AGAINST_AT",
    "COMBINATION",
    "FOR_AT",
    "GOOD_AT",
    "LOW_BELOW",
    "VERDICTS",
    "WORDS",
    "explain",
    "most_against",
    "summary",
    "verdict",
]

COMBINATION = "total = sqrt(person_side * household_side)"

#: Verdicts, in the order pages show them.
VERDICTS = ("for", "partly", "against", "neutral")
#: A factor with at least this value counts for a match.
FOR_AT = 0.75
#: A factor with at most this value counts against a match.
AGAINST_AT = 0.25
#: Totals from here up read "a good match"; below :data:`LOW_BELOW`, "may not be".
GOOD_AT = 0.75
LOW_BELOW = 0.5

#: The words of every factor, keyed ``(factor, verdict)`` or
#: ``(factor, verdict, variant)``: each template is written for its verdict.
#: Fields: ``n`` the person, ``hn`` the household, numbers ``k``, ``total``,
#: ``age``, ``lo``, ``hi``, ``km``, ``limit``, ``years``, and terms (``want``,
#: ``have``, ``a_want``, ``a_have`` with their article, lists such as ``shared``).
WORDS = {
    ("interests", "for"): "{n} and {hn} both enjoy {shared}",
    ("interests", "partly", "person"): "{hn} share {k} of {n}'s {total} interests: {shared}",
    ("interests", "partly", "household"): "{n} shares {k} of {hn}'s {total} interests: {shared}",
    ("interests", "against"): "{n} and {hn} have no interests in common on record",
    ("lifestyle", "for"): "{hn} have a {have} home, as {n} would like",
    ("lifestyle", "partly"): "{hn} have a {have} home, not quite the {want} home {n} would like",
    ("lifestyle", "against"): "{n} would like a {want} home, but {hn} have a {have} home",
    ("setting", "for"): "{hn} live in {a_have} area, as {n} would like",
    ("setting", "partly"): "{hn} live in {a_have} area, not quite the {want} area {n} would like",
    ("setting", "against"): "{n} would like {a_want} area, but {hn} live in {a_have} area",
    ("language", "for"): "{hn} speak {languages}, as {n} asked",
    ("language", "against"): "No one at {hn} speaks a language {n} asked for",
    ("faith", "for"): "{hn} share {n}'s faith ({faith}), as {n} asked",
    ("faith", "against"): "{hn} do not share {n}'s faith ({faith}), which {n} asked for",
    ("distance", "for"): "Close to where {n} wants to live: {km} km away",
    ("distance", "partly"): "{km} km from where {n} wants to live: within {limit} km, but not close",
    ("distance", "against"): "Far from where {n} wants to live: {km} km away, {limit} km or more",
    ("children", "for", "likes"): "There are children at {hn}, which {n} would like",
    ("children", "for", "prefers_none"): "No children at {hn}, as {n} prefers",
    ("children", "against", "likes"): "No children at {hn}, but {n} likes being with children",
    ("children", "against", "prefers_none"): "There are children at {hn}, but {n} would prefer a home without children",
    ("pets", "for"): "{hn} have pets ({pets}), which {n} likes",
    ("pets", "against"): "No pets at {hn}, but {n} likes animals",
    ("needs", "for"): "Carers have experience of {met}",
    ("needs", "for", "most"): "Carers have experience of {k} of {n}'s {total} needs: {met}",
    ("needs", "partly"): "Carers have experience of {k} of {n}'s {total} needs ({met}), not of {missing}",
    ("needs", "against"): "Carers do not list experience of {missing}",
    ("needs", "against", "few"): "Carers list experience of only {k} of {n}'s {total} needs ({met}), not of {missing}",
    ("age", "for"): "{n} ({age}) is within the age range {hn} support ({lo} to {hi})",
    ("age", "for", "near"): "{n} ({age}) is close to the age range {hn} support ({lo} to {hi})",
    ("age", "partly"): "{n} ({age}) is {years} outside the age range {hn} support ({lo} to {hi})",
    ("age", "against"): "{n} ({age}) is well outside the age range {hn} support ({lo} to {hi})",
    ("resident_age", "for"): "Someone already living at {hn} is close in age to {n}: {years} apart",
    ("resident_age", "partly"): "The nearest in age of the people already living at {hn} is {years} apart from {n}",
    ("resident_age", "against"): "Everyone already living at {hn} is far from {n} in age: {years} apart or more",
    ("resident_lifestyle", "for"): "People already living at {hn} like a {have} life, as {n} does",
    (
        "resident_lifestyle",
        "partly",
    ): "People already living at {hn} like a {have} life, not quite the {want} life {n} likes",
    ("resident_lifestyle", "against"): "People already living at {hn} like a {have} life, but {n} likes a {want} one",
    ("members", "for"): "Everyone at {hn} can live with {n}, as far as the records show",
    ("members", "partly"): "Someone at {hn} cannot live with one thing about {n}: {clash}",
    ("members", "against"): "Someone at {hn} cannot live with several things about {n}: {clash}",
    ("neutral", "neutral"): "Nothing on record to compare on this side, so it counts as neutral",
}


def verdict(value):
    """The verdict of a factor's value: ``for``, ``partly`` or ``against``.

    Examples
    --------
    >>> [verdict(v) for v in (1.0, 0.75, 0.5, 1 / 3, 0.25, 0.0)]
    ['for', 'for', 'partly', 'partly', 'against', 'against']
    """
    if value >= FOR_AT:
        return "for"
    if value <= AGAINST_AT:
        return "against"
    return "partly"


def _join(terms):
    terms = [t.replace("_", " ") for t in terms]
    if len(terms) <= 1:
        return "".join(terms)
    return ", ".join(terms[:-1]) + " and " + terms[-1]


def _a(word):
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _years(n):
    return f"{n} year" if n == 1 else f"{n} years"


def _say(factor, said, variant=None, **fields):
    key = (factor, said) if variant is None else (factor, said, variant)
    return WORDS[key].format(**fields)


def _words(side, factor, said, ctx):
    n, hn, v, i, j = ctx["name"], ctx["hname"], ctx["vocab"], ctx["i"], ctx["j"]
    p, h = ctx["people"], ctx["households"]
    names = {"n": n, "hn": hn}
    if factor == "interests":
        shared = v.decode("interests", p.interests[i] & h.interests[j])
        own = p.interests[i] if side == "person" else h.interests[j]
        total = len(v.decode("interests", own))
        variant = side if said == "partly" else None
        return _say(factor, said, variant, shared=_join(shared), k=len(shared), total=total, **names)
    if factor in ("lifestyle", "setting", "resident_lifestyle"):
        terms = SETTINGS if factor == "setting" else LIFESTYLES
        theirs = h.residents_lifestyle[j] if factor == "resident_lifestyle" else getattr(h, factor)[j]
        want, have = terms[getattr(p, "setting" if factor == "setting" else "lifestyle")[i]], terms[theirs]
        return _say(factor, said, want=want, have=have, a_want=_a(want), a_have=_a(have), **names)
    if factor == "language":
        shared = v.decode("languages", p.languages[i] & h.languages[j])
        return _say(factor, said, languages=_join(s.title() for s in shared), **names)
    if factor == "faith":
        return _say(factor, said, faith=_join(v.decode("faiths", p.faith_mask[i])).title(), **names)
    if factor == "distance":
        return _say(factor, said, km=f"{ctx['km']:.1f}", limit=f"{round(ctx['limit'], 1):g}", **names)
    if factor == "children":
        return _say(factor, said, "likes" if p.children[i] == 2 else "prefers_none", **names)
    if factor == "pets":
        return _say(factor, said, pets=_join(v.decode("pets", h.pets[j])), **names)
    if factor == "needs":
        met = v.decode("needs", p.needs[i] & h.skills[j])
        missing = v.decode("needs", p.needs[i] & ~h.skills[j])
        variant = {("for", True): "most", ("against", True): "few"}.get((said, bool(met and missing)))
        return _say(
            factor,
            said,
            variant,
            met=_join(met),
            missing=_join(missing),
            k=len(met),
            total=len(met) + len(missing),
            **names,
        )
    if factor == "age":
        lo, hi, age = int(h.age_min[j]), int(h.age_max[j]), int(p.age[i])
        gap = max(lo - age, age - hi, 0)
        variant = "near" if said == "for" and gap > 0 else None
        return _say(factor, said, variant, age=age, lo=lo, hi=hi, years=_years(gap), **names)
    if factor == "resident_age":
        gap = int(np.nanmin(np.abs(h.resident_ages[j] - p.age[i])))
        return _say(factor, said, years=_years(gap), **names)
    if factor == "members":
        clash = v.decode("traits", p.traits[i] & h.cannot_live_with[j])
        return _say(factor, said, clash=_join(clash), **names)
    raise ValueError(f"no words for factor {factor!r}")  # pragma: no cover


def _side_items(side, factors, weights, ctx):
    rows = []
    for name, value, applies in factors:
        if bool(np.asarray(applies).reshape(-1)[0]):
            rows.append((name, float(np.asarray(value).reshape(-1)[0]), float(weights[name])))
    den = math.fsum(w for _, _, w in rows)
    if den <= 0:
        return 0.5, [
            {
                "side": side,
                "factor": "neutral",
                "label": "Nothing to compare",
                "value": 0.5,
                "weight": 0.0,
                "contribution": 0.5,
                "shortfall": 0.5,
                "verdict": "neutral",
                "words": WORDS[("neutral", "neutral")],
            }
        ]
    items = []
    for name, raw, w in rows:
        value = round(raw, 6)
        said = verdict(value)
        items.append(
            {
                "side": side,
                "factor": name,
                "label": FACTOR_LABELS[(side, name)],
                "value": value,
                "weight": w,
                "contribution": w * raw / den,
                "shortfall": w * (1 - raw) / den,
                "verdict": said,
                "words": _words(side, name, said, ctx),
            }
        )
    return math.fsum(it["contribution"] for it in items), items


def explain(instance, person, household, weights=DEFAULT_WEIGHTS):
    """Explain one pair: every factor's contribution on both sides, in words.

    Parameters
    ----------
    instance : Instance
    person, household : int
        Positions in ``instance.people`` and ``instance.households``.
    weights : Weights

    Returns
    -------
    dict
        ``person_id``, ``household_id``, ``person_name``, ``household_name``, ``allowed``, ``excluded_because``
        (list of ``{"code", "message"}``), ``person_side``,
        ``household_side``, ``total``, ``combination`` (the formula),
        ``factors`` (list of ``{"side", "factor", "label", "value", "weight",
        "contribution", "shortfall", "verdict", "words"}``; contributions on a
        side sum to that side's score, and with the shortfalls to 1),
        ``most_against`` (the factor that costs the most, or ``None``; see
        :func:`most_against`), ``summary`` (easy-read sentences) and
        ``weights_version``.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records(
    ...     [{"id": "p1", "name": "Sam", "interests": ["gardening", "music", "films"],
    ...       "needs": ["autism"], "easting": 0, "northing": 0, "max_distance_km": 10}],
    ...     [{"id": "h1", "name": "The Patels", "interests": ["gardening", "music"],
    ...       "skills": ["autism"], "easting": 3000, "northing": 4000, "free_places": 1,
    ...       "arrangement_types": ["live_in"], "approval_expires": "2030-01-01",
    ...       "dbs_expires": "2030-01-01"}], as_of="2026-11-23")
    >>> e = explain(inst, 0, 0)
    >>> for f in e["factors"]:
    ...     print(f["side"], f["factor"], f["verdict"], round(f["contribution"], 3), "-", f["words"])
    person interests partly 0.4 - The Patels share 2 of Sam's 3 interests: gardening and music
    person distance partly 0.25 - 5.0 km from where Sam wants to live: within 10 km, but not close
    household needs for 0.667 - Carers have experience of autism
    household interests for 0.333 - Sam and The Patels both enjoy gardening and music
    >>> round(e["person_side"], 3), round(e["household_side"], 3), round(e["total"], 3)
    (0.65, 1.0, 0.806)
    >>> worst = e["most_against"]
    >>> worst["side"], worst["factor"], round(worst["shortfall"], 3)
    ('person', 'interests', 0.2)
    >>> print(e["summary"])  # doctest: +NORMALIZE_WHITESPACE
    This looks like a good match. Carers have experience of autism.
    Sam and The Patels both enjoy gardening and music. Sam and the carers decide together.
    """
    i, j = int(person), int(household)
    p, h = instance.people, instance.households
    P, H = pair_views(p, h, np.array([i]), np.array([j]))
    d = distance_km(P, H)
    limit = float(p.max_distance_km[i])
    ctx = {
        "name": p.name[i],
        "hname": h.name[j],
        "vocab": instance.vocab,
        "people": p,
        "households": h,
        "i": i,
        "j": j,
        "km": float(d[0]),
        "limit": limit if math.isfinite(limit) else DEFAULT_DISTANCE_KM,
    }
    ps, pitems = _side_items("person", person_factors(P, H, d), weights.person, ctx)
    hs, hitems = _side_items("household", household_factors(P, H), weights.household, ctx)
    reasons = exclusion_reasons(instance, i, j)
    out = {
        "person_id": p.ids[i],
        "household_id": h.ids[j],
        "person_name": p.name[i],
        "household_name": h.name[j],
        "allowed": not reasons,
        "excluded_because": reasons,
        "person_side": ps,
        "household_side": hs,
        "total": math.sqrt(ps * hs),
        "combination": COMBINATION,
        "factors": pitems + hitems,
        "most_against": most_against(pitems + hitems),
        "weights_version": weights.version,
    }
    out["summary"] = summary(out)
    return out


def most_against(factors):
    """The factor that weighs most against a match, or ``None`` if none is against.

    Among the factors whose verdict is ``against`` or ``partly``, the one with
    the largest ``shortfall`` (what it costs its side's score); ties go to the
    person's side, then the factor's name.

    >>> most_against([
    ...     {"side": "person", "factor": "pets", "verdict": "against", "shortfall": 0.1},
    ...     {"side": "household", "factor": "age", "verdict": "partly", "shortfall": 0.2},
    ...     {"side": "person", "factor": "interests", "verdict": "for", "shortfall": 0.3}])["factor"]
    'age'
    """
    doubts = [f for f in factors if f["verdict"] in ("against", "partly")]
    if not doubts:
        return None
    return min(doubts, key=lambda f: (-f["shortfall"], f["side"] != "person", f["factor"]))


def summary(explanation):
    """A short easy-read summary (2 to 4 short sentences) of an explanation.

    A low total says what weighs most against the match.

    >>> summary({"allowed": False, "excluded_because": [{"message": "No free place at Ann's"}],
    ...          "factors": [], "total": 0.9})
    "This home is not possible now. No free place at Ann's."
    >>> low = {"allowed": True, "total": 0.3, "person_name": "Sam", "factors": [
    ...     {"side": "person", "factor": "pets", "verdict": "against", "shortfall": 0.6,
    ...      "contribution": 0.1, "words": "No pets at The Patels, but Sam likes animals"}]}
    >>> print(summary(low))  # doctest: +NORMALIZE_WHITESPACE
    This may not be a good match. The biggest thing against it: No pets at The Patels,
    but Sam likes animals. Sam and the carers decide together.
    """
    if not explanation["allowed"]:
        first = explanation["excluded_because"][0]["message"]
        return f"This home is not possible now. {first}."
    total = explanation["total"]
    sentences = []
    if total >= GOOD_AT:
        sentences.append("This looks like a good match.")
    elif total >= LOW_BELOW:
        sentences.append("This could be a match.")
    else:
        sentences.append("This may not be a good match.")
        worst = most_against(explanation["factors"])
        if worst is not None:
            sentences.append(f"The biggest thing against it: {worst['words']}.")
    good = [f for f in explanation["factors"] if f["verdict"] == "for" and f["contribution"] > 0]
    good.sort(key=lambda f: (-f["contribution"], f["side"], f["factor"]))
    seen, picked = set(), []
    for f in good:
        if len(sentences) + len(picked) == 3:
            break
        if f["words"] not in seen:
            seen.add(f["words"])
            picked.append(f["words"] + ".")
    who = explanation.get("person_name") or "The person"
    return " ".join([*sentences, *picked, f"{who} and the carers decide together."])

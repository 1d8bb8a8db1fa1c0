"""Explain a score factor by factor, for both sides, in plain words.

Every explanation is deterministic and adds up: on each side the factor
contributions sum to that side's score, and ``total`` is
``sqrt(person_side * household_side)`` (see :mod:`matching.scoring`).
"""

from __future__ import annotations

import math

import numpy as np

from ._columns import distance_km, pair_views
from .constraints import exclusion_reasons
from .instance import LIFESTYLES, SETTINGS
from .scoring import household_factors, person_factors
from .weights import DEFAULT_WEIGHTS, FACTOR_LABELS

__all__ = ["COMBINATION", "explain", "summary"]

COMBINATION = "total = sqrt(person_side * household_side)"


def _join(terms):
    terms = [t.replace("_", " ") for t in terms]
    if len(terms) <= 1:
        return "".join(terms)
    return ", ".join(terms[:-1]) + " and " + terms[-1]


def _words(side, factor, value, ctx):
    n, hn, v, i, j = ctx["name"], ctx["hname"], ctx["vocab"], ctx["i"], ctx["j"]
    p, h = ctx["people"], ctx["households"]
    if factor == "interests":
        shared = v.decode("interests", p.interests[i] & h.interests[j])
        if shared:
            return f"{n} and {hn} both enjoy {_join(shared)}"
        return f"{n} and {hn} have no interests in common on record"
    if factor == "lifestyle":
        want, have = LIFESTYLES[p.lifestyle[i]], LIFESTYLES[h.lifestyle[j]]
        if want == have:
            return f"{hn} have a {have} home, as {n} would like"
        return f"{n} would like a {want} home; {hn} have a {have} home"
    if factor == "setting":
        want, have = SETTINGS[p.setting[i]], SETTINGS[h.setting[j]]
        if want == have:
            return f"{hn} live in a {have} area, as {n} would like"
        return f"{n} would like a {want} area; {hn} live in a {have} area"
    if factor == "language":
        shared = v.decode("languages", p.languages[i] & h.languages[j])
        if shared:
            return f"{hn} speak {_join(s.title() for s in shared)}, as {n} asked"
        return f"No one at {hn} speaks a language {n} asked for"
    if factor == "faith":
        faith = _join(v.decode("faiths", p.faith_mask[i])).title()
        if value > 0:
            return f"{hn} share {n}'s faith ({faith}), as {n} asked"
        return f"{hn} do not share {n}'s faith ({faith}), which {n} asked for"
    if factor == "distance":
        return f"{ctx['km']:.1f} km from where {n} wants to live"
    if factor == "children":
        kids = bool(h.has_children[j])
        if p.children[i] == 2:
            return (
                f"There are children at {hn}, which {n} would like"
                if kids
                else f"No children at {hn}; {n} likes being with children"
            )
        return (
            f"There are children at {hn}; {n} would prefer a home without children"
            if kids
            else f"No children at {hn}, as {n} prefers"
        )
    if factor == "pets":
        pets = v.decode("pets", h.pets[j])
        if pets:
            return f"{hn} have pets ({_join(pets)}), which {n} likes"
        return f"No pets at {hn}; {n} likes animals"
    if factor == "needs":
        met = v.decode("needs", p.needs[i] & h.skills[j])
        miss = v.decode("needs", p.needs[i] & ~h.skills[j])
        parts = []
        if met:
            parts.append(f"Carers have experience of {_join(met)}")
        if miss:
            parts.append(f"carers do not list experience of {_join(miss)}")
        s = "; ".join(parts)
        return s[:1].upper() + s[1:]
    if factor == "age":
        lo, hi, age = int(h.age_min[j]), int(h.age_max[j]), int(p.age[i])
        inside = "within" if value >= 1 else "outside"
        return f"{n} ({age}) is {inside} the age range {hn} support ({lo} to {hi})"
    if factor == "resident_age":
        ages = h.resident_ages[j]
        gap = int(np.nanmin(np.abs(ages - p.age[i])))
        return f"The nearest in age of the people already living at {hn} is {gap} years apart from {n}"
    if factor == "resident_lifestyle":
        have = LIFESTYLES[h.residents_lifestyle[j]]
        want = LIFESTYLES[p.lifestyle[i]]
        if have == want:
            return f"People already living at {hn} like a {have} life, as {n} does"
        return f"People already living at {hn} like a {have} life; {n} likes a {want} one"
    if factor == "members":
        clash = v.decode("traits", p.traits[i] & h.cannot_live_with[j])
        if clash:
            return f"Someone at {hn} cannot live with: {_join(clash)}"
        return f"Nothing about {n} that anyone at {hn} has said they cannot live with"
    return ""  # pragma: no cover


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
                "words": "Nothing on record to compare on this side, so it counts as neutral",
            }
        ]
    items = []
    for name, value, w in rows:
        items.append(
            {
                "side": side,
                "factor": name,
                "label": FACTOR_LABELS[(side, name)],
                "value": round(value, 6),
                "weight": w,
                "contribution": w * value / den,
                "words": _words(side, name, value, ctx),
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
        "contribution", "words"}``; contributions on a side sum to that side's
        score), ``summary`` (easy-read sentences) and ``weights_version``.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records(
    ...     [{"id": "p1", "name": "Sam", "interests": ["gardening", "music"],
    ...       "needs": ["autism"], "easting": 0, "northing": 0, "max_distance_km": 10}],
    ...     [{"id": "h1", "name": "The Patels", "interests": ["gardening", "music"],
    ...       "skills": ["autism"], "easting": 3000, "northing": 4000, "free_places": 1,
    ...       "arrangement_types": ["live_in"], "approval_expires": "2030-01-01",
    ...       "dbs_expires": "2030-01-01"}], as_of="2026-11-23")
    >>> e = explain(inst, 0, 0)
    >>> for f in e["factors"]:
    ...     print(f["side"], f["factor"], round(f["contribution"], 3), "-", f["words"])
    person interests 0.6 - Sam and The Patels both enjoy gardening and music
    person distance 0.25 - 5.0 km from where Sam wants to live
    household needs 0.667 - Carers have experience of autism
    household interests 0.333 - Sam and The Patels both enjoy gardening and music
    >>> round(e["person_side"], 3), round(e["household_side"], 3), round(e["total"], 3)
    (0.85, 1.0, 0.922)
    >>> print(e["summary"])  # doctest: +NORMALIZE_WHITESPACE
    This looks like a good match. Carers have experience of autism.
    Sam and The Patels both enjoy gardening and music. Sam and the carers decide together.
    """
    i, j = int(person), int(household)
    p, h = instance.people, instance.households
    P, H = pair_views(p, h, np.array([i]), np.array([j]))
    d = distance_km(P, H)
    ctx = {
        "name": p.name[i],
        "hname": h.name[j],
        "vocab": instance.vocab,
        "people": p,
        "households": h,
        "i": i,
        "j": j,
        "km": float(d[0]),
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
        "weights_version": weights.version,
    }
    out["summary"] = summary(out)
    return out


def summary(explanation):
    """A short easy-read summary (2 to 4 short sentences) of an explanation.

    >>> summary({"allowed": False, "excluded_because": [{"message": "No free place at Ann's"}],
    ...          "factors": [], "total": 0.9})
    "This home is not possible now. No free place at Ann's."
    """
    if not explanation["allowed"]:
        first = explanation["excluded_because"][0]["message"]
        return f"This home is not possible now. {first}."
    total = explanation["total"]
    if total >= 0.75:
        lead = "This looks like a good match."
    elif total >= 0.5:
        lead = "This could be a match."
    else:
        lead = "This may not be a good match."
    good = [
        f for f in explanation["factors"] if f["factor"] != "neutral" and f["value"] >= 0.75 and f["contribution"] > 0
    ]
    good.sort(key=lambda f: (-f["contribution"], f["side"], f["factor"]))
    seen, picked = set(), []
    for f in good:
        if f["words"] not in seen:
            seen.add(f["words"])
            picked.append(f["words"])
        if len(picked) == 2:
            break
    sentences = [lead] + [w + "." for w in picked]
    who = explanation.get("person_name") or "The person"
    sentences.append(f"{who} and the carers decide together.")
    return " ".join(sentences)

"""Scheme-wide proposals from a JSON-ready instance, with shortlists and explanations.

Instance JSON (all keys but ``people`` and ``households`` optional)::

    {
      "as_of": "2026-11-23",                 # date for approval/DBS checks
      "weights": {"version": "...", "person": {...}, "household": {...}},
      "people": [ {person record}, ... ],     # fields: matching.instance
      "households": [ {household record}, ... ],
      "preferences": {                        # optional stated rankings for
        "people": {"p1": ["h2", "h1"]},       # "stable"; replace the score-
        "households": {"h1": ["p1"]}          # derived ranking of that side
      }
    }

Proposals are suggestions for people to weigh, never placements.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .constraints import hard_constraints
from .explain import explain
from .instance import Instance
from .optimal import max_compatibility, max_compatibility_sparse
from .scoring import score
from .shortlist import preference_lists, shortlists
from .stable import blocking_pairs, deferred_acceptance, is_valid
from .weights import DEFAULT_WEIGHTS, Weights

__all__ = ["load_instance", "propose", "solve"]

_DENSE_PAIRS = 4_000_000  # up to this many pairs, proposals use every allowed pair
NOTE = "Suggestions for people to weigh, never placements. People decide."


def load_instance(source):
    """Read an instance from a path, a JSON string or a dict.

    Returns
    -------
    instance : Instance
    weights : Weights
    preferences : dict or None

    Examples
    --------
    >>> inst, w, prefs = load_instance({"people": [{"id": 1}], "households": [{"id": 2}],
    ...                                 "as_of": "2026-01-01"})
    >>> len(inst.people), w.version, prefs
    (1, '2026-11-1', None)
    """
    if isinstance(source, (str, Path)) and not str(source).lstrip().startswith("{"):
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    elif isinstance(source, str):
        data = json.loads(source)
    else:
        data = source
    w = data.get("weights") or {}
    weights = (
        Weights(w.get("person"), w.get("household"), w.get("version", DEFAULT_WEIGHTS.version))
        if w
        else DEFAULT_WEIGHTS
    )
    inst = Instance.from_records(data["people"], data["households"], as_of=data.get("as_of"))
    return inst, weights, data.get("preferences")


def _full_scores(instance, weights):
    allowed, _ = hard_constraints(instance)
    p, h, t = score(instance, weights=weights)
    return allowed, p, h, t


def _stable(instance, weights, preferences):
    people, households = instance.people, instance.households
    n, m = len(people), len(households)
    if n * m <= _DENSE_PAIRS:
        allowed, p, h, _ = _full_scores(instance, weights)
        hrows = np.arange(m)
        pp = {}
        for i in range(n):
            ok = np.flatnonzero(allowed[i])
            order = ok[np.lexsort((ok, -p[i, ok]))]
            pp[people.ids[i]] = [households.ids[j] for j in order]
        hp = {}
        for j in hrows:
            ok = np.flatnonzero(allowed[:, j])
            order = ok[np.lexsort((ok, -h[ok, j]))]
            hp[households.ids[j]] = [people.ids[i] for i in order]
    else:
        prefs, ranks, _ = preference_lists(instance, 50, weights)
        pp, hp = {}, {hid: [] for hid in households.ids}
        for i in range(n):
            row = [int(j) for j in prefs[i] if j >= 0]
            pp[people.ids[i]] = [households.ids[j] for j in row]
        pairs = [(int(ranks[i, k]), i, int(prefs[i, k])) for i, k in zip(*np.nonzero(ranks >= 0), strict=False)]
        for _r, i, j in sorted(pairs):
            hp[households.ids[j]].append(people.ids[i])
    if preferences:
        ppos = {pid: i for i, pid in enumerate(people.ids)}
        hpos = {hid: j for j, hid in enumerate(households.ids)}

        def ok(pid, hid):
            if pid not in ppos or hid not in hpos:
                return False
            return bool(hard_constraints(instance, pairs=([ppos[pid]], [hpos[hid]]))[0][0])

        for pid, lst in (preferences.get("people") or {}).items():
            pp[pid] = [hid for hid in lst if ok(pid, hid)]
        for hid, lst in (preferences.get("households") or {}).items():
            hp[hid] = [pid for pid in lst if ok(pid, hid)]
    caps = {hid: int(c) for hid, c in zip(households.ids, households.free_places, strict=False)}
    result = deferred_acceptance(pp, hp, caps)
    check = {
        "blocking_pairs": [list(b) for b in blocking_pairs(result, pp, hp, caps)],
        "valid": is_valid(result, pp, hp, caps),
    }
    hpos = {hid: j for j, hid in enumerate(households.ids)}
    ppos = {pid: i for i, pid in enumerate(people.ids)}
    pairs = sorted((ppos[pid], hpos[hid]) for hid, lst in result.items() for pid in lst)
    return pairs, check


def _optimal(instance, weights):
    n, m = len(instance.people), len(instance.households)
    caps = instance.households.free_places
    if n * m <= _DENSE_PAIRS:
        allowed, _, _, t = _full_scores(instance, weights)
        return max_compatibility(np.where(allowed, t, np.nan), caps), "exact on all allowed pairs"
    lists = shortlists(instance, 50, k_households=0, weights=weights)
    ok = lists.person_households >= 0
    pi = np.nonzero(ok)[0]
    pairs = max_compatibility_sparse(pi, lists.person_households[ok], lists.person_total[ok], n, caps)
    return pairs, "exact on each person's 50 best allowed households"


def propose(instance, method="optimal", weights=DEFAULT_WEIGHTS, preferences=None):
    """Scheme-wide proposals as position pairs, with a note on how they were found.

    Parameters
    ----------
    instance : Instance
    method : {"optimal", "stable"}
    weights : Weights
    preferences : dict, optional
        Stated rankings for ``"stable"`` (see the module doc).

    Returns
    -------
    pairs : list of (int, int)
    details : dict
        ``{"method", "weights_version", ...}``; for ``stable`` also
        ``blocking_pairs`` (always empty) and ``valid``.

    Examples
    --------
    >>> inst, w, _ = load_instance(Path(__file__).parent / "examples" / "scheme.json")
    >>> pairs, details = propose(inst, "stable", w)
    >>> details["blocking_pairs"], details["valid"]
    ([], True)
    """
    if method == "optimal":
        pairs, how = _optimal(instance, weights)
        details = {"method": "optimal", "how": how}
    elif method == "stable":
        pairs, check = _stable(instance, weights, preferences)
        details = {"method": "stable", "how": "person-proposing deferred acceptance", **check}
    else:
        raise ValueError("method must be 'optimal' or 'stable'")
    details["weights_version"] = weights.version
    return pairs, details


def _num(x):
    x = float(x)
    return None if math.isnan(x) else round(x, 6)


def solve(source, method="optimal", top_k=5, explain_all=True):
    """Proposals, shortlists and explanations for an instance, JSON-ready.

    Parameters
    ----------
    source : path, JSON string or dict
        An instance (see the module doc).
    method : {"optimal", "stable"}
    top_k : int
        Shortlist length on each side.
    explain_all : bool
        Attach a full explanation to every shortlist entry (else a summary).

    Returns
    -------
    dict
        ``note``, ``weights_version``, ``method``, ``proposals`` (each with
        its explanation), ``unproposed_people``, ``shortlists``
        (``people``/``households``) and, for ``stable``, ``stability``.

    Examples
    --------
    >>> out = solve(Path(__file__).parent / "examples" / "scheme.json", "optimal", 3)
    >>> sorted(out)[:4]
    ['as_of', 'details', 'method', 'note']
    """
    inst, weights, prefs = load_instance(source)
    pairs, details = propose(inst, method, weights, prefs)
    people, households = inst.people, inst.households
    proposals = []
    for i, j in pairs:
        e = explain(inst, i, j, weights)
        proposals.append(
            {
                "person_id": people.ids[i],
                "household_id": households.ids[j],
                "total": e["total"],
                "person_side": e["person_side"],
                "household_side": e["household_side"],
                "summary": e["summary"],
                "explanation": e,
            }
        )
    proposed = {i for i, _ in pairs}
    lists = shortlists(inst, top_k, weights=weights)
    sp = {}
    for i, pid in enumerate(people.ids):
        rows = []
        for r, j in enumerate(lists.person_households[i]):
            if j < 0:
                continue
            e = explain(inst, i, int(j), weights)
            entry = {
                "rank": r + 1,
                "household_id": households.ids[j],
                "total": _num(lists.person_total[i, r]),
                "person_side": _num(lists.person_side[i, r]),
                "household_side": _num(lists.household_side[i, r]),
                "summary": e["summary"],
            }
            if explain_all:
                entry["explanation"] = e
            rows.append(entry)
        sp[str(pid)] = rows
    sh = {}
    for j, hid in enumerate(households.ids):
        rows = []
        for r, i in enumerate(lists.household_people[j]):
            if i < 0:
                continue
            e = explain(inst, int(i), j, weights)
            rows.append(
                {
                    "rank": r + 1,
                    "person_id": people.ids[i],
                    "total": _num(lists.household_total[j, r]),
                    "summary": e["summary"],
                }
            )
        sh[str(hid)] = rows
    out = {
        "note": NOTE,
        "weights_version": weights.version,
        "method": method,
        "as_of": _iso(inst.as_of),
        "proposals": proposals,
        "total_compatibility": math.fsum(p["total"] for p in proposals),
        "unproposed_people": [pid for i, pid in enumerate(people.ids) if i not in proposed],
        "shortlists": {"people": sp, "households": sh},
        "details": details,
    }
    if method == "stable":
        out["stability"] = {
            "blocking_pairs": details["blocking_pairs"],
            "valid": details["valid"],
        }
    return out


def _iso(ordinal):
    import datetime as dt

    return dt.date.fromordinal(ordinal).isoformat() if ordinal > 0 else None

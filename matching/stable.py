"""Stable proposals: person-proposing deferred acceptance with capacities.

This is the hospitals/residents problem (Gale and Shapley 1962; Roth 1984):
people propose, households hold their best offers up to their free places.
The result is the *person-optimal* stable matching: no person does better in
any stable matching.  A pair counts only if each side lists the other.

Proposals are suggestions for people to weigh, never placements.
"""

from __future__ import annotations

from heapq import heappush, heapreplace

import numpy as np

from . import _compiled

__all__ = [
    "blocking_pairs",
    "deferred_acceptance",
    "deferred_acceptance_arrays",
    "household_ranks",
    "is_stable",
    "is_valid",
    "validity_issues",
]


def _da_core(prefs, ranks, caps):
    """Deferred acceptance on position lists.

    ``prefs[p]`` lists household positions, best first (-1 ends a list);
    ``ranks[p][k]`` is the rank household ``prefs[p][k]`` gives ``p``
    (lower is better; negative means it does not list ``p``).
    Returns ``held``: per household a heap of ``(-rank, person)``.
    """
    held = [[] for _ in caps]
    nxt = [0] * len(prefs)
    free = list(range(len(prefs) - 1, -1, -1))
    pop, push = free.pop, free.append
    while free:
        p = pop()
        lst, rk = prefs[p], ranks[p]
        k, end = nxt[p], len(lst)
        while k < end:
            h = lst[k]
            if h < 0:
                k = end
                break
            r = rk[k]
            k += 1
            if r < 0:
                continue
            heap = held[h]
            if len(heap) < caps[h]:
                heappush(heap, (-r, p))
                break
            if heap and -heap[0][0] > r:
                push(heapreplace(heap, (-r, p))[1])
                break
        nxt[p] = k
    return held


def deferred_acceptance_arrays(prefs, ranks, capacities, compiled=True):
    """Deferred acceptance on arrays (the fast path used by the CLI and bench).

    Parameters
    ----------
    prefs : int array (n_people, L)
        Household positions each person finds acceptable, best first, padded
        with -1.
    ranks : int array (n_people, L)
        ``ranks[p, k]``: the rank household ``prefs[p, k]`` gives person ``p``
        (0 is its favourite); -1 if the household does not list ``p``.
    capacities : int array (n_households,)
    compiled : bool
        Run the compiled kernel (:func:`matching._compiled.deferred_acceptance`);
        ``False`` runs the pure Python reference.  Both take the same steps
        and give the same answer.

    Returns
    -------
    int array (n_people,)
        The household position proposed for each person, -1 if none.

    Examples
    --------
    >>> prefs = np.array([[0, 1], [0, 1], [0, -1]])
    >>> ranks = np.array([[1, 0], [0, 1], [2, -1]])
    >>> deferred_acceptance_arrays(prefs, ranks, np.array([1, 1])).tolist()
    [1, 0, -1]
    """
    prefs = np.asarray(prefs)
    ranks = np.asarray(ranks)
    caps = np.maximum(np.asarray(capacities, dtype=np.int64), 0)
    if prefs.shape != ranks.shape or prefs.ndim != 2:
        raise ValueError("prefs and ranks must be 2-d arrays of the same shape")
    if prefs.size and prefs.max() >= len(caps):
        raise ValueError("prefs name a household beyond capacities")
    if compiled:
        return _compiled.deferred_acceptance(
            np.ascontiguousarray(prefs, dtype=np.int64), np.ascontiguousarray(ranks, dtype=np.int64), caps
        )
    held = _da_core(prefs.tolist(), ranks.tolist(), caps.tolist())
    out = np.full(len(prefs), -1, dtype=np.int64)
    for h, heap in enumerate(held):
        for _, p in heap:
            out[p] = h
    return out


def deferred_acceptance(person_prefs, household_prefs, capacities):
    """Person-optimal stable matching of people to households with capacities.

    Parameters
    ----------
    person_prefs : dict
        Person id -> list of household ids they find acceptable, best first.
    household_prefs : dict
        Household id -> list of person ids it finds acceptable, best first.
    capacities : dict
        Household id -> number of free places.

    Returns
    -------
    dict
        Household id -> list of person ids proposed there, in the household's
        order of preference.  Every household is present, maybe with ``[]``.
        A pair is used only if each side lists the other.

    Examples
    --------
    The hospitals/residents example from the ``matching`` package docs:

    >>> residents = {"A": ["C"], "S": ["C", "M"], "D": ["C", "M", "G"],
    ...              "J": ["C", "G", "M"], "L": ["M", "C", "G"]}
    >>> hospitals = {"M": ["D", "L", "S", "J"], "C": ["D", "A", "S", "L", "J"],
    ...              "G": ["D", "J", "L"]}
    >>> deferred_acceptance(residents, hospitals, {"M": 2, "C": 2, "G": 2})
    {'M': ['L', 'S'], 'C': ['D', 'A'], 'G': ['J']}
    """
    hids = list(dict.fromkeys([*capacities, *household_prefs]))
    caps = {h: max(int(capacities.get(h, 0)), 0) for h in hids}
    ranks = {}  # built lazily: a household's ranking is read only once someone proposes
    held = {h: [] for h in hids}
    nxt = {}
    free = list(reversed(list(person_prefs)))
    pop, push = free.pop, free.append
    empty = {}
    while free:
        p = pop()
        lst = person_prefs[p]
        k, end = nxt.get(p, 0), len(lst)
        while k < end:
            h = lst[k]
            k += 1
            rk = ranks.get(h)
            if rk is None:
                rk = ranks[h] = {q: r for r, q in enumerate(household_prefs.get(h, ()))} if h in held else empty
            r = rk.get(p)
            if r is None:
                continue
            heap = held[h]
            if len(heap) < caps[h]:
                heappush(heap, (-r, p))
                break
            if heap and -heap[0][0] > r:
                push(heapreplace(heap, (-r, p))[1])
                break
        nxt[p] = k
    return {h: [p for _, p in sorted(held[h], key=lambda x: -x[0])] for h in hids}


def household_ranks(prefs, household_scores, n_households):
    """Rank, for each listed pair, the person within the household's applicants.

    Each household ranks the people who list it by its own score (ties by
    person position), so both lists come from each side's own view.

    Parameters
    ----------
    prefs : int array (n_people, L), -1 padded
    household_scores : float array (n_people, L)
        The household's score of each listed pair (nan: unacceptable).
    n_households : int

    Returns
    -------
    int array (n_people, L): rank (0 best), -1 where not acceptable.

    Examples
    --------
    >>> household_ranks(np.array([[0], [0]]), np.array([[0.2], [0.9]]), 1).tolist()
    [[1], [0]]
    """
    prefs = np.asarray(prefs)
    hs = np.asarray(household_scores, dtype=np.float64)
    ok = (prefs >= 0) & np.isfinite(hs)
    p_idx, k_idx = np.nonzero(ok)
    h = prefs[p_idx, k_idx]
    # by household, then the household's score (best first), then person
    order = np.lexsort((p_idx, -hs[p_idx, k_idx], h)) if len(h) < 50_000 else _fast_order(p_idx, hs[p_idx, k_idx], h)
    hs_sorted = h[order]
    start = np.searchsorted(hs_sorted, np.arange(n_households))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start[hs_sorted]
    out = np.full(prefs.shape, -1, dtype=np.int64)
    out[p_idx, k_idx] = rank
    return out


def _fast_order(p_idx, score, h):
    # np.nonzero gives p_idx ascending, so a stable sort keeps person order on ties
    lo, hi = np.nanmin(score), np.nanmax(score)
    span = (hi - lo) or 1.0
    comp = h.astype(np.float64) * 2.0 + (1.0 - (score - lo) / span)
    return np.argsort(comp, kind="stable")


def _assignment(matching):
    where = {}
    for h, people in matching.items():
        for p in people:
            where[p] = h
    return where


def validity_issues(matching, person_prefs, household_prefs, capacities):
    """Problems that make a matching invalid (empty list if valid).

    >>> validity_issues({"h": ["a", "b"]}, {"a": ["h"], "b": []}, {"h": ["a", "b"]}, {"h": 1})
    ['h holds 2 people but has 1 free places', 'b does not list h']
    """
    issues = []
    seen = {}
    for h, people in matching.items():
        if len(people) > capacities.get(h, 0):
            issues.append(f"{h} holds {len(people)} people but has {capacities.get(h, 0)} free places")
        for p in people:
            if p in seen:
                issues.append(f"{p} is proposed to both {seen[p]} and {h}")
            seen[p] = h
            if h not in person_prefs.get(p, ()):
                issues.append(f"{p} does not list {h}")
            if p not in household_prefs.get(h, ()):
                issues.append(f"{h} does not list {p}")
    return issues


def is_valid(matching, person_prefs, household_prefs, capacities):
    """True if capacities and both sides' acceptability are respected.

    >>> is_valid({"h": ["a"]}, {"a": ["h"]}, {"h": ["a"]}, {"h": 1})
    True
    """
    return not validity_issues(matching, person_prefs, household_prefs, capacities)


def blocking_pairs(matching, person_prefs, household_prefs, capacities):
    """Pairs ``(person, household)`` that would both rather be together.

    A pair blocks if each lists the other, the person prefers the household
    to their proposal (or has none), and the household has a free place or
    prefers the person to someone it holds.

    Examples
    --------
    >>> blocking_pairs({"x": ["b"], "y": []}, {"a": ["x"], "b": ["x"]},
    ...                {"x": ["a", "b"], "y": ["a"]}, {"x": 1, "y": 1})
    [('a', 'x')]
    """
    where = _assignment(matching)
    hrank = {h: {p: r for r, p in enumerate(lst)} for h, lst in household_prefs.items()}
    worst = {}
    for h, people in matching.items():
        ranks = [hrank.get(h, {}).get(p, len(hrank.get(h, {}))) for p in people]
        worst[h] = max(ranks) if ranks else -1
    out = []
    for p, lst in person_prefs.items():
        current = where.get(p)
        for h in lst:
            if h == current:
                break
            r = hrank.get(h, {}).get(p)
            if r is None:
                continue
            held = len(matching.get(h, ()))
            if held < capacities.get(h, 0) or r < worst.get(h, -1):
                out.append((p, h))
    return out


def is_stable(matching, person_prefs, household_prefs, capacities):
    """True if there is no blocking pair.

    >>> is_stable({"x": ["a"]}, {"a": ["x"]}, {"x": ["a"]}, {"x": 1})
    True
    """
    return not blocking_pairs(matching, person_prefs, household_prefs, capacities)

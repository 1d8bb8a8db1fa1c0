"""Optimal proposals: the set of pairs with the greatest total compatibility.

Each person gets at most one household, each household at most its free
places, and no excluded pair is used.  Pairs scoring ``nan`` (excluded) or
``<= 0`` are never taken: leaving a person unproposed scores 0, so a pair
worth nothing or less never helps the total.

Method: households are expanded to one column per free place and the
problem becomes a rectangular assignment.  Small dense problems go to
:func:`scipy.optimize.linear_sum_assignment` (unmatched = a zero-valued
column); large or sparse ones to a compiled shortest-augmenting-path solver
(:func:`matching._compiled.min_cost_assignment`) that keeps households
whole instead of expanding them into places.  The reference for the sparse
case (``compiled=False``) is
:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching` with one
private "unmatched" column per person costing ``M`` and real edges costing
``M - score`` (``M`` above every score), so a real edge is used exactly when
it adds to the total.  All are exact.

Proposals are suggestions for people to weigh, never placements.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from . import _compiled

__all__ = ["max_compatibility", "max_compatibility_sparse"]

_DENSE_LIMIT = 16_000_000  # cells of the place-expanded matrix for the dense solver


def _places(capacities):
    caps = np.maximum(np.asarray(capacities, dtype=np.int64), 0)
    offsets = np.concatenate(([0], np.cumsum(caps)))
    return caps, offsets


def _assign(pi, hj, w, n_people, caps):
    """The compiled exact solver on edges already filtered (``w > 0``), sorted by person."""
    indptr = np.zeros(n_people + 1, dtype=np.int64)
    np.cumsum(np.bincount(pi, minlength=n_people), out=indptr[1:])
    assign = _compiled.min_cost_assignment(indptr, hj.astype(np.int64), -w.astype(np.float64), caps.astype(np.int64))
    r = np.flatnonzero(assign >= 0)
    return [(int(a), int(b)) for a, b in zip(r, assign[r], strict=True)]


def max_compatibility_sparse(person_index, household_index, weights, n_people, capacities, compiled=True):
    """Exact maximum-weight proposals on a candidate graph given as edge lists.

    Parameters
    ----------
    person_index, household_index : int arrays (E,)
        Candidate pairs (e.g. each person's top-50 households).
    weights : float array (E,)
        Their scores; ``nan`` or ``<= 0`` are dropped.
    n_people : int
    capacities : int array (n_households,)
    compiled : bool
        Solve with the compiled shortest-augmenting-path kernel
        (:func:`matching._compiled.min_cost_assignment`); ``False`` uses
        scipy's exact sparse matcher on households expanded into places, the
        reference.  Both are exact: same total, though ties may pick
        different pairs.

    Returns
    -------
    list of (int, int)
        ``(person, household)`` pairs, sorted by person.

    Examples
    --------
    >>> max_compatibility_sparse([0, 0, 1], [0, 1, 0], [0.9, 0.8, 0.85], 2, [1, 1])
    [(0, 1), (1, 0)]
    """
    pi = np.asarray(person_index, dtype=np.int64)
    hj = np.asarray(household_index, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    caps, offsets = _places(capacities)
    keep = np.isfinite(w) & (w > 0)
    keep &= caps[hj] > 0 if len(hj) else keep
    pi, hj, w = pi[keep], hj[keep], w[keep]
    if len(w) == 0:
        return []
    if compiled:
        order = np.argsort(pi, kind="stable")
        return _assign(pi[order], hj[order], w[order], n_people, caps)
    # one edge per (pair, place): repeat each edge cap[h] times
    reps = caps[hj]
    e_p = np.repeat(pi, reps)
    e_w = np.repeat(w, reps)
    first = np.repeat(offsets[hj], reps)
    within = np.arange(len(e_p)) - np.repeat(np.cumsum(reps) - reps, reps)
    e_c = first + within
    n_places = int(offsets[-1])
    big = float(w.max()) + 1.0
    rows = np.concatenate((e_p, np.arange(n_people)))
    cols = np.concatenate((e_c, n_places + np.arange(n_people)))
    cost = np.concatenate((big - e_w, np.full(n_people, big)))
    graph = csr_matrix((cost, (rows, cols)), shape=(n_people, n_places + n_people))
    r, c = min_weight_full_bipartite_matching(graph)
    real = c < n_places
    r, c = r[real], c[real]
    h = np.searchsorted(offsets, c, side="right") - 1
    order = np.argsort(r, kind="stable")
    return [(int(a), int(b)) for a, b in zip(r[order], h[order], strict=False)]


def max_compatibility(scores, capacities, compiled=True):
    """Pairs that maximise total compatibility (a person may stay unmatched).

    Parameters
    ----------
    scores : float array (n_people, n_households)
        Compatibility, ``nan`` for excluded pairs.  Pairs ``<= 0`` are
        never worth taking.
    capacities : int array (n_households,)
        Free places.
    compiled : bool
        Solve sparse problems with the compiled kernel (see
        :func:`max_compatibility_sparse`); ``False`` uses scipy's, the
        reference.  Small dense problems always go to scipy's
        :func:`~scipy.optimize.linear_sum_assignment`, measured faster there
        (``bench/compare_peers.py``).

    Returns
    -------
    list of (int, int)
        ``(person index, household index)`` pairs, sorted by person; each
        person at most once, each household at most ``capacities[h]`` times.

    Examples
    --------
    >>> s = np.array([[0.9, 0.8], [0.85, np.nan], [0.1, 0.2]])
    >>> max_compatibility(s, np.array([1, 1]))
    [(0, 1), (1, 0)]
    >>> max_compatibility(s, np.array([1, 2]))
    [(0, 1), (1, 0), (2, 1)]
    """
    s = np.asarray(scores, dtype=np.float64)
    n, m = s.shape
    caps, offsets = _places(capacities)
    n_places = int(offsets[-1])
    if n == 0 or n_places == 0:
        return []
    valid = np.isfinite(s) & (s > 0) & (caps > 0)[None, :]
    density = valid.mean()
    if n * n_places <= _DENSE_LIMIT and density > 0.05:
        place_h = np.repeat(np.arange(m), caps)
        cost = -np.where(valid, s, 0.0)[:, place_h]
        # Reductions that shift every full assignment's cost by the same amount
        # keep the optimum and make the solver much faster: rows when every
        # row is assigned (n <= places), columns when every column is.
        if n <= n_places:
            cost -= cost.min(axis=1, keepdims=True)
        if n >= n_places:
            cost -= cost.min(axis=0, keepdims=True)
        r, c = linear_sum_assignment(cost)
        h = place_h[c]
        take = valid[r, h]
        return [(int(a), int(b)) for a, b in zip(r[take], h[take], strict=False)]
    pi, hj = np.nonzero(valid)
    return max_compatibility_sparse(pi, hj, s[pi, hj], n, caps, compiled=compiled)

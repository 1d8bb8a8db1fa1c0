"""Shortlists: the top k households per person and top k people per household.

Pairs are scored in blocks of people x all households (float32) and streamed
into the top k, so no n x m matrix is ever built.  When every person has a
place and a distance limit, a k-d tree first finds the households within
reach (the distance limit is a hard constraint) and only those pairs are
scored.  Excluded pairs never appear in a shortlist.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from . import _compiled
from ._columns import block_views, count, distance_km, nonempty, pair_views
from .constraints import _allowed_packed, _reasons, packed_columns
from .scoring import (
    _N_HCODE,
    DEFAULT_DISTANCE_KM,
    _household_code,
    _household_side,
    _person_code,
    _person_side,
    _scores,
    _tables,
)
from .stable import household_ranks
from .weights import DEFAULT_WEIGHTS

__all__ = ["Shortlists", "preference_lists", "shortlists"]

_NEG = np.float32(-np.inf)


@dataclass(frozen=True)
class Shortlists:
    """Top-k lists, best first, padded with -1 / nan.

    Attributes
    ----------
    k : int
    by : str
        Score that ranks households for each person: ``"total"`` or ``"person"``.
    person_households : int32 (n_people, k)
    person_total, person_side, household_side : float32 (n_people, k)
    household_people : int32 (n_households, k_households), ranked by total
    household_total : float32 (n_households, k_households)
    pairs_scored : int
        How many pairs were scored (all pairs, or those within reach).
    weights_version : str
    """

    k: int
    by: str
    person_households: np.ndarray
    person_total: np.ndarray
    person_side: np.ndarray
    household_side: np.ndarray
    household_people: np.ndarray
    household_total: np.ndarray
    pairs_scored: int
    weights_version: str


def _top(key, k, tie=None):
    """Positions of the ``k`` largest per row, best first; ties by ``tie`` (default: position).

    A full sort per row would be deterministic but slow; a partition finds
    each row's k-th value, then only the entries at least that large are
    sorted, so ties at the k-th value resolve the same way as a full sort.
    """
    n, m = key.shape
    k = min(k, m)
    if m > k:
        kth = -np.partition(-key, k - 1, axis=1)[:, k - 1]
        r, c = np.nonzero(key >= kth[:, None])
    else:
        r, c = np.divmod(np.arange(n * m), m)
    order = np.lexsort((c if tie is None else tie[r, c], -key[r, c], r))
    r, c = r[order], c[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(n))[r]
    return c[rank < k].reshape(n, k)


def _topk_rows(key, k):
    """Positions of the ``k`` largest per row, best first (ties: lower position), -1 for -inf."""
    part = _top(key, k)
    part[np.take_along_axis(key, part, axis=1) == _NEG] = -1
    return part


def _topk_cols(key, k):
    """Row positions of the ``k`` largest per column, best first (ties: lower row), and their values."""
    part = _top(key.T, k)
    return part, np.take_along_axis(key.T, part, axis=1)


def _pad(a, k, fill):
    if a.shape[1] >= k:
        return a[:, :k]
    extra = np.full((a.shape[0], k - a.shape[1]), fill, dtype=a.dtype)
    return np.concatenate((a, extra), axis=1)


class _ColumnTopK:
    """Running top-k rows per column, best first (ties: lower row id), merged block by block."""

    def __init__(self, m, k):
        self.k = k
        self.vals = np.full((m, k), _NEG, dtype=np.float32)
        self.ids = np.full((m, k), -1, dtype=np.int64)

    def add(self, part, vals, row_ids):
        ids = np.where(vals == _NEG, -1, row_ids[part])
        vals = np.concatenate((self.vals, vals), axis=1)
        ids = np.concatenate((self.ids, ids), axis=1)
        keep = _top(vals, self.k, tie=np.where(ids < 0, np.iinfo(np.int64).max, ids))
        self.vals = np.take_along_axis(vals, keep, axis=1)
        self.ids = np.take_along_axis(ids, keep, axis=1)

    def result(self):
        ids = np.where(self.vals == _NEG, -1, self.ids)
        vals = np.where(self.vals == _NEG, np.nan, self.vals)
        return ids.astype(np.int32), vals.astype(np.float32)


def _dense_block(instance, packed, pidx, hidx, kk, by, kh, weights):
    people, households = instance.people, instance.households
    P, H = block_views(people, households, pidx, hidx)
    if packed is not None:
        PP, PH = block_views(packed[0], packed[1], pidx, hidx)
        d = distance_km(PP, PH)
        allowed = _allowed_packed(PP, PH, d)
    else:
        d = distance_km(P, H)
        allowed = _reasons(P, H, instance.as_of, d) == 0
    p, h, t = _scores(P, H, weights, d)
    key = np.where(allowed, t if by == "total" else p, _NEG)
    part = _topk_rows(key, min(kk, key.shape[1]))
    ok = part >= 0
    safe = np.where(ok, part, 0)
    rows = [np.where(ok, np.take_along_axis(arr, safe, axis=1), np.nan) for arr in (t, p, h)]
    if hidx is not None:
        part = np.where(ok, hidx[safe], -1)
    cols = None
    if kh:
        cols = _topk_cols(key if by == "total" else np.where(allowed, t, _NEG), kh)
    return pidx, part, rows, cols


def _compiled_columns(instance, packed, weights):
    """The columns :func:`matching._compiled.dense_top_k` reads, in its layout."""
    p, h = instance.people, instance.households
    pk, hk = packed
    f32 = np.float32
    east = (p.easting * 1e-3).astype(f32)
    north = (p.northing * 1e-3).astype(f32)
    lim = p.max_distance_km.astype(f32)
    scale = np.maximum(np.where(np.isfinite(lim), lim, f32(DEFAULT_DISTANCE_KM)), f32(0.1))
    pf = np.column_stack((east, north, lim, scale, p.age, np.isfinite(east))).astype(f32)
    pi = np.column_stack(
        (_person_code(p), count(p.interests), count(p.needs), p.language_required, p.faith_important)
    ).astype(np.int64)
    pu = np.column_stack((pk.required, pk.forbidden, pk.skilled_needs, pk.needs)).astype(np.uint64)
    pm = np.concatenate((p.interests, p.languages, p.faith_mask, p.needs, p.traits), axis=1)
    hm = np.concatenate((h.interests, h.languages, h.faiths, h.skills, h.cannot_live_with), axis=1)
    widths = [a.shape[1] for a in (p.interests, p.languages, p.faith_mask, p.needs, p.traits)]
    seg = np.concatenate(([0], np.cumsum(widths))).astype(np.int64)
    hf = np.column_stack(((h.easting * 1e-3).astype(f32), (h.northing * 1e-3).astype(f32), h.age_min, h.age_max))
    hi = np.column_stack((_household_code(h), count(h.interests), nonempty(h.cannot_live_with))).astype(np.int64)
    hu = np.column_stack((hk.features, hk.no_skill, hk.cannot_offer)).astype(np.uint64)
    tables = np.column_stack(_tables(tuple(sorted(weights.person.items())), tuple(sorted(weights.household.items()))))
    w = np.array(
        [weights.person[f] for f in ("interests", "language", "faith", "distance")]
        + [weights.household[f] for f in ("needs", "age", "interests", "resident_age", "members")],
        dtype=f32,
    )
    n_terms = int(pm.shape[1] * 64) + 1
    ratios = np.minimum(
        np.arange(n_terms, dtype=f32)[None, :] / np.maximum(np.arange(n_terms), 1).astype(f32)[:, None], f32(1)
    )
    return (
        pf,
        pi,
        pu,
        np.ascontiguousarray(pm),
        hf.astype(f32),
        hi,
        hu,
        np.ascontiguousarray(hm),
        np.ascontiguousarray(h.resident_ages, dtype=f32),
        seg,
        tables,
        _N_HCODE,
        ratios,
        w,
    )


def _dense_compiled(instance, packed, hidx, kk, by, kh, weights, n_blocks):
    """:func:`_dense` through the compiled kernel: same lists, same scores."""
    n = len(instance.people)
    cols = np.asarray(hidx, dtype=np.int64)
    width = min(kk, len(cols))
    args = _compiled_columns(instance, packed, weights)
    ids = np.full((n, width), -1, dtype=np.int32)
    vals = np.full((n, width, 3), np.nan, dtype=np.float32)
    blocks = [b for b in np.array_split(np.arange(n, dtype=np.int64), n_blocks) if len(b)]

    def job(rows):
        cv = np.full((len(cols), kh), _NEG, dtype=np.float32)
        ci = np.full((len(cols), kh), -1, dtype=np.int64)
        bi = np.empty((len(rows), width), dtype=np.int32)
        bv = np.empty((len(rows), width, 3), dtype=np.float32)
        _compiled.dense_top_k(rows, cols, *args, by == "total", bi, bv, cv, ci)
        return rows, bi, bv, cv, ci

    col_vals = np.full((len(cols), kh), _NEG, dtype=np.float32)
    col_ids = np.full((len(cols), kh), -1, dtype=np.int64)
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 4)) as pool:
        # the kernel releases the GIL; blocks merge in person order, so the
        # answer does not depend on timing
        for rows, bi, bv, cv, ci in pool.map(job, blocks):
            ids[rows] = bi
            vals[rows] = bv
            _compiled.merge_top_k(col_vals, col_ids, cv, ci)
    return ids, {"t": vals[..., 0], "p": vals[..., 1], "h": vals[..., 2]}, col_vals, col_ids


def _dense(instance, k, by, kh, weights, block, workers=None, compiled=True):
    people, households = instance.people, instance.households
    n, m = len(people), len(households)
    kk = min(k, m)
    out_idx = np.full((n, kk), -1, dtype=np.int32)
    out = {name: np.full((n, kk), np.nan, dtype=np.float32) for name in ("t", "p", "h")}
    packed = packed_columns(instance)
    # households no one can choose now (no free place, approval or DBS expired) are skipped
    hidx = None if packed is None else np.flatnonzero(packed[1].valid)
    if hidx is not None and len(hidx) == 0:
        empty = np.empty((m, 0), np.int32)
        return out_idx, out, empty, empty.astype(np.float32), 0
    workers = workers or min(os.cpu_count() or 1, 4)
    if compiled and packed is not None and kk > 0 and n > 0:
        idx, rows, cv, ci = _dense_compiled(instance, packed, hidx, kk, by, kh, weights, max(workers * 4, n // 2048))
        w = idx.shape[1]
        out_idx[:, :w] = idx
        for name, arr in rows.items():
            out[name][:, :w] = arr
        cols = _ColumnTopK(len(hidx), kh) if kh else None
        if cols is not None:
            cols.vals, cols.ids = cv, ci
    else:
        cols = _ColumnTopK(m if hidx is None else len(hidx), kh) if kh else None
        blocks = [np.arange(s, min(n, s + block)) for s in range(0, n, block)]

        def job(pidx):
            return _dense_block(instance, packed, pidx, hidx, kk, by, kh, weights)

        # numpy releases the GIL in its loops, so blocks score in parallel threads;
        # results are merged in block order, so the answer does not depend on timing
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for pidx, part, rows, colres in pool.map(job, blocks):
                w = part.shape[1]
                out_idx[pidx, :w] = part
                for name, arr in zip(("t", "p", "h"), rows, strict=True):
                    out[name][pidx, :w] = arr
                if cols is not None:
                    cols.add(colres[0], colres[1], pidx)
    if cols is None:
        hp, ht = np.empty((m, 0), np.int32), np.empty((m, 0), np.float32)
    elif hidx is None:
        hp, ht = cols.result()
    else:
        sub_p, sub_t = cols.result()
        hp = np.full((m, kh), -1, dtype=np.int32)
        ht = np.full((m, kh), np.nan, dtype=np.float32)
        hp[hidx], ht[hidx] = sub_p, sub_t
    return out_idx, out, hp, ht, n * (m if hidx is None else len(hidx))


def _reach_join(pc, hc, r, people, households, buckets):
    """Pairs of ``people`` x ``households`` (positions) within ``r[person]`` km."""
    # A household with no known place is beyond every limit (see constraints._too_far).
    households = households[np.isfinite(hc[households]).all(axis=1)]
    if len(people) == 0 or len(households) == 0:
        return [], []
    tree = cKDTree(hc[households])
    order = people[np.argsort(r[people], kind="stable")]
    n_buckets = max(1, min(buckets, len(order) // 64))
    out_p, out_h = [], []
    for chunk in np.array_split(order, n_buckets):
        if len(chunk) == 0:
            continue
        sub = cKDTree(pc[chunk])
        res = sub.sparse_distance_matrix(tree, float(r[chunk].max()), output_type="ndarray")
        i = chunk[res["i"]]
        keep = res["v"] <= r[i]
        out_p.append(i[keep])
        out_h.append(households[res["j"][keep]])
    return out_p, out_h


def _within_reach(instance, households_ok=None, buckets=8, packed=None, min_group=200):
    """Pairs within each person's distance limit (in no particular order).

    People are bucketed by their limit so each k-d tree query uses a radius
    close to their own; households no one can choose are left out first.
    With ``packed`` columns (see :func:`matching.constraints.packed_columns`)
    people are also grouped by what they require and cannot live with, and
    each group is joined only with the households that fit those, so pairs a
    hard constraint excludes are mostly never generated.
    """
    p, h = instance.people, instance.households
    pc = np.column_stack((p.easting, p.northing)) * 1e-3
    hc = np.column_stack((h.easting, h.northing)) * 1e-3
    r = p.max_distance_km.astype(np.float64) * (1 + 1e-6) + 1e-6
    ok = np.ones(len(h), dtype=bool) if households_ok is None else np.asarray(households_ok)
    out_p, out_h = [], []
    if packed is None:
        out_p, out_h = _reach_join(pc, hc, r, np.arange(len(p)), np.flatnonzero(ok), buckets)
    else:
        pk, hk = packed
        keys = np.column_stack((pk.required, pk.forbidden))
        combos, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        by_combo = np.argsort(inverse, kind="stable")
        starts = np.searchsorted(inverse[by_combo], np.arange(len(combos) + 1))
        f = hk.features
        rest = []
        for c, (req, forb) in enumerate(combos):
            people = by_combo[starts[c] : starts[c + 1]]
            if len(people) < min_group:  # a tree of its own would not pay off
                rest.append(people)
                continue
            fits = np.flatnonzero(ok & ((f & req) == req) & ((f & forb) == 0))
            a, b = _reach_join(pc, hc, r, people, fits, buckets)
            out_p += a
            out_h += b
        if rest:
            a, b = _reach_join(pc, hc, r, np.concatenate(rest), np.flatnonzero(ok), buckets)
            out_p += a
            out_h += b
    if not out_p:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_p).astype(np.int64), np.concatenate(out_h).astype(np.int64)


def _group_topk(group, key, n_groups, k):
    """Top ``k`` per group by ``key`` (in [0, 1]); ties keep the input order."""
    comp = group.astype(np.float64) * 2.0 + (1.0 - key.astype(np.float64))
    order = np.argsort(comp, kind="stable")
    g = group[order]
    start = np.searchsorted(g, np.arange(n_groups))
    rank = np.arange(len(g)) - start[g]
    take = rank < k
    return order[take], g[take], rank[take]


def _by_pairs(instance, k, by, kh, weights):
    people, households = instance.people, instance.households
    n, m = len(people), len(households)
    packed = packed_columns(instance)
    pi, hj = _within_reach(instance, None if packed is None else packed[1].valid, packed=packed)
    scored = len(pi)
    if packed is not None:
        PP, PH = pair_views(packed[0], packed[1], pi, hj)
        d = distance_km(PP, PH)
        allowed = _allowed_packed(PP, PH, d)
    else:
        P, H = pair_views(people, households, pi, hj)
        d = distance_km(P, H)
        allowed = _reasons(P, H, instance.as_of, d) == 0
    pi, hj, d = pi[allowed], hj[allowed], d[allowed]
    o = np.argsort(pi * m + hj)  # (person, household) order: ties resolve by position
    pi, hj, d = pi[o], hj[o], d[o]
    P, H = pair_views(people, households, pi, hj)
    kk = min(k, m)
    if by == "person" and not kh:
        # ranking by the person's view: the household's view is needed only
        # for the pairs that make the lists
        p = _person_side(P, H, weights, d)
        sel, g, r = _group_topk(pi, p, n, kk)
        P2, H2 = pair_views(people, households, pi[sel], hj[sel])
        h_sel = _household_side(P2, H2, weights)
        p_sel = p[sel]
        vals = {"t": np.sqrt(p_sel * h_sel), "p": p_sel, "h": h_sel}
    else:
        p, h, t = _scores(P, H, weights, d)
        sel, g, r = _group_topk(pi, t if by == "total" else p, n, kk)
        vals = {"t": t[sel], "p": p[sel], "h": h[sel]}
    out_idx = np.full((n, kk), -1, dtype=np.int32)
    out_idx[g, r] = hj[sel]
    out = {}
    for name, arr in vals.items():
        out[name] = np.full((n, kk), np.nan, dtype=np.float32)
        out[name][g, r] = arr
    hp = np.full((m, kh), -1, dtype=np.int32)
    ht = np.full((m, kh), np.nan, dtype=np.float32)
    if kh:
        sel, g, r = _group_topk(hj, t, m, kh)
        hp[g, r] = pi[sel]
        ht[g, r] = t[sel]
    return out_idx, out, hp, ht, scored


def shortlists(
    instance,
    k=10,
    *,
    by="total",
    k_households=None,
    weights=DEFAULT_WEIGHTS,
    block=256,
    prefilter="auto",
    compiled=True,
):
    """Top ``k`` households per person and top people per household.

    Parameters
    ----------
    instance : Instance
    k : int
        Length of each person's list.
    by : {"total", "person"}
        ``"total"`` (mutual score) for shortlists; ``"person"`` ranks by the
        person's own view (used for stable proposals).
    k_households : int, optional
        Length of each household's list (default ``k``; 0 to skip).
    weights : Weights
    block : int
        People per block when scoring against all households.
    prefilter : {"auto", "distance", "none"}
        ``"distance"`` scores only pairs within each person's distance limit
        (found with a k-d tree); ``"auto"`` does so when every person has a
        place and a limit.
    compiled : bool
        Score all pairs with the compiled kernel (:mod:`matching._compiled`)
        when no prefilter applies; ``False`` takes the numpy path, the
        reference it is tested against.  Both give identical lists.

    Returns
    -------
    Shortlists

    Examples
    --------
    >>> from matching.instance import Instance
    >>> ok = {"free_places": 1, "arrangement_types": ["live_in"],
    ...       "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}
    >>> inst = Instance.from_records(
    ...     [{"id": "p", "interests": ["music"]}],
    ...     [{"id": "a", **ok}, {"id": "b", "interests": ["music"], **ok},
    ...      {"id": "c", "interests": ["music"], "free_places": 0}], as_of="2026-11-23")
    >>> s = shortlists(inst, k=2)
    >>> s.person_households.tolist(), s.household_people.tolist()
    ([[1, 0]], [[0, -1], [0, -1], [-1, -1]])
    """
    if by not in ("total", "person"):
        raise ValueError("by must be 'total' or 'person'")
    kh = k if k_households is None else k_households
    p = instance.people
    reach = np.isfinite(p.max_distance_km).all() and np.isfinite(p.easting).all() and np.isfinite(p.northing).all()
    if prefilter == "distance" and not reach:
        raise ValueError("distance prefilter needs every person's place and distance limit")
    if prefilter == "distance" or (prefilter == "auto" and reach and len(p)):
        idx, out, hp, ht, scored = _by_pairs(instance, k, by, kh, weights)
    else:
        idx, out, hp, ht, scored = _dense(instance, k, by, kh, weights, block, compiled=compiled)
    return Shortlists(
        k=k,
        by=by,
        person_households=_pad(idx, k, -1),
        person_total=_pad(out["t"], k, np.nan),
        person_side=_pad(out["p"], k, np.nan),
        household_side=_pad(out["h"], k, np.nan),
        household_people=_pad(hp, kh, -1),
        household_total=_pad(ht, kh, np.nan),
        pairs_scored=int(scored),
        weights_version=weights.version,
    )


def preference_lists(instance, length=50, weights=DEFAULT_WEIGHTS, **kwargs):
    """Rankings for stable proposals, each from that side's own view.

    Each person lists their ``length`` best allowed households by the
    person's score; each household ranks the people who list it by the
    household's score.

    Returns
    -------
    prefs : int array (n_people, length), -1 padded
    ranks : int array (n_people, length), the household's rank of that person
    lists : Shortlists
        The underlying lists (with both sides' scores).

    Examples
    --------
    >>> from matching.instance import Instance
    >>> ok = {"free_places": 1, "arrangement_types": ["live_in"],
    ...       "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}
    >>> inst = Instance.from_records(
    ...     [{"id": "x", "age": 30}, {"id": "y", "age": 70}],
    ...     [{"id": "a", "age_min": 18, "age_max": 40, **ok}], as_of="2026-11-23")
    >>> prefs, ranks, _ = preference_lists(inst)
    >>> prefs[:, :1].tolist(), ranks[:, :1].tolist()
    ([[0], [0]], [[0], [1]])
    """
    lists = shortlists(instance, length, by="person", k_households=0, weights=weights, **kwargs)
    prefs = lists.person_households.astype(np.int64)
    ranks = household_ranks(prefs, lists.household_side, len(instance.households))
    return prefs, ranks, lists

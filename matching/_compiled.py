"""Compiled kernels (numba) for the engine's hot loops.

Each kernel computes what a numpy path of the engine computes, with the same
float32 operations in the same order, so the results are identical, not just
close; the numpy paths stay as the reference and ``tests/matching/`` checks
the two agree on generated instances.

Each kernel has its one signature, so it is compiled when this module is
imported, never during a request, and cached on disk (``cache=True``, in
``__pycache__`` beside this file or numba's user cache): the first import
on a machine compiles (about 10 s), later ones load the cache.
``bench/compare_peers.py`` measures both.  Kernels release the GIL, so
callers run them in threads.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_JIT = {"nogil": True, "error_model": "numpy"}
# Helpers are inlined into the kernels (and cached with them).  Those called
# once per pair take scalars only: passing arrays, even to an inlined
# function, costs reference counting on every call (measured 10 ns per array
# per pair, ten times the work itself).
_INLINE = {**_JIT, "inline": "always"}


def _kernel(signature):
    """Compile now for ``signature``, cached on disk where numba finds a writable place."""

    def wrap(fn):
        try:
            return njit(signature, cache=True, **_JIT)(fn)
        except RuntimeError:  # no writable cache directory: compile for this process only
            return njit(signature, **_JIT)(fn)

    return wrap


@intrinsic
def _popcount(typingctx, x):
    # one machine instruction; numba has no popcount of its own
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.ctpop.i64")
        return builder.call(fn, args)

    return types.int64(types.uint64), codegen


@njit(**_INLINE)
def _clip01(x):
    return min(max(x, np.float32(0.0)), np.float32(1.0))


@njit(**_INLINE)
def _insert(vals, ids, key, ident):
    """Put ``key`` into a descending list if it beats the last entry; returns its slot or -1.

    An equal key goes after those already there, so ties keep the order of
    arrival (the lower position, as the numpy path's sort does).
    """
    k = vals.shape[0]
    if not key > vals[k - 1]:
        return -1
    pos = k - 1
    while pos > 0 and vals[pos - 1] < key:
        vals[pos] = vals[pos - 1]
        ids[pos] = ids[pos - 1]
        pos -= 1
    vals[pos] = key
    ids[pos] = ident
    return pos


@njit(**_INLINE)
def pair_scores(
    d, pnum, pden, hnum, hden, int_p, int_h, lang, faith, dscale, needs, age, age_min, age_max, nearest, clash, w
):
    """Both sides' scores and the total of one pair, from its counts.

    Mirrors :func:`matching.scoring._scores` term by term: the same float32
    operations in the same order.  ``pnum`` ... ``hden`` are the categorical
    table entries; ``int_p``, ``int_h``, ``needs``: the interests and needs
    ratios (nan where the factor does not apply); ``lang``, ``faith``,
    ``clash``: -1 where the factor does not apply; ``w``: a tuple of the nine
    weights, see :func:`dense_top_k`.
    """
    f0, half, one = np.float32(0.0), np.float32(0.5), np.float32(1.0)
    # person side: categorical factors from the table, then interests,
    # language, faith, distance
    num, den = pnum, pden
    if w[0] != 0 and not np.isnan(int_p):
        num = num + int_p * w[0]
        den = den + w[0]
    if w[1] != 0 and lang >= 0:
        num = num + (one if lang > 0 else f0) * w[1]
        den = den + w[1]
    if w[2] != 0 and faith >= 0:
        num = num + (one if faith > 0 else f0) * w[2]
        den = den + w[2]
    if w[3] != 0 and np.isfinite(d):
        num = num + _clip01(one - np.float32(0.75) * d / dscale) * w[3]
        den = den + w[3]
    p = num / den if den > 0 else half
    # household side: resident lifestyle from the table, then needs, age,
    # interests, resident age, members
    num, den = hnum, hden
    # selects, not branches, where a factor applies to some households and
    # not others (a branch that goes either way at random costs more than
    # the sum); adding 0 leaves a sum as it is, as skipping the factor does
    ok = not np.isnan(needs)
    num = num + (needs * w[4] if ok else f0)
    den = den + (w[4] if ok else f0)
    if w[5] != 0 and not np.isnan(age):
        gap = max(max(age_min - age, age - age_max), f0)
        num = num + _clip01(one - np.float32(0.1) * gap) * w[5]
        den = den + w[5]
    ok = not np.isnan(int_h)
    num = num + (int_h * w[6] if ok else f0)
    den = den + (w[6] if ok else f0)
    ok = not np.isnan(nearest)
    num = num + (_clip01(one - (nearest - np.float32(10.0)) / np.float32(30.0)) * w[7] if ok else f0)
    den = den + (w[7] if ok else f0)
    ok = clash >= 0
    num = num + ((one - half * np.float32(min(clash, 2))) * w[8] if ok else f0)
    den = den + (w[8] if ok else f0)
    h = num / den if den > 0 else half
    return p, h, np.sqrt(p * h)


@_kernel(
    "int64(int64[::1], int64[::1], float32[:, ::1], int64[:, ::1], uint64[:, ::1], uint64[:, ::1], float32[:, ::1],"
    " int64[:, ::1], uint64[:, ::1], uint64[:, ::1], float32[:, ::1], int64[::1], float32[:, ::1], int64,"
    " float32[:, ::1], float32[::1], boolean, int32[:, ::1], float32[:, :, ::1], float32[:, ::1], int64[:, ::1])"
)
def dense_top_k(
    rows,
    cols,
    pf,
    pi,
    pu,
    pm,
    hf,
    hi,
    hu,
    hm,
    h_ages,
    seg,
    tables,
    n_hcode,
    ratios,
    w,
    by_total,
    out_ids,
    out_vals,
    col_vals,
    col_ids,
):
    """Score every allowed pair of ``rows`` x ``cols``; keep each row's and column's best.

    Parameters
    ----------
    rows, cols : int64 arrays
        Person and household positions of the block (``cols`` ascending).
    pf : float32 (n_people, 6)
        East and north (km), distance limit, ``max(scale, 0.1)``, age, place known.
    pi : int64 (n_people, 5)
        Category code, interests count, needs count, language asked, faith asked.
    pu : uint64 (n_people, 4)
        Packed required, forbidden, skilled needs, needs (one word each).
    pm, hm : uint64 (n, words)
        Interests, languages, faith, needs/skills, traits/cannot-live-with words,
        segment ``s`` in columns ``seg[s]:seg[s + 1]``.
    hf : float32 (n_households, 4)
        East and north (km), ``age_min``, ``age_max``.
    hi : int64 (n_households, 3)
        Category code, interests count, anyone who cannot live with something.
    hu : uint64 (n_households, 3)
        Packed features, missing skills, cannot offer.
    h_ages : float32 (n_households, r), nan padded
    tables : float32 (n_pcode * n_hcode, 4)
        Person num, den, household num, den of the categorical factors.
    ratios : float32 (a, b)
        ``ratios[den, num]`` is ``scoring._ratio(num, den)`` (a lookup is
        cheaper than the division, and the same number).
    w : float32 (9,)
        Person interests, language, faith, distance; household needs, age,
        interests, resident age, members.
    by_total : bool
        Rank each row by the total, else by the person's side.
    out_ids : int32 (len(rows), k)
        Household positions, best first, -1 past the end.
    out_vals : float32 (len(rows), k, 3)
        Their total, person side and household side; nan past the end.
    col_vals, col_ids : float32 / int64 (len(cols), kh)
        Each column's best people by total so far (-inf / -1 when empty),
        merged into in row order.
    """
    k = out_ids.shape[1]
    kh = col_ids.shape[1]
    keys = np.empty(k, np.float32)
    slots = np.empty(k, np.int64)
    vals = np.empty((k, 3), np.float32)
    passed = np.empty(len(cols), np.int64)
    s0, s1, s2, s3, s4, s5 = seg[0], seg[1], seg[2], seg[3], seg[4], seg[5]
    zero = np.uint64(0)
    one_word = s5 == 5
    nan = np.float32(np.nan)
    wt = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8])  # a tuple: no reference counting
    for r in range(len(rows)):
        i = rows[r]
        keys[:] = -np.inf
        slots[:] = -1
        pe, pn, lim, dscale, age = pf[i, 0], pf[i, 1], pf[i, 2], pf[i, 3], pf[i, 4]
        lost = np.isfinite(lim) and pf[i, 5] != 0  # an unknown household place is too far
        req, forb, skilled, needs = pu[i, 0], pu[i, 1], pu[i, 2], pu[i, 3]
        pcode, n_int, n_needs, lang_asked, faith_asked = pi[i, 0], pi[i, 1], pi[i, 2], pi[i, 3] != 0, pi[i, 4] != 0
        # hard constraints (constraints._allowed_packed) in two passes: the
        # mask tests without a branch, keeping the columns that pass, then
        # the distance; a branch per pair that goes either way at random
        # costs more than the tests
        n_ok = 0
        for c in range(len(cols)):
            j = cols[c]
            f = hu[j, 0]
            ok = (
                ((f & req) == req)
                & ((f & forb) == zero)
                & ((skilled & hu[j, 1]) == zero)
                & ((needs & hu[j, 2]) == zero)
            )
            passed[n_ok] = c
            n_ok += ok
        for q_ok in range(n_ok):
            c = passed[q_ok]
            j = cols[c]
            dx = pe - hf[j, 0]
            dy = pn - hf[j, 1]
            d = np.sqrt(dx * dx + dy * dy)
            if d > lim or (lost and np.isnan(d)):
                continue
            if one_word:  # the usual vocabularies: no loops over words
                shared = _popcount(pm[i, 0] & hm[j, 0])
                lang = _popcount(pm[i, 1] & hm[j, 1])
                faith = _popcount(pm[i, 2] & hm[j, 2])
                met = _popcount(pm[i, 3] & hm[j, 3])
                clash = _popcount(pm[i, 4] & hm[j, 4])
            else:
                shared = met = lang = faith = clash = 0
                for q in range(s0, s1):
                    shared += _popcount(pm[i, q] & hm[j, q])
                for q in range(s1, s2):
                    lang += _popcount(pm[i, q] & hm[j, q])
                for q in range(s2, s3):
                    faith += _popcount(pm[i, q] & hm[j, q])
                for q in range(s3, s4):
                    met += _popcount(pm[i, q] & hm[j, q])
                for q in range(s4, s5):
                    clash += _popcount(pm[i, q] & hm[j, q])
            n_hint, clw = hi[j, 1], hi[j, 2] != 0
            nearest = np.float32(np.nan)
            for q in range(h_ages.shape[1]):
                g = abs(age - h_ages[j, q])
                nearest = g if np.isnan(nearest) or g < nearest else nearest  # np.fmin: a nan loses
            cat = pcode * n_hcode + hi[j, 0]
            p, h, t = pair_scores(
                d,
                tables[cat, 0],
                tables[cat, 1],
                tables[cat, 2],
                tables[cat, 3],
                ratios[min(n_int, 3), shared] if n_int > 0 else nan,
                ratios[min(n_hint, 3), shared] if n_hint > 0 else nan,
                lang if lang_asked else -1,
                faith if faith_asked else -1,
                dscale,
                ratios[n_needs, met] if n_needs > 0 else nan,
                age,
                hf[j, 2],
                hf[j, 3],
                nearest,
                clash if clw else -1,
                wt,
            )
            # insertions written out here, not called: see _INLINE
            key = t if by_total else p
            if key > keys[k - 1]:
                q = k - 1
                while q > 0 and keys[q - 1] < key:  # an equal key stays ahead
                    keys[q], slots[q] = keys[q - 1], slots[q - 1]
                    vals[q, 0], vals[q, 1], vals[q, 2] = vals[q - 1, 0], vals[q - 1, 1], vals[q - 1, 2]
                    q -= 1
                keys[q], slots[q] = key, c
                vals[q, 0], vals[q, 1], vals[q, 2] = t, p, h
            if kh > 0 and t > col_vals[c, kh - 1]:
                q = kh - 1
                while q > 0 and col_vals[c, q - 1] < t:
                    col_vals[c, q], col_ids[c, q] = col_vals[c, q - 1], col_ids[c, q - 1]
                    q -= 1
                col_vals[c, q], col_ids[c, q] = t, i
        for q in range(k):
            if slots[q] >= 0:
                out_ids[r, q] = cols[slots[q]]
                out_vals[r, q, 0], out_vals[r, q, 1], out_vals[r, q, 2] = vals[q, 0], vals[q, 1], vals[q, 2]
            else:
                out_ids[r, q] = -1
                out_vals[r, q, 0] = out_vals[r, q, 1] = out_vals[r, q, 2] = np.nan
    return 0


@_kernel("int64(float32[:, ::1], int64[:, ::1], float32[:, ::1], int64[:, ::1])")
def merge_top_k(vals, ids, more_vals, more_ids):
    """Merge each row of ``more_*`` (best first) into ``vals``/``ids`` (best first), in place.

    Ties keep the entries already there first, so merging blocks in person
    order ranks equal scores by person position.
    """
    for c in range(vals.shape[0]):
        for q in range(more_vals.shape[1]):
            v = more_vals[c, q]
            if not v > vals[c, vals.shape[1] - 1]:
                break
            _insert(vals[c], ids[c], v, more_ids[c, q])
    return 0


@njit(**_INLINE)
def _before(neg_rank, person, a, b):
    # heap order of stable._da_core's (-rank, person) tuples
    return neg_rank[a] < neg_rank[b] or (neg_rank[a] == neg_rank[b] and person[a] < person[b])


@njit(**_INLINE)
def _swap(neg_rank, person, a, b):
    neg_rank[a], neg_rank[b] = neg_rank[b], neg_rank[a]
    person[a], person[b] = person[b], person[a]


@_kernel("int64[::1](int64[:, ::1], int64[:, ::1], int64[::1])")
def deferred_acceptance(prefs, ranks, caps):
    """Person-proposing deferred acceptance, step for step as :func:`matching.stable._da_core`.

    People propose from a stack in the same order and each household holds its
    offers in a heap with the same order, so the same person is turned away
    at every step, ties in ``ranks`` included.

    Parameters
    ----------
    prefs, ranks : int64 (n_people, L)
        As :func:`matching.stable.deferred_acceptance_arrays`.
    caps : int64 (n_households,), non-negative

    Returns
    -------
    int64 (n_people,)
        The household held for each person, -1 if none.
    """
    n, length = prefs.shape
    m = caps.shape[0]
    start = np.zeros(m + 1, np.int64)
    for h in range(m):
        start[h + 1] = start[h] + caps[h]
    neg_rank = np.empty(start[m], np.int64)
    person = np.empty(start[m], np.int64)
    size = np.zeros(m, np.int64)
    nxt = np.zeros(n, np.int64)
    free = np.empty(n, np.int64)
    for q in range(n):
        free[q] = n - 1 - q
    top = n
    while top > 0:
        top -= 1
        p = free[top]
        k = nxt[p]
        while k < length:
            h = prefs[p, k]
            if h < 0:
                k = length
                break
            r = ranks[p, k]
            k += 1
            if r < 0:
                continue
            o, s = start[h], size[h]
            if s < caps[h]:  # heappush
                a = o + s
                neg_rank[a], person[a] = -r, p
                size[h] = s + 1
                while a > o:
                    parent = o + (a - o - 1) // 2
                    if not _before(neg_rank, person, a, parent):
                        break
                    _swap(neg_rank, person, a, parent)
                    a = parent
                break
            if s > 0 and -neg_rank[o] > r:  # heapreplace: the worst held offer goes back
                free[top] = person[o]
                top += 1
                neg_rank[o], person[o] = -r, p
                a = o
                while True:
                    child = o + 2 * (a - o) + 1
                    if child >= o + s:
                        break
                    if child + 1 < o + s and _before(neg_rank, person, child + 1, child):
                        child += 1
                    if not _before(neg_rank, person, child, a):
                        break
                    _swap(neg_rank, person, a, child)
                    a = child
                break
        nxt[p] = k
    out = np.full(n, -1, np.int64)
    for h in range(m):
        for a in range(start[h], start[h] + size[h]):
            out[person[a]] = h
    return out


@_kernel("int64[::1](int64[::1], int64[::1], float64[::1], int64[::1])")
def min_cost_assignment(indptr, cols, cost, caps):
    """Each row to at most one column of capacity ``caps``, least total cost; a row may stay out.

    The rectangular assignment problem with one private "stay out" column of
    cost 0 per row, solved by shortest augmenting paths (Jonker and
    Volgenant 1987; Crouse 2016) without expanding columns into places: a
    full column passes a path on to the rows it holds, at no reduced cost.
    Duals ``u`` (rows) and ``v`` (columns) keep every reduced cost
    ``cost - u - v`` non-negative and zero on held pairs; a column with a
    free place keeps ``v = 0``.  Exact for any costs; only negative costs
    are worth taking.

    Parameters
    ----------
    indptr, cols, cost
        The candidate pairs of each row, CSR: row ``r``'s columns are
        ``cols[indptr[r]:indptr[r + 1]]`` with costs ``cost[...]`` (float64).
    caps : int64 (n_cols,)

    Returns
    -------
    int64 (n_rows,)
        Each row's column, -1 if it stays out.
    """
    n, m = len(indptr) - 1, len(caps)
    start = np.zeros(m + 1, np.int64)
    for h in range(m):
        start[h + 1] = start[h] + caps[h]
    held = np.empty(start[m], np.int64)  # rows each column holds, in its places
    load = np.zeros(m, np.int64)
    assign = np.full(n, -1, np.int64)
    place = np.full(n, -1, np.int64)  # the row's index into held
    u = np.zeros(n)
    v = np.zeros(m)
    # u = the best cost or 0, so every reduced cost starts >= 0; a row whose
    # best column (any of them, on a tie) has a place takes it at once (its
    # reduced cost is 0)
    for r in range(n):
        best = 0.0
        for e in range(indptr[r], indptr[r + 1]):
            best = min(best, cost[e])
        u[r] = best
        if best == 0.0:
            continue
        for e in range(indptr[r], indptr[r + 1]):
            h = cols[e]
            if cost[e] == best and load[h] < caps[h]:
                a = start[h] + load[h]
                held[a] = r
                place[r] = a
                assign[r] = h
                load[h] += 1
                break
    inf = np.inf
    dist = np.full(m, inf)
    pred = np.full(m, -1, np.int64)
    done = np.zeros(m, np.bool_)
    row_d = np.zeros(n)
    heap_k = np.empty(len(cols) + 1)
    heap_v = np.empty(len(cols) + 1, np.int64)
    heap_f = np.empty(len(cols) + 1, np.bool_)
    seen_cols = np.empty(m, np.int64)
    seen_rows = np.empty(n, np.int64)
    stack = np.empty(n, np.int64)
    for i in range(n):
        if assign[i] != -1 or indptr[i] == indptr[i + 1]:
            continue  # placed, staying out (-2), or with no candidate
        n_seen_cols = n_seen_rows = size = 0
        end_d, end_row, end_col = -u[i], i, -1  # staying out costs 0 - u[i]
        row_d[i] = 0.0
        seen_rows[0] = i
        n_seen_rows = 1
        top = 1
        stack[0] = i
        while True:
            # scan the rows reached, then settle the nearest column
            while top > 0:
                top -= 1
                r = stack[top]
                dr, ur = row_d[r], u[r]
                for e in range(indptr[r], indptr[r + 1]):
                    h = cols[e]
                    if done[h]:
                        continue
                    nd = dr + (cost[e] - ur - v[h])
                    if nd < dist[h]:
                        if dist[h] == inf:
                            seen_cols[n_seen_cols] = h
                            n_seen_cols += 1
                        dist[h] = nd
                        pred[h] = r
                        # push (nd, full, h): among equal distances a column with a
                        # free place comes first, as it ends the path (inline: a
                        # call passing arrays costs more than the push)
                        nf = load[h] >= caps[h]
                        a = size
                        size += 1
                        while a > 0:
                            parent = (a - 1) >> 1
                            if heap_k[parent] < nd or (heap_k[parent] == nd and heap_f[parent] <= nf):
                                break
                            heap_k[a], heap_f[a], heap_v[a] = heap_k[parent], heap_f[parent], heap_v[parent]
                            a = parent
                        heap_k[a], heap_f[a], heap_v[a] = nd, nf, h
            h, dh = -1, inf
            while size > 0:
                cand, ck = heap_v[0], heap_k[0]
                stale = done[cand] or ck > dist[cand]
                if not stale and end_d <= ck:
                    break  # staying out (of the row end_row) is nearer: keep the heap as it is
                # pop the top: sift the last entry down from the root
                size -= 1
                lk, lf, lv = heap_k[size], heap_f[size], heap_v[size]
                a = 0
                while True:
                    child = 2 * a + 1
                    if child >= size:
                        break
                    if child + 1 < size and (
                        heap_k[child + 1] < heap_k[child]
                        or (heap_k[child + 1] == heap_k[child] and heap_f[child + 1] < heap_f[child])
                    ):
                        child += 1
                    if lk < heap_k[child] or (lk == heap_k[child] and lf <= heap_f[child]):
                        break
                    heap_k[a], heap_f[a], heap_v[a] = heap_k[child], heap_f[child], heap_v[child]
                    a = child
                heap_k[a], heap_f[a], heap_v[a] = lk, lf, lv
                if not stale:
                    h, dh = cand, ck
                    break
            if h < 0:
                break  # staying out (of the row end_row) is the nearest end
            done[h] = True
            if load[h] < caps[h]:
                end_d, end_col = dh, h
                break
            for a in range(start[h], start[h] + load[h]):
                r = held[a]
                row_d[r] = dh
                seen_rows[n_seen_rows] = r
                n_seen_rows += 1
                stack[top] = r
                top += 1
                out = dh - u[r]
                if out < end_d:
                    end_d, end_row = out, r
        # duals: everything settled nearer than the end moves by the difference
        for q in range(n_seen_rows):
            r = seen_rows[q]
            u[r] += end_d - row_d[r]
        for q in range(n_seen_cols):
            h = seen_cols[q]
            if done[h] and h != end_col:
                v[h] -= end_d - dist[h]
        # augment along the path back to row i
        if end_col >= 0:
            col = end_col
            r = pred[col]
            a = start[col] + load[col]
            load[col] += 1
        else:
            r = end_row
            col = -2  # stays out for good: only its own row reaches its "stay out" column
            a = -1
        while True:
            prev, prev_place = assign[r], place[r]
            assign[r] = col
            place[r] = a
            if a >= 0:
                held[a] = r
            if r == i:
                break
            col, a = prev, prev_place
            r = pred[col]
        for q in range(n_seen_cols):
            h = seen_cols[q]
            dist[h] = inf
            done[h] = False
    for r in range(n):
        if assign[r] < 0:
            assign[r] = -1
    return assign

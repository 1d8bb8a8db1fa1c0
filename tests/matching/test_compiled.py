"""The compiled kernels give exactly what the numpy reference paths give."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    Instance,
    deferred_acceptance,
    deferred_acceptance_arrays,
    hard_constraints,
    max_compatibility_sparse,
    score,
    shortlists,
)
from matching.bench import synthetic

from .conftest import AS_OF
from .test_stable import instances

FIELDS = (
    "person_households",
    "person_total",
    "person_side",
    "household_side",
    "household_people",
    "household_total",
)
# more interests than one 64-bit word holds, so masks span several words
MANY_INTERESTS = [f"interest_{i}" for i in range(70)]


def _assert_same(a, b):
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.pairs_scored == b.pairs_scored


@st.composite
def records(draw):
    """People and households with every field sometimes missing (nan ages, no place, no residents)."""
    maybe = st.one_of(st.none(), st.integers(18, 90))

    def place():
        return draw(st.one_of(st.none(), st.integers(0, 40_000)))

    people = []
    for i in range(draw(st.integers(1, 9))):
        p = {
            "id": f"p{i}",
            "easting": place(),
            "northing": 0,
            "age": draw(maybe),
            "interests": draw(st.lists(st.sampled_from(MANY_INTERESTS), max_size=4)),
            "languages": draw(st.lists(st.sampled_from(["english", "welsh", "urdu"]), max_size=2)),
            "language_required": draw(st.booleans()),
            "faith": draw(st.sampled_from([None, "muslim", "christian"])),
            "faith_important": draw(st.booleans()),
            "lifestyle": draw(st.sampled_from([None, "quiet", "mixed", "busy"])),
            "setting": draw(st.sampled_from([None, "urban", "rural"])),
            "children": draw(st.sampled_from(["no", "ok", "likes"])),
            "pets": draw(st.sampled_from(["no", "ok", "likes"])),
            "needs": draw(st.lists(st.sampled_from(["autism", "personal_care", "daily_living"]), max_size=2)),
            "traits": draw(st.lists(st.sampled_from(["smokes", "night_waking"]), max_size=1)),
            "arrangement_type": draw(st.sampled_from(["live_in", "short_breaks"])),
        }
        if draw(st.booleans()):
            p["max_distance_km"] = draw(st.floats(0.5, 50))
        people.append(p)
    if draw(st.booleans()):
        people[0]["interests"] = MANY_INTERESTS  # bitmasks of two words
    households = []
    for j in range(draw(st.integers(1, 9))):
        households.append(
            {
                "id": f"h{j}",
                "easting": place(),
                "northing": 0,
                "free_places": draw(st.integers(0, 2)),
                "arrangement_types": ["live_in", "short_breaks"],
                "approval_expires": "2027-12-31",
                "dbs_expires": draw(st.sampled_from(["2027-12-31", "2026-01-01"])),
                "skills": draw(st.lists(st.sampled_from(["autism", "personal_care", "daily_living"]), max_size=3)),
                "interests": draw(st.lists(st.sampled_from(MANY_INTERESTS), max_size=4)),
                "languages": draw(st.lists(st.sampled_from(["english", "welsh"]), max_size=2)),
                "faiths": draw(st.lists(st.sampled_from(["muslim", "christian"]), max_size=1)),
                "lifestyle": draw(st.sampled_from([None, "quiet", "busy"])),
                "age_min": draw(st.sampled_from([18, 40])),
                "age_max": draw(st.sampled_from([65, 99])),
                "pets": draw(st.lists(st.sampled_from(["dog", "cat"]), max_size=1)),
                "residents": [
                    {"age": draw(maybe), "lifestyle": draw(st.sampled_from([None, "quiet", "busy"]))}
                    for _ in range(draw(st.integers(0, 3)))
                ],
                "cannot_live_with": draw(st.lists(st.sampled_from(["smokes", "night_waking"]), max_size=1)),
            }
        )
    return Instance.from_records(people, households, as_of=AS_OF)


@settings(max_examples=150, deadline=None)
@given(records(), st.integers(1, 6), st.integers(0, 6), st.sampled_from(["total", "person"]))
def test_dense_kernel_equals_numpy_path_on_odd_records(inst, k, kh, by):
    kw = {"by": by, "k_households": kh, "prefilter": "none", "block": 3}
    _assert_same(shortlists(inst, k, compiled=True, **kw), shortlists(inst, k, compiled=False, **kw))


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(1, 60),
    st.integers(1, 60),
    st.sampled_from([None, (5.0, 30.0)]),
    st.booleans(),
)
def test_dense_kernel_equals_numpy_path_on_synthetic_schemes(seed, n, m, max_km, all_allowed):
    inst = synthetic(n, m, seed=seed, side_km=40, max_km=max_km, all_allowed=all_allowed)
    for k in (1, 5, 12):
        kw = {"prefilter": "none", "block": 7}
        _assert_same(shortlists(inst, k, compiled=True, **kw), shortlists(inst, k, compiled=False, **kw))


def test_ties_rank_by_position_on_both_sides():
    # every household identical, so every score ties: lists must follow positions
    inst = Instance.from_records(
        [{"id": f"p{i}"} for i in range(30)],
        [
            {"id": f"h{j}", "free_places": 1, "arrangement_types": ["live_in"]}
            | {"approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}
            for j in range(30)
        ],
        as_of=AS_OF,
    )
    for compiled in (True, False):
        s = shortlists(inst, 4, prefilter="none", block=7, compiled=compiled)
        assert s.person_households.tolist() == [[0, 1, 2, 3]] * 30
        assert s.household_people.tolist() == [[0, 1, 2, 3]] * 30


def test_household_lists_equal_brute_force():
    inst = synthetic(50, 40, seed=3, side_km=30, max_km=None)
    allowed, _ = hard_constraints(inst)
    _, _, t = score(inst)
    s = shortlists(inst, 5, prefilter="none", compiled=True)
    for j in range(40):
        want = sorted((i for i in range(50) if allowed[i, j]), key=lambda i: (-t[i, j], i))[:5]
        assert [int(i) for i in s.household_people[j] if i >= 0] == want


@st.composite
def da_arrays(draw):
    """Arrays for deferred acceptance, with ties in the households' ranks and unlisted pairs."""
    n, m = draw(st.integers(1, 14)), draw(st.integers(1, 6))
    length = draw(st.integers(1, m))
    prefs = np.full((n, length), -1, dtype=np.int64)
    ranks = np.full((n, length), -1, dtype=np.int64)
    for p in range(n):
        row = draw(st.lists(st.integers(0, m - 1), unique=True, max_size=length))
        prefs[p, : len(row)] = row
        ranks[p, : len(row)] = draw(st.lists(st.integers(-1, 4), min_size=len(row), max_size=len(row)))
    return prefs, ranks, np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))


@settings(max_examples=300, deadline=None)
@given(da_arrays())
def test_deferred_acceptance_kernel_equals_python_reference(problem):
    prefs, ranks, caps = problem
    np.testing.assert_array_equal(
        deferred_acceptance_arrays(prefs, ranks, caps), deferred_acceptance_arrays(prefs, ranks, caps, compiled=False)
    )


@settings(max_examples=200, deadline=None)
@given(instances())
def test_deferred_acceptance_kernel_equals_dict_api(inst):
    pp, hp, caps = inst
    pids, hids = list(pp), list(caps)
    length = max([len(v) for v in pp.values()] + [1])
    prefs = np.full((len(pids), length), -1, dtype=np.int64)
    ranks = np.full((len(pids), length), -1, dtype=np.int64)
    for i, p in enumerate(pids):
        for k, h in enumerate(pp[p]):
            prefs[i, k] = hids.index(h)
            ranks[i, k] = hp[h].index(p) if p in hp[h] else -1
    got = deferred_acceptance_arrays(prefs, ranks, [caps[h] for h in hids])
    want = {p: h for h, ps in deferred_acceptance(pp, hp, caps).items() for p in ps}
    assert {pids[i]: hids[j] for i, j in enumerate(got) if j >= 0} == want


def test_deferred_acceptance_arrays_rejects_bad_shapes():
    with pytest.raises(ValueError, match="same shape"):
        deferred_acceptance_arrays(np.zeros((2, 2), int), np.zeros((2, 1), int), [1])
    with pytest.raises(ValueError, match="beyond capacities"):
        deferred_acceptance_arrays(np.array([[3]]), np.array([[0]]), [1])


@st.composite
def candidate_graphs(draw):
    """Sparse candidate pairs with capacities, ties and worthless pairs."""
    n, m = draw(st.integers(1, 25)), draw(st.integers(1, 10))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), unique=True, max_size=n * m))
    pi = np.array([p for p, _ in pairs], dtype=np.int64)
    hj = np.array([h for _, h in pairs], dtype=np.int64)
    # few distinct values: many ties, as category-driven scores have
    w = np.array(draw(st.lists(st.integers(-2, 9), min_size=len(pairs), max_size=len(pairs))), dtype=np.float64)
    caps = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)), dtype=np.int64)
    return pi, hj, w / 4, n, caps


def _total(pairs, pi, hj, w, caps):
    value = {(int(a), int(b)): float(c) for a, b, c in zip(pi, hj, w, strict=True)}
    people = [p for p, _ in pairs]
    assert len(people) == len(set(people))
    assert (np.bincount([h for _, h in pairs], minlength=len(caps)) <= caps).all()
    assert all(value[p] > 0 for p in pairs)
    return sum(value[p] for p in pairs)


@settings(max_examples=300, deadline=None)
@given(candidate_graphs())
def test_assignment_kernel_total_equals_scipy_reference(graph):
    pi, hj, w, n, caps = graph
    ours = max_compatibility_sparse(pi, hj, w, n, caps)
    ref = max_compatibility_sparse(pi, hj, w, n, caps, compiled=False)
    # quarters add up exactly in floating point: the totals must be equal, not close
    assert _total(ours, pi, hj, w, caps) == _total(ref, pi, hj, w, caps)
    assert ours == sorted(ours)


def test_assignment_kernel_on_a_scheme_equals_scipy_reference():
    inst = synthetic(400, 300, seed=8, side_km=30, max_km=(5.0, 25.0))
    lists = shortlists(inst, 20, k_households=0)
    ok = lists.person_households >= 0
    pi, hj = np.nonzero(ok)[0], lists.person_households[ok]
    w = np.round(lists.person_total[ok].astype(np.float64) * 1e6)  # integers: exact sums
    caps = inst.households.free_places
    ours = max_compatibility_sparse(pi, hj, w, 400, caps)
    ref = max_compatibility_sparse(pi, hj, w, 400, caps, compiled=False)
    assert _total(ours, pi, hj, w, caps) == _total(ref, pi, hj, w, caps)
    assert len(ours) > 100


def test_a_kernel_compiles_where_nothing_can_be_cached():
    from numba import njit

    from matching import _compiled

    ns = {}
    # a function with no source file: numba has nowhere to cache it
    exec("def double(x):\n    return 2 * x\n", ns)  # noqa: S102 (a constant string)
    with pytest.raises(RuntimeError, match="cannot cache"):
        njit("int64(int64)", cache=True)(ns["double"])
    assert _compiled._kernel("int64(int64)")(ns["double"])(21) == 42

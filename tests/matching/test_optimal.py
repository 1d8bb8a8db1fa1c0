"""max_compatibility against an independent solver."""

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from matching import max_compatibility, max_compatibility_sparse


def _networkx_optimum(scores, caps):
    g = nx.Graph()
    n, m = scores.shape
    for i in range(n):
        for j in range(m):
            s = scores[i, j]
            if np.isfinite(s) and s > 0:
                for c in range(caps[j]):
                    g.add_edge(("p", i), ("h", j, c), weight=float(s))
    pairs = nx.max_weight_matching(g)
    return sum(g.edges[a, b]["weight"] for a, b in pairs)


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 5))
    s = draw(arrays(np.float64, (n, m), elements=st.one_of(st.floats(-0.5, 1.0, allow_nan=False), st.just(np.nan))))
    caps = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)))
    return s, caps


def _check(s, caps, pairs):
    people = [i for i, _ in pairs]
    assert len(people) == len(set(people))
    load = np.bincount([j for _, j in pairs], minlength=len(caps))
    assert (load <= caps).all()
    assert all(np.isfinite(s[i, j]) and s[i, j] > 0 for i, j in pairs)
    return sum(s[i, j] for i, j in pairs)


@settings(max_examples=200, deadline=None)
@given(problems())
def test_max_compatibility_matches_networkx(problem):
    s, caps = problem
    pairs = max_compatibility(s, caps)
    total = _check(s, caps, pairs)
    assert abs(total - _networkx_optimum(s, caps)) < 1e-9


@settings(max_examples=100, deadline=None)
@given(problems())
def test_sparse_path_matches_dense_path(problem):
    s, caps = problem
    pi, hj = np.nonzero(np.isfinite(s))
    pairs = max_compatibility_sparse(pi, hj, s[pi, hj], s.shape[0], caps)
    total = _check(s, caps, pairs)
    assert abs(total - _check(s, caps, max_compatibility(s, caps))) < 1e-9


def test_dense_all_allowed_against_linear_sum_assignment():
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(0)
    s = rng.random((40, 30))
    r, c = linear_sum_assignment(s, maximize=True)
    pairs = max_compatibility(s, np.ones(30, dtype=int))
    assert abs(sum(s[i, j] for i, j in pairs) - s[r, c].sum()) < 1e-9


def test_never_uses_excluded_or_worthless_pairs():
    s = np.array([[np.nan, 0.0], [-1.0, np.nan]])
    assert max_compatibility(s, np.array([1, 1])) == []

"""Deferred acceptance: textbook instances and hypothesis properties."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import blocking_pairs, deferred_acceptance, is_stable, is_valid, validity_issues


def test_matching_package_docs_example():
    # the hospitals/residents example of the `matching` package documentation
    residents = {
        "A": ["C"],
        "S": ["C", "M"],
        "D": ["C", "M", "G"],
        "J": ["C", "G", "M"],
        "L": ["M", "C", "G"],
    }
    hospitals = {"M": ["D", "L", "S", "J"], "C": ["D", "A", "S", "L", "J"], "G": ["D", "J", "L"]}
    caps = {"M": 2, "C": 2, "G": 2}
    out = deferred_acceptance(residents, hospitals, caps)
    assert out == {"M": ["L", "S"], "C": ["D", "A"], "G": ["J"]}
    assert is_stable(out, residents, hospitals, caps)
    assert is_valid(out, residents, hospitals, caps)


def test_nrmp_example_with_one_sided_lists():
    # the NRMP website's worked example, as used in the `matching` package's
    # early tests: Mercy ranks only D and J, so S (C, M) ends up unmatched
    residents = {
        "A": ["C"],
        "S": ["C", "M"],
        "J": ["C", "G", "M"],
        "L": ["M", "C", "G"],
        "D": ["C", "M", "G"],
    }
    hospitals = {"M": ["D", "J"], "C": ["D", "A", "S", "L", "J"], "G": ["D", "A", "J", "L"]}
    caps = {"M": 2, "C": 2, "G": 2}
    out = deferred_acceptance(residents, hospitals, caps)
    assert out == {"M": [], "C": ["D", "A"], "G": ["J", "L"]}
    assert blocking_pairs(out, residents, hospitals, caps) == []


def test_gale_shapley_1962_example_1():
    # Gale & Shapley (1962), example 1: three men, three women, Latin-square
    # preferences; the man-proposing algorithm gives every man his first choice.
    men = {"a": ["A", "B", "C"], "b": ["B", "C", "A"], "c": ["C", "A", "B"]}
    women = {"A": ["b", "c", "a"], "B": ["c", "a", "b"], "C": ["a", "b", "c"]}
    caps = {"A": 1, "B": 1, "C": 1}
    assert deferred_acceptance(men, women, caps) == {"A": ["a"], "B": ["b"], "C": ["c"]}
    # women proposing give every woman her first choice
    assert deferred_acceptance(women, men, caps | {"a": 1, "b": 1, "c": 1}) == {
        "A": [],
        "B": [],
        "C": [],
        "a": ["C"],
        "b": ["A"],
        "c": ["B"],
    }
    # the three stable matchings of this Latin square, men-optimal first
    stable = [m for m in _all_matchings(men, women, caps) if is_stable(m, men, women, caps)]
    assert len(stable) == 3


def test_pair_counts_only_if_both_list():
    out = deferred_acceptance({"p": ["h"]}, {"h": []}, {"h": 1})
    assert out == {"h": []}


def test_every_household_present_and_capacity_zero():
    out = deferred_acceptance({"p": ["h", "g"]}, {"h": ["p"], "g": ["p"]}, {"h": 0, "g": 1, "k": 2})
    assert out == {"h": [], "g": ["p"], "k": []}


def test_blocking_pairs_and_validity_checks():
    pp = {"a": ["x", "y"], "b": ["x"]}
    hp = {"x": ["a", "b"], "y": ["a"]}
    caps = {"x": 1, "y": 1}
    bad = {"x": ["b"], "y": ["a"]}
    assert blocking_pairs(bad, pp, hp, caps) == [("a", "x")]
    assert validity_issues({"x": ["a", "b"]}, pp, hp, caps) == ["x holds 2 people but has 1 free places"]


@st.composite
def instances(draw, max_people=5, max_households=4):
    n = draw(st.integers(1, max_people))
    m = draw(st.integers(1, max_households))
    people = [f"p{i}" for i in range(n)]
    hh = [f"h{j}" for j in range(m)]
    pp = {p: draw(st.permutations(hh).flatmap(lambda xs: st.just(xs[: draw(st.integers(0, m))]))) for p in people}
    hp = {h: draw(st.permutations(people).flatmap(lambda xs: st.just(xs[: draw(st.integers(0, n))]))) for h in hh}
    caps = {h: draw(st.integers(0, 2)) for h in hh}
    return pp, hp, caps


def _all_matchings(pp, hp, caps):
    people = list(pp)
    options = [[None] + [h for h in pp[p] if p in hp[h]] for p in people]
    for choice in itertools.product(*options):
        load = {}
        for h in choice:
            if h is not None:
                load[h] = load.get(h, 0) + 1
        if all(c <= caps[h] for h, c in load.items()):
            m = {h: [] for h in caps}
            for p, h in zip(people, choice, strict=False):
                if h is not None:
                    m[h].append(p)
            yield m


def _where(m):
    return {p: h for h, ps in m.items() for p in ps}


@settings(max_examples=200, deadline=None)
@given(instances())
def test_stable_valid_and_person_optimal(inst):
    pp, hp, caps = inst
    out = deferred_acceptance(pp, hp, caps)
    assert set(out) == set(caps)
    assert is_valid(out, pp, hp, caps)
    assert blocking_pairs(out, pp, hp, caps) == []
    for h, ps in out.items():
        assert len(ps) <= caps[h]
        assert all(p in hp[h] and h in pp[p] for p in ps)
    ours = _where(out)

    def rank(p, h):
        return pp[p].index(h) if h is not None else len(pp[p])

    stable = [m for m in _all_matchings(pp, hp, caps) if is_stable(m, pp, hp, caps)]
    assert stable  # a stable matching always exists
    for m in stable:
        other = _where(m)
        for p in pp:
            assert rank(p, ours.get(p)) <= rank(p, other.get(p))


def test_household_ranks_fast_order_equals_lexsort():
    import numpy as np

    from matching.stable import _fast_order

    rng = np.random.default_rng(1)
    h = rng.integers(0, 50, 5000)
    score = rng.choice(np.linspace(0, 1, 30), 5000).astype(np.float32)
    p = np.arange(5000)
    np.testing.assert_array_equal(_fast_order(p, score, h), np.lexsort((p, -score, h)))

"""Soft scores, explanations that add up, shortlists and proposals."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    WEIGHTS_VERSION,
    combine,
    explain,
    hard_constraints,
    preference_lists,
    propose,
    score,
    score_pairs,
    shortlists,
)
from matching.bench import synthetic

from .conftest import make


def test_combine_both_sides_count():
    assert combine(1.0, 0.0) == 0.0
    assert math.isclose(float(combine(0.64, 1.0)), 0.8)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_explanations_add_up_to_the_score(seed):
    inst = synthetic(6, 5, seed=seed, side_km=30)
    p, h, t = score(inst)
    for i in range(6):
        for j in range(5):
            e = explain(inst, i, j)
            sides = {"person": 0.0, "household": 0.0}
            for f in e["factors"]:
                sides[f["side"]] += f["contribution"]
            assert abs(sides["person"] - e["person_side"]) < 1e-9
            assert abs(sides["household"] - e["household_side"]) < 1e-9
            assert abs(math.sqrt(e["person_side"] * e["household_side"]) - e["total"]) < 1e-9
            # the bulk float32 scores agree with the explanation
            assert abs(e["person_side"] - p[i, j]) < 1e-5
            assert abs(e["household_side"] - h[i, j]) < 1e-5
            assert abs(e["total"] - t[i, j]) < 1e-5
            assert e["weights_version"] == WEIGHTS_VERSION
            assert e["allowed"] == bool(hard_constraints(inst)[0][i, j])
            assert 2 <= len(e["summary"].split(". ")) <= 4


def test_explanation_is_deterministic_and_in_words():
    inst = make(
        {"interests": ["gardening", "music"], "faith": "muslim", "faith_important": True, "needs": ["autism"]},
        {"interests": ["music", "gardening"], "faiths": ["muslim"]},
    )
    a, b = explain(inst, 0, 0), explain(inst, 0, 0)
    assert a == b
    words = {f["factor"]: f["words"] for f in a["factors"]}
    assert words["interests"] == "Sam and The Patels both enjoy gardening and music"
    assert words["faith"] == "The Patels share Sam's faith (Muslim), as Sam asked"
    assert words["distance"] == "Close to where Sam wants to live: 1.0 km away"
    assert words["needs"] == "Carers have experience of autism"


def test_protected_characteristics_only_when_asked():
    asked = make({"faith": "muslim", "faith_important": True}, {"faiths": []})
    not_asked = make({"faith": "muslim", "faith_important": False}, {"faiths": []})
    assert "faith" in [f["factor"] for f in explain(asked, 0, 0)["factors"]]
    assert "faith" not in [f["factor"] for f in explain(not_asked, 0, 0)["factors"]]


def test_one_sided_pair_scores_low():
    # the household cannot meet the needs and is outside its age range
    inst = make({"needs": ["dementia", "older_age"], "age": 80}, {"skills": ["dementia"], "age_max": 40})
    _p, h, t = score(inst)
    assert h[0, 0] < 0.5 and t[0, 0] < math.sqrt(h[0, 0])


def test_fit_with_people_already_living_there():
    base = {"age": 25, "lifestyle": "busy", "traits": ["loud_music"]}
    good = make(base, {"residents": [{"age": 27, "lifestyle": "busy"}]})
    bad = make(base, {"residents": [{"age": 85, "lifestyle": "quiet"}], "cannot_live_with": ["loud_music"]})
    assert score(good)[1][0, 0] > score(bad)[1][0, 0]
    words = {f["factor"]: f["words"] for f in explain(bad, 0, 0)["factors"]}
    assert words["members"] == "Someone at The Patels cannot live with one thing about Sam: loud music"


def test_score_pairs_equals_block():
    inst = synthetic(7, 9, seed=3)
    pi, hj = np.meshgrid(np.arange(7), np.arange(9), indexing="ij")
    for a, b in zip(score(inst), score_pairs(inst, pi.ravel(), hj.ravel()), strict=False):
        np.testing.assert_array_equal(a.ravel(), b)


def _brute_topk(inst, k):
    allowed, _ = hard_constraints(inst)
    t = np.where(allowed, score(inst)[2], -np.inf)
    return [
        [j for j in sorted(range(t.shape[1]), key=lambda j: (-t[i, j], j))[:k] if allowed[i, j]]
        for i in range(t.shape[0])
    ]


def test_shortlists_dense_and_prefiltered_agree_with_brute_force():
    inst = synthetic(60, 80, seed=11, side_km=80)
    want = _brute_topk(inst, 5)
    for prefilter, block in (("none", 7), ("distance", 256)):
        s = shortlists(inst, 5, prefilter=prefilter, block=block)
        got = [[int(j) for j in row if j >= 0] for row in s.person_households]
        assert got == want
        assert s.weights_version == WEIGHTS_VERSION
    dense = shortlists(inst, 4, prefilter="none", block=9)
    pref = shortlists(inst, 4, prefilter="distance")
    np.testing.assert_array_equal(dense.household_people, pref.household_people)
    allowed, _ = hard_constraints(inst)
    for j, row in enumerate(dense.household_people):
        assert all(allowed[i, j] for i in row if i >= 0)


def test_preference_lists_are_each_sides_own_view():
    inst = synthetic(30, 20, seed=5, side_km=40)
    prefs, ranks, _lists = preference_lists(inst, 10)
    p, h, _ = score(inst)
    allowed, _ = hard_constraints(inst)
    for i in range(30):
        row = [j for j in prefs[i] if j >= 0]
        assert all(allowed[i, j] for j in row)
        assert [p[i, j] for j in row] == sorted((p[i, j] for j in row), reverse=True)
    for j in range(20):
        applicants = [(ranks[i, k], i) for i, k in zip(*np.nonzero(prefs == j), strict=False)]
        order = [i for _, i in sorted(applicants)]
        assert [h[i, j] for i in order] == sorted((h[i, j] for i in order), reverse=True)


def test_proposals_respect_constraints_and_record_version():
    inst = synthetic(40, 30, seed=9, side_km=40)
    allowed, _ = hard_constraints(inst)
    caps = inst.households.free_places
    for method in ("optimal", "stable"):
        pairs, details = propose(inst, method)
        assert details["weights_version"] == WEIGHTS_VERSION
        assert all(allowed[i, j] for i, j in pairs)
        assert (np.bincount([j for _, j in pairs], minlength=30) <= caps).all()
        assert len({i for i, _ in pairs}) == len(pairs)
        if method == "stable":
            assert details["blocking_pairs"] == [] and details["valid"]


def test_shortlists_when_no_household_is_available():
    inst = make(household={"free_places": 0})
    for prefilter in ("none", "distance"):
        s = shortlists(inst, 3, prefilter=prefilter)
        assert s.person_households.tolist() == [[-1, -1, -1]]
        assert s.household_people.tolist() == [[-1, -1, -1]]

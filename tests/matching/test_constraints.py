"""Every hard constraint excludes the pair, with its reason."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import REASONS, exclusion_reasons, hard_constraints
from matching._columns import block_views, distance_km
from matching.bench import synthetic
from matching.constraints import _allowed_packed, packed_columns

from .conftest import make

CASES = {
    "no_free_place": ({}, {"free_places": 0}, "No free place at The Patels"),
    "arrangement_not_approved": (
        {"arrangement_type": "day_support"},
        {},
        "The Patels are not approved for day support support",
    ),
    "approval_expired": ({}, {"approval_expires": "2026-01-01"}, "approval of The Patels has expired"),
    "dbs_expired": ({}, {"dbs_expires": None}, "DBS check at The Patels has expired"),
    "smoking": ({"smoking": "no"}, {"smoking": True}, "Sam cannot live with smoking"),
    "pet_allergy": ({"allergies": ["dog"]}, {"pets": ["dog"]}, "The Patels have a dog and Sam is allergic to dogs"),
    "no_pets": ({"pets": "no"}, {"pets": ["cat"]}, "Sam does not want to live with pets"),
    "not_step_free": ({"needs_step_free": True}, {"step_free": False}, "Sam needs step-free access"),
    "no_ground_floor": ({"needs_ground_floor": True}, {"ground_floor_bedroom": False}, "ground-floor bedroom"),
    "carer_gender": ({"carer_gender": "male"}, {}, "Sam asked for a male carer for personal care"),
    "too_far": ({"max_distance_km": 0.5}, {}, "The Patels are 1.0 km away; Sam wants to live within 0.5 km"),
    "needs_unmet": ({"needs": ["epilepsy"]}, {}, "do not list skills for: epilepsy"),
    "cannot_offer": ({"needs": ["daily_living"]}, {"cannot_offer": ["daily_living"]}, "cannot offer: daily living"),
    "training_expired": ({}, {"training_expires": "2026-01-01"}, "Mandatory training of the carers at The Patels"),
}


def test_every_reason_has_a_case():
    assert {r.code for r in REASONS} == set(CASES)
    assert len({r.bit for r in REASONS}) == len(REASONS)


def test_baseline_pair_is_allowed():
    allowed, reasons = hard_constraints(make())
    assert allowed.tolist() == [[True]]
    assert reasons.tolist() == [[0]]
    assert exclusion_reasons(make(), 0, 0) == []


@pytest.mark.parametrize("code", sorted(CASES))
def test_constraint_excludes_with_its_reason(code):
    person, household, words = CASES[code]
    inst = make(person, household)
    allowed, bits = hard_constraints(inst)
    assert not allowed[0, 0]
    flags = [r.code for r in REASONS if int(bits[0, 0]) & r.flag]
    assert flags == [code]
    reasons = exclusion_reasons(inst, 0, 0)
    assert [r["code"] for r in reasons] == [code]
    assert words in reasons[0]["message"]
    # the pair path agrees with the block path
    _allowed_p, bits_p = hard_constraints(inst, pairs=(np.array([0]), np.array([0])))
    assert bits_p.tolist() == [int(bits[0, 0])]


def test_several_reasons_are_all_reported():
    inst = make(
        {"allergies": ["cat"], "needs_step_free": True}, {"pets": ["cat"], "step_free": False, "free_places": 0}
    )
    codes = [r["code"] for r in exclusion_reasons(inst, 0, 0)]
    assert codes == ["no_free_place", "pet_allergy", "not_step_free"]


def test_free_places_from_capacity_scheme_limit_and_residents():
    inst = make(household={"free_places": None, "capacity": 3, "scheme_limit": 2, "residents": [{"age": 40}] * 2})
    assert inst.households.free_places.tolist() == [0]
    assert not hard_constraints(inst)[0][0, 0]


def test_unknown_place_has_no_distance_constraint():
    inst = make({"easting": None, "northing": None})
    assert hard_constraints(inst)[0][0, 0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_packed_constraints_agree_with_reasons(seed):
    inst = synthetic(25, 30, seed=seed, side_km=60)
    allowed, _ = hard_constraints(inst)
    packed = packed_columns(inst)
    P, H = block_views(packed[0], packed[1], np.arange(25))
    np.testing.assert_array_equal(_allowed_packed(P, H, distance_km(P, H)), allowed)


def test_household_with_no_known_place_is_beyond_a_distance_limit():
    import matching

    people = [{"id": "p", "easting": 500000, "northing": 150000, "max_distance_km": 20}]
    households = [
        {"id": "near", "easting": 505000, "northing": 150000, "free_places": 1},
        {"id": "nowhere", "free_places": 1},
    ]
    inst = matching.Instance.from_records(people, households)
    allowed, _reasons = matching.hard_constraints(inst)
    assert allowed[0].tolist()[1] is False
    lists = matching.shortlists(inst, k=5, prefilter="auto")
    assert lists is not None


def test_an_instance_with_nobody_on_one_side_is_empty_not_an_error():
    from matching import Instance

    nobody_waiting = Instance.from_records([], [{"id": "h", "free_places": 1}])
    assert len(nobody_waiting.people.ids) == 0
    assert hard_constraints(nobody_waiting)[0].shape == (0, 1)
    no_household = Instance.from_records([{"id": "p"}], [])
    assert hard_constraints(no_household)[0].shape == (1, 0)

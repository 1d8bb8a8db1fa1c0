"""Where carers are needed: Hall violators from a maximum matching and König's theorem."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching.instance import Instance

APPROVED = {
    "free_places": 1,
    "arrangement_types": ["live_in"],
    "approval_expires": "2030-01-01",
    "dbs_expires": "2030-01-01",
    "training_expires": "2030-01-01",
    "easting": 576017.0,
    "northing": 156294.0,
}


def person(pid, **kw):
    return {"id": pid, "name": pid, "easting": 576079.0, "northing": 155430.0, "max_distance_km": 25, **kw}


def test_a_known_hall_violator_is_found_exactly():
    """Four people need step-free access; only two households are step-free, with one place each.
    Two other people can go anywhere, and there are places enough for them."""
    people = [person(f"s{i}", needs_step_free=True) for i in range(4)] + [person("a"), person("b")]
    households = [
        {**APPROVED, "id": "step1", "step_free": True},
        {**APPROVED, "id": "step2", "step_free": True},
        {**APPROVED, "id": "h3", "free_places": 2},
        {**APPROVED, "id": "h4"},
    ]
    inst = Instance.from_records(people, households, as_of="2026-11-24")
    allowed, _ = matching.hard_constraints(inst)
    groups = matching.shortfalls(allowed, inst.households.free_places)
    assert [(g.people, g.households, g.places, g.short) for g in groups] == [((0, 1, 2, 3), (0, 1), 2, 2)]


def test_everyone_can_be_matched_shows_none():
    people = [person(f"s{i}", needs_step_free=True) for i in range(2)] + [person("a"), person("b")]
    households = [
        {**APPROVED, "id": "step1", "step_free": True, "free_places": 2},
        {**APPROVED, "id": "h3", "free_places": 2},
    ]
    inst = Instance.from_records(people, households, as_of="2026-11-24")
    allowed, _ = matching.hard_constraints(inst)
    assert matching.shortfalls(allowed, inst.households.free_places) == []


def test_people_with_no_household_are_their_own_group():
    allowed = np.array([[0, 0], [1, 0]], dtype=bool)
    groups = matching.shortfalls(allowed, [1, 1])
    assert [(g.people, g.households, g.places) for g in groups] == [((0,), (), 0)]


def test_full_households_take_no_one():
    allowed = np.ones((2, 2), dtype=bool)
    assert [(g.people, g.households, g.short) for g in matching.shortfalls(allowed, [0, 1])] == [((0, 1), (1,), 1)]


def deficiency(allowed, caps, people) -> int:
    reach = np.flatnonzero(allowed[list(people)].any(axis=0)) if people else []
    return len(people) - int(np.asarray(caps)[reach].sum())


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=n, max_size=n),
            st.lists(st.integers(0, 2), min_size=4, max_size=4),
        )
    )
)
def test_groups_are_the_smallest_set_of_greatest_deficiency(case):
    """Against brute force over every set of people: the groups' union has the greatest
    deficiency (people minus the places they can reach), and it is the one such set inside
    every other: no one is in a group who has places enough without the others."""
    rows, caps = case
    allowed = np.array(rows, dtype=bool)
    n = len(rows)
    groups = matching.shortfalls(allowed, caps)
    union = tuple(sorted(i for g in groups for i in g.people))
    best = max(deficiency(allowed, caps, s) for k in range(n + 1) for s in combinations(range(n), k))
    assert sum(g.short for g in groups) == best
    if best > 0:
        assert deficiency(allowed, caps, union) == best
        worst = [
            set(s) for k in range(n + 1) for s in combinations(range(n), k) if deficiency(allowed, caps, s) == best
        ]
        assert all(set(union) <= s for s in worst)
    else:
        assert groups == []
    for g in groups:
        reach = tuple(np.flatnonzero(allowed[list(g.people)].any(axis=0) & (np.asarray(caps) > 0)).tolist())
        assert g.households == reach
        assert g.places == sum(caps[j] for j in reach)
        assert g.short >= 1


def test_nearest_reasons_names_what_stands_in_the_way():
    smoking = next(r for r in matching.REASONS if r.code == "smoking").flag
    far = next(r for r in matching.REASONS if r.code == "too_far").flag
    reasons = np.array([[smoking | far, far, smoking], [0, far, far]], dtype=np.uint16)
    assert matching.nearest_reasons(reasons) == [["smoking", "too_far"], []]

"""Fixtures for the records areas: vocabularies loaded, and a second household."""

from __future__ import annotations

import pytest

from shared_lives.vocab.services import load_vocabularies
from tests import factories


@pytest.fixture
def vocab(app, db):
    load_vocabularies(db)
    db.commit()


@pytest.fixture
def other_household(app, db, users):
    with app.app_context():
        household = factories.make_household(db, name="The Other household")
        carer = factories.make_carer(db, household)
        db.commit()
    return household, carer


def household_form(**over) -> dict:
    """A valid staff household form post."""
    data = {
        "version": "1",
        "name": "The Test household",
        "address_line": "1 High Street",
        "town": "Maidstone",
        "postcode": "ME14 1XQ",
        "bedrooms_spare": "1",
        "step_free": "y",
        "languages": ["english"],
        "faith": "",
        "lifestyle": "quiet",
        "setting": "urban",
        "interests": ["gardening", "music"],
        "arrangement_types": ["live_in"],
        "needs_can_meet": ["autism"],
        "age_min": "18",
        "age_max": "80",
        "member_1_name": "Ann Carer",
        "member_1_age": "50",
        "member_1_relationship": "Main carer",
        "pet_1_kind": "cat",
        "pet_1_number": "1",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def own_form(**over) -> dict:
    """A valid post of a carer's own household form."""
    data = {
        "version": "1",
        "lifestyle": "busy",
        "setting": "rural",
        "routines": "Early risers",
        "interests": ["walking"],
        "languages": ["english"],
        "age_min": "18",
        "age_max": "90",
        "transport": "Car",
        "availability": "Weekends",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def person_form(**over) -> dict:
    data = {
        "version": "1",
        "first_name": "Sam",
        "last_name": "Example",
        "date_of_birth": ["17", "5", "1990"],
        "status": "waiting",
        "arrangement_type": "live_in",
        "needs": ["autism"],
        "support_required": "Help with meals",
        "risks": "Anxious in crowds",
        "interests": ["music"],
        "pets": "ok",
        "smoking": "no",
        "children": "ok",
        "lifestyle": "quiet",
        "preferred_postcode": "me15 6ye",
        "max_distance_km": "20",
        "capacity": "has_capacity",
        "decision_maker": "person",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import factories
from tests.shared_lives.matches.helpers import as_user


@pytest.fixture
def people_places(app, db, users):
    """A household with one place, a person who suits it, and staff accounts (two managers)."""
    with app.app_context():
        household = factories.make_household(db, name="The Rivers household", interests=["gardening"])
        factories.make_carer(db, household, terms_max_people=1, name="Ann Rivers")
        person = factories.make_person(db, first_name="Sam", last_name="Quenby")
        manager2 = factories.make_user(db, "manager", email="manager2@test.example")
        db.commit()
    return SimpleNamespace(
        household=household,
        person=person,
        coordinator=as_user(users["coordinator"]),
        manager=as_user(users["manager"]),
        manager2=as_user(manager2),
        carer=as_user(users["carer"]),
        auditor=as_user(users["auditor"]),
        carer_household_id=users["carer"].household_id,
    )

"""The engine's pages with nobody waiting, or no household at all: an empty result in
plain words, never a server error."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def coordinator(app, db, client):
    """A coordinator in a scheme with no household and nobody waiting (no ``users`` fixture:
    it makes a household for the carer account)."""
    with app.app_context():
        factories.make_user(db, "coordinator", None, email="alone@test.example")
        db.commit()
    assert sign_in(client, "alone@test.example").status_code == 302
    return client


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.get_data(as_text=True).split())


def test_scheme_page_with_nobody_waiting_and_no_household(coordinator):
    assert "For the 0 people waiting" in text_of(coordinator.get("/suggestions/scheme"))


def test_household_page_with_nobody_waiting(app, db, coordinator):
    with app.app_context():
        household = factories.make_household(db)
        factories.make_person(db, status="matched")
        db.commit()
    page = text_of(coordinator.get(f"/households/{household.id}/suggestions"))
    assert "No one waiting is possible for this household now." in page
    assert "For the 0 people waiting" in text_of(coordinator.get("/suggestions/scheme"))


def test_person_page_with_no_household(app, db, coordinator):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    assert "No household is possible now." in text_of(coordinator.get(f"/people/{person.id}/suggestions"))
    assert "For the 1 people waiting" in text_of(coordinator.get("/suggestions/scheme"))

"""Per-person and per-household history pages, read as a timeline."""

from __future__ import annotations

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from tests.shared_lives.exports.journey import make_journey


@pytest.fixture
def journey(app, db, users):
    with app.app_context():
        data = make_journey(db, users, first_name="Timothy", last_name="Lineham")
        db.commit()
    return data


@pytest.mark.parametrize("role", ["manager", "coordinator", "auditor"])
def test_staff_read_a_persons_timeline(signed_in, journey, role):
    response = signed_in(role).get(f"/history/person/{journey['person'].id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Placement history: Timothy Lineham" in html
    for label in ("Proposed", "Answer recorded", "Introduction", "Approved", "Arrangement started", "Review completed"):
        assert label in html
    assert html.index("Proposed") < html.index("Arrangement ended")
    assert journey["household"].reference in html


def test_a_households_timeline(signed_in, journey):
    html = signed_in("coordinator").get(f"/history/household/{journey['household'].id}").get_data(as_text=True)
    assert "Arrangement ended" in html and journey["person"].reference in html


@pytest.mark.parametrize("role", ["carer", "admin"])
def test_others_may_not(signed_in, journey, role):
    assert signed_in(role).get(f"/history/person/{journey['person'].id}").status_code == 403
    assert signed_in(role).get(f"/history/household/{journey['household'].id}").status_code == 403


def test_unknown_records_are_404(signed_in, journey):
    assert signed_in("manager").get("/history/person/999999").status_code == 404
    assert signed_in("manager").get("/history/household/999999").status_code == 404


def test_viewing_a_timeline_is_audited(signed_in, db, journey):
    signed_in("manager").get(f"/history/person/{journey['person'].id}")
    db.expire_all()
    entry = db.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.action, entry.person_id, entry.actor_role) == ("person.history_view", journey["person"].id, "manager")


def test_an_empty_history(app, db, signed_in):
    from tests import factories

    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    html = signed_in("manager").get(f"/history/person/{person.id}").get_data(as_text=True)
    assert "There is no placement history yet" in html

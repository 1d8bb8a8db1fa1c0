"""Reviews are scheduled, appear on the coordinator's home page when due or overdue, and roll on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from shared_lives.errors import ValidationError
from shared_lives.matches import services
from shared_lives.placements import services as placements
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call


def start(app, db, users, start_date):
    with app.app_context():
        household = factories.make_household(db, name="The Elm household")
        factories.make_carer(db, household)
        person = factories.make_person(db, first_name="Robin", last_name="Aldous")
        db.commit()
    coordinator, manager = as_user(users["coordinator"]), as_user(users["manager"])
    p = call(app, services.create_proposal, coordinator, person.id, household.id, "Good fit")
    call(
        app,
        services.record_response,
        coordinator,
        p.id,
        "person",
        "agree",
        "person",
        "Robin",
        "Asked Robin",
        person_views="Happy",
    )
    call(app, services.record_response, coordinator, p.id, "household", "agree", "carer", "Carer")
    return call(app, services.approve, manager, p.id, start_date), coordinator


def test_first_review_due_is_on_the_home_page_and_overdue_is_flagged(app, db, users, signed_in):
    start(app, db, users, today() - timedelta(weeks=6))
    page = signed_in("coordinator").get("/").get_data(as_text=True)
    assert "Reviews due or overdue (1)" in page and "Robin Aldous" in page and "Overdue" in page
    manager_page = signed_in("manager").get("/").get_data(as_text=True)
    assert "Proposals waiting for approval (0)" in manager_page
    assert signed_in("coordinator").get("/arrangements").status_code == 200


def test_completing_reviews_schedules_the_next(app, db, users):
    arrangement, coordinator = start(app, db, users, today() - timedelta(weeks=5))
    first = db.exec(select(Review).where(Review.arrangement_id == arrangement.id, Review.kind == "first")).one()
    with pytest.raises(ValidationError, match="future"):
        call(app, placements.complete_review, coordinator, first.id, today() + timedelta(days=2))
    call(app, placements.complete_review, coordinator, first.id, today(), "Fine")
    kinds = sorted(r.kind for r in db.exec(select(Review).where(Review.arrangement_id == arrangement.id)).all())
    assert kinds == ["annual", "first", "interim"]


def test_ending_records_date_reason_and_who_decided_and_person_waits_again(app, db, users):
    arrangement, coordinator = start(app, db, users, today() - timedelta(days=10))
    call(
        app, placements.end_arrangement, coordinator, arrangement.id, today(), "carer_choice", "carer", "Moving", False
    )
    db.expire_all()
    row = db.get(Arrangement, arrangement.id)
    assert (row.status, row.end_date, row.end_planned) == ("ended", today(), False)
    assert "The carer" in row.end_reason and row.ended_by_id == users["coordinator"].id
    from shared_lives.people.models import Person

    assert db.get(Person, row.person_id).status == "waiting"

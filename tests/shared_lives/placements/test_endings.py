"""Each ending reason leaves the person in the right state (issue 10, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from shared_lives.errors import ValidationError
from shared_lives.matches import services
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.placements import services as placements
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call, person_agrees

#: reason -> (arrangement type, answer to "a new match?", the person's status after)
CASES = {
    "death": ("live_in", None, "closed"),
    "planned_move/yes": ("live_in", True, "waiting"),
    "planned_move/no": ("live_in", False, "closed"),
    "person_choice/yes": ("live_in", True, "waiting"),
    "person_choice/no": ("live_in", False, "closed"),
    "needs_changed/yes": ("live_in", True, "waiting"),
    "health/no": ("live_in", False, "closed"),
    "carer_choice": ("live_in", None, "waiting"),
    "breakdown": ("live_in", None, "waiting"),
    "safeguarding": ("live_in", None, "waiting"),
    "other/yes": ("live_in", True, "waiting"),
    "short_break_over": ("short_breaks", None, "waiting"),
    "carer_choice/short break": ("short_breaks", None, "waiting"),
}


def start(app, db, users, kind, first_name="Robin"):
    with app.app_context():
        household = factories.make_household(db)
        factories.make_carer(db, household, terms_arrangement_types=["live_in", "short_breaks", "day_support"])
        person = factories.make_person(db, first_name=first_name, arrangement_type=kind)
        db.commit()
    coordinator, manager = as_user(users["coordinator"]), as_user(users["manager"])
    dates = (
        {"short_break_start": today(), "short_break_end": today() + timedelta(days=3)} if kind == "short_breaks" else {}
    )
    p = call(app, services.create_proposal, coordinator, person.id, household.id, "Good fit", kind, **dates)
    person_agrees(app, coordinator, p.id, first_name)
    call(app, services.record_response, coordinator, p.id, "household", "agree", "carer", "Carer")
    return call(app, services.approve, manager, p.id, today() - timedelta(days=10)), coordinator, person


@pytest.mark.parametrize("case", CASES)
def test_each_ending_reason_leaves_the_person_in_the_right_state(app, db, users, case):
    reason = case.split("/")[0]
    kind, wants, expected = CASES[case]
    arrangement, coordinator, person = start(app, db, users, kind)
    db.expire_all()
    before = db.get(Person, person.id).status
    assert before == ("waiting" if kind == "short_breaks" else "matched")
    call(app, placements.end_arrangement, coordinator, arrangement.id, today(), reason, "mutual", "", True, wants)
    db.expire_all()
    after = db.get(Person, person.id)
    assert after.status == expected
    assert after.closed_on == (today() if expected == "closed" else None)  # retention counts from here
    assert db.get(Arrangement, arrangement.id).status == "ended"


def test_after_a_death_nothing_puts_the_person_back_on_the_waiting_list(app, db, users):
    arrangement, coordinator, person = start(app, db, users, "live_in")
    with app.app_context():
        household = factories.make_household(db, name="The Ash household")
        factories.make_carer(db, household)
        factories.make_person(db, first_name="Noor")  # someone else is waiting
        db.commit()
    other = call(app, services.create_proposal, coordinator, person.id, household.id, "A second option")
    call(app, placements.end_arrangement, coordinator, arrangement.id, today(), "death", "scheme", "", False, True)
    db.expire_all()
    assert db.get(Person, person.id).status == "closed"
    assert db.get(Proposal, other.id).status == "withdrawn"  # open proposals close with the record
    with pytest.raises(ValidationError, match="closed"):
        call(app, services.create_proposal, coordinator, person.id, household.id, "Again")
    waiting = call(app, services.suggestions_for_household, coordinator, household.id)
    listed = [e["person_id"] for e in waiting["shortlist"]] + [x["id"] for x in waiting["excluded"]["page"].items]
    assert person.id not in listed and waiting["excluded"]["total"] == len(waiting["excluded"]["page"].items)


def test_an_ending_that_asks_needs_the_answer(app, db, users):
    arrangement, coordinator, _person = start(app, db, users, "live_in")
    with pytest.raises(ValidationError, match="new match"):
        call(app, placements.end_arrangement, coordinator, arrangement.id, today(), "planned_move", "person")
    with pytest.raises(ValidationError, match="not a short break"):
        call(app, placements.end_arrangement, coordinator, arrangement.id, today(), "short_break_over", "person")


def test_a_coordinator_schedules_an_extra_review(app, db, users, signed_in):
    arrangement, coordinator, _person = start(app, db, users, "live_in")
    with pytest.raises(ValidationError, match="before the arrangement started"):
        call(app, placements.schedule_review, coordinator, arrangement.id, today() - timedelta(days=30))
    review = call(app, placements.schedule_review, coordinator, arrangement.id, today() - timedelta(days=1))
    assert (review.kind, review.label, review.overdue) == ("extra", "Extra review", True)
    page = signed_in("coordinator").get(f"/arrangements/{arrangement.id}").get_data(as_text=True)
    assert "Extra review" in page and "Overdue" in page and "Schedule an extra review" in page
    call(app, placements.complete_review, coordinator, review.id, today(), "Checked in after a fall")
    reviews = db.exec(select(Review.kind).where(Review.arrangement_id == arrangement.id)).all()
    assert sorted(reviews) == ["annual", "extra", "first"]  # an extra review schedules nothing after it


def test_introductions_cannot_be_dated_before_their_proposal(app, db, users):
    with app.app_context():
        household = factories.make_household(db)
        factories.make_carer(db, household)
        person = factories.make_person(db, first_name="Kit")
        db.commit()
    coordinator = as_user(users["coordinator"])
    p = call(app, services.create_proposal, coordinator, person.id, household.id, "Good fit")
    with pytest.raises(ValidationError, match="before the proposal was made"):
        call(app, services.add_introduction, coordinator, p.id, "tea_visit", today() - timedelta(days=1))
    call(app, services.add_introduction, coordinator, p.id, "tea_visit", today(), "completed")

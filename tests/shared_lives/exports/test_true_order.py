"""A history that tells the truth (issue 11): built through the services with a role change,
a proposal and an arrangement on the same day, and reviews done and still to come. Every
export (CSV, JSON, PDF) and the timeline list the events in the order they happened, each
with one UTC time, the status it produced and the role its actor had at the time; reviews
still to come are listed apart, never as events."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlmodel import select

from shared_lives.auth import services as auth_services
from shared_lives.auth.models import User
from shared_lives.placements.models import Review
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call

URL = "/exports/placement-history"
ORDER = [
    ("proposal.proposed", "proposed", "coordinator"),
    ("proposal.response", "introductions", "coordinator"),
    ("proposal.response", "agreed", "coordinator"),
    ("proposal.approved", "active", "manager"),
    ("arrangement.started", "active", "manager"),
    # the proposer, promoted after proposing, completes the first review as a manager
    ("review", "", "manager"),
]
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00")


@pytest.fixture
def history(app, db, users):
    from shared_lives.matches import services as matches
    from shared_lives.placements import services as placements

    with app.app_context():
        household = factories.make_household(db, name="The Orderly household", interests=["gardening"])
        factories.make_carer(db, household, terms_max_people=1)
        person = factories.make_person(db, first_name="Tess", last_name="Truelove")
        db.commit()
    proposer = users["coordinator"]
    coordinator, manager = as_user(proposer), as_user(users["manager"])
    proposal = call(app, matches.create_proposal, coordinator, person.id, household.id, "Both like gardening")
    call(
        app,
        matches.record_response,
        coordinator,
        proposal.id,
        "person",
        "agree",
        "person",
        "Tess",
        "Asked her",
        person_views="Keen",
    )
    call(app, matches.record_response, coordinator, proposal.id, "household", "agree", "carer", "The carer")
    arrangement = call(app, matches.approve, manager, proposal.id, today())  # starts the day it was proposed
    call(app, auth_services.change_role, as_user(users["admin"]), proposer.id, "manager", None)
    with app.app_context():
        promoted = as_user(db.get(User, proposer.id))
        db.expire_all()
        first = db.exec(select(Review).where(Review.arrangement_id == arrangement.id).order_by(Review.due_on)).first()
    call(app, placements.complete_review, promoted, first.id, today(), "Settled")
    db.expire_all()
    later = db.exec(
        select(Review)
        .where(Review.arrangement_id == arrangement.id, Review.completed_on.is_(None))
        .order_by(Review.due_on)
    ).all()
    return {"person": person, "household": household, "proposer": proposer, "later": later}


def check_events(rows: list[dict], proposer_name: str) -> None:
    assert [(r["event"], r["status"], r["by_role"]) for r in rows] == ORDER
    times = [r["at"] for r in rows]
    assert all(UTC_TIME.fullmatch(t) for t in times), times
    assert times == sorted(times)
    assert rows[0]["by"] == rows[-1]["by"] == proposer_name  # the same person, two roles at two times
    started = rows[4]
    assert started["takes_effect"] == today().isoformat() == started["at"][:10]


def test_csv_json_and_timeline_tell_the_order_and_the_roles_at_the_time(signed_in, history):
    auditor = signed_in("auditor")
    ref = history["person"].reference
    rows = list(csv.DictReader(io.StringIO(auditor.get(f"{URL}?format=csv&person={ref}").get_data(as_text=True))))
    check_events(rows, history["proposer"].name)

    data = json.loads(auditor.get(f"{URL}?format=json&person={ref}").get_data(as_text=True))
    check_events(data["events"], history["proposer"].name)
    # reviews still to come are apart, and none of them is an event
    assert [r["due_on"] for r in data["upcoming_reviews"]] == [r.due_on.isoformat() for r in history["later"]]
    assert data["upcoming_reviews"] and all(r["due_on"] > today().isoformat() for r in data["upcoming_reviews"])

    html = signed_in("manager").get(f"/history/person/{history['person'].id}").get_data(as_text=True)
    events_part, upcoming_part = html.split("Upcoming reviews", 1)
    labels = ["Proposed", "Answer recorded", "Approved", "Arrangement started", "Review completed"]
    positions = [events_part.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "(Coordinator at the time)" in events_part and "(Manager at the time)" in events_part
    assert history["later"][0].due_on.isoformat() in upcoming_part


def test_the_pdf_tells_the_same_order(signed_in, history):
    response = signed_in("auditor").get(f"{URL}?format=pdf&person={history['person'].reference}")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    # The PDF wraps long cells, at a hyphen too ("Davies-" / "Brown"): join those back first.
    text = re.sub(r"\s+", " ", re.sub(r"-\s+", "-", text))
    events_part, upcoming_part = text.split("Upcoming reviews", 1)
    labels = ["Proposed", "Answer recorded", "Approved", "Arrangement started", "Review completed"]
    positions = [events_part.index(label) for label in labels]
    assert positions == sorted(positions), events_part
    name = history["proposer"].name
    assert f"{name} (Coordinator)" in events_part and f"{name} (Manager)" in events_part
    assert history["later"][0].due_on.isoformat() in upcoming_part

"""A generated scheme for the reports' tests: households in several postcode areas with
varied approvals and places, people at every stage, proposals, arrangements, reviews and
subject access requests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from shared_lives.matches.models import Proposal
from shared_lives.placements.models import Arrangement, Review
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.rights.subject_access import due_date
from shared_lives.timeutil import today
from tests import factories

AREAS = {"ME14 1XQ": "ME", "ME15 6YE": "ME", "ME1 3FE": "ME", "TN1 1AA": "TN", "CT1 2AA": "CT"}
TYPES = ("live_in", "short_breaks", "day_support", "emergency")


@pytest.fixture
def scheme(app, db, users):
    """About 30 households and 60 people, made with a fixed seed; returns their ids."""
    rng = random.Random(14)
    on = today()
    coordinator = users["coordinator"]
    with app.app_context():
        households = []
        for i in range(30):
            h = factories.make_household(db, postcode=rng.choice(list(AREAS)))
            h.arrangement_types = rng.sample(TYPES, rng.randint(1, 3))
            # The factory places every postcode it does not know near Maidstone; the area is the postcode's.
            if i % 7 == 3:
                factories.make_carer(db, h, approval_status="assessment")
            elif i % 7 == 5:
                factories.make_carer(db, h, dbs_renew_by=on + timedelta(days=rng.randint(-30, 50)))
            else:
                factories.make_carer(db, h, terms_max_people=rng.randint(1, 3), terms_arrangement_types=list(TYPES))
            households.append(h)
        people = []
        for _ in range(60):
            status = rng.choice(("referred", "waiting", "waiting", "matched", "closed"))
            referral = on - timedelta(days=rng.randint(0, 500)) if rng.random() > 0.1 else None
            people.append(factories.make_person(db, status=status, referral_date=referral))
        for person in people:
            for _ in range(rng.randint(0, 2)):
                status = rng.choice(("proposed", "introductions", "agreed", "declined", "withdrawn", "active"))
                when = on - timedelta(days=rng.randint(0, 400))
                db.add(
                    Proposal(
                        person_id=person.id,
                        household_id=rng.choice(households).id,
                        arrangement_type=person.arrangement_type,
                        status=status,
                        rationale="Generated",
                        proposed_by_id=coordinator.id,
                        proposed_at=datetime.combine(when, time(10), tzinfo=UTC),
                    )
                )
        db.flush()
        for person in [p for p in people if p.status == "matched"]:
            kind = rng.choice(TYPES)
            start = on - timedelta(days=rng.randint(0, 300))
            extra = {}
            if kind == "short_breaks":
                first = on + timedelta(days=rng.randint(-5, 5))
                extra = {"short_break_start": first, "short_break_end": first + timedelta(days=3)}
            status = "ended" if rng.random() < 0.2 else "active"
            a = Arrangement(
                person_id=person.id,
                household_id=rng.choice(households).id,
                arrangement_type=kind,
                start_date=start,
                status=status,
                end_date=on - timedelta(days=1) if status == "ended" else None,
                **extra,
            )
            db.add(a)
            db.flush()
            db.add(Review(arrangement_id=a.id, kind="first", due_on=on + timedelta(days=rng.randint(-20, 40))))
        # Subject access requests at every step, some overdue; released ones are answered.
        for person in people[:9]:
            received = on - timedelta(days=rng.randint(0, 60))
            db.add(
                SubjectAccessRequest(
                    person_id=person.id,
                    received_on=received,
                    due_on=due_date(received),
                    status=rng.choice(("received", "prepared", "confirmed", "released")),
                    recorded_by_id=users["manager"].id,
                )
            )
        db.commit()
    return {"households": [h.id for h in households], "people": [p.id for p in people]}

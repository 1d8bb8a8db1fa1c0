"""Eight approvals race for a household's last place (reliability.md Workflow item 7).

Each thread has its own Session and connection from the app's engine, so the test
runs on SQLite (BEGIN IMMEDIATE serialises writers) or PostgreSQL (row lock on the
household), whichever DATABASE_URL names.
"""

from __future__ import annotations

import threading

from sqlmodel import Session, func, select

from shared_lives.db import get_engine
from shared_lives.errors import Conflict
from shared_lives.matches import services
from shared_lives.placements.models import Arrangement
from tests import factories
from tests.shared_lives.matches.helpers import call

THREADS = 8


def test_eight_concurrent_approvals_of_the_last_place_give_one_arrangement(app, db, people_places):
    w = people_places
    with app.app_context():
        people = [factories.make_person(db, first_name=f"Racer{n}") for n in range(THREADS)]
        db.commit()
    proposals = []
    for person in people:
        p = call(app, services.create_proposal, w.coordinator, person.id, w.household.id, "Race")
        call(
            app,
            services.record_response,
            w.coordinator,
            p.id,
            "person",
            "agree",
            "person",
            person.first_name,
            "Asked",
            person_views="Keen",
        )
        call(app, services.record_response, w.coordinator, p.id, "household", "agree", "carer", "Ann Rivers")
        proposals.append(p.id)

    engine = get_engine(app)
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def worker(n: int) -> None:
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                services.approve(session, w.manager, proposals[n])
                session.commit()
                outcomes[n] = "ok"
            except Conflict as exc:
                session.rollback()
                outcomes[n] = str(exc)
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                session.rollback()
                outcomes[n] = f"error: {exc!r}"

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert outcomes.count("ok") == 1, outcomes
    losers = [o for o in outcomes if o != "ok"]
    assert all("took the last place" in o or "No free place" in o for o in losers), losers
    active = db.exec(
        select(func.count())
        .select_from(Arrangement)
        .where(Arrangement.household_id == w.household.id, Arrangement.status == "active")
    ).one()
    assert active == 1  # 0 overbookings

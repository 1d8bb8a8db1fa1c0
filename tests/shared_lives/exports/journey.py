"""A whole placement journey for one person and one household, for export and rights tests.

The rows are made directly, and each event is written to the audit log as the services
write it (same action, record, changes), at the time it happened: the history is read from
the log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import current_app
from sqlmodel import Session, select

from shared_lives.audit.services import Actor, record
from shared_lives.matches.models import EngineRun, Introduction, Proposal, ProposalResponse
from shared_lives.placements.models import Arrangement, Review
from tests import factories


def make_journey(db: Session, users: dict, person=None, household=None, ended: bool = True, **person_kw) -> dict:
    """Proposed 2025-01-10, both agree, an introduction, approved, started, reviewed and (optionally) ended."""
    person = person or factories.make_person(db, **person_kw)
    household = household or factories.make_household(db)
    coordinator, manager = users["coordinator"], users["manager"]
    run = EngineRun(actor_id=coordinator.id, kind="person", subject_id=person.id, weights_version="v1")
    db.add(run)
    db.flush()
    proposal = Proposal(
        person_id=person.id,
        household_id=household.id,
        arrangement_type="live_in",
        status="active",
        rationale="Shares a love of gardening",
        engine_run_id=run.id,
        proposed_by_id=coordinator.id,
        proposed_at=datetime(2025, 1, 10, 9, 30, tzinfo=UTC),
        person_response="agree",
        carer_response="agree",
        approved_by_id=manager.id,
        approved_at=datetime(2025, 2, 20, 14, 0, tzinfo=UTC),
    )
    db.add(proposal)
    db.flush()
    db.add_all(
        [
            ProposalResponse(
                proposal_id=proposal.id,
                side="person",
                decision="agree",
                given_by="representative",
                given_by_name="Rita Representative-Zed",
                recorded_by_id=coordinator.id,
                recorded_at=datetime(2025, 1, 20, 10, 0, tzinfo=UTC),
            ),
            ProposalResponse(
                proposal_id=proposal.id,
                side="household",
                decision="agree",
                given_by="carer",
                given_by_name="Carol Carer-Quince",
                recorded_by_id=coordinator.id,
                recorded_at=datetime(2025, 1, 21, 10, 0, tzinfo=UTC),
            ),
            Introduction(
                proposal_id=proposal.id,
                kind="tea_visit",
                planned_for=date(2025, 2, 1),
                status="completed",
                recorded_by_id=coordinator.id,
                recorded_at=datetime(2025, 1, 25, tzinfo=UTC),
            ),
        ]
    )
    arrangement = Arrangement(
        person_id=person.id,
        household_id=household.id,
        arrangement_type="live_in",
        status="ended" if ended else "active",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 9, 30) if ended else None,
        end_reason="Moved nearer family" if ended else "",
        end_planned=True if ended else None,
        ended_by_id=manager.id if ended else None,
        proposal_id=proposal.id,
    )
    db.add(arrangement)
    db.flush()
    db.add(
        Review(
            arrangement_id=arrangement.id,
            kind="first",
            due_on=date(2025, 4, 10),
            completed_on=date(2025, 4, 8),
            completed_by_id=coordinator.id,
            notes="Settling in well",
        )
    )
    db.flush()
    review = db.exec(select(Review).where(Review.arrangement_id == arrangement.id)).one()
    responses = db.exec(select(ProposalResponse).where(ProposalResponse.proposal_id == proposal.id)).all()
    intro = db.exec(select(Introduction).where(Introduction.proposal_id == proposal.id)).one()
    log = [
        (
            proposal.proposed_at,
            coordinator,
            "proposal.create",
            "proposal",
            proposal.id,
            {"arrangement_type": "live_in"},
        ),
        (
            responses[0].recorded_at,
            coordinator,
            "proposal.person_agree",
            "proposal",
            proposal.id,
            {
                "side": "person",
                "decision": "agree",
                "given_by": "representative",
                "status": ["proposed", "introductions"],
            },
        ),
        (
            responses[1].recorded_at,
            coordinator,
            "proposal.household_agree",
            "proposal",
            proposal.id,
            {"side": "household", "decision": "agree", "given_by": "carer", "status": ["introductions", "agreed"]},
        ),
        (
            intro.recorded_at,
            coordinator,
            "introduction.create",
            "introduction",
            intro.id,
            {"proposal_id": proposal.id, "kind": "tea_visit", "status": "completed"},
        ),
        (
            proposal.approved_at,
            manager,
            "proposal.approve",
            "proposal",
            proposal.id,
            {"status": ["agreed", "active"], "arrangement_id": arrangement.id, "start_date": "2025-03-01"},
        ),
        (
            proposal.approved_at,
            manager,
            "arrangement.start",
            "arrangement",
            arrangement.id,
            {"proposal_id": proposal.id, "arrangement_type": "live_in", "start_date": "2025-03-01"},
        ),
        (
            datetime(2025, 4, 8, 16, 0, tzinfo=UTC),
            coordinator,
            "review.complete",
            "review",
            review.id,
            {"kind": "first", "completed_on": "2025-04-08"},
        ),
    ]
    if ended:
        log.append(
            (
                datetime.combine(date(2025, 9, 30), time(17), UTC),
                manager,
                "arrangement.end",
                "arrangement",
                arrangement.id,
                {"end_date": "2025-09-30", "reason": "planned_move", "planned": True},
            )
        )
    for at, user, action, record_type, record_id, changes in log:
        actor = Actor(user.id, user.email, user.role)
        record(db, current_app.config["AUDIT_KEY"], actor, action, record_type, record_id, changes=changes, at=at)
    return {"person": person, "household": household, "proposal": proposal, "arrangement": arrangement, "run": run}

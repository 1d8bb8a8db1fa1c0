"""A whole placement journey for one person and one household, for export and rights tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

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
    return {"person": person, "household": household, "proposal": proposal, "arrangement": arrangement, "run": run}

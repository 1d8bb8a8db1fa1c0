"""Retention: anonymise people whose last arrangement ended more than ``RETENTION_YEARS`` ago.

A person is due when they have at least one arrangement, none is still running, the
last one ended before the cut-off, no proposal for them is still open, and they have
not been anonymised already. Rows are kept (so counts of people, proposals and
arrangements do not change) but everything that identifies the person, and every
free-text note about them, is cleared. The audit log is not touched: it never holds
names or health text (see ``shared_lives.audit.services``), so its chain stays valid;
each anonymisation is appended to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import SYSTEM, record
from shared_lives.matches.models import EngineRun, Introduction, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today, utcnow

OPEN_PROPOSALS = ("proposed", "introductions", "agreed", "approved")
ANONYMISED = "Anonymised"

#: Person fields and the values they are set to.
PERSON_CLEARED = {
    "first_name": ANONYMISED,
    "date_of_birth": None,
    "gender": None,
    "referrer_name": "",
    "referrer_organisation": "",
    "needs": [],
    "support_required": "",
    "risks": "",
    "risk_management": "",
    "interests": [],
    "allergies": [],
    "needs_step_free": False,
    "needs_ground_floor": False,
    "access_needs": "",
    "carer_gender_personal_care": None,
    "faith": None,
    "faith_important": False,
    "languages": [],
    "language_important": False,
    "preferred_postcode": "",
    "easting": None,
    "northing": None,
    "capacity": "not_assessed",
    "representative_name": "",
    "representative_relationship": "",
    "representative_contact": "",
    "status": "closed",
}
#: Free text in the person's journey, cleared too.
RELATED_CLEARED = {
    Proposal: {"rationale": "", "closed_note": ""},
    ProposalResponse: {"given_by_name": "", "how_checked": "", "note": "", "household_views": ""},
    Introduction: {"person_feedback": "", "carer_feedback": ""},
    Arrangement: {"end_reason": ""},
    Review: {"notes": ""},
}


@dataclass
class RetentionResult:
    cutoff: date
    person_ids: list[int] = field(default_factory=list)
    proposals: int = 0
    arrangements: int = 0


def cutoff_for(years: int, on: date | None = None) -> date:
    on = on or today()
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def due_people(session: Session, cutoff: date) -> list[int]:
    """Ids of people past retention, not yet anonymised."""
    done = select(AuditEntry.person_id).where(
        AuditEntry.action == "retention.anonymise", AuditEntry.person_id.is_not(None)
    )
    still_open = select(Proposal.person_id).where(Proposal.status.in_(OPEN_PROPOSALS))
    query = (
        select(Arrangement.person_id)
        .group_by(Arrangement.person_id)
        .having(func.count() == func.count(Arrangement.end_date))  # none still running
        .having(func.max(Arrangement.end_date) < cutoff)
        .where(Arrangement.person_id.not_in(done), Arrangement.person_id.not_in(still_open))
        .order_by(Arrangement.person_id)
    )
    return list(session.exec(query).all())


def _clear(row, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def anonymise_person(session: Session, key: str, person: Person, cutoff: date) -> tuple[int, int]:
    """Clear one person and the free text of their journey; append one audit entry. (proposals, arrangements)"""
    fields = _clear(person, {**PERSON_CLEARED, "last_name": f"person {person.id}"})
    person.version += 1
    person.updated_at = utcnow()
    session.add(person)
    proposals = session.exec(select(Proposal).where(Proposal.person_id == person.id)).all()
    arrangements = session.exec(select(Arrangement).where(Arrangement.person_id == person.id)).all()
    proposal_ids = [p.id for p in proposals]
    related = list(proposals) + list(arrangements)
    if proposal_ids:
        related += session.exec(select(ProposalResponse).where(ProposalResponse.proposal_id.in_(proposal_ids))).all()
        related += session.exec(select(Introduction).where(Introduction.proposal_id.in_(proposal_ids))).all()
    if arrangements:
        ids = [a.id for a in arrangements]
        related += session.exec(select(Review).where(Review.arrangement_id.in_(ids))).all()
    cleared: set[str] = set()
    for row in related:
        names = _clear(row, RELATED_CLEARED[type(row)])
        cleared.update(f"{type(row).__tablename__}.{n}" for n in names)
        session.add(row)
    for run in session.exec(select(EngineRun).where(EngineRun.kind == "person", EngineRun.subject_id == person.id)):
        run.input_snapshot = {"anonymised": True}
        run.result = {"anonymised": True}
        session.add(run)
        cleared.add("engine_run.input_snapshot")
    session.flush()
    record(
        session,
        key,
        SYSTEM,
        "retention.anonymise",
        "person",
        person.id,
        changes={"fields": sorted(fields), "related": sorted(cleared), "cutoff": cutoff.isoformat()},
    )
    return len(proposals), len(arrangements)


def run_retention(session: Session, config, apply: bool, on: date | None = None) -> RetentionResult:
    """Find (and with ``apply``, anonymise) everyone past the scheme's retention period."""
    result = RetentionResult(cutoff=cutoff_for(int(config["RETENTION_YEARS"]), on))
    result.person_ids = due_people(session, result.cutoff)
    if not apply:
        result.proposals = session.exec(
            select(func.count()).select_from(Proposal).where(Proposal.person_id.in_(result.person_ids or [-1]))
        ).one()
        result.arrangements = session.exec(
            select(func.count()).select_from(Arrangement).where(Arrangement.person_id.in_(result.person_ids or [-1]))
        ).one()
        return result
    key = config["AUDIT_KEY"]
    for person_id in result.person_ids:
        proposals, arrangements = anonymise_person(session, key, session.get(Person, person_id), result.cutoff)
        result.proposals += proposals
        result.arrangements += arrangements
    record(
        session,
        key,
        SYSTEM,
        "retention.run",
        changes={"cutoff": result.cutoff.isoformat(), "anonymised": len(result.person_ids)},
    )
    return result

"""Retention: anonymise people whose records are past the scheme's retention period.

A person is due when they have not been anonymised already, no proposal for them is open,
and either
- they had arrangements, none is still running, and the last one ended more than
  ``RETENTION_YEARS`` ago; or
- their referral was closed without any arrangement more than
  ``RETENTION_CLOSED_REFERRAL_YEARS`` ago (closed on the date the audit log shows the
  status set to closed, else the record's last change).

Rows are kept (so counts of people, proposals and arrangements do not change) but
everything that identifies the person, and every free-text note about them, is cleared.
Engine runs keep only ids: the person's own runs are emptied, and in every other run
(a household's, the whole scheme's) their record, their entries in the results and
their place among a household's residents are reduced to their id. The audit log is not
touched: it never holds names or health text (see ``shared_lives.audit.services``), so its
chain stays valid; each anonymisation is appended to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import SYSTEM, record
from shared_lives.equality.models import FIELDS as EQUALITY_FIELDS
from shared_lives.equality.models import EqualityRecord
from shared_lives.matches import states
from shared_lives.matches.inputs import EngineInput
from shared_lives.matches.models import (
    CapacityAssessment,
    EngineRun,
    Introduction,
    LibertyRecord,
    Proposal,
    ProposalResponse,
)
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import as_utc, today, utcnow

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
    ProposalResponse: {
        "given_by_name": "",
        "how_checked": "",
        "note": "",
        "household_views": "",
        "person_views": "",
        "authority_reference": "",
        "bi_maker_role": "",
        "bi_consulted": [],
        "bi_wishes": "",
        "bi_less_restrictive": "",
    },
    CapacityAssessment: {"decision": "", "assessor_name": "", "assessor_role": ""},
    LibertyRecord: {"reference": ""},
    Introduction: {"person_feedback": "", "carer_feedback": ""},
    Arrangement: {"end_reason": ""},
    Review: {"notes": ""},
    # Special-category answers: cleared like the person's own health notes.
    EqualityRecord: dict.fromkeys(EQUALITY_FIELDS),
}


@dataclass(frozen=True)
class Due:
    """One person due for anonymising, and why."""

    person_id: int
    reference: str
    reason: str  # "arrangements_ended" or "referral_closed"
    since: date  # the last arrangement's end, or the day the referral was closed

    def describe(self) -> str:
        why = "last arrangement ended" if self.reason == "arrangements_ended" else "referral closed, never placed,"
        return f"{self.reference}: {why} on {self.since.isoformat()}"


@dataclass
class RetentionResult:
    cutoff: date
    closed_cutoff: date
    due: list[Due] = field(default_factory=list)
    proposals: int = 0
    arrangements: int = 0
    engine_runs: int = 0

    @property
    def person_ids(self) -> list[int]:
        return [d.person_id for d in self.due]


def cutoff_for(years: int, on: date | None = None) -> date:
    on = on or today()
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _not_done_nor_open():
    done = select(AuditEntry.person_id).where(
        AuditEntry.action == "retention.anonymise", AuditEntry.person_id.is_not(None)
    )
    still_open = select(Proposal.person_id).where(Proposal.status.in_(states.OPEN_STATUSES))
    return done, still_open


def _closed_on(session: Session, people: list[Person]) -> dict[int, date]:
    """The day each closed referral was closed: its closing date when recorded, else the last
    logged change of its status to closed, else its last change."""
    found = {p.id: as_utc(p.updated_at).date() for p in people}
    recorded = {p.id: p.closed_on for p in people if p.closed_on}
    entries = session.exec(
        select(AuditEntry.person_id, AuditEntry.at, AuditEntry.changes)
        .where(AuditEntry.person_id.in_(list(found)), AuditEntry.action.in_(("person.create", "person.update")))
        .order_by(AuditEntry.id)
    ).all()
    for person_id, at, changes in entries:
        status = (changes or {}).get("status")
        if isinstance(status, list) and status[-1:] == ["closed"]:
            found[person_id] = as_utc(at).date()
    return {**found, **recorded}


def due_people(session: Session, cutoff: date, closed_cutoff: date | None = None) -> list[Due]:
    """Everyone past retention and not yet anonymised, by person id."""
    done, still_open = _not_done_nor_open()
    ended = session.exec(
        select(Arrangement.person_id, func.max(Arrangement.end_date), Person.reference)
        .join(Person, Person.id == Arrangement.person_id)
        .group_by(Arrangement.person_id, Person.reference)
        .having(func.count() == func.count(Arrangement.end_date))  # none still running
        .having(func.max(Arrangement.end_date) < cutoff)
        .where(Arrangement.person_id.not_in(done), Arrangement.person_id.not_in(still_open))
    ).all()
    due = [Due(pid, ref, "arrangements_ended", last) for pid, last, ref in ended]
    if closed_cutoff is not None:
        never_placed = session.exec(
            select(Person).where(
                Person.status == "closed",
                Person.id.not_in(select(Arrangement.person_id)),
                Person.id.not_in(done),
                Person.id.not_in(still_open),
            )
        ).all()
        for person_id, closed in _closed_on(session, list(never_placed)).items():
            if closed < closed_cutoff:
                reference = next(p.reference for p in never_placed if p.id == person_id)
                due.append(Due(person_id, reference, "referral_closed", closed))
    return sorted(due, key=lambda d: d.person_id)


def _scrub(value, ids: set[int], key: str | None = None):
    """``value`` with every record of these people reduced to their id."""
    if isinstance(value, dict):
        if value.get("person_id") in ids:
            return {"person_id": value["person_id"], "anonymised": True}
        return {k: _scrub(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "people":  # the engine's person records, keyed "id"
            return [
                {"id": x["id"], "anonymised": True} if isinstance(x, dict) and x.get("id") in ids else _scrub(x, ids)
                for x in value
            ]
        return [_scrub(x, ids) for x in value]
    return value


def scrub_engine_runs(session: Session, person_ids: list[int], apply: bool) -> int:
    """Reduce these people to their ids in every engine run; empty their own runs. Returns runs changed."""
    ids = set(person_ids)
    if not ids:
        return 0
    changed = 0
    for run in session.exec(select(EngineRun).order_by(EngineRun.id)).all():
        if run.kind == "person" and run.subject_id in ids:
            snapshot, result = {"anonymised": True}, {"anonymised": True}
        else:
            snapshot, result = _scrub(run.input_snapshot, ids), _scrub(run.result, ids)
        if (snapshot, result) != (run.input_snapshot, run.result):
            changed += 1
            if apply:
                run.input_snapshot, run.result = snapshot, result
                session.add(run)
    # Inputs stored once for many runs (matches.inputs): the people in them too.
    for stored in session.exec(select(EngineInput)).all():
        if stored.snapshot.get("side") == "people":
            scrubbed = {**stored.snapshot, "records": _scrub({"people": stored.snapshot["records"]}, ids)["people"]}
        else:  # households: the people already living there
            scrubbed = _scrub(stored.snapshot, ids)
        if scrubbed != stored.snapshot:
            changed += 1
            if apply:
                stored.snapshot = scrubbed
                session.add(stored)
    return changed


def _clear(row, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def anonymise_person(session: Session, key: str, person: Person, cutoff: date) -> tuple[int, int]:
    # Engine runs are scrubbed for everyone due at once (run_retention): one pass over the runs.
    """Clear one person and the free text of their journey; append one audit entry. (proposals, arrangements)"""
    fields = _clear(person, {**PERSON_CLEARED, "last_name": f"person {person.id}"})
    person.version += 1
    person.updated_at = utcnow()
    session.add(person)
    proposals = session.exec(select(Proposal).where(Proposal.person_id == person.id)).all()
    arrangements = session.exec(select(Arrangement).where(Arrangement.person_id == person.id)).all()
    proposal_ids = [p.id for p in proposals]
    related = list(proposals) + list(arrangements)
    related += session.exec(select(EqualityRecord).where(EqualityRecord.person_id == person.id)).all()
    if proposal_ids:
        related += session.exec(select(ProposalResponse).where(ProposalResponse.proposal_id.in_(proposal_ids))).all()
        related += session.exec(select(Introduction).where(Introduction.proposal_id.in_(proposal_ids))).all()
    related += session.exec(select(CapacityAssessment).where(CapacityAssessment.person_id == person.id)).all()
    related += session.exec(select(LibertyRecord).where(LibertyRecord.person_id == person.id)).all()
    if arrangements:
        ids = [a.id for a in arrangements]
        related += session.exec(select(Review).where(Review.arrangement_id.in_(ids))).all()
    cleared: set[str] = set()
    for row in related:
        names = _clear(row, RELATED_CLEARED[type(row)])
        cleared.update(f"{type(row).__tablename__}.{n}" for n in names)
        session.add(row)
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
    """Find (and with ``apply``, anonymise) everyone past the scheme's retention periods."""
    result = RetentionResult(
        cutoff=cutoff_for(int(config["RETENTION_YEARS"]), on),
        closed_cutoff=cutoff_for(int(config["RETENTION_CLOSED_REFERRAL_YEARS"]), on),
    )
    result.due = due_people(session, result.cutoff, result.closed_cutoff)
    ids = result.person_ids
    result.engine_runs = scrub_engine_runs(session, ids, apply)
    if not apply:
        result.proposals = session.exec(
            select(func.count()).select_from(Proposal).where(Proposal.person_id.in_(ids or [-1]))
        ).one()
        result.arrangements = session.exec(
            select(func.count()).select_from(Arrangement).where(Arrangement.person_id.in_(ids or [-1]))
        ).one()
        return result
    key = config["AUDIT_KEY"]
    for due in result.due:
        cutoff = result.cutoff if due.reason == "arrangements_ended" else result.closed_cutoff
        proposals, arrangements = anonymise_person(session, key, session.get(Person, due.person_id), cutoff)
        result.proposals += proposals
        result.arrangements += arrangements
    record(
        session,
        key,
        SYSTEM,
        "retention.run",
        changes={
            "cutoff": result.cutoff.isoformat(),
            "closed_cutoff": result.closed_cutoff.isoformat(),
            "anonymised": len(ids),
            "engine_runs": result.engine_runs,
        },
    )
    return result

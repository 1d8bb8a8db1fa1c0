"""Placement histories: every proposal, answer, introduction, approval, arrangement, review and
ending, as one stream of events in the order they happened.

The history is read from the audit log, because the log is the record of each event as it
happened: one UTC time (``at``), who did it and **their role at that time**, and the status the
event produced (a later promotion or a later decline does not rewrite an earlier event). The
rows the events touched add what the log leaves out (references, the arrangement type, the
date an event took effect). Events are read in keyset batches ordered by (time, id), so an
export of any size holds one batch in memory.

Each event also has the date it took effect where that differs from when it was recorded
(an arrangement starting on 1 March, approved on 20 February). Reviews appear when they are
completed; reviews still to come are listed apart by :func:`upcoming_reviews`. Free text
(notes, feedback, end reasons) is left out: it may hold health detail.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.auth.models import User
from shared_lives.households.models import Household
from shared_lives.matches.models import (
    CLOSE_REASONS,
    GIVEN_BY,
    INTRODUCTION_KINDS,
    PROPOSAL_STATUSES,
    Introduction,
    Proposal,
)
from shared_lives.people.models import Person
from shared_lives.placements.models import ARRANGEMENT_STATUSES, REVIEW_KINDS, Arrangement, Review
from shared_lives.timeutil import as_utc, today

BATCH = 2000
COLUMNS = [
    "at",
    "takes_effect",
    "event",
    "person_reference",
    "household_reference",
    "proposal_id",
    "arrangement_id",
    "arrangement_type",
    "status",
    "detail",
    "by",
    "by_role",
]
#: Audit actions that are events of a placement history, and the event each one is.
ACTIONS = {
    "proposal.create": "proposal.proposed",
    **{f"proposal.{side}_{d}": "proposal.response" for side in ("person", "household") for d in ("agree", "decline")},
    "proposal.household_withdraw": "proposal.response",
    "proposal.person_withdraw": "proposal.response",
    "introduction.create": "introduction",
    "introduction.update": "introduction.updated",
    "proposal.approve": "proposal.approved",
    "proposal.withdraw": "proposal.closed",
    "arrangement.start": "arrangement.started",
    "arrangement.create": "arrangement.recorded",
    "review.complete": "review",
    "arrangement.end": "arrangement.ended",
}
EVENT_LABELS = {
    "proposal.proposed": "Proposed",
    "proposal.response": "Answer recorded",
    "introduction": "Introduction arranged",
    "introduction.updated": "Introduction updated",
    "proposal.approved": "Approved",
    "proposal.closed": "Withdrawn",
    "arrangement.started": "Arrangement started",
    "arrangement.recorded": "Arrangement recorded",
    "review": "Review completed",
    "arrangement.ended": "Arrangement ended",
}
#: The status each kind of event leaves its proposal or arrangement in, when the log does not say.
PRODUCES = {
    "proposal.proposed": "proposed",
    "proposal.approved": "active",
    "proposal.closed": "withdrawn",
    "arrangement.started": "active",
    "arrangement.recorded": "active",
    "arrangement.ended": "ended",
}
STATUSES = {**PROPOSAL_STATUSES, "ended": ARRANGEMENT_STATUSES["ended"]}
DECISIONS = {"agree": "agreed", "decline": "declined", "withdraw": "withdrew"}
SIDES = {"person": "The person's side", "household": "The household"}


@dataclass(frozen=True)
class HistoryFilter:
    """Which events: a period (inclusive dates, of when they happened), one person, one household,
    and the status an event produced."""

    date_from: date | None = None
    date_to: date | None = None
    person_id: int | None = None
    household_id: int | None = None
    status: str | None = None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items() if v is not None}


def iso_time(value: datetime) -> str:
    """One way to write a time everywhere: UTC, to the second, with its offset."""
    return as_utc(value).astimezone(UTC).isoformat(timespec="seconds")


def _where(f: HistoryFilter) -> list:
    where = [AuditEntry.action.in_(ACTIONS), AuditEntry.outcome == "success"]
    if f.person_id:
        where.append(AuditEntry.person_id == f.person_id)
    if f.household_id:
        where.append(AuditEntry.household_id == f.household_id)
    if f.date_from:
        where.append(AuditEntry.at >= datetime.combine(f.date_from, time(), UTC))
    if f.date_to:
        where.append(AuditEntry.at < datetime.combine(f.date_to + timedelta(days=1), time(), UTC))
    return where


def _by_id(session: Session, model, ids: set, *columns) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row[0]: row for row in session.execute(select(model.id, *columns).where(model.id.in_(ids))).all()}


class _Batch:
    """The rows one batch of entries refers to, each read once."""

    def __init__(self, session: Session, entries: list[AuditEntry]):
        def ids(*types):
            return {e.record_id for e in entries if e.record_type in types}

        intro = (Introduction.proposal_id, Introduction.kind, Introduction.planned_for)
        self.introductions = _by_id(session, Introduction, ids("introduction"), *intro)
        self.reviews = _by_id(session, Review, ids("review"), Review.arrangement_id, Review.kind, Review.completed_on)
        proposal_ids = ids("proposal") | {row[1] for row in self.introductions.values()}
        arrangement_ids = ids("arrangement") | {row[1] for row in self.reviews.values()}
        self.proposals = _by_id(session, Proposal, proposal_ids, Proposal.arrangement_type)
        self.arrangements = _by_id(
            session,
            Arrangement,
            arrangement_ids,
            Arrangement.proposal_id,
            Arrangement.arrangement_type,
            Arrangement.start_date,
            Arrangement.end_date,
        )
        self.people = _by_id(session, Person, {e.person_id for e in entries}, Person.reference)
        self.households = _by_id(session, Household, {e.household_id for e in entries}, Household.reference)
        self.users = _by_id(session, User, {e.actor_id for e in entries}, User.name)


def _event(entry: AuditEntry, rows: _Batch) -> dict:
    kind = ACTIONS[entry.action]
    changes = entry.changes or {}
    proposal_id = arrangement_id = None
    a_type = effective = detail = ""
    status = PRODUCES.get(kind, "")
    if isinstance(changes.get("status"), list) and len(changes["status"]) == 2:
        status = changes["status"][1]  # what the event changed the status to, as logged then
    if entry.record_type == "proposal":
        proposal_id = entry.record_id
    elif entry.record_type == "introduction" and entry.record_id in rows.introductions:
        _, proposal_id, intro_kind, planned_for = rows.introductions[entry.record_id]
        effective = planned_for
        meeting = INTRODUCTION_KINDS.get(intro_kind, intro_kind)
        detail = f"{meeting}, {changes.get('status', 'planned')}"
        status = ""
    elif entry.record_type == "arrangement":
        arrangement_id = entry.record_id
    elif entry.record_type == "review" and entry.record_id in rows.reviews:
        _, arrangement_id, review_kind, completed_on = rows.reviews[entry.record_id]
        effective = completed_on
        detail = REVIEW_KINDS.get(review_kind, review_kind)
    if arrangement_id in rows.arrangements:
        _, proposal_of, a_type, start, end = rows.arrangements[arrangement_id]
        proposal_id = proposal_id or proposal_of
        if kind in ("arrangement.started", "arrangement.recorded"):
            effective = start
        elif kind == "arrangement.ended":
            effective = changes.get("end_date") or end
    if proposal_id in rows.proposals and not a_type:
        a_type = rows.proposals[proposal_id][1]
    if kind == "proposal.approved":
        effective = changes.get("start_date", "")
    if kind == "proposal.response":
        side, decision = entry.action.removeprefix("proposal.").split("_")
        detail = f"{SIDES[side]} {DECISIONS[decision]}"
        if changes.get("given_by") in GIVEN_BY:
            detail += f" (answer given by: {GIVEN_BY[changes['given_by']].lower()})"
    if kind in ("proposal.closed", "proposal.response") and changes.get("reason") in CLOSE_REASONS:
        detail = (detail + ". " if detail else "") + "Reason: " + CLOSE_REASONS[changes["reason"]].lower()
    if kind == "arrangement.ended":
        detail = {True: "Planned ending", False: "Unplanned ending"}.get(changes.get("planned"), "")
    user = rows.users.get(entry.actor_id)
    return {
        "at": iso_time(entry.at),
        "takes_effect": effective.isoformat() if isinstance(effective, date) else (effective or ""),
        "event": kind,
        "person_reference": (rows.people.get(entry.person_id) or (None, ""))[1],
        "household_reference": (rows.households.get(entry.household_id) or (None, ""))[1],
        "proposal_id": proposal_id,
        "arrangement_id": arrangement_id,
        "arrangement_type": a_type or "",
        "status": status,
        "detail": detail,
        "by": user[1] if user else ("system" if entry.actor_role == "system" else ""),
        "by_role": entry.actor_role,
    }


def events(session: Session, f: HistoryFilter, batch: int = BATCH) -> Iterator[dict]:
    """Every event matching ``f``, in the order it happened (UTC time, then log order)."""
    where = _where(f)
    last: tuple | None = None
    while True:
        q = select(AuditEntry).where(*where)
        if last is not None:
            q = q.where(or_(AuditEntry.at > last[0], and_(AuditEntry.at == last[0], AuditEntry.id > last[1])))
        entries = list(session.exec(q.order_by(AuditEntry.at, AuditEntry.id).limit(batch)).all())
        rows = _Batch(session, entries)
        for entry in entries:
            event = _event(entry, rows)
            if not f.status or event["status"] == f.status:
                yield event
        if len(entries) < batch:
            return
        last = (entries[-1].at, entries[-1].id)
        session.expunge_all()


def upcoming_reviews(session: Session, f: HistoryFilter, limit: int = 1000) -> list[dict]:
    """Reviews scheduled and not yet done, soonest first: shown apart, never as events."""
    q = (
        select(Review, Arrangement, Person.reference, Household.reference)
        .join(Arrangement, Arrangement.id == Review.arrangement_id)
        .join(Person, Person.id == Arrangement.person_id)
        .join(Household, Household.id == Arrangement.household_id)
        .where(Review.completed_on.is_(None), Arrangement.status == "active")
    )
    if f.person_id:
        q = q.where(Arrangement.person_id == f.person_id)
    if f.household_id:
        q = q.where(Arrangement.household_id == f.household_id)
    rows = session.exec(q.order_by(Review.due_on, Review.id).limit(limit)).all()
    return [
        {
            "due_on": review.due_on.isoformat(),
            "overdue": review.due_on < today(),
            "review": REVIEW_KINDS.get(review.kind, review.kind),
            "person_reference": person_ref,
            "household_reference": household_ref,
            "arrangement_id": arrangement.id,
            "arrangement_type": arrangement.arrangement_type,
        }
        for review, arrangement, person_ref, household_ref in rows
    ]

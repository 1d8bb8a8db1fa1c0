"""Placement histories: every proposal, response, introduction, approval, arrangement, review
and ending, as one time-ordered stream of events.

Each kind of event is read in keyset batches ordered by (time, id), and the kinds are
merged with :func:`heapq.merge`, so an export of any size holds at most a few
batches in memory. Free text (notes, feedback, end reasons) is left out: it may hold
health detail, and the records pages show it to those who may read it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, literal, null, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from shared_lives.auth.models import User
from shared_lives.households.models import Household
from shared_lives.matches.models import PROPOSAL_STATUSES, Introduction, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import ARRANGEMENT_STATUSES, Arrangement, Review

BATCH = 2000
COLUMNS = [
    "date",
    "event",
    "person_reference",
    "household_reference",
    "proposal_id",
    "arrangement_id",
    "arrangement_type",
    "status",
    "detail",
    "decided_by",
    "decided_by_role",
]
EVENT_LABELS = {
    "proposal.proposed": "Proposed",
    "proposal.response": "Response recorded",
    "introduction": "Introduction",
    "proposal.approved": "Approved",
    "proposal.closed": "Declined or withdrawn",
    "arrangement.started": "Arrangement started",
    "review": "Review",
    "arrangement.ended": "Arrangement ended",
}
STATUSES = {**PROPOSAL_STATUSES, **{"ended": ARRANGEMENT_STATUSES["ended"]}}
PROPOSAL_KINDS = ("proposal.proposed", "proposal.response", "introduction", "proposal.approved", "proposal.closed")


@dataclass(frozen=True)
class HistoryFilter:
    """Which events: a period (inclusive dates), one person, one household, one status."""

    date_from: date | None = None
    date_to: date | None = None
    person_id: int | None = None
    household_id: int | None = None
    status: str | None = None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items() if v is not None}


def _sort_key(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), UTC)


def _period(column, f: HistoryFilter, is_date: bool) -> list:
    out = []
    if f.date_from:
        out.append(column >= (f.date_from if is_date else datetime.combine(f.date_from, time(), UTC)))
    if f.date_to:
        end = f.date_to + timedelta(days=1)
        out.append(column < (end if is_date else datetime.combine(end, time(), UTC)))
    return out


def _sources(f: HistoryFilter):
    """(kind, time column, id column, is_date, select of the event's columns, where) for every kind."""
    decider = aliased(User)
    base_cols = (Person.reference, Household.reference)
    status_p = [Proposal.status == f.status] if f.status else []
    status_a = [Arrangement.status == f.status] if f.status else []
    who_p = [c for c in ([Proposal.person_id == f.person_id] if f.person_id else [])] + (
        [Proposal.household_id == f.household_id] if f.household_id else []
    )
    who_a = ([Arrangement.person_id == f.person_id] if f.person_id else []) + (
        [Arrangement.household_id == f.household_id] if f.household_id else []
    )
    proposal_ok = not f.status or f.status in PROPOSAL_STATUSES
    arrangement_ok = not f.status or f.status in ARRANGEMENT_STATUSES

    def proposal_select(ts, id_col, detail, decided_by_col, extra_from=None):
        q = select(
            ts,
            id_col,
            *base_cols,
            Proposal.id,
            null(),
            Proposal.arrangement_type,
            Proposal.status,
            *detail,
            decider.name,
            decider.role,
        )
        if extra_from:  # (root model, its join to Proposal)
            root, on = extra_from
            q = q.select_from(root).join(Proposal, on)
        else:
            q = q.select_from(Proposal)
        return (
            q.join(Person, Person.id == Proposal.person_id)
            .join(Household, Household.id == Proposal.household_id)
            .outerjoin(decider, decider.id == decided_by_col)
        )

    if proposal_ok:
        yield (
            "proposal.proposed",
            Proposal.proposed_at,
            Proposal.id,
            False,
            proposal_select(Proposal.proposed_at, Proposal.id, (literal(""),), Proposal.proposed_by_id),
            status_p + who_p,
        )
        yield (
            "proposal.response",
            ProposalResponse.recorded_at,
            ProposalResponse.id,
            False,
            proposal_select(
                ProposalResponse.recorded_at,
                ProposalResponse.id,
                (ProposalResponse.side, ProposalResponse.decision, ProposalResponse.given_by, ProposalResponse.reason),
                ProposalResponse.recorded_by_id,
                (ProposalResponse, Proposal.id == ProposalResponse.proposal_id),
            ),
            status_p + who_p,
        )
        yield (
            "introduction",
            Introduction.planned_for,
            Introduction.id,
            True,
            proposal_select(
                Introduction.planned_for,
                Introduction.id,
                (Introduction.kind, Introduction.status),
                Introduction.recorded_by_id,
                (Introduction, Proposal.id == Introduction.proposal_id),
            ),
            status_p + who_p,
        )
        yield (
            "proposal.approved",
            Proposal.approved_at,
            Proposal.id,
            False,
            proposal_select(Proposal.approved_at, Proposal.id, (literal(""),), Proposal.approved_by_id),
            [Proposal.approved_at.is_not(None), *status_p, *who_p],
        )
        yield (
            "proposal.closed",
            Proposal.closed_at,
            Proposal.id,
            False,
            proposal_select(Proposal.closed_at, Proposal.id, (Proposal.closed_reason,), Proposal.closed_by_id),
            [Proposal.closed_at.is_not(None), *status_p, *who_p],
        )
    if arrangement_ok:

        def arrangement_select(ts, id_col, detail, decided_by_col, review=False):
            q = select(
                ts,
                id_col,
                *base_cols,
                Arrangement.proposal_id,
                Arrangement.id,
                Arrangement.arrangement_type,
                Arrangement.status,
                *detail,
                decider.name,
                decider.role,
            )
            if review:
                q = q.select_from(Review).join(Arrangement, Arrangement.id == Review.arrangement_id)
            else:
                q = q.select_from(Arrangement)
            return (
                q.join(Person, Person.id == Arrangement.person_id)
                .join(Household, Household.id == Arrangement.household_id)
                .outerjoin(decider, decider.id == decided_by_col)
            )

        yield (
            "arrangement.started",
            Arrangement.start_date,
            Arrangement.id,
            True,
            arrangement_select(Arrangement.start_date, Arrangement.id, (literal(""),), null()),
            status_a + who_a,
        )
        yield (
            "review",
            Review.due_on,
            Review.id,
            True,
            arrangement_select(
                Review.due_on, Review.id, (Review.kind, Review.completed_on), Review.completed_by_id, review=True
            ),
            status_a + who_a,
        )
        yield (
            "arrangement.ended",
            Arrangement.end_date,
            Arrangement.id,
            True,
            arrangement_select(
                Arrangement.end_date, Arrangement.id, (Arrangement.end_planned,), Arrangement.ended_by_id
            ),
            [Arrangement.end_date.is_not(None), *status_a, *who_a],
        )


def _detail(kind: str, parts: tuple) -> str:
    if kind == "proposal.response":
        side, decision, given_by, reason = parts
        text = f"{side}: {decision} (given by {given_by})"
        return f"{text}, reason: {reason}" if reason else text
    if kind == "introduction":
        return f"{parts[0]} ({parts[1]})"
    if kind == "proposal.closed":
        return f"reason: {parts[0]}" if parts[0] else ""
    if kind == "review":
        return f"{parts[0]} review, " + (f"completed {_iso(parts[1])}" if parts[1] else "due")
    if kind == "arrangement.ended":
        return {True: "planned ending", False: "unplanned ending"}.get(parts[0], "")
    return ""


def _iso(value) -> str:
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds")
    return value.isoformat() if value else ""


def _stream(session: Session, kind, ts, id_col, is_date, query, where, f: HistoryFilter, batch: int) -> Iterator:
    where = [*where, ts.is_not(None), *_period(ts, f, is_date)]
    last = None
    while True:
        q = query.where(*where)
        if last is not None:
            q = q.where(or_(ts > last[0], and_(ts == last[0], id_col > last[1])))
        rows = session.execute(q.order_by(ts, id_col).limit(batch)).all()
        for row in rows:
            when, row_id, person_ref, household_ref, proposal_id, arrangement_id, a_type, status, *rest = row
            detail, (name, role) = tuple(rest[:-2]), rest[-2:]
            yield (
                _sort_key(when),
                row_id,
                {
                    "date": _iso(when),
                    "event": kind,
                    "person_reference": person_ref,
                    "household_reference": household_ref,
                    "proposal_id": proposal_id,
                    "arrangement_id": arrangement_id,
                    "arrangement_type": a_type,
                    "status": status,
                    "detail": _detail(kind, detail),
                    "decided_by": name or "",
                    "decided_by_role": role or "",
                },
            )
        if len(rows) < batch:
            return
        last = (rows[-1][0], rows[-1][1])
        session.expunge_all()


def events(session: Session, f: HistoryFilter, batch: int = BATCH) -> Iterator[dict]:
    """Every event matching ``f``, oldest first, read in batches."""
    streams = [_stream(session, *source, f, batch) for source in _sources(f)]
    for _when, _id, event in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        yield event

"""Arrangements once started: reviews on a schedule, and the ending.

Reviews: the first at 4 to 6 weeks (due at start + 5 weeks), then interim visits
every ``REVIEW_INTERVAL_DAYS`` (app config, default 91) until the annual review,
which is due a year after the start and then every year. Completing a review
schedules the next one of its cycle; a coordinator may add an extra review at any
time. A review is *due* from 14 days before its date and *overdue* after it.

Endings: the reason decides what happens to the person next, from ``ENDINGS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.errors import NotFound, ValidationError
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.records import found
from shared_lives.rules import places
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

FIRST_REVIEW_AFTER = timedelta(weeks=5)
DUE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class Ending:
    label: str
    #: What happens to the person: "close" their record, "ask" whether they want a
    #: new match, put them back "waiting", or "nothing" else changes.
    next_step: str


#: Each reason for an ending and what it means for the person. A short-break
#: arrangement ending changes nothing else, whatever the reason, except a death.
ENDINGS = {
    "planned_move": Ending("Planned move on", "ask"),
    "person_choice": Ending("The person chose to leave", "ask"),
    "carer_choice": Ending("The carer stopped or asked to end it", "waiting"),
    "breakdown": Ending("The arrangement broke down", "waiting"),
    "needs_changed": Ending("The person's needs changed", "ask"),
    "health": Ending("A hospital admission or health", "ask"),
    "safeguarding": Ending("Safeguarding concern", "waiting"),
    "short_break_over": Ending("The short break is over", "nothing"),
    "death": Ending("The person died", "close"),
    "other": Ending("Another reason", "ask"),
}
END_REASONS = {key: e.label for key, e in ENDINGS.items()}
NEW_MATCH_ANSWERS = {"yes": "Yes, they want a new match", "no": "No: close their record"}


def next_step(reason: str, arrangement_type: str) -> str:
    """What ending an arrangement of this type for this reason means for the person."""
    step = ENDINGS[reason].next_step
    if arrangement_type == "short_breaks" and step != "close":
        return "nothing"
    return step


END_DECIDED_BY = {
    "person": "The person (or their attorney or deputy, or a best-interests decision)",
    "carer": "The carer",
    "scheme": "The scheme",
    "mutual": "Everyone together",
}


def _interval() -> timedelta:
    try:
        days = int(current_app.config.get("REVIEW_INTERVAL_DAYS", 91))
    except RuntimeError:
        days = 91
    return timedelta(days=max(7, days))


def _annual_after(start: date, on: date) -> date:
    years = max(1, on.year - start.year + (1 if (on.month, on.day) >= (start.month, start.day) else 0))
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def schedule_first_reviews(session: Session, arrangement: Arrangement) -> list[Review]:
    """The first review (start + 5 weeks) and the first annual review."""
    reviews = [
        Review(arrangement_id=arrangement.id, kind="first", due_on=arrangement.start_date + FIRST_REVIEW_AFTER),
        Review(
            arrangement_id=arrangement.id,
            kind="annual",
            due_on=_annual_after(arrangement.start_date, arrangement.start_date),
        ),
    ]
    for r in reviews:
        session.add(r)
    session.flush()
    return reviews


def get_arrangement(session: Session, user, arrangement_id: int) -> Arrangement:
    require(user, "proposal:read")
    return found(session, Arrangement, arrangement_id, "No such arrangement.")


def reviews_of(session: Session, arrangement_id: int) -> list[Review]:
    return list(
        session.exec(select(Review).where(Review.arrangement_id == arrangement_id).order_by(Review.due_on)).all()
    )


def complete_review(session: Session, user, review_id: int, completed_on: date | None, notes: str = "") -> Review:
    """Record a review as done and schedule the next one of its cycle."""
    require(user, "review:write")
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound("No such review.")
    arrangement = session.get(Arrangement, review.arrangement_id)
    if review.completed_on is not None:
        raise ValidationError("This review is already recorded", "completed_on")
    if completed_on is None:
        raise ValidationError("Enter the date of the review", "completed_on")
    if completed_on > today():
        raise ValidationError("The date of the review cannot be in the future", "completed_on")
    if completed_on < arrangement.start_date:
        raise ValidationError("The review cannot be before the arrangement started", "completed_on")
    review.completed_on = completed_on
    review.completed_by_id = user.id
    review.notes = (notes or "").strip()[:2000]
    session.add(review)
    nxt = None
    if arrangement.status == "active":
        if review.kind == "extra":
            pass  # an extra review is one-off; the cycle goes on as scheduled
        elif review.kind == "annual":
            nxt = Review(
                arrangement_id=arrangement.id,
                kind="annual",
                due_on=_annual_after(arrangement.start_date, review.due_on),
            )
        else:
            due = completed_on + _interval()
            annual = session.exec(
                select(Review).where(
                    Review.arrangement_id == arrangement.id, Review.kind == "annual", Review.completed_on.is_(None)
                )
            ).first()
            if annual is None or due < annual.due_on - timedelta(days=14):
                nxt = Review(arrangement_id=arrangement.id, kind="interim", due_on=due)
        if nxt:
            session.add(nxt)
    session.flush()
    audit(
        session,
        actor_of(user),
        "review.complete",
        "review",
        review.id,
        changes={
            "kind": review.kind,
            "completed_on": completed_on.isoformat(),
            "next_due": nxt.due_on.isoformat() if nxt else None,
        },
        person_id=arrangement.person_id,
        household_id=arrangement.household_id,
    )
    return review


def schedule_review(session: Session, user, arrangement_id: int, due_on: date | None) -> Review:
    """A coordinator adds an extra review to an active arrangement."""
    require(user, "review:write")
    arrangement = session.get(Arrangement, arrangement_id)
    if arrangement is None:
        raise NotFound("No such arrangement.")
    if arrangement.status != "active":
        raise ValidationError("Reviews can be added only to an active arrangement", "due_on")
    if due_on is None:
        raise ValidationError("Enter the date the review is due", "due_on")
    if due_on < arrangement.start_date:
        raise ValidationError("The review cannot be before the arrangement started", "due_on")
    review = Review(arrangement_id=arrangement.id, kind="extra", due_on=due_on)
    session.add(review)
    session.flush()
    audit(
        session,
        actor_of(user),
        "review.schedule",
        "review",
        review.id,
        changes={"kind": "extra", "due_on": due_on.isoformat()},
        person_id=arrangement.person_id,
        household_id=arrangement.household_id,
    )
    return review


def _locked_arrangement(session: Session, arrangement_id: int) -> Arrangement | None:
    return session.exec(
        select(Arrangement)
        .where(Arrangement.id == arrangement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def end_arrangement(
    session: Session,
    user,
    arrangement_id: int,
    end_date: date | None,
    reason: str,
    decided_by: str,
    note: str = "",
    planned: bool | None = None,
    wants_new_match: bool | None = None,
) -> Arrangement:
    """End an arrangement with its date, reason and who decided; the reason decides what
    happens to the person next (``ENDINGS``). The history stays."""
    require(user, "arrangement:write")
    arrangement = _locked_arrangement(session, arrangement_id)
    if arrangement is None:
        raise NotFound("No such arrangement.")
    if arrangement.status != "active":
        raise ValidationError("This arrangement has already ended", "end_date")
    if end_date is None:
        raise ValidationError("Enter the date the arrangement ended", "end_date")
    if end_date < arrangement.start_date:
        raise ValidationError("The end date cannot be before the start", "end_date")
    if end_date > today():
        raise ValidationError("The end date cannot be in the future", "end_date")
    if reason not in ENDINGS:
        raise ValidationError("Choose why the arrangement ended", "reason")
    if reason == "short_break_over" and arrangement.arrangement_type != "short_breaks":
        raise ValidationError("This arrangement is not a short break: choose another reason", "reason")
    if decided_by not in END_DECIDED_BY:
        raise ValidationError("Choose who decided to end it", "decided_by")
    step = next_step(reason, arrangement.arrangement_type)
    if step == "ask" and wants_new_match is None:
        raise ValidationError("Choose whether they want a new match", "wants_new_match")
    person = session.get(Person, arrangement.person_id)
    before = person.status
    _close_arrangement(session, user, arrangement, end_date, reason, decided_by, note, planned)
    others = session.exec(
        select(Arrangement).where(
            Arrangement.person_id == person.id, Arrangement.status == "active", Arrangement.id != arrangement.id
        )
    ).all()
    if step == "close":
        for other in others:
            _close_arrangement(session, user, other, end_date, reason, decided_by, "", planned)
        from shared_lives.matches.services import withdraw_open_proposals  # the journey imports this area

        withdraw_open_proposals(session, user, person.id, "other", "The person died.")
        person.status, person.closed_on = "closed", end_date
    elif step != "nothing" and not [o for o in others if o.arrangement_type != "short_breaks"]:
        if step == "waiting" or wants_new_match:
            person.status = "waiting"
        else:
            person.status, person.closed_on = "closed", end_date
    if person.status != before:
        person.version += 1
        session.add(person)
        session.flush()
        audit(
            session,
            actor_of(user),
            "person.status",
            "person",
            person.id,
            changes={
                "status": [before, person.status],
                "closed_on": person.closed_on and person.closed_on.isoformat(),
                "after": "arrangement.end",
            },
            person_id=person.id,
        )
    return arrangement


def _close_arrangement(session, user, arrangement, end_date, reason, decided_by, note, planned) -> None:
    arrangement.status = "ended"
    arrangement.end_date = end_date
    text = f"{END_REASONS[reason]}. Decided by: {END_DECIDED_BY[decided_by]}."
    if note and note.strip():
        text += " " + note.strip()
    arrangement.end_reason = text[:500]
    arrangement.end_planned = planned
    arrangement.ended_by_id = user.id
    session.add(arrangement)
    session.flush()
    audit(
        session,
        actor_of(user),
        "arrangement.end",
        "arrangement",
        arrangement.id,
        changes={"end_date": end_date.isoformat(), "reason": reason, "decided_by": decided_by, "planned": planned},
        person_id=arrangement.person_id,
        household_id=arrangement.household_id,
    )


def reviews_due(session: Session, on: date | None = None) -> list[tuple[Review, Arrangement, Person, Household]]:
    """Open reviews of active arrangements due within 14 days or overdue, oldest first."""
    on = on or today()
    return list(
        session.exec(
            select(Review, Arrangement, Person, Household)
            .join(Arrangement, Arrangement.id == Review.arrangement_id)
            .join(Person, Person.id == Arrangement.person_id)
            .join(Household, Household.id == Arrangement.household_id)
            .where(Review.completed_on.is_(None), Arrangement.status == "active", Review.due_on <= on + DUE_SOON)
            .order_by(Review.due_on)
        ).all()
    )


def holds_place(arrangement: Arrangement, on: date) -> bool:
    """Whether the arrangement takes one of its household's places on ``on`` (the rules decide)."""
    stay = places.Occupancy(
        arrangement.arrangement_type,
        arrangement.start_date,
        arrangement.end_date,
        arrangement.short_break_start,
        arrangement.short_break_end,
    )
    return places.takes_place_on(stay, on)


def list_arrangements(
    session: Session, user, status: str | None = "active", arrangement_type: str = "", holding_place: bool = False
):
    """Arrangements, newest first; of one type, and only those holding a place today, when asked."""
    require(user, "proposal:read")
    stmt = (
        select(Arrangement, Person, Household)
        .join(Person, Person.id == Arrangement.person_id)
        .join(Household, Household.id == Arrangement.household_id)
        .order_by(Arrangement.start_date.desc())
    )
    if status:
        stmt = stmt.where(Arrangement.status == status)
    if arrangement_type in ARRANGEMENT_TYPES:
        stmt = stmt.where(Arrangement.arrangement_type == arrangement_type)
    rows = list(session.exec(stmt).all())
    if holding_place:
        on = today()
        rows = [row for row in rows if holds_place(row[0], on)]
    audit(
        session,
        actor_of(user),
        "arrangement.list",
        changes={"status": status, "filters": [arrangement_type[:20], holding_place], "shown": len(rows)},
    )
    return rows


def record_view(session: Session, user, arrangement: Arrangement, page: str) -> None:
    """Audit that a page showed an arrangement (when it is rendered; a save is audited as itself)."""
    audit(
        session,
        actor_of(user),
        "arrangement.view",
        "arrangement",
        arrangement.id,
        changes={"page": page},
        person_id=arrangement.person_id,
        household_id=arrangement.household_id,
    )

"""Per-person and per-household placement histories, read as a timeline."""

from __future__ import annotations

from itertools import islice

from sqlmodel import Session

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.exports.history import EVENT_LABELS, STATUSES, HistoryFilter, events, upcoming_reviews
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.records import found

TIMELINE_MAX = 1000


def _timeline(session: Session, f: HistoryFilter) -> dict:
    """Events newest last, and the reviews still to come, apart."""
    rows = list(islice(events(session, f, batch=500), TIMELINE_MAX + 1))
    return {
        "events": rows[:TIMELINE_MAX],
        "truncated": len(rows) > TIMELINE_MAX,
        "upcoming": upcoming_reviews(session, f),
        "labels": EVENT_LABELS,
        "statuses": STATUSES,
        "limit": TIMELINE_MAX,
    }


def person_timeline(session: Session, user, person_id: int) -> dict:
    require(user, "person:read")
    person = found(session, Person, person_id, "No such person")
    data = _timeline(session, HistoryFilter(person_id=person.id))
    audit(session, actor_of(user), "person.history_view", "person", person.id, changes={"events": len(data["events"])})
    heading = f"{person.first_name} {person.last_name}"
    return {"kind": "person", "heading": heading, "reference": person.reference, **data}


def household_timeline(session: Session, user, household_id: int) -> dict:
    require(user, "household:read")
    household = found(session, Household, household_id, "No such household")
    data = _timeline(session, HistoryFilter(household_id=household.id))
    count = len(data["events"])
    audit(session, actor_of(user), "household.history_view", "household", household.id, changes={"events": count})
    return {"kind": "household", "heading": household.name, "reference": household.reference, **data}

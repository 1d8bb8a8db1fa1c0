"""Per-person and per-household placement histories, read as a timeline."""

from __future__ import annotations

from itertools import islice

from sqlmodel import Session

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.errors import NotFound
from shared_lives.exports.history import EVENT_LABELS, HistoryFilter, events
from shared_lives.households.models import Household
from shared_lives.people.models import Person

TIMELINE_MAX = 1000


def _timeline(session: Session, f: HistoryFilter) -> tuple[list[dict], bool]:
    rows = list(islice(events(session, f, batch=500), TIMELINE_MAX + 1))
    return rows[:TIMELINE_MAX], len(rows) > TIMELINE_MAX


def person_timeline(session: Session, user, person_id: int) -> dict:
    require(user, "person:read")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person")
    rows, truncated = _timeline(session, HistoryFilter(person_id=person.id))
    audit(session, actor_of(user), "person.history_view", "person", person.id, changes={"events": len(rows)})
    return {
        "kind": "person",
        "heading": f"{person.first_name} {person.last_name}",
        "reference": person.reference,
        "events": rows,
        "truncated": truncated,
        "labels": EVENT_LABELS,
        "limit": TIMELINE_MAX,
    }


def household_timeline(session: Session, user, household_id: int) -> dict:
    require(user, "household:read")
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("No such household")
    rows, truncated = _timeline(session, HistoryFilter(household_id=household.id))
    audit(session, actor_of(user), "household.history_view", "household", household.id, changes={"events": len(rows)})
    return {
        "kind": "household",
        "heading": household.name,
        "reference": household.reference,
        "events": rows,
        "truncated": truncated,
        "labels": EVENT_LABELS,
        "limit": TIMELINE_MAX,
    }

"""Recording equality monitoring answers, and reading them for the fairness report.

Coordinators and managers record (``equality:write``); only managers and auditors read
(``equality:read``). A coordinator's form is never filled with what is on record, so
they cannot read it back: a question they leave unanswered keeps what was recorded.
The audit log holds that the answers changed, never the answers (none of these fields
is in the audit allowlist).
"""

from __future__ import annotations

from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import has_permission, require
from shared_lives.equality.models import FIELDS, EqualityRecord, choices
from shared_lives.errors import NotFound
from shared_lives.people.models import Person
from shared_lives.records import changed_fields, check_choice, record_id, versioned_update
from shared_lives.timeutil import utcnow


def can_read(user) -> bool:
    return has_permission(getattr(user, "role", None), "equality:read")


def _person(session: Session, person_id) -> Person:
    person = session.get(Person, record_id(person_id))
    if person is None:
        raise NotFound("No such person")
    return person


def _record(session: Session, person_id: int) -> EqualityRecord | None:
    return session.exec(select(EqualityRecord).where(EqualityRecord.person_id == person_id)).first()


def clean(values: dict) -> dict:
    """Each answer a code of its question, "prefer not to say", or None (not asked)."""
    return {name: check_choice(values.get(name), choices(name), name, "an answer", optional=True) for name in FIELDS}


def equality_form(session: Session, user, person_id) -> dict:
    """The person and, for those who may read it, what is on record."""
    require(user, "equality:write")
    person = _person(session, person_id)
    record = _record(session, person.id)
    readable = can_read(user)
    # The page names the person; whether it showed their answers is logged as a number.
    shown = int(record is not None and readable)
    audit(session, actor_of(user), "equality.view", "person", person.id, changes={"shown": shown})
    return {
        "person": person,
        "record": record if readable else None,
        "recorded_at": record.recorded_at if record else None,
        "version": record.version if record else 0,
    }


def record_equality(session: Session, user, person_id, version, values: dict) -> EqualityRecord:
    """Save the answers. Someone who cannot read them changes only the questions they answered."""
    require(user, "equality:write")
    person = _person(session, person_id)
    answers = clean(values)
    if not can_read(user):
        answers = {k: v for k, v in answers.items() if v is not None}
    record = _record(session, person.id)
    if record is None:
        record = EqualityRecord(person_id=person.id, recorded_by_id=user.id, **answers)
        session.add(record)
        session.flush()
        changes = {k: [None, v] for k, v in answers.items() if v is not None}
    else:
        changes = changed_fields(record, answers)
        versioned_update(
            session, record, version, {**answers, "recorded_by_id": user.id, "recorded_at": utcnow()}, touch=False
        )
    audit(session, actor_of(user), "equality.update", "person", person.id, changes=changes)
    return record


def records_for(session: Session, user, person_ids) -> dict[int, EqualityRecord]:
    """Equality records of these people, by person id (readers only)."""
    require(user, "equality:read")
    ids = list(person_ids)
    if not ids:
        return {}
    return {r.person_id: r for r in session.exec(select(EqualityRecord).where(EqualityRecord.person_id.in_(ids))).all()}

"""Searching the audit log: filters, sorting and keyset pages that stay fast on millions of entries.

Every sort order ends in ``id``, and every filter has an index ending in ``id``
(see :class:`shared_lives.audit.models.AuditEntry`), so a page is one index range
scan of ``size + 1`` rows, whatever page it is: there is no OFFSET and no COUNT.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.audit.models import AuditEntry
from shared_lives.auth.permissions import require
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.records import whole_number

PAGE_SIZE = 50
#: sort name -> (label, column or None for id alone, ascending?)
SORTS = {
    "newest": ("Newest first", None, False),
    "oldest": ("Oldest first", None, True),
    "action": ("Action, A to Z", AuditEntry.action, True),
    "user": ("User, A to Z", AuditEntry.actor_label, True),
}
OUTCOMES = {"": "Any outcome", "success": "Success", "denied": "Denied", "failed": "Failed", "locked": "Locked"}
_ACTION_RE = re.compile(r"^[a-z0-9_.]{1,60}\*?$")


@dataclass
class Filters:
    """What an auditor asked for, as typed; ``errors`` maps a field to its message."""

    date_from: str = ""
    date_to: str = ""
    user: str = ""
    person: str = ""
    household: str = ""
    action: str = ""
    outcome: str = ""
    sort: str = "newest"
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Filters:
        f = cls(
            **{
                k: (args.get(k) or "").strip()[:120]
                for k in ("date_from", "date_to", "user", "person", "household", "action", "outcome")
            }
        )
        f.sort = args.get("sort") if args.get("sort") in SORTS else "newest"
        if f.outcome not in OUTCOMES:
            f.outcome = ""
        return f

    def as_args(self) -> dict:
        keys = ("date_from", "date_to", "user", "person", "household", "action", "outcome", "sort")
        return {k: getattr(self, k) for k in keys if getattr(self, k)}


@dataclass
class Page:
    entries: list
    next_cursor: str | None
    prev_cursor: str | None
    filters: Filters
    people: dict
    households: dict


def encode_cursor(value, entry_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, entry_id]).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None):
    if not raw:
        return None
    try:
        value, entry_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        return None
    # A cursor comes back from the browser: its id must fit the column and its text be storable.
    if not isinstance(entry_id, int) or whole_number(entry_id) is None:
        return None
    if not (value is None or (isinstance(value, str) and "\x00" not in value and len(value) <= 200)):
        return None
    return value, entry_id


def _date(raw: str, name: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Enter a real date, like 2026-03-31"
        return None


def _record_id(session: Session, model, raw: str) -> int | None:
    """A person or household named by its reference (P00042) or its number."""
    number = whole_number(raw)
    if number is not None:
        return number
    return session.exec(select(model.id).where(model.reference == raw.upper())).first()


def conditions(session: Session, f: Filters) -> list:
    """SQL conditions for the filters; sets ``f.errors`` for anything that cannot be used."""
    where = []
    start = _date(f.date_from, "date_from", f.errors)
    end = _date(f.date_to, "date_to", f.errors)
    if start and end and end < start:
        f.errors["date_to"] = "The end date must be the same as or after the start date"
    if start:
        where.append(AuditEntry.at >= datetime.combine(start, time(), UTC))
    if end:
        where.append(AuditEntry.at < datetime.combine(end + timedelta(days=1), time(), UTC))
    if f.user:
        if (actor_id := whole_number(f.user)) is not None:
            where.append(AuditEntry.actor_id == actor_id)
        else:
            where.append(AuditEntry.actor_label == f.user.lower())
    for name, model, column in (
        ("person", Person, AuditEntry.person_id),
        ("household", Household, AuditEntry.household_id),
    ):
        raw = getattr(f, name)
        if raw:
            found = _record_id(session, model, raw)
            if found is None:
                f.errors[name] = f"No {name} has the reference {raw}"
            where.append(column == (found or -1))
    if f.action:
        action = f.action.lower()
        if not _ACTION_RE.match(action):
            f.errors["action"] = "Enter an action like person.view, or the start of one ending in a dot, like person."
        elif action.endswith(("*", ".")):
            prefix = action.rstrip("*")
            # Not an indexed range: the pages are read in id order, and a range over (action, id)
            # would make the database sort every matching entry first (500 ms at a million).
            where.append(func.substr(AuditEntry.action, 1, len(prefix)) == prefix)
        else:
            where.append(AuditEntry.action == action)
    if f.outcome:
        where.append(AuditEntry.outcome == f.outcome)
    return where


def find_page(session: Session, f: Filters, after: str | None = None, before: str | None = None, size=PAGE_SIZE):
    """One page of entries in the chosen order, after or before a cursor."""
    _label, column, ascending = SORTS[f.sort]
    where = conditions(session, f)
    backwards = decode_cursor(before) is not None
    cursor = decode_cursor(before) if backwards else decode_cursor(after)
    asc = ascending != backwards
    query = select(AuditEntry).where(*where)
    if cursor is not None:
        value, last_id = cursor
        if column is None:
            query = query.where(AuditEntry.id > last_id if asc else AuditEntry.id < last_id)
        elif asc:
            query = query.where(or_(column > value, and_(column == value, AuditEntry.id > last_id)))
        else:
            query = query.where(or_(column < value, and_(column == value, AuditEntry.id < last_id)))
    order = [AuditEntry.id.asc() if asc else AuditEntry.id.desc()]
    if column is not None:
        order.insert(0, column.asc() if asc else column.desc())
    rows = list(session.exec(query.order_by(*order).limit(size + 1)).all()) if not f.errors else []
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def cursor_of(entry):
        return encode_cursor(getattr(entry, column.key) if column is not None else None, entry.id)

    has_next = (more if not backwards else True) and bool(rows)
    has_prev = (cursor is not None if not backwards else more) and bool(rows)
    person_ids = {e.person_id for e in rows if e.person_id}
    household_ids = {e.household_id for e in rows if e.household_id}
    people = (
        dict(session.exec(select(Person.id, Person.reference).where(Person.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    households = (
        dict(session.exec(select(Household.id, Household.reference).where(Household.id.in_(household_ids))).all())
        if household_ids
        else {}
    )
    return Page(
        entries=rows,
        next_cursor=cursor_of(rows[-1]) if has_next else None,
        prev_cursor=cursor_of(rows[0]) if has_prev else None,
        filters=f,
        people=people,
        households=households,
    )


def search(session: Session, user, args) -> Page:
    """The audit log page an auditor, manager or administrator asked for. The search is itself audited."""
    require(user, "audit:read")
    f = Filters.from_args(args)
    page = find_page(session, f, after=args.get("after"), before=args.get("before"))
    audit(session, actor_of(user), "audit.search", changes={"filters": f.as_args(), "shown": len(page.entries)})
    return page


def describe_changes(changes: dict | None) -> str:
    """``field: old → new`` pairs for a table cell."""
    if not changes:
        return ""
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2 and not isinstance(value[0], (list, dict)):
            parts.append(f"{name}: {value[0]} → {value[1]}")
        else:
            parts.append(f"{name}: {json.dumps(value, default=str)[:200]}")
    return "; ".join(parts)

"""What every area's records share: paging, id checks, reference numbers, search
patterns, versioned saves, change lists and value checks."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import false, func, or_, update
from sqlmodel import Session, select
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoRouteMatch

from shared_lives.errors import NotFound, StaleRecord, ValidationError
from shared_lives.timeutil import utcnow

PER_PAGE = 25
#: The largest id any table holds (PostgreSQL ``integer``); a larger one is simply not found.
MAX_ID = 2**31 - 1


@dataclass
class Page:
    """One page of a list, and how many there are in all."""

    items: list
    total: int
    page: int
    per_page: int = PER_PAGE
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_of(total: int, page: int, per_page: int = PER_PAGE) -> Page:
    """An empty Page for ``total`` items with ``page`` clamped to the pages there are."""
    result = Page(items=[], total=total, page=1, per_page=per_page)
    result.page = min(max(1, page), result.pages)
    return result


def whole_number(raw, lo: int = 1, hi: int = MAX_ID) -> int | None:
    """The one parser for a whole number typed into a URL or a form: ASCII digits only
    (``int()`` takes "٣" and " 3"; ``isdigit()`` takes "²", which ``int()`` refuses), and
    within ``lo..hi`` so it fits the column it is compared with. Anything else is None."""
    text = "" if raw is None else str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(hi)):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def record_id(value) -> int:
    """An id from a route or a form: a whole number within the column's range, else not found."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound("No such record")
    return value


def found(session: Session, model, value, message: str = "No such record"):
    """The row of ``model`` with this id, or NotFound (also for an id no column can hold)."""
    row = session.get(model, record_id(value))
    if row is None:
        raise NotFound(message)
    return row


class RecordIdConverter(BaseConverter):
    """``<id:name>`` in a route: a record's id, 1 to MAX_ID in ASCII digits. Anything
    else (past the column's range, "٣", "-1") matches no route, so the answer is 404,
    never a database error."""

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise NoRouteMatch()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def reference_for(prefix: str, number: int) -> str:
    """The one format of a record's reference, new or demo: its prefix and at least five
    digits, like ``HH00042`` or ``P00042``."""
    return f"{prefix}{number:05d}"


def next_reference(session: Session, model) -> str:
    """A free reference for a new row of ``model`` (which has ``reference``, and the class
    attributes ``reference_prefix`` and ``reference_sequence``).

    On PostgreSQL the number comes from the model's sequence, so creates at the same moment
    each get their own (``max(id) + 1`` gave two of them the same, and one failed). On SQLite
    every transaction is ``BEGIN IMMEDIATE`` (see db.py): writers take turns, so the number
    after the highest id is free. Numbers taken by references loaded as they were (the demo
    scheme) are skipped.
    """
    if session.get_bind().dialect.name == "postgresql":
        numbers = iter(lambda: session.exec(select(model.reference_sequence.next_value())).one(), None)
    else:
        start = (session.exec(select(func.max(model.id))).one() or 0) + 1
        numbers = itertools.count(start)
    for number in numbers:
        ref = reference_for(model.reference_prefix, number)
        if session.exec(select(model.id).where(model.reference == ref)).first() is None:
            return ref
    raise AssertionError("unreachable: the numbers never run out")


def like_pattern(text: str) -> str:
    """``%text%`` for a LIKE with ``escape="\\"``, with the user's own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def area_condition(column_postcode, area: str, column_town=None):
    """Town (exact, any case) or postcode area/district prefix, like ME or ME14."""
    area = (area or "").replace("\x00", "").strip()[:40]
    if not area:
        return None
    compact = area.replace(" ", "").upper()
    conds = []
    if compact.isalnum() and compact.isascii() and 1 <= len(compact) <= 4:
        if compact[-1].isdigit():
            conds.append(column_postcode.like(f"{compact} %"))
        else:
            conds += [column_postcode.like(f"{compact}{d}%") for d in "0123456789"]
    if column_town is not None:
        conds.append(func.lower(column_town) == area.lower())
    return or_(*conds) if conds else false()


STALE_MESSAGE = (
    "Someone else changed this record while you were editing it. Your changes have not been saved. "
    "Check the record as it is now, then save again if your changes are still right."
)


def parse_version(raw) -> int:
    """The version the form was opened at; anything that is not a whole number is stale."""
    value = whole_number(raw)
    if value is None:
        raise StaleRecord(STALE_MESSAGE)
    return value


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def changed_fields(obj, values: dict) -> dict:
    """{field: [old, new]} for each value that differs from the object's."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def versioned_update(session: Session, obj, expected_version, values: dict, touch: bool = True) -> None:
    """Write ``values`` to ``obj``'s row only if its version is still ``expected_version``.

    One ``UPDATE ... WHERE id = ? AND version = ?``: two saves from the same version
    cannot both win, on SQLite (writers serialised) or PostgreSQL (the second UPDATE
    waits for the first, then finds the version moved on). Raises StaleRecord.
    """
    model = type(obj)
    version = parse_version(expected_version)
    payload = dict(values)
    if touch and hasattr(model, "updated_at"):
        payload["updated_at"] = utcnow()
    stmt = (
        update(model)
        .where(model.id == obj.id, model.version == version)
        .values(**payload, version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(stmt)
    if result.rowcount != 1:
        session.refresh(obj)
        raise StaleRecord(STALE_MESSAGE)
    session.refresh(obj)


def clean_text(value, field: str, label: str, max_len: int, required: bool = False) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\x00", "").strip()
    if required and not text:
        raise ValidationError(f"Enter {label}", field)
    if len(text) > max_len:
        raise ValidationError(f"{label[0].upper()}{label[1:]} must be {max_len} characters or fewer", field)
    return text


def check_int(value, field: str, label: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"Enter {label} as a whole number", field)
    if not lo <= value <= hi:
        raise ValidationError(f"{label[0].upper()}{label[1:]} must be between {lo} and {hi}", field)
    return value


def check_codes(values, allowed, field: str, label: str) -> list[str]:
    values = list(values or [])
    if not all(isinstance(v, str) for v in values):
        raise ValidationError(f"Choose {label} from the list", field)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationError(f"Choose {label} from the list", field)
    return sorted(set(values))


def check_choice(value, allowed, field: str, label: str, optional: bool = False):
    if optional and value in (None, ""):
        return None
    if value not in allowed:
        raise ValidationError(f"Select {label}", field)
    return value

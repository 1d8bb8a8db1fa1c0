"""Pieces the household and person services share: versioned saves, change lists, checks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session

from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.timeutil import utcnow

STALE_MESSAGE = (
    "Someone else changed this record while you were editing it. Your changes have not been saved. "
    "Check the record as it is now, then save again if your changes are still right."
)


def parse_version(raw) -> int:
    """The version the form was opened at; anything that is not a whole number is stale."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise StaleRecord(STALE_MESSAGE) from None
    if value < 1:
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

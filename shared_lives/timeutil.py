"""UTC time, in one place so every record uses the same clock."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Treat a stored datetime as UTC (SQLite gives them back without tzinfo)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def today() -> date:
    return utcnow().date()

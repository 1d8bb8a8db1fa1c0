"""The audit log: append-only, each entry chained to the one before by an HMAC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow


class AuditEntry(SQLModel, table=True):
    """One event: who did what to which record, when, and with what outcome."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="system", max_length=254)
    actor_role: str = Field(default="system", max_length=20)
    action: str = Field(max_length=60, index=True)
    record_type: str | None = Field(default=None, max_length=40)
    record_id: int | None = Field(default=None)
    outcome: str = Field(default="success", max_length=20)
    changes: dict | None = Field(default=None, sa_column=Column(JSON))
    address: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

"""The audit log: append-only, each entry chained to the one before by an HMAC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow


class AuditEntry(SQLModel, table=True):
    """One event: who did what to which record, when, and with what outcome.

    ``person_id`` and ``household_id`` name the person and household the record
    belongs to (filled in by :func:`shared_lives.audit.services.record`), so the log
    can be searched by person or household and a subject access request finds every
    entry about someone. The composite indexes end in ``id`` so that every search
    pages by keyset (``... AND id < :cursor ORDER BY id DESC LIMIT n``) and stays fast
    with millions of entries.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_actor_id_id", "actor_id", "id"),
        Index("ix_audit_entry_actor_label_id", "actor_label", "id"),
        Index("ix_audit_entry_action_id", "action", "id"),
        Index("ix_audit_entry_person_id_id", "person_id", "id"),
        Index("ix_audit_entry_household_id_id", "household_id", "id"),
        Index("ix_audit_entry_record", "record_type", "record_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="system", max_length=254)
    actor_role: str = Field(default="system", max_length=20)
    action: str = Field(max_length=60, index=True)
    record_type: str | None = Field(default=None, max_length=40)
    record_id: int | None = Field(default=None)
    person_id: int | None = Field(default=None)
    household_id: int | None = Field(default=None)
    outcome: str = Field(default="success", max_length=20)
    changes: dict | None = Field(default=None, sa_column=Column(JSON))
    address: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

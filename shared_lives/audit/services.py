"""Writing the audit log. Entries are only ever added, each chained to the previous one.

Each entry's ``hash`` is HMAC-SHA256, keyed with ``AUDIT_KEY`` (kept outside the
database), over the previous entry's hash and the entry's own content. Editing,
deleting, inserting or reordering an entry therefore breaks the chain at that
position; :func:`verify_chain` finds the first break.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.timeutil import utcnow

GENESIS = "0" * 64

#: Fields whose values are health or risk text: the audit log records that they
#: changed, never what they say.
REDACTED_FIELDS = frozenset(
    {
        "support_required",
        "risks",
        "risk_management",
        "access_needs",
        "password",
        "password_hash",
        "review_note",
        "terms_conditions",
    }
)


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, or the system (seeding, jobs, commands)."""

    id: int | None
    label: str
    role: str
    address: str | None = None


SYSTEM = Actor(id=None, label="system", role="system")


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "outcome": entry.outcome,
        "changes": entry.changes,
        "address": entry.address,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(key: str, entry: AuditEntry) -> str:
    return hmac.new(key.encode(), _canonical(entry), hashlib.sha256).hexdigest()


def _clean(value):
    """Strip CR/LF so no value can forge a line in a log view or export."""
    if isinstance(value, str):
        return value.replace("\r", " ").replace("\n", " ")
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return value


def redact_changes(changes: dict | None) -> dict | None:
    """Keep names and old/new values of changed fields, but never health text."""
    if not changes:
        return None
    out = {}
    for name, value in changes.items():
        out[name] = "(changed)" if name in REDACTED_FIELDS else _clean(value)
    return out


def _lock_chain(session: Session) -> None:
    """Serialise writers of the chain so two entries never share a predecessor."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(727274)"))
    # SQLite: every transaction began with BEGIN IMMEDIATE, so writers are serialised.


def record(
    session: Session,
    key: str,
    actor: Actor,
    action: str,
    record_type: str | None = None,
    record_id: int | None = None,
    outcome: str = "success",
    changes: dict | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction."""
    _lock_chain(session)
    last = session.exec(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor.id,
        actor_label=_clean(actor.label)[:254],
        actor_role=actor.role,
        action=action,
        record_type=record_type,
        record_id=record_id,
        outcome=outcome,
        changes=redact_changes(changes),
        address=actor.address,
        prev_hash=last or GENESIS,
        hash="",
    )
    entry.hash = entry_hash(key, entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    position: int | None = None
    entry_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, key: str, batch: int = 5000) -> ChainReport:
    """Walk the log in order; report the first entry (1-based position) that breaks the chain."""
    prev = GENESIS
    position = 0
    last_id = 0
    while True:
        rows = session.exec(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, checked=position)
        for entry in rows:
            position += 1
            if entry.prev_hash != prev:
                problem = "an entry before it was deleted, inserted or reordered"
                return ChainReport(False, position - 1, position, entry.id, problem)
            if not hmac.compare_digest(entry_hash(key, entry), entry.hash):
                return ChainReport(False, position - 1, position, entry.id, "the entry was edited")
            prev = entry.hash
            last_id = entry.id

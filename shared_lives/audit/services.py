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

from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession
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
        # Free text that may hold health or personal detail.
        "notes",
        "note",
        "closed_note",
        "person_feedback",
        "carer_feedback",
        "household_views",
        "how_checked",
        "end_reason",
        "rationale",
    }
)

#: Fields that identify someone. The log records that they changed, never their
#: values, so the log never holds a name or an address and never needs rewriting
#: when a record is anonymised (retention) or exported (subject access).
IDENTIFYING_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "full_name",
        "date_of_birth",
        "address_line",
        "postcode",
        "preferred_postcode",
        "easting",
        "northing",
        "members",
        "adult_name",
        "certificate_number",
        "given_by_name",
        "referrer_name",
        "representative_name",
        "representative_relationship",
        "representative_contact",
        "q",
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
        "person_id": entry.person_id,
        "household_id": entry.household_id,
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
    """Keep names and old/new values of changed fields, but never health text or identifying values."""
    if not changes:
        return None
    out = {}
    for name, value in changes.items():
        if name in REDACTED_FIELDS:
            out[name] = "(changed)"
        elif name in IDENTIFYING_FIELDS:
            out[name] = "(withheld)"
        else:
            out[name] = _clean(value)
    return out


def _subjects(session: Session, record_type: str | None, record_id: int | None) -> tuple[int | None, int | None]:
    """The (person_id, household_id) a record belongs to, so the log can be searched by them."""
    if record_id is None or record_type is None:
        return None, None
    if record_type == "person":
        return record_id, None
    if record_type == "household":
        return None, record_id
    from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
    from shared_lives.matches.models import Introduction, Proposal, ProposalResponse
    from shared_lives.placements.models import Arrangement, Review

    def of(model, row_id):
        return session.get(model, row_id) if row_id is not None else None

    if record_type in ("carer", "dbs_check", "dbs"):
        row = of(Carer if record_type == "carer" else DbsCheck, record_id)
        return None, getattr(row, "household_id", None)
    if record_type in ("training_record", "training"):
        carer = of(Carer, getattr(of(TrainingRecord, record_id), "carer_id", None))
        return None, getattr(carer, "household_id", None)
    if record_type in ("proposal", "proposal_response", "response", "introduction"):
        row = of(Proposal, record_id) if record_type == "proposal" else None
        if record_type in ("proposal_response", "response"):
            row = of(Proposal, getattr(of(ProposalResponse, record_id), "proposal_id", None))
        elif record_type == "introduction":
            row = of(Proposal, getattr(of(Introduction, record_id), "proposal_id", None))
        return getattr(row, "person_id", None), getattr(row, "household_id", None)
    if record_type == "engine_run":
        from shared_lives.matches.models import EngineRun

        run = of(EngineRun, record_id)
        kind, subject = getattr(run, "kind", None), getattr(run, "subject_id", None)
        return (subject if kind == "person" else None), (subject if kind == "household" else None)
    if record_type in ("arrangement", "review"):
        row = of(Arrangement, record_id)
        if record_type == "review":
            row = of(Arrangement, getattr(of(Review, record_id), "arrangement_id", None))
        return getattr(row, "person_id", None), getattr(row, "household_id", None)
    return None, None


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
    person_id: int | None = None,
    household_id: int | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction.

    ``person_id`` and ``household_id`` default to those of the record.
    """
    found_person, found_household = _subjects(session, record_type, record_id)
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
        person_id=person_id if person_id is not None else found_person,
        household_id=household_id if household_id is not None else found_household,
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
    last_id: int | None = None
    last_hash: str | None = None


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
            head = prev if position else None
            return ChainReport(ok=True, checked=position, last_id=last_id or None, last_hash=head)
        for entry in rows:
            position += 1
            if entry.prev_hash != prev:
                problem = "an entry before it was deleted, inserted or reordered"
                return ChainReport(False, position - 1, position, entry.id, problem)
            if not hmac.compare_digest(entry_hash(key, entry), entry.hash):
                problem = "the entry was edited (or inserted by someone without the audit key)"
                return ChainReport(False, position - 1, position, entry.id, problem)
            prev = entry.hash
            last_id = entry.id
            session.expunge(entry)  # memory stays flat however long the log is


# --- Checkpoints: an anchor kept outside the database -------------------------------
#
# A chain alone cannot show that its newest entries were deleted: what is left is
# still a valid chain. ``flask audit verify --checkpoint FILE`` therefore compares the
# log with the count and head hash it saw last time (kept in FILE, outside the
# database, signed with the audit key) and then moves the checkpoint forward.


def checkpoint_of(report: ChainReport, key: str) -> dict:
    body = {"count": report.checked, "last_id": report.last_id, "last_hash": report.last_hash}
    mac = hmac.new(key.encode(), json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()
    return {**body, "mac": mac}


def check_checkpoint(session: Session, key: str, report: ChainReport, checkpoint: dict) -> str | None:
    """None when the log still holds the checkpointed head; otherwise what is wrong."""
    body = {k: checkpoint.get(k) for k in ("count", "last_id", "last_hash")}
    mac = hmac.new(key.encode(), json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, str(checkpoint.get("mac", ""))):
        return "the checkpoint file was altered or signed with another key"
    count = body["count"] or 0
    if report.checked < count:
        return f"the log has {report.checked} entries but the checkpoint saw {count}: entries at the end were deleted"
    if count == 0:
        return None
    row = session.exec(select(AuditEntry.hash).order_by(AuditEntry.id).offset(count - 1).limit(1)).first()
    if row != body["last_hash"]:
        return f"entry {count} no longer matches the checkpoint: the log was replaced or rewritten"
    return None


# --- Append-only guard ---------------------------------------------------------------


class AuditLogIsAppendOnly(RuntimeError):
    """Code tried to change or delete an audit entry through the ORM."""


@event.listens_for(OrmSession, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances):
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditLogIsAppendOnly("audit entries are never changed")


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_audit_changes(state):
    if state.is_update or state.is_delete:
        entity = state.bind_mapper.class_ if state.bind_mapper is not None else None
        if entity is AuditEntry:
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")

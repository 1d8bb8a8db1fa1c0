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
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, column, event, table, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from shared_lives.audit.models import AuditEntry
from shared_lives.timeutil import as_utc, utcnow

GENESIS = "0" * 64

#: The only fields whose values the log records. Each holds a code from a fixed
#: vocabulary, a status, a date, a number or a yes/no: never a name, an address or
#: anything typed freely. Every other field is logged as "(changed)", so a new field
#: is kept out of the log until someone decides it may go in. Codes that are health
#: or special-category data about a person (needs, allergies, faith, gender, date of
#: birth) are left out too, although they come from fixed vocabularies.
LOGGED_FIELDS = frozenset(
    {
        # what happened and how it went
        "status",
        "kind",
        "side",
        "decision",
        "given_by",
        "reason",
        "decided_by",
        "planned",
        "source",
        "permission",
        "path",
        "page",
        "format",
        "file",
        "filters",
        "fields",
        "related",
        "ignored_fields",
        "role",
        "active",
        # numbers and ids of records
        "id",
        "household",
        "household_id",
        "carer",
        "subject_id",
        "proposal_id",
        "arrangement_id",
        "engine_run_id",
        "score",
        "engine_rank",
        "events",
        "items",
        "shown",
        "anonymised",
        "count",
        "redactions",
        "sha256",
        "version",
        "weights_version",
        # dates
        "cutoff",
        "closed_cutoff",
        "engine_runs",
        "start_date",
        "end_date",
        "completed_on",
        "next_due",
        "renew_by",
        "issued_on",
        "planned_for",
        "referral_date",
        "panel_date",
        "approval_expires",
        "short_break_start",
        "short_break_end",
        "received_on",
        "due_on",
        # households: codes, numbers and yes/no
        "local_authority",
        "bedrooms_spare",
        "ground_floor_bedroom",
        "accessible_bedroom",
        "step_free",
        "adapted_bathroom",
        "pets",
        "smoking",
        "languages",
        "lifestyle",
        "setting",
        "interests",
        "arrangement_types",
        "needs_can_meet",
        "age_min",
        "age_max",
        "cannot_offer",
        "needs_review",
        # carers: approval and terms
        "approval_status",
        "gives_personal_care",
        "probationary",
        "terms_arrangement_types",
        "terms_max_people",
        "skills",
        # people: the referral's codes and preferences
        "arrangement_type",
        "children",
        "faith_important",
        "language_important",
        "max_distance_km",
        "capacity",
        "decision_maker",
        # proposals
        "person_response",
        "carer_response",
        "closed_reason",
        "end_planned",
    }
)
CHANGED = "(changed)"
#: What a logged value may look like: a code, a number, an ISO date or UTC time, a path.
_CODE = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,79}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
_PATH = re.compile(r"(/[a-z0-9_.-]*)+")


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, or the system (seeding, jobs, commands)."""

    id: int | None
    label: str
    role: str
    address: str | None = None


SYSTEM = Actor(id=None, label="system", role="system")


#: The columns an entry's hash covers, in the order verification reads them.
HASHED_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "actor_role",
    "action",
    "record_type",
    "record_id",
    "person_id",
    "household_id",
    "outcome",
    "changes",
    "address",
    "prev_hash",
)
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def canonical_bytes(values: tuple) -> bytes:
    """The bytes an entry's hash covers, from its HASHED_COLUMNS values (``at`` as a datetime)."""
    body = dict(zip(HASHED_COLUMNS, values, strict=True))
    body["at"] = body["at"].isoformat(timespec="microseconds")
    return _encode(body).encode()


def entry_hash(key: str, entry: AuditEntry) -> str:
    values = tuple(getattr(entry, name) for name in HASHED_COLUMNS)
    return hmac.new(key.encode(), canonical_bytes(values), hashlib.sha256).hexdigest()


def _clean(text: str) -> str:
    """Strip CR/LF so no actor label can forge a line in a log view or export."""
    return text.replace("\r", " ").replace("\n", " ")


def _plain(value):
    """The value itself when every part of it is a code, number, date, yes/no or path; else "(changed)"."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        ok = _CODE.fullmatch(value) or _TIME.fullmatch(value) or _PATH.fullmatch(value)
        return value if ok else CHANGED
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k) if _CODE.fullmatch(str(k)) else CHANGED: _plain(v) for k, v in value.items()}
    return CHANGED


def redact_changes(changes: dict | None) -> dict | None:
    """What the log may hold of a change: listed fields with their values, every other field "(changed)".

    The one place that decides what the audit log holds, so callers pass their change
    dicts as they are. A listed field whose value does not look like a code, number,
    date or yes/no (an engine's sentence passed as a ``reason``, say) is "(changed)" too.
    """
    if not changes:
        return None
    return {str(name): _plain(value) if name in LOGGED_FIELDS else CHANGED for name, value in changes.items()}


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


#: Built once: every request that is audited runs both (building a statement costs more than running it).
_LOCK = text("SELECT pg_advisory_xact_lock(727274)")
_LAST_HASH = select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)


def _lock_chain(session: Session) -> None:
    """Serialise writers of the chain so two entries never share a predecessor."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(_LOCK)
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

    ``person_id`` and ``household_id`` default to those of the record. The entry joins the
    chain when the transaction commits (:func:`_append_pending`): the chain's lock is then
    held for the commit alone, not for the rest of the request (a page's rendering, say),
    which made every audited request in every worker wait in turn. Reading the log in the
    same transaction appends first, and a savepoint rolled back takes its entries with it.
    """
    found_person, found_household = _subjects(session, record_type, record_id)
    entry = AuditEntry(
        at=at,
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
        prev_hash="",
        hash="",
    )
    session.connection()  # the entry belongs to the transaction open now (one begins if none has)
    where = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((where, key, entry))
    return entry


_PENDING = "audit.pending"


def _append_pending(session) -> None:
    """Hash the transaction's waiting entries onto the chain, in the order they were made."""
    if not session.info.get(_PENDING):
        return
    # Every other row this transaction writes is written first: holding the chain's lock, it
    # then waits for no row another transaction holds (which might be waiting for the lock).
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:  # the flush itself rolled a savepoint back
        return
    _lock_chain(session)
    last = session.exec(_LAST_HASH).first() or GENESIS
    now = utcnow()
    for _where, key, entry in pending:
        entry.at = entry.at or now
        entry.prev_hash = last
        entry.hash = last = entry_hash(key, entry)
        session.add(entry)
    session.flush()


@event.listens_for(OrmSession, "before_commit")
def _append_before_commit(session):
    _append_pending(session)


@event.listens_for(OrmSession, "do_orm_execute")
def _append_before_reading(state):
    pending = state.is_select and state.session.info.get(_PENDING)
    if pending and any(m.class_ is AuditEntry for m in state.all_mappers):
        _append_pending(state.session)


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_rolled_back(session, previous_transaction):
    """Entries made inside a transaction (or savepoint) that rolled back never happened."""
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside(where) -> bool:
        while where is not None:
            if where is previous_transaction:
                return True
            where = where.parent
        return False

    kept = [p for p in pending if not inside(p[0])]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    position: int | None = None
    entry_id: int | None = None
    problem: str | None = None
    last_id: int | None = None
    last_hash: str | None = None


_ORDERED = sorted(HASHED_COLUMNS)
_FAST_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _ORDERED) + "}"
_string = json.encoder.encode_basestring_ascii
#: The columns untyped (``column(name)``), so rows come back as the driver gives them: no
#: per-value conversion, which is most of the time a typed read takes.
_VERIFY_SQL = (
    select(*(column(name) for name in ("id", *_ORDERED, "hash")))
    .select_from(table("audit_entry"))
    .where(column("id") > bindparam("after"))
    .order_by(column("id"))
    .limit(bindparam("size"))
)


def _time_text(value) -> str:
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # SQLite keeps UTC times as text, without the zone
            return value[:10] + "T" + value[11:] + "+00:00"
        value = datetime.fromisoformat(value)
    return as_utc(value).isoformat(timespec="microseconds")


def _fast_canonical(row) -> bytes:
    """The canonical bytes of a raw driver row (columns in sorted order), built without a dict.

    Equal to :func:`canonical_bytes` for every value the app writes; when an entry's hash
    does not match, the reference encoding decides (so this can never report a false break).
    """
    (action, actor_id, actor_label, actor_role, address, at, changes, household_id, outcome, person_id, prev_hash,
     record_id, record_type) = row  # fmt: skip
    s, null = _string, "null"
    return (
        _FAST_TEMPLATE
        % (
            s(action),
            null if actor_id is None else str(actor_id),
            s(actor_label),
            s(actor_role),
            null if address is None else s(address),
            '"' + _time_text(at) + '"',
            null
            if changes is None or changes == null
            else _encode(json.loads(changes) if isinstance(changes, str) else changes),
            null if household_id is None else str(household_id),
            s(outcome),
            null if person_id is None else str(person_id),
            s(prev_hash),
            null if record_id is None else str(record_id),
            null if record_type is None else s(record_type),
        )
    ).encode()


def verify_chain(session: Session, key: str, batch: int = 20_000, progress=None) -> ChainReport:
    """Walk the log in order; report the first entry (1-based position) that breaks the chain.

    Reads raw rows in keyset batches (no ORM objects or type conversion, so memory stays
    flat and a million entries take seconds), builds each entry's canonical bytes without
    a dict, and reuses one keyed HMAC state, copied per entry. An entry whose hash does not
    match is read again through the ORM and hashed exactly as it was written before it is
    reported. ``progress(done)`` is called after each batch.
    """
    # HMAC-SHA256 (RFC 2104) from two keyed SHA-256 states copied per entry: the same
    # digest as hmac.new(key, msg, sha256), without the hmac module's Python-level copy.
    block = key.encode().ljust(64, b"\0") if len(key.encode()) <= 64 else hashlib.sha256(key.encode()).digest()
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block.ljust(64, b"\0")))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block.ljust(64, b"\0")))
    compare = hmac.compare_digest
    prev_at = _ORDERED.index("prev_hash") + 1
    prev = GENESIS
    position = 0
    last_id = 0
    while True:
        rows = session.execute(_VERIFY_SQL, {"after": last_id, "size": batch}).all()
        if not rows:
            head = prev if position else None
            return ChainReport(ok=True, checked=position, last_id=last_id or None, last_hash=head)
        for row in rows:
            position += 1
            entry_id, stored = row[0], row[-1]
            if row[prev_at] != prev:
                problem = "an entry before it was deleted, inserted or reordered"
                return ChainReport(False, position - 1, position, entry_id, problem)
            mac = inner.copy()
            mac.update(_fast_canonical(row[1:-1]))
            digest = outer.copy()
            digest.update(mac.digest())
            if not compare(digest.hexdigest(), stored) and not compare(
                entry_hash(key, session.get(AuditEntry, entry_id)), stored
            ):
                problem = "the entry was edited (or inserted by someone without the audit key)"
                return ChainReport(False, position - 1, position, entry_id, problem)
            prev = stored
            last_id = entry_id
        if progress is not None:
            progress(position)


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

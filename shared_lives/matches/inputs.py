"""The engine's inputs, built once and reused until a record they depend on changes.

Building every household's engine record (its carers, DBS checks, training, places,
residents) and the engine's arrays from them costs seconds at 5,000 households, and
a suggestions page needs them all. So each worker keeps the last build in memory and
reuses it while the **input version** kept in the database is unchanged.

The version is one row (``engine_input_version``). Any transaction that writes a
household, carer, DBS check, training record, arrangement, person or vocabulary term
bumps it just before it commits, in the same transaction: the ORM's flush, bulk
statements and ``versioned_update`` all pass through the session events below, so no
service has to remember. Every worker reads the version per request (one indexed
read), so a write in one worker is seen by all of them at once (architecture.md,
"Several workers, several hosts"). The cache is also keyed by the day and the
scheme's limit, which change what the rules decide.

Engine snapshots are stored once per distinct input (:class:`EngineInput`, by hash);
an engine run refers to its input's hash.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, select

import matching
from matching.instance import SKILLED_NEEDS, Households, People, Vocabulary, to_ordinal
from shared_lives.timeutil import utcnow

#: Tables whose rows feed the engine: a write to any of them makes cached inputs stale.
WATCHED_TABLES = frozenset(
    {"household", "carer", "dbs_check", "training_record", "arrangement", "person", "vocabulary_term"}
)
_FLAG = "engine_inputs_changed"


class EngineInputVersion(SQLModel, table=True):
    """One row: a new random token from every transaction that changes what the engine reads.

    A token rather than a counter, so a restored backup or an emptied table never hands a
    worker a number it has cached for other records."""

    __tablename__ = "engine_input_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=1, sa_type=BigInteger)


class EngineInput(SQLModel, table=True):
    """An engine input snapshot, stored once however many runs used it."""

    __tablename__ = "engine_input"

    hash: str = Field(primary_key=True, max_length=64)
    snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- the version


def _touches_inputs(objects) -> bool:
    return any(getattr(getattr(o, "__table__", None), "name", None) in WATCHED_TABLES for o in objects)


@event.listens_for(OrmSession, "before_flush")
def _note_flush(session, _context, _instances):
    if _touches_inputs(session.new) or _touches_inputs(session.dirty) or _touches_inputs(session.deleted):
        session.info[_FLAG] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_FLAG] = True


@event.listens_for(OrmSession, "before_commit")
def _bump(session):
    session.flush()  # what commit would flush next may itself touch the inputs
    if session.info.get(_FLAG):
        bump_version(session)
        session.info.pop(_FLAG, None)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session):
    session.info.pop(_FLAG, None)


def _token() -> int:
    return secrets.randbits(62) + 2


def bump_version(session) -> int:
    """Mark every worker's cached engine inputs stale (in the caller's transaction)."""
    conn = session.connection()
    table = EngineInputVersion.__table__
    token = _token()
    done = conn.execute(update(table).where(table.c.id == 1).values(version=token))
    if done.rowcount == 0:
        conn.execute(table.insert().values(id=1, version=token))
    return token


def current_version(session: Session) -> int:
    """The input version now; a missing row (an emptied or new database) gets a fresh token."""
    query = select(EngineInputVersion.version).where(EngineInputVersion.id == 1)
    found = session.exec(query).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            return bump_version(session)
    except IntegrityError:  # another worker made the row first
        return session.exec(query).one()


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class Side:
    """One side of the engine's input, built: its rows' ids, plain records and arrays."""

    ids: tuple
    records: list
    arrays: object  # matching People or Households


@dataclass(frozen=True)
class Built:
    """Every household and every waiting person, as the engine reads them, on one day."""

    key: tuple
    vocab: Vocabulary
    households: Side
    people: Side
    #: Hashes of each side's records, for snapshots stored once (:func:`store_input`).
    households_hash: str
    people_hash: str


_lock = threading.Lock()
_cache: dict[str, Built] = {}


def cached(key: tuple, build) -> Built:
    """The build for ``key`` (version, day, scheme limit), made by ``build()`` at most once per worker."""
    with _lock:
        found = _cache.get("last")
    if found is not None and found.key == key:
        return found
    made = build()
    with _lock:
        _cache["last"] = made
    return made


def clear() -> None:
    with _lock:
        _cache.clear()


def build_side(kind: str, records: list, vocab: Vocabulary) -> Side:
    ids = tuple(r["id"] for r in records)
    if kind == "people":
        return Side(ids, records, People.from_records(records, vocab, SKILLED_NEEDS))
    return Side(ids, records, Households.from_records(records, vocab))


def covers(vocab: Vocabulary, people=(), households=()) -> bool:
    """Whether ``vocab`` already has every term these records use (else the arrays must be rebuilt)."""
    small = Vocabulary.build(list(people), list(households))
    return all(set(small.terms[k]) <= set(vocab.terms.get(k, ())) for k in small.terms)


def instance_from(vocab: Vocabulary, people: Side, households: Side, on: date) -> matching.Instance:
    return matching.Instance(people=people.arrays, households=households.arrays, vocab=vocab, as_of=to_ordinal(on))


# --------------------------------------------------------------------------- snapshots by hash


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()).hexdigest()


def store_input(session: Session, side: str, records: list, known: str | None = None) -> dict:
    """Keep one side's records (``side`` is "people" or "households") once; what an engine
    run's snapshot holds in their place."""
    digest = known or snapshot_hash(records)
    if session.exec(select(EngineInput.hash).where(EngineInput.hash == digest)).first() is None:
        try:
            with session.begin_nested():
                session.add(EngineInput(hash=digest, snapshot={"side": side, "records": records}))
        except IntegrityError:  # another worker stored the same input a moment ago
            pass
    return {"stored": digest, "count": len(records)}

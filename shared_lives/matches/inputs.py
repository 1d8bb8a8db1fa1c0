"""The engine's inputs, built once and reused until a record they depend on changes.

Building every household's engine record (its carers, DBS checks, training, places,
residents) and the engine's arrays from them costs seconds at 5,000 households, and
a suggestions page needs them all. So each worker keeps the last build in memory and
reuses it while the **input version** kept in the database is unchanged.

Workers share what they build (:func:`cached`): the first worker to need a version
builds it, under a lock, and writes it to ``ENGINE_INPUTS_DIR``; the others wait for it
and read it (signed with the app's secret key, so a file not written by the app is
never unpickled). A change then costs one build on the host, not one per worker.

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

import contextlib
import gc
import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # not a POSIX system: workers build their own
    fcntl = None

from flask import current_app, has_app_context
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
_BUMPED = "engine_inputs_bumped"
log = logging.getLogger(__name__)


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
        session.info[_BUMPED] = True


@event.listens_for(OrmSession, "after_commit")
def _committed(session):
    if session.info.pop(_BUMPED, False):
        warm_soon()


@event.listens_for(OrmSession, "after_rollback")
def _forget(session):
    session.info.pop(_FLAG, None)
    session.info.pop(_BUMPED, None)


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
    """The build for ``key`` (version, day, scheme limit, ...): this worker's copy, else the one
    another worker stored, else made by ``build()`` here (one builder at a time) and stored."""
    with _lock:
        found = _cache.get("last")
    if found is not None and found.key == key:
        return found
    store = SharedStore.for_app()
    made = store.get(key, build) if store else build()
    with _lock:
        _cache["last"] = made
    return made


def clear() -> None:
    with _lock:
        _cache.clear()


# --------------------------------------------------------------------------- built again after a change

_warming = {"thread": None, "again": False}


def warm_soon() -> None:
    """After a commit that changed the inputs, build them again in a thread of this worker
    (``ENGINE_INPUTS_WARM``), so the next suggestions page, in any worker, finds them built.
    One build at a time: writes that come while it runs ask for one more build after it."""
    if not has_app_context() or not current_app.config.get("ENGINE_INPUTS_WARM"):
        return
    app = current_app._get_current_object()
    with _lock:
        running = _warming["thread"]
        if running is not None and running.is_alive():
            _warming["again"] = True
            return
        thread = threading.Thread(target=_warm, args=(app,), name="engine-inputs-warm", daemon=True)
        _warming.update(thread=thread, again=False)
    thread.start()


def _warm(app) -> None:
    from shared_lives.db import get_engine
    from shared_lives.matches import adapter  # the adapter builds; it imports this module

    while True:
        try:
            with app.app_context():
                # DEFERRED on SQLite: a read that never takes the write lock from the requests
                engine = get_engine(app).execution_options(sqlite_begin="DEFERRED")
                with Session(engine, expire_on_commit=False) as session:
                    adapter.scheme_inputs(session)
        except Exception as exc:  # the next page builds them instead
            log.warning("engine inputs not built ahead (%s)", type(exc).__name__)
        with _lock:
            if not _warming["again"]:
                return
            _warming["again"] = False


def wait_warm(timeout: float = 30) -> bool:
    """Until this worker's build after a change has finished (tests, and orderly shutdown)."""
    with _lock:
        thread = _warming["thread"]
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True


class StoredRecords(Sequence):
    """One side's plain records, read from the shared store only when used (storing a
    snapshot the database does not hold yet); the arrays are all a page needs."""

    def __init__(self, store: SharedStore, path: Path, count: int):
        self._store, self._path, self._count, self._items = store, path, count, None

    def _all(self) -> list:
        if self._items is None:
            self._items = self._store.read(self._path)
            if self._items is None or len(self._items) != self._count:
                raise RuntimeError("the shared engine input's records are missing or changed")
        return self._items

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self._all()[index]

    def __reduce__(self):  # pickled (a job's arguments): as the plain list
        return (list, (self._all(),))


class SharedStore:
    """Built inputs in files that every worker on the host reads: ``<key>.core`` (vocabulary,
    ids and arrays) and ``<key>.people`` / ``<key>.households`` (the records, read lazily).
    Each file starts with an HMAC-SHA256 of the rest under the app's secret key."""

    KEEP = 6  # builds kept: the newest, and any written in the last RECENT_S seconds
    RECENT_S = 900
    WAIT_S = 120  # longest wait for another worker's build before building here anyway

    def __init__(self, folder: Path, secret: bytes):
        self.folder, self._secret = folder, secret

    @classmethod
    def for_app(cls) -> SharedStore | None:
        if not has_app_context():
            return None
        where = current_app.config.get("ENGINE_INPUTS_DIR", "")
        if not where or where == "off" or fcntl is None:
            return None
        secret = hmac.new(current_app.config["SECRET_KEY"].encode(), b"engine-inputs", hashlib.sha256).digest()
        return cls(Path(where), secret)

    def _name(self, key: tuple) -> str:
        return hashlib.sha256(repr(key).encode()).hexdigest()[:40]

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()

    def read(self, path: Path):
        try:
            data = path.read_bytes()
        except OSError:
            return None
        payload = data[32:]
        if len(data) < 32 or not hmac.compare_digest(data[:32], self._sign(payload)):
            log.warning("ignoring an engine input file with a bad signature")
            return None
        paused = gc.isenabled()
        gc.disable()  # unpickling thousands of small dicts: the collector would run dozens of times
        try:
            return pickle.loads(payload)  # noqa: S301 (signed by this app: see the class docstring)
        finally:
            if paused:
                gc.enable()

    def _write(self, path: Path, value) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(self._sign(payload) + payload)
            os.replace(tmp, path)  # readers see the whole file or none
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def load(self, key: tuple) -> Built | None:
        name = self._name(key)
        core = self.read(self.folder / f"{name}.core")
        if not isinstance(core, Built) or core.key != key:
            return None
        people, households = (
            StoredRecords(self, self.folder / f"{name}.{side}", count)
            for side, count in (("people", len(core.people.ids)), ("households", len(core.households.ids)))
        )
        return replace(
            core,
            people=replace(core.people, records=people),
            households=replace(core.households, records=households),
        )

    def get(self, key: tuple, build) -> Built:
        """The stored build for ``key``; else, one builder at a time, made by ``build()`` and stored."""
        found = self.load(key)
        if found is not None:
            return found
        with self.building():
            found = self.load(key)  # built while this worker waited
            if found is None:
                found = build()
                self.save(found)
        return found

    def save(self, built: Built) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = self._name(built.key)
            self._write(self.folder / f"{name}.people", list(built.people.records))
            self._write(self.folder / f"{name}.households", list(built.households.records))
            core = replace(
                built,
                people=replace(built.people, records=[]),
                households=replace(built.households, records=[]),
            )
            self._write(self.folder / f"{name}.core", core)  # last: its presence means the set is whole
            self._prune()
        except OSError as exc:  # a full or read-only disk: this worker keeps its own copy
            log.warning("could not share the engine inputs (%s)", type(exc).__name__)

    def _prune(self) -> None:
        cores = sorted(((p.stat().st_mtime, p) for p in self.folder.glob("*.core")), reverse=True)
        recent = time.time() - self.RECENT_S
        for written, old in cores[self.KEEP :]:
            if written > recent:
                continue
            for path in self.folder.glob(old.stem + ".*"):
                with contextlib.suppress(OSError):
                    path.unlink()

    @contextlib.contextmanager
    def building(self):
        """One builder at a time on the host; the others wait (bounded), then read its build."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / "build.lock", "a+b")  # noqa: SIM115 (held for the block)
        except OSError:
            yield
            return
        with handle:
            deadline = time.monotonic() + self.WAIT_S
            held = False
            while not held:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            try:
                yield
            finally:
                if held:
                    fcntl.flock(handle, fcntl.LOCK_UN)


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
                session.add(EngineInput(hash=digest, snapshot={"side": side, "records": list(records)}))
        except IntegrityError:  # another worker stored the same input a moment ago
            pass
    return {"stored": digest, "count": len(records)}

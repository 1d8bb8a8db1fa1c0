"""Database engine and one session per request, committed once.

SQLite runs in WAL mode with foreign keys on, and ``synchronous`` as the
``SQLITE_SYNCHRONOUS`` setting says: FULL (the default) syncs the write-ahead log
at every commit, so a commit the app acknowledged survives a power cut or an
operating-system crash; NORMAL syncs only at checkpoints, which is faster and
survives the app being killed, but a power cut may lose the last commits (the
database itself stays whole either way). Every SQLite transaction starts
with ``BEGIN IMMEDIATE``: nearly every request writes an audit entry, and a
deferred transaction that reads first and writes later can fail with
SQLITE_BUSY instead of waiting. PostgreSQL takes row locks where a service
needs them (``SELECT ... FOR UPDATE``).

When the database is down, restarting or too slow, the app answers 503 (see
``is_unavailable``): every connection is pinged before use, so a restarted
server is picked up on the next request; connecting gives up after
``CONNECT_TIMEOUT_SECONDS``; PostgreSQL cancels a statement after the app's
``DB_STATEMENT_TIMEOUT_MS``.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from flask import Flask, g
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

log = logging.getLogger(__name__)

#: Give up connecting after this long: an unreachable server must not hold a worker.
CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, statement_timeout_ms: int = 0, sqlite_synchronous: str = "FULL") -> Engine:
    """Create the engine for ``url`` with the pragmas and pooling this app relies on.

    ``statement_timeout_ms`` (PostgreSQL) cancels any statement that runs longer.
    ``sqlite_synchronous`` is SQLite's ``synchronous``, one of the modes the config allows.
    Error messages never carry the statement's parameters: they can be personal data.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A test's session asks for engine.execution_options(sqlite_begin="NONE"):
            # each statement then commits on its own and reads see the latest data
            # (as READ COMMITTED does on PostgreSQL) without holding the write lock.
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            if mode != "NONE":
                conn.exec_driver_sql(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")

        return engine
    connect_args: dict = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args=connect_args,
        hide_parameters=True,
    )


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not answer (down, restarting, too slow).

    Such a request is answered 503 and nothing of it is saved; any other database
    error is a fault in the app (500). On SQLite only a lock held too long or a
    file that cannot be opened counts: "no such table" is a fault, not an outage.
    """
    if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True  # the pool had no connection to give in time / one died on checkout
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        message = str(exc.orig).lower()
        return any(words in message for words in ("locked", "unable to open", "disk i/o"))
    # PostgreSQL: refused or lost connections, a cancelled (timed out) statement,
    # a server shutting down, too many connections.
    return True


def database_answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (for /health)."""
    try:
        with engine.connect() as conn:
            # a read: on SQLite it must not queue for the writers' lock behind busy requests
            conn.execution_options(sqlite_begin="DEFERRED").execute(text("SELECT 1"))
    except sa_exc.SQLAlchemyError as exc:
        log.warning("health: the database does not answer (%s)", type(getattr(exc, "orig", None) or exc).__name__)
        return False
    return True


def init_app(app: Flask) -> None:
    """Create the engine and close the request's session at teardown."""
    engine = make_engine(
        app.config["DATABASE_URL"],
        app.config.get("DB_STATEMENT_TIMEOUT_MS", 0),
        sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"],
    )
    app.extensions["db_engine"] = engine

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_engine(app: Flask | None = None) -> Engine:
    from flask import current_app

    return (app or current_app).extensions["db_engine"]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def commit_request_session(ok: bool) -> None:
    """Commit the request's work once, or roll it back when the response is an error."""
    session = g.get("db_session")
    if session is None:
        return
    if ok:
        session.commit()
    else:
        session.rollback()


def discard_request_session() -> None:
    """Drop the request's session after a failure: nothing of it is committed.

    Closing rolls back and returns the connection; one the server dropped is
    invalidated by the pool instead of being handed out again.
    """
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except sa_exc.SQLAlchemyError as exc:
        log.warning("could not close a failed session cleanly (%s)", type(exc).__name__)


def create_all(engine: Engine) -> None:
    """Create every table from the models (tests and first run; migrations in production)."""
    from shared_lives import models  # noqa: F401  (registers every table)

    SQLModel.metadata.create_all(engine)

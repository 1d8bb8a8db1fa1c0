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
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine


def make_engine(url: str, sqlite_synchronous: str = "FULL") -> Engine:
    """Create the engine for ``url`` with the pragmas and pooling this app relies on.

    ``sqlite_synchronous`` is SQLite's ``synchronous``, one of the modes the config allows.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

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
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_app(app: Flask) -> None:
    """Create the engine and close the request's session at teardown."""
    engine = make_engine(app.config["DATABASE_URL"], sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"])
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


def create_all(engine: Engine) -> None:
    """Create every table from the models (tests and first run; migrations in production)."""
    from shared_lives import models  # noqa: F401  (registers every table)

    SQLModel.metadata.create_all(engine)

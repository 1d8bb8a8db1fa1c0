"""Fixtures chain: app -> db -> client -> signed-in user of each role.

The database is SQLite in a temporary folder, or the PostgreSQL database named by
``DATABASE_URL`` when it is set (CI runs both). Tables are created once per run
and emptied after every test.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import shared_lives.auth.passwords as passwords
from shared_lives import create_app
from shared_lives.auth import limiter
from shared_lives.db import create_all, get_engine
from tests import factories

ROLES = ("admin", "manager", "coordinator", "carer", "auditor")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Argon2 with small parameters keeps the suite fast; production uses the defaults.
    original, original_dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    # Unknown accounts are checked against the dummy hash: give it the same small cost.
    passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password-0")
    yield
    passwords._hasher, passwords._DUMMY_HASH = original, original_dummy


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    return {
        "ENV": "testing",
        "DATABASE_URL": database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "AUDIT_KEY": "test-audit-key-0123456789abcdef0123456789",
        "SCHEME_NAME": "Test Shared Lives Scheme",
        "LOGIN_RATE_PER_ADDRESS": "10000 per minute",
        # Test databases are thrown away: FULL's sync at every commit (the default) only slows the suite.
        "SQLITE_SYNCHRONOUS": "NORMAL",
        "ENGINE_INPUTS_DIR": str(tmp_path_factory.mktemp("engine-inputs")),
        # Builds after each write are tested on their own (test_inputs_cache); elsewhere a
        # thread building after every commit would only race the tests' own counting.
        "ENGINE_INPUTS_WARM": False,
        "extra": {"WTF_CSRF_ENABLED": True},
    }


@pytest.fixture(scope="session")
def _app(app_config):
    app = create_app(app_config)
    engine = get_engine(app)
    SQLModel.metadata.drop_all(engine)
    create_all(engine)
    yield app
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


def empty_tables(engine) -> None:
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_app):
    with _app.app_context():
        limiter.reset()
    yield _app
    empty_tables(get_engine(_app))


@pytest.fixture
def fresh_database(app_config, tmp_path):
    """An empty database of the same kind as the suite's (SQLite file or a new PostgreSQL database)."""
    url = app_config["DATABASE_URL"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"slm_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_app(app_config, fresh_database):
    app = create_app({**app_config, "DATABASE_URL": fresh_database})
    yield app
    get_engine(app).dispose()


@pytest.fixture
def db(app):
    """A session outside any request, for arranging and checking rows.

    It holds no app context: a test client request inside one would share ``g``
    (and so its database session) with the test. Wrap service calls that need the
    app in ``with app.app_context():``.
    """
    # On SQLite, statements commit one by one: the test's reads see what the app
    # committed (as on PostgreSQL) and never hold the write lock the app needs.
    engine = get_engine(app).execution_options(sqlite_begin="NONE")
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(response) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str = factories.PASSWORD):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf_from(page), "email": email, "password": password})


@pytest.fixture
def users(app, db) -> dict:
    """One account per role; the carer's is linked to a household of its own."""
    with app.app_context():  # create_user writes an audit entry, keyed by the app
        household = factories.make_household(db, name="The Carer Test household")
        factories.make_carer(db, household)
        made = {}
        for role in ROLES:
            hid = household.id if role == "carer" else None
            made[role] = factories.make_user(db, role, hid, email=f"{role}@test.example")
        db.commit()
    return made


@pytest.fixture
def signed_in(app, users):
    """``signed_in(role)`` gives a test client signed in as that role."""
    clients = {}

    def _client(role: str):
        if role not in clients:
            c = app.test_client()
            response = sign_in(c, users[role].email)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            clients[role] = c
        return clients[role]

    return _client


def post_form(client, url: str, data: dict, **kw):
    """GET the form page for its CSRF token, then POST ``data`` with it."""
    page = client.get(kw.pop("form_url", url))
    return client.post(url, data={"csrf_token": csrf_from(page), **data}, **kw)


def pytest_terminal_summary(terminalreporter):
    from tests.e2e.conftest import AXE_TALLY
    from tests.shared_lives.matches.test_explanations import TALLY as REASONS_TALLY
    from tests.shared_lives.test_hostile_input import TALLY as HOSTILE_TALLY

    if REASONS_TALLY["pages"]:
        terminalreporter.write_line(
            f"explanations on the demo scheme: reasons checked: {REASONS_TALLY['reasons']}, "
            f"contradictions: {REASONS_TALLY['contradictions']} ({REASONS_TALLY['pages']} suggestion pages)"
        )

    if HOSTILE_TALLY["requests"]:
        terminalreporter.write_line(
            f"hostile input on every route: {HOSTILE_TALLY['requests']} requests, "
            f"{HOSTILE_TALLY['server_errors']} answers >= 500"
        )

    if AXE_TALLY["pages"]:
        terminalreporter.write_line(
            f"axe-core: {AXE_TALLY['pages']} page states checked, {AXE_TALLY['violations']} violations"
        )

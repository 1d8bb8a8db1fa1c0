"""The database gone or too slow: 503 pages, nothing half-saved, back by itself (issue 16).

Tests marked ``postgresql`` cut a real PostgreSQL off through a TCP proxy; they skip
on SQLite. The others point the app at a server that refuses connections (what a
restart looks like from the app) and run on both.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
from collections import Counter
from html import unescape

import pytest
from sqlalchemy import event, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from shared_lives import create_app
from shared_lives.audit.models import AuditEntry
from shared_lives.auth.models import User
from shared_lives.db import get_engine, get_session, make_engine
from shared_lives.vocab.models import VocabularyTerm
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD
from tests.tcp_proxy import TcpProxy, closed_port

HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
ACTION_RE = re.compile(r'<form method="post" action="([^"]*)" novalidate>')
OUTAGE_SECONDS = 5


@contextlib.contextmanager
def database_down(app):
    """Point the app at a PostgreSQL that refuses connections, as during a restart."""
    live = app.extensions["db_engine"]
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/gone")
    app.extensions["db_engine"] = dead
    try:
        yield
    finally:
        app.extensions["db_engine"] = live
        dead.dispose()


def kept_form(response) -> tuple[str, MultiDict]:
    """The 'Send again' form of a 503 page: its action and hidden fields."""
    html = response.get_data(as_text=True)
    action = ACTION_RE.search(html)
    assert action, "no 'Send again' form on the page"
    fields = MultiDict([(unescape(n), unescape(v)) for n, v in HIDDEN_RE.findall(html)])
    return unescape(action.group(1)), fields


def term_count(db, label) -> int:
    return db.exec(select(func.count()).select_from(VocabularyTerm).where(VocabularyTerm.label == label)).one()


def assert_unavailable_page(response, posted: bool):
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Sorry, the service is briefly unavailable" in text
    assert ("What you just sent was not saved." in text) is posted
    assert "Try again in a minute." in text
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "/static/css/app.css" in text  # the service's own design, not a bare page
    assert "Traceback" not in text and "psycopg" not in text


def test_health_names_the_parts_that_answer(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not used"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_does_not_queue_behind_a_request_that_is_writing(app, client):
    """On SQLite every request's transaction takes the writers' lock; /health only reads, and a
    load balancer asking it must not wait (30 s, then "unavailable") behind busy requests."""
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("SQLite's writers' lock")
    with get_engine(app).connect() as busy:
        busy.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the lock, as a request does
        response = client.get("/health")
        busy.rollback()
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_pages_and_health_answer_503_while_the_database_is_down(app, signed_in):
    c = signed_in("coordinator")
    assert c.get("/").status_code == 200
    with database_down(app):
        page = c.get("/")
        assert_unavailable_page(page, posted=False)
        assert "The page could not be shown. Nothing was changed." in page.get_data(as_text=True)
        health = c.get("/health")
        assert health.status_code == 503
        assert health.json == {"status": "unavailable", "database": "unavailable", "redis": "not used"}
        assert health.headers["Retry-After"] == "30"
        assert c.get("/sign-in").status_code == 503  # loading the signed-in account needs the database
    # Back by itself, and still signed in: the outage did not end the session.
    home = c.get("/")
    assert home.status_code == 200
    assert "Signed in as" in home.get_data(as_text=True)


def test_a_posted_form_is_kept_and_can_be_sent_again(app, db, signed_in):
    admin = signed_in("admin")
    page = admin.get("/vocabularies")
    label = 'Bird watching <b>&amp; "ringing"'
    with database_down(app):
        response = admin.post("/vocabularies", data={"csrf_token": csrf_from(page), "kind": "interest", "label": label})
        assert_unavailable_page(response, posted=True)
        assert "Your answers are kept on this page" in response.get_data(as_text=True)
        assert "<b>&amp;" not in response.get_data(as_text=True)  # shown escaped, never as markup
        action, fields = kept_form(response)
    assert term_count(db, label) == 0
    assert action == "/vocabularies"
    assert fields["label"] == label and fields["kind"] == "interest"
    again = admin.post(action, data=fields)
    assert again.status_code == 302
    assert term_count(db, label) == 1


def test_sign_in_during_an_outage_keeps_the_email_but_never_the_password(app, users):
    c = app.test_client()
    page = c.get("/sign-in?next=/people")
    with database_down(app):
        response = c.post(
            "/sign-in?next=/people",
            data={"csrf_token": csrf_from(page), "email": users["manager"].email, "password": PASSWORD},
        )
        assert_unavailable_page(response, posted=True)
        text = response.get_data(as_text=True)
        assert PASSWORD not in text
        assert "Passwords are never kept" in text
        action, fields = kept_form(response)
    assert action == "/sign-in?next=/people"
    assert fields["email"] == users["manager"].email and "password" not in fields
    # Sending again asks for the password alone, with the email still filled in.
    again = c.post(action, data=fields)
    assert again.status_code == 200
    assert users["manager"].email in again.get_data(as_text=True)
    assert sign_in(c, users["manager"].email).status_code == 302


def test_an_attached_file_is_named_as_not_kept(app, signed_in):
    admin = signed_in("admin")
    page = admin.get("/vocabularies")
    with database_down(app):
        response = admin.post(
            "/vocabularies",
            data={"csrf_token": csrf_from(page), "kind": "interest", "sheet": (io.BytesIO(b"a,b"), "carers.csv")},
            content_type="multipart/form-data",
        )
    assert_unavailable_page(response, posted=True)
    assert "Files are not kept: attach yours again." in response.get_data(as_text=True)
    assert kept_form(response)[1]["kind"] == "interest"


def test_the_500_page_renders_after_a_failed_transaction(app_config, users):
    app = create_app({**app_config, "extra": {"PROPAGATE_EXCEPTIONS": False}})

    @app.get("/fail-midway")
    def fail_midway():
        session = get_session()
        session.expire_all()  # the signed-in account must be read again: from a failed transaction
        session.add(User(email=users["admin"].email, name="Duplicate", role="admin", password_hash="x"))
        session.flush()  # a unique email: IntegrityError, the transaction is now failed
        return "unreachable"

    c = app.test_client()
    assert sign_in(c, users["coordinator"].email).status_code == 302
    response = c.get("/fail-midway")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "IntegrityError" not in text and "Duplicate" not in text
    assert c.get("/").status_code == 200  # the worker and the session are fine afterwards
    get_engine(app).dispose()


# --- PostgreSQL only: a real server cut off and a real statement timeout ---------------

pg_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="PostgreSQL only (set DATABASE_URL)"
)


@pytest.fixture
def proxied(app_config):
    """An app whose every database connection goes through a TCP proxy the test controls."""
    url = make_url(app_config["DATABASE_URL"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    app = create_app({**app_config, "DATABASE_URL": url.set(port=proxy.port).render_as_string(hide_password=False)})
    try:
        yield app, proxy
    finally:
        get_engine(app).dispose()
        proxy.stop()


@pg_only
def test_a_five_second_outage_gives_503_never_500_and_recovers(proxied, db, users):
    app, proxy = proxied
    admin = app.test_client()
    assert sign_in(admin, users["admin"].email).status_code == 302
    answers: dict[str, Counter] = {"before": Counter(), "during": Counter(), "after": Counter()}

    def round_of_requests(phase: str, label: str) -> None:
        page = admin.get("/vocabularies")
        answers[phase][("GET /vocabularies", page.status_code)] += 1
        answers[phase][("GET /health", admin.get("/health").status_code)] += 1
        token = csrf_from(page) if page.status_code == 200 else token_before
        posted = admin.post("/vocabularies", data={"csrf_token": token, "kind": "interest", "label": label})
        answers[phase][("POST /vocabularies", posted.status_code)] += 1

    token_before = csrf_from(admin.get("/vocabularies"))
    for i in range(3):
        round_of_requests("before", f"Before {i}")

    proxy.stop()
    started, i = time.monotonic(), 0
    while time.monotonic() - started < OUTAGE_SECONDS:
        round_of_requests("during", f"During {i}")
        i += 1
        time.sleep(0.2)
    proxy.start()

    for i in range(3):
        round_of_requests("after", f"After {i}")

    print({phase: dict(counts) for phase, counts in answers.items()})  # the figures for the closing note
    assert set(answers["before"]) == {("GET /vocabularies", 200), ("GET /health", 200), ("POST /vocabularies", 302)}
    assert set(answers["during"]) == {("GET /vocabularies", 503), ("GET /health", 503), ("POST /vocabularies", 503)}
    assert set(answers["after"]) == set(answers["before"])
    # What was refused during the outage is not there; what was acknowledged is, once each.
    assert (
        db.exec(select(func.count()).select_from(VocabularyTerm).where(VocabularyTerm.label.like("During %"))).one()
        == 0
    )
    for i in range(3):
        assert term_count(db, f"Before {i}") == 1 and term_count(db, f"After {i}") == 1


@pg_only
def test_connections_cut_at_commit_leave_no_partial_write(proxied, db, users):
    app, proxy = proxied
    admin = app.test_client()
    assert sign_in(admin, users["admin"].email).status_code == 302
    page = admin.get("/vocabularies")
    audit_before = db.exec(select(func.count()).select_from(AuditEntry)).one()

    cut = []

    @event.listens_for(Session, "before_commit")
    def _cut_connections(session):
        # The term and its audit entry are flushed: the server holds them in an open
        # transaction when every connection drops, as in a crash or a failover.
        if not cut and session.bind is get_engine(app):
            cut.append(True)
            proxy.stop()

    try:
        response = admin.post("/vocabularies", data={"csrf_token": csrf_from(page), "kind": "interest", "label": "Cut"})
    finally:
        event.remove(Session, "before_commit", _cut_connections)
        proxy.start()
    assert cut
    assert_unavailable_page(response, posted=True)
    assert term_count(db, "Cut") == 0
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(entries) == audit_before
    assert "vocab.add" not in {e.action for e in entries}
    # Sent again once the database is back, it is saved once.
    action, fields = kept_form(response)
    assert admin.post(action, data=fields).status_code == 302
    assert term_count(db, "Cut") == 1


@pg_only
def test_a_statement_past_the_timeout_gives_503_and_frees_the_worker(app_config, users):
    app = create_app({**app_config, "DB_STATEMENT_TIMEOUT_MS": 300})
    c = app.test_client()
    assert sign_in(c, users["coordinator"].email).status_code == 302
    blocker = make_engine(app_config["DATABASE_URL"])
    try:
        with blocker.connect() as conn:
            # Another connection holds the sessions table: loading the signed-in account waits.
            conn.execute(text("LOCK TABLE auth_session IN ACCESS EXCLUSIVE MODE"))
            # Without the timeout this request would wait as long as the lock is held: for ever.
            response = c.get("/")
            assert_unavailable_page(response, posted=False)
            conn.rollback()
        assert c.get("/").status_code == 200  # the same pool and worker serve the next request
    finally:
        blocker.dispose()
        get_engine(app).dispose()

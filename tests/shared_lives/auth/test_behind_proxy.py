"""Behind a reverse proxy, and the sign-in limits (issue 12 item 3, reliability.md item 29)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from shared_lives import create_app
from shared_lives.audit.models import AuditEntry
from shared_lives.auth import limiter
from shared_lives.db import get_engine
from tests.conftest import CSRF_RE, csrf_from, sign_in
from tests.factories import PASSWORD

PROXY = "127.0.0.1"  # where nginx connects from
ALICE, BOB = "203.0.113.7", "203.0.113.8"  # two clients out on the internet
HOST = "slm.example.org"


@pytest.fixture
def make_app(app_config, app):
    made = []

    def _make(proxies: int, per_address: str = "2 per minute"):
        new = create_app({**app_config, "TRUSTED_PROXIES": proxies, "LOGIN_RATE_PER_ADDRESS": per_address})
        with new.app_context():
            limiter.reset()
        made.append(new)
        return new

    yield _make
    for new in made:
        get_engine(new).dispose()


def through_proxy(client, email, password, forwarded_for, proto="http"):
    """GET the sign-in page and POST it, as nginx would pass them on."""
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": proto, "X-Forwarded-Host": HOST}
    if proto == "https":
        headers["Referer"] = f"https://{HOST}/sign-in"  # CSRF checks the referrer over https
    kw = {"headers": headers, "environ_base": {"REMOTE_ADDR": PROXY}}
    page = client.get("/sign-in", **kw)
    return client.post("/sign-in", data={"csrf_token": csrf_from(page), "email": email, "password": password}, **kw)


def sign_in_addresses(db, outcome: str) -> set[str]:
    entries = db.exec(select(AuditEntry).where(AuditEntry.action == "auth.sign_in", AuditEntry.outcome == outcome))
    return {e.address for e in entries}


def test_a_trusted_proxy_gives_the_clients_address_to_the_limit_and_the_log(make_app, db, users):
    app = make_app(proxies=1)
    c = app.test_client()
    assert [through_proxy(c, users["manager"].email, "wrong password", ALICE).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    # A name Alice puts in front of the header herself changes nothing: nginx adds the real one last.
    assert through_proxy(c, users["manager"].email, "wrong password", f"198.51.100.1, {ALICE}").status_code == 429
    # Bob, behind the same proxy, signs in.
    assert through_proxy(app.test_client(), users["coordinator"].email, PASSWORD, BOB).status_code == 302
    assert sign_in_addresses(db, "failure") == {ALICE}
    assert sign_in_addresses(db, "success") == {BOB}


def test_forwarded_headers_are_ignored_unless_proxies_are_configured(make_app, db, users):
    app = make_app(proxies=0)
    c = app.test_client()
    for _ in range(2):
        assert through_proxy(c, users["manager"].email, "wrong password", ALICE).status_code == 200
    # Headers anyone can send do not make a new address: the connection's address is limited.
    assert through_proxy(app.test_client(), users["coordinator"].email, PASSWORD, BOB).status_code == 429
    assert sign_in_addresses(db, "failure") == {PROXY}
    page = c.get("/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": HOST})
    assert "Strict-Transport-Security" not in page.headers


def test_hsts_and_sign_in_over_forwarded_https(make_app, users):
    app = make_app(proxies=1)
    c = app.test_client()
    page = c.get("/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": ALICE})
    assert "max-age=" in page.headers["Strict-Transport-Security"]
    response = through_proxy(c, users["coordinator"].email, PASSWORD, ALICE, proto="https")
    assert response.status_code == 302
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_only_refused_sign_ins_spend_an_address_allowance(make_app, users):
    app = make_app(proxies=0)
    # A whole office signs in correctly from one address, more times than the limit.
    for _ in range(3):
        for role in ("coordinator", "manager"):
            assert sign_in(app.test_client(), users[role].email).status_code == 302
    c = app.test_client()
    assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200
    assert sign_in(c, "nobody@test.example", "wrong password").status_code == 200
    limited = sign_in(app.test_client(), users["coordinator"].email)
    assert limited.status_code == 429
    seconds = int(limited.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert "Wait 1 minute, then try again." in limited.get_data(as_text=True)


def test_the_lockout_reads_the_same_for_real_and_unknown_accounts(app, client, users):
    real, unknown = users["manager"].email, "no-such-person@test.example"

    def page_text(response, email):
        text = CSRF_RE.sub('name="csrf_token" value="TOKEN"', response.get_data(as_text=True))
        return response.status_code, re.sub(re.escape(email), "EMAIL", text)

    def attempts(email, last_password):
        pages = [sign_in(app.test_client(), email, "wrong password") for _ in range(app.config["LOGIN_MAX_FAILURES"])]
        return [page_text(p, email) for p in [*pages, sign_in(app.test_client(), email, last_password)]]

    real_pages = attempts(real, PASSWORD)  # locked: even the right password is refused
    unknown_pages = attempts(unknown, PASSWORD)
    assert real_pages == unknown_pages
    assert "Enter a correct email address and password" in real_pages[0][1]
    assert "too many failed attempts to sign in with this email address" in real_pages[-1][1]

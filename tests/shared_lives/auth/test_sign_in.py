"""Sign-in, sessions and throttling (reliability.md items 11-13)."""

from datetime import timedelta

import pytest
from sqlmodel import select

from shared_lives import create_app
from shared_lives.auth import limiter
from shared_lives.auth.models import AuthSession, User
from shared_lives.auth.passwords import password_problem
from shared_lives.db import get_engine
from shared_lives.timeutil import utcnow
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD


def session_cookie(client):
    cookie = client.get_cookie("slm_session")
    return cookie.value if cookie else None


def test_session_cookie_changes_at_sign_in(client, users):
    client.get("/sign-in")
    before = session_cookie(client)
    assert sign_in(client, users["coordinator"].email).status_code == 302
    after = session_cookie(client)
    assert before and after and before != after


def test_cookie_flags(app, users):
    client = app.test_client()
    response = sign_in(client, users["coordinator"].email)
    header = response.headers.get("Set-Cookie")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_secure_cookie_outside_development(app_config):
    prod = create_app({**app_config, "ENV": "production", "SECRET_KEY": "s" * 40, "AUDIT_KEY": "a" * 40, "extra": {}})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    get_engine(prod).dispose()


def test_sign_out_ends_the_session_on_the_server(signed_in, client, users):
    c = signed_in("coordinator")
    stolen = session_cookie(c)
    page = c.get("/")
    assert c.post("/sign-out", data={"csrf_token": csrf_from(page)}).status_code == 302
    # Replaying the old cookie in another browser no longer works.
    client.set_cookie("slm_session", stolen)
    assert client.get("/").status_code == 302


def test_forged_cookie_is_refused(client, users):
    client.set_cookie("slm_session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_idle_timeout(app, db, signed_in):
    c = signed_in("coordinator")
    assert c.get("/").status_code == 200
    for row in db.exec(select(AuthSession)).all():
        row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        db.add(row)
    db.commit()
    assert c.get("/").status_code == 302


def test_absolute_timeout(app, db, signed_in):
    c = signed_in("coordinator")
    for row in db.exec(select(AuthSession)).all():
        row.created_at = utcnow() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
        db.add(row)
    db.commit()
    assert c.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, users):
    first, second = app.test_client(), app.test_client()
    sign_in(first, users["manager"].email)
    sign_in(second, users["manager"].email)
    page = first.get("/account/password")
    new = "a much longer new passphrase"
    response = first.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page),
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_account_lockout_is_per_account(app, db, client, users):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, users["manager"].email, "wrong password here")
    locked = sign_in(client, users["manager"].email)  # right password, but locked
    assert "too many failed attempts to sign in with this email address" in locked.get_data(as_text=True)
    # Someone else signing in from the same address is not locked out.
    assert sign_in(app.test_client(), users["coordinator"].email).status_code == 302
    db.expire_all()
    user = db.exec(select(User).where(User.email == users["manager"].email)).one()
    assert user.locked_until is not None


def test_sign_in_is_throttled_per_address(app_config):
    app = create_app({**app_config, "LOGIN_RATE_PER_ADDRESS": "3 per minute"})
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    statuses = [sign_in(client, "nobody@test.example", "wrong password").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    page = sign_in(client, "nobody@test.example", "wrong password")
    assert "Too many attempts" in page.get_data(as_text=True)
    other = app.test_client()
    assert other.get("/sign-in", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200
    get_engine(app).dispose()


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("password123", False),
        ("qwertyuiop", False),
        ("x" * 129, False),
        ("eight ch", True),
        ("a reasonably long passphrase of sixty four characters is allowed", True),
        ("y" * 128, True),
    ],
)
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_passwords_are_stored_as_argon2(db, users):
    user = db.exec(select(User).where(User.email == users["carer"].email)).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_open_redirect_after_sign_in_is_refused(client, users):
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example/",
        data={"csrf_token": csrf_from(page), "email": users["coordinator"].email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_deactivated_account_sessions_stop_at_once(app, signed_in, users):
    victim = signed_in("coordinator")
    assert victim.get("/").status_code == 200
    admin = signed_in("admin")
    url = f"/admin/users/{users['coordinator'].id}/deactivate"
    page = admin.get(url)
    response = admin.post(url, data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert sign_in(app.test_client(), users["coordinator"].email).status_code == 200  # refused


def test_what_is_typed_for_an_unknown_account_never_reaches_the_audit_log(client, db, users):
    """Someone may type a name, or their password, into the email box."""
    from sqlmodel import select

    from shared_lives.audit.models import AuditEntry

    for _ in range(2):
        sign_in(client, "Margaret Thistlewood-Oyelaran", "not the password at all")
    entries = db.exec(select(AuditEntry).where(AuditEntry.action == "auth.sign_in")).all()
    labels = [e.actor_label for e in entries if e.outcome == "failure"]
    assert len(labels) == 2 and labels[0] == labels[1] and labels[0].startswith("unknown account ")
    assert not any("thistlewood" in repr(e.__dict__).lower() for e in entries)

"""Write-route sweep (reliability.md item 17): every POST route of the app, sent a valid
request by a role allowed to use it, writes exactly one audit entry of the right kind.

``CASES`` maps an endpoint to the request that makes it succeed. Routes of the app that
have no case are listed: those in ``MUST_COVER`` fail the sweep; others (new routes from
areas still being built) are reported as "not covered" so the table can be completed.
To cover a route, add ``endpoint: Case(role, url, data, action)``; ``url`` and ``data``
may be callables taking the ``ids`` fixture's dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.households.models import DbsCheck
from tests import factories
from tests.conftest import csrf_from, sign_in

NEW_PASSWORD = "a different long passphrase 42"


@dataclass(frozen=True)
class Case:
    role: str | None  # None: an anonymous client
    url: Any
    data: Any
    action: str
    fresh_client: bool = False  # signs in a client of its own (the route ends or changes the session)


CASES: dict[str, Case] = {
    "auth.sign_in": Case(
        None,
        "/sign-in",
        lambda ids: {"email": "coordinator@test.example", "password": factories.PASSWORD},
        "auth.sign_in",
    ),
    "auth.sign_out": Case("coordinator", "/sign-out", {}, "auth.sign_out", fresh_client=True),
    "auth.change_password": Case(
        "manager",
        "/account/password",
        {"current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        "user.password_change",
        fresh_client=True,
    ),
    "admin.new_user": Case(
        "admin",
        "/admin/users/new",
        {
            "name": "Sweep Person",
            "email": "sweep.new@test.example",
            "role": "coordinator",
            "household_id": "",
            "password": "a long enough sweep passphrase",
        },
        "user.create",
    ),
    "admin.user": Case(
        "admin",
        lambda ids: f"/admin/users/{ids['user_id']}",
        {"role": "manager", "household_id": ""},
        "user.role_change",
    ),
    "admin.set_active": Case(
        "admin", lambda ids: f"/admin/users/{ids['user_id']}/deactivate", {"confirm": "y"}, "user.deactivate"
    ),
    "households.reviewed": Case(
        "coordinator", lambda ids: f"/households/{ids['household_id']}/reviewed", {}, "household.reviewed"
    ),
    "households.remove_dbs": Case(
        "coordinator",
        lambda ids: f"/households/{ids['household_id']}/dbs/{ids['dbs_id']}/remove",
        {"confirm": "y"},
        "dbs.delete",
    ),
}

#: Routes this sweep must cover (the others are reported until their case is added).
MUST_COVER = frozenset(CASES)


@pytest.fixture
def ids(app, db, users):
    with app.app_context():
        household = factories.make_household(db, needs_review=True)
        carer = factories.make_carer(db, household)
        dbs = db.exec(select(DbsCheck.id).where(DbsCheck.household_id == household.id)).first()
        person = factories.make_person(db)
        target = factories.make_user(db, "coordinator", email="sweep.target@test.example")
        db.commit()
    return {
        "household_id": household.id,
        "dbs_id": dbs,
        "carer_id": carer.id,
        "person_id": person.id,
        "user_id": target.id,
    }


def post_routes(app) -> dict[str, str]:
    skip = {"static", "assets_file"}
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in skip}


def last_id(db) -> int:
    db.expire_all()
    return db.exec(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).first() or 0


def run_case(app, db, signed_in, ids, case: Case):
    if case.role is None:
        client = app.test_client()
    elif case.fresh_client:
        client = app.test_client()
        assert sign_in(client, f"{case.role}@test.example").status_code == 302
    else:
        client = signed_in(case.role)
    url = case.url(ids) if callable(case.url) else case.url
    data = case.data(ids) if callable(case.data) else case.data
    token = csrf_from(client.get("/sign-in" if case.role is None else url if "GET" in methods(app, url) else "/"))
    before = last_id(db)
    response = client.post(url, data={"csrf_token": token, **data})
    db.expire_all()
    new = db.exec(select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)).all()
    return response, new


def methods(app, url: str) -> set[str]:
    adapter = app.url_map.bind("localhost")
    allowed = set()
    for method in ("GET", "POST"):
        try:
            adapter.match(url, method=method)
            allowed.add(method)
        except Exception:  # noqa: S112
            continue
    return allowed


def test_the_sweep_covers_every_write_route_it_must(app):
    routes = post_routes(app)
    missing = sorted(MUST_COVER - routes.keys())
    assert not missing, f"cases for routes that no longer exist: {missing}"
    not_covered = sorted(set(routes) - CASES.keys())
    if not_covered:
        print("\nWrite routes not covered by the audit sweep yet (add a Case):")
        for endpoint in not_covered:
            print(f"  {endpoint:40} {routes[endpoint]}")
    assert not (set(routes) - CASES.keys()) & MUST_COVER


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_each_write_route_writes_exactly_one_audit_entry(app, db, signed_in, ids, endpoint):
    if endpoint not in post_routes(app):
        pytest.skip(f"{endpoint} is not a route of this app")
    case = CASES[endpoint]
    response, new = run_case(app, db, signed_in, ids, case)
    assert response.status_code in (200, 302, 303), f"{endpoint}: {response.status_code}"
    assert [e.action for e in new] == [case.action], f"{endpoint} wrote {[(e.action, e.outcome) for e in new]}"
    entry = new[0]
    assert entry.outcome == "success"
    if case.role is not None:
        assert entry.actor_role == case.role

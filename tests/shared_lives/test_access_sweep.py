"""Role x route x method sweep over the whole URL map (reliability.md items 1, 4 and 10).

Every endpoint must be classified below. For each role, a GET or POST to an endpoint
the role may not use must not succeed: no 2xx, and no redirect other than to sign-in.
Auditors get 403 on every write route. Every POST without a CSRF token gets 400.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from shared_lives.carers.models import DbsCheck, TrainingRecord
from shared_lives.matches.models import Introduction, Proposal
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today
from tests import factories
from tests.conftest import csrf_from

ROLES = ("admin", "manager", "coordinator", "carer", "auditor")
EVERYONE = frozenset(ROLES)
STAFF = frozenset({"manager", "coordinator"})
READERS = frozenset({"manager", "coordinator", "auditor"})
PUBLIC = frozenset({"auth.sign_in", "static", "assets_file", "main.health"})

AUDIT_READERS = frozenset({"admin", "manager", "auditor"})
MANAGER = frozenset({"manager"})
COORDINATOR = frozenset({"coordinator"})
CARER = frozenset({"carer"})
ADMIN = frozenset({"admin"})
PROPOSAL_READERS = READERS | CARER  # a carer only for its own household's proposals

#: endpoint -> roles that may GET it successfully (with the ids of records that are
#: not the carer's own, so a carer reaching an object route is a leak).
GET_ACCESS: dict[str, frozenset] = {
    "main.home": EVERYONE,
    "auth.change_password": EVERYONE,
    "admin.users": ADMIN,
    "admin.new_user": ADMIN,
    "admin.user": ADMIN,
    "admin.set_active": ADMIN,
    "vocab.index": ADMIN,
    "audit.index": AUDIT_READERS,
    "exports.index": frozenset({"auditor"}),
    "exports.placement_history": frozenset({"auditor"}),
    "exports.person_history": READERS,
    "exports.household_history": READERS,
    "exports.subject_access_page": MANAGER,
    "exports.subject_access_request": MANAGER,
    "exports.subject_access_open": MANAGER,
    "households.index": READERS,
    "households.detail": READERS,
    "carers.compliance": READERS,
    "households.new": STAFF,
    "households.edit": STAFF,
    "carers.new_carer": STAFF,
    "carers.edit_carer": STAFF,
    "carers.new_dbs": STAFF,
    "carers.edit_dbs": STAFF,
    "carers.remove_dbs": STAFF,
    "carers.new_training": STAFF,
    "carers.edit_training": STAFF,
    "carers.remove_training": STAFF,
    "households.mine": CARER,
    "households.edit_mine": CARER,
    "people.index": READERS,
    "people.detail": READERS,
    "people.new": STAFF,
    "people.edit": STAFF,
    "matches.index": PROPOSAL_READERS,
    "matches.detail": READERS,
    "matches.person_suggestions": STAFF,
    "matches.household_suggestions": STAFF,
    "matches.scheme": STAFF,
    "matches.new": STAFF,
    "matches.respond": STAFF,
    "matches.new_introduction": STAFF,
    "matches.introduction": STAFF,
    "matches.capacity": STAFF,
    "matches.liberty": STAFF,
    "matches.approve": MANAGER,
    "matches.withdraw": STAFF,
    "matches.easy_read_page": READERS,
    "placements.index": READERS,
    "placements.detail": READERS,
    "placements.end": STAFF,
    "placements.new_review": STAFF,
    "placements.review": STAFF,
    "reports.scheme": frozenset({"manager", "auditor"}),
    "equality.record": STAFF,
    "reports.carers_needed": frozenset({"manager", "auditor"}),
    "reports.carers_needed_csv": frozenset({"manager", "auditor"}),
    "reports.fairness_page": frozenset({"manager", "auditor"}),
    "reports.fairness_csv": frozenset({"manager", "auditor"}),
    "reports.overrides_page": frozenset({"manager", "auditor"}),
    "reports.overrides_csv": frozenset({"manager", "auditor"}),
    "imports.index": MANAGER,
    "imports.mapping": MANAGER,
    "imports.preview": MANAGER,
    "imports.guide": MANAGER,
    "imports.template": MANAGER,
    "imports.export": MANAGER,
    "reports.outcomes_page": frozenset({"manager", "auditor"}),
}

#: endpoint -> roles that may POST to it successfully. Routes with no POST are left out.
POST_ACCESS: dict[str, frozenset] = {
    "auth.sign_out": EVERYONE,
    "auth.change_password": EVERYONE,
    "admin.new_user": ADMIN,
    "admin.user": ADMIN,
    "admin.set_active": ADMIN,
    "vocab.index": ADMIN,
    "households.new": STAFF,
    "households.edit": STAFF,
    "households.reviewed": STAFF,
    "carers.new_carer": STAFF,
    "carers.edit_carer": STAFF,
    "carers.new_dbs": STAFF,
    "carers.edit_dbs": STAFF,
    "carers.remove_dbs": STAFF,
    "carers.new_training": STAFF,
    "carers.edit_training": STAFF,
    "carers.remove_training": STAFF,
    "households.edit_mine": CARER,
    "people.new": STAFF,
    "people.edit": STAFF,
    "matches.new": STAFF,
    "matches.respond": STAFF,
    "matches.new_introduction": STAFF,
    "matches.introduction": STAFF,
    "matches.capacity": STAFF,
    "matches.liberty": STAFF,
    "matches.approve": MANAGER,
    "matches.withdraw": STAFF,
    "placements.end": STAFF,
    "placements.new_review": STAFF,
    "placements.review": STAFF,
    "equality.record": STAFF,
    "imports.index": MANAGER,
    "imports.mapping": MANAGER,
    "imports.replace": MANAGER,
    "imports.confirm": MANAGER,
    "exports.subject_access_page": MANAGER,
    "exports.subject_access_step": MANAGER,
    "exports.subject_access_release": MANAGER,
}

#: Write routes that act on the signed-in person's own account, which auditors may use too.
OWN_ACCOUNT = frozenset({"auth.sign_out", "auth.change_password"})


@pytest.fixture
def ids(app, db, users):
    """Ids of records that belong to nobody signed in, for every kind of path parameter."""
    with app.app_context():
        other = factories.make_household(db, name="The Other household")
        carer = factories.make_carer(db, other)
        person = factories.make_person(db)
        living = factories.make_person(db, status="matched")
        training = TrainingRecord(carer_id=carer.id, course="First aid", completed_on=today())
        proposal = Proposal(
            person_id=person.id,
            household_id=other.id,
            arrangement_type="live_in",
            rationale="Shared interests",
            proposed_by_id=users["coordinator"].id,
        )
        arrangement = Arrangement(
            person_id=living.id, household_id=other.id, arrangement_type="live_in", start_date=today()
        )
        db.add_all([training, proposal, arrangement])
        db.flush()
        introduction = Introduction(
            proposal_id=proposal.id, kind="tea_visit", planned_for=today(), recorded_by_id=users["coordinator"].id
        )
        review = Review(arrangement_id=arrangement.id, kind="first", due_on=today())
        db.add_all([introduction, review])
        db.commit()
    dbs = db.exec(select(DbsCheck.id).where(DbsCheck.household_id == other.id)).first()
    return {
        "household_id": other.id,
        "carer_id": carer.id,
        "dbs_id": dbs,
        "training_id": training.id,
        "person_id": person.id,
        "user_id": users["manager"].id,
        "proposal_id": proposal.id,
        "introduction_id": introduction.id,
        "arrangement_id": arrangement.id,
        "review_id": review.id,
    }


def routes(app, method: str):
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.endpoint not in PUBLIC:
            yield rule


def build(rule, ids) -> str:
    """The rule's URL with real ids; an ``any(a, b)`` part takes its first option."""
    url = rule.rule
    for arg in rule.arguments:
        choices = re.search(rf"<any\(([^)]*)\):{arg}>", url)
        value = choices.group(1).split(",")[0].strip() if choices else ids.get(arg, 1)
        url = re.sub(rf"<(?:[^<>]+:)?{arg}>", str(value), url)
    return url


def test_every_endpoint_is_classified(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - PUBLIC
    get_endpoints = {r.endpoint for r in routes(app, "GET")}
    post_endpoints = {r.endpoint for r in routes(app, "POST")}
    missing_get = sorted(get_endpoints - GET_ACCESS.keys())
    missing_post = sorted(post_endpoints - POST_ACCESS.keys())
    assert not missing_get, f"GET endpoints with no access rule in this sweep: {missing_get}"
    assert not missing_post, f"POST endpoints with no access rule in this sweep: {missing_post}"
    assert endpoints


def succeeded(response) -> bool:
    if 200 <= response.status_code < 300:
        return True
    if 300 <= response.status_code < 400:
        return "/sign-in" not in response.headers.get("Location", "")
    return False


def test_get_sweep_has_no_unexpected_success(app, signed_in, client, ids):
    unexpected = []
    checked = 0
    for rule in routes(app, "GET"):
        url = build(rule, ids)
        allowed = GET_ACCESS.get(rule.endpoint, frozenset())
        anonymous = client.get(url)
        checked += 1
        if succeeded(anonymous):
            unexpected.append(("anonymous", url, anonymous.status_code))
        for role in ROLES:
            if role in allowed:
                continue
            response = signed_in(role).get(url)
            checked += 1
            if response.status_code < 400:
                unexpected.append((role, url, response.status_code))
    print(f"GET sweep: {checked} requests, {len(unexpected)} unexpected successes")
    assert unexpected == []


def test_post_sweep_has_no_unexpected_success(app, signed_in, client, ids):
    unexpected = []
    checked = 0
    for rule in routes(app, "POST"):
        url = build(rule, ids)
        allowed = POST_ACCESS.get(rule.endpoint, frozenset())
        token_page = client.get("/sign-in")
        anonymous = client.post(url, data={"csrf_token": csrf_from(token_page)})
        checked += 1
        if succeeded(anonymous):
            unexpected.append(("anonymous", url, anonymous.status_code))
        for role in ROLES:
            if role in allowed:
                continue
            c = signed_in(role)
            response = c.post(url, data={"csrf_token": csrf_from(c.get("/"))})
            checked += 1
            if response.status_code < 400:
                unexpected.append((role, url, response.status_code))
            if role == "auditor" and rule.endpoint not in OWN_ACCOUNT and response.status_code != 403:
                unexpected.append((role, url, f"auditor got {response.status_code}, not 403"))
    print(f"POST sweep: {checked} requests, {len(unexpected)} unexpected successes")
    assert unexpected == []


def test_every_post_without_a_csrf_token_is_refused(app, signed_in, ids):
    c = signed_in("admin")
    staff = signed_in("coordinator")
    failures = []
    for rule in routes(app, "POST"):
        url = build(rule, ids)
        for who in (c, staff):
            response = who.post(url, data={})
            if response.status_code != 400:
                failures.append((url, response.status_code))
    assert failures == []


def test_get_changes_nothing_on_write_routes(app, signed_in, db, ids):
    """A GET to a form page shows the form; only POST writes (apart from view audit entries)."""
    from sqlalchemy import func, select

    from shared_lives.auth.models import User
    from shared_lives.households.models import Household
    from shared_lives.people.models import Person

    def counts():
        db.expire_all()
        return [db.exec(select(func.count()).select_from(m)).one() for m in (User, Household, Person)]

    before = counts()
    for rule in routes(app, "POST"):
        if "GET" in rule.methods:
            signed_in("admin").get(build(rule, ids))
            signed_in("coordinator").get(build(rule, ids))
    assert counts() == before

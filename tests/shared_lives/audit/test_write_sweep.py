"""Write-route sweep (reliability.md item 17): every POST route of the app, sent a valid
request by a role allowed to use it, writes exactly one audit entry of the right kind.

``CASES`` maps an endpoint to the request that makes it succeed. Every POST route of the
app's URL map must have a case: a new write route fails the sweep until its case is added.
To cover a route, add ``endpoint: Case(role, url, data, action)``; ``url`` and ``data``
may be callables taking the ``ids`` fixture's dict.

A route that genuinely writes other entries besides its change entry is listed in
``KNOWN`` with the exact entries it writes and why. That table is asserted exactly too:
fixing such a route (or making it worse) fails the sweep until the table is updated.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.carers.models import DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.imports import services as import_services
from shared_lives.matches import services as match_services
from shared_lives.placements.models import Review
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.timeutil import today
from shared_lives.vocab.services import load_vocabularies
from tests import factories
from tests.conftest import csrf_from, sign_in
from tests.shared_lives.households.conftest import household_form as records_household_form
from tests.shared_lives.matches.helpers import as_user, call

NEW_PASSWORD = "a different long passphrase 42"


def gov_date(d) -> list[str]:
    """A GOV.UK date field's post: three values of the same name (day, month, year)."""
    return [str(d.day), str(d.month), str(d.year)]


@dataclass(frozen=True)
class Case:
    role: str | None  # None: an anonymous client
    url: Any
    data: Any
    action: str
    fresh_client: bool = False  # signs in a client of its own (the route ends or changes the session)
    ok: tuple[int, ...] = (302, 303)  # a success: a redirect, or a download (200) for a release


def household_form(version: Any = "1") -> dict:
    """A valid staff household form: the records tests' one, with this sweep's name."""
    return records_household_form(version=str(version), name="The Sweep household")


def carer_form(version: Any = "1") -> dict:
    return {
        "version": str(version),
        "name": "Sweep Carer",
        "role": "support",
        "gender": "",
        "approval_status": "assessment",
        "terms_arrangement_types": ["live_in"],
        "terms_max_people": "1",
        "skills": ["autism"],
    }


def dbs_form() -> dict:
    return {
        "adult_name": "Sweep Adult",
        "certificate_number": "001234567890",
        "issued_on": gov_date(today() - timedelta(days=30)),
        "renew_by": gov_date(today() + timedelta(days=3 * 365)),
    }


def training_form() -> dict:
    return {
        "course": "Safeguarding adults",
        "completed_on": gov_date(today() - timedelta(days=10)),
        "renew_by": gov_date(today() + timedelta(days=365)),
    }


def person_form(version: Any = "1") -> dict:
    return {
        "version": str(version),
        "first_name": "Sam",
        "last_name": "Sweep",
        "date_of_birth": ["17", "5", "1990"],
        "status": "waiting",
        "arrangement_type": "live_in",
        "needs": ["autism"],
        "support_required": "Help with meals",
        "interests": ["music"],
        "pets": "ok",
        "smoking": "no",
        "children": "ok",
        "lifestyle": "quiet",
        "preferred_postcode": "ME15 6YE",
        "max_distance_km": "20",
        "capacity": "has_capacity",
        "decision_maker": "person",
    }


def own_form(version: Any = "1") -> dict:
    """A carer's own household form: only the carer-editable fields."""
    return {
        "version": str(version),
        "lifestyle": "busy",
        "setting": "rural",
        "routines": "Early risers",
        "interests": ["walking"],
        "languages": ["english"],
        "age_min": "18",
        "age_max": "90",
        "transport": "Car",
        "availability": "Weekends",
    }


def _h(ids) -> str:
    return f"/households/{ids['household_id']}"


def _training(ids) -> str:
    return f"{_h(ids)}/carers/{ids['carer_id']}/training/{ids['training_id']}"


CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ auth and accounts
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
    "vocab.index": Case("admin", "/vocabularies", {"kind": "interest", "label": "Bird watching"}, "vocab.add"),
    # ------------------------------------------------------------------ households
    "households.new": Case("coordinator", "/households/new", household_form(), "household.create"),
    "households.edit": Case(
        "coordinator",
        lambda ids: f"{_h(ids)}/edit",
        lambda ids: household_form(ids["household_version"]),
        "household.update",
    ),
    "households.reviewed": Case("coordinator", lambda ids: f"{_h(ids)}/reviewed", {}, "household.reviewed"),
    "carers.new_carer": Case("coordinator", lambda ids: f"{_h(ids)}/carers/new", carer_form(), "carer.create"),
    "carers.edit_carer": Case(
        "coordinator",
        lambda ids: f"{_h(ids)}/carers/{ids['carer_id']}/edit",
        lambda ids: carer_form(ids["carer_version"]),
        "carer.update",
    ),
    "carers.new_dbs": Case("coordinator", lambda ids: f"{_h(ids)}/dbs/new", lambda ids: dbs_form(), "dbs.create"),
    "carers.edit_dbs": Case(
        "coordinator", lambda ids: f"{_h(ids)}/dbs/{ids['dbs_id']}/edit", lambda ids: dbs_form(), "dbs.update"
    ),
    "carers.remove_dbs": Case(
        "coordinator", lambda ids: f"{_h(ids)}/dbs/{ids['dbs_id']}/remove", {"confirm": "y"}, "dbs.delete"
    ),
    "carers.new_training": Case(
        "coordinator",
        lambda ids: f"{_h(ids)}/carers/{ids['carer_id']}/training/new",
        lambda ids: training_form(),
        "training.create",
    ),
    "carers.edit_training": Case(
        "coordinator", lambda ids: f"{_training(ids)}/edit", lambda ids: training_form(), "training.update"
    ),
    "carers.remove_training": Case(
        "coordinator", lambda ids: f"{_training(ids)}/remove", {"confirm": "y"}, "training.delete"
    ),
    "households.edit_mine": Case(
        "carer", "/my-household/edit", lambda ids: own_form(ids["own_household_version"]), "household.update_own"
    ),
    # ------------------------------------------------------------------ people
    "people.new": Case("coordinator", "/people/new", person_form(), "person.create"),
    "people.edit": Case(
        "coordinator",
        lambda ids: f"/people/{ids['person_id']}/edit",
        lambda ids: person_form(ids["person_version"]),
        "person.update",
    ),
    # ------------------------------------------------------------------ the matching journey
    "matches.new": Case(
        "coordinator",
        "/proposals/new",  # person_id and household_id are read from the form (request.values) too
        lambda ids: {
            "person_id": str(ids["new_person_id"]),
            "household_id": str(ids["match_household_id"]),
            "engine_run_id": "",
            "arrangement_type": "live_in",
            "rationale": "Both enjoy gardening; close to family.",
        },
        "proposal.create",
    ),
    "matches.respond": Case(
        "coordinator",
        lambda ids: f"/proposals/{ids['open_proposal_id']}/respond/person",
        lambda ids: {
            "version": str(ids["open_proposal_version"]),
            "decision": "agree",
            "given_by": "person",
            "given_by_name": "Pat Jones",
            "how_checked": "Talked it through together, with pictures",
            "person_views": "Looking forward to it",
            "reason": "",
        },
        "proposal.person_agree",
    ),
    "matches.withdraw": Case(
        "coordinator",
        lambda ids: f"/proposals/{ids['open_proposal_id']}/withdraw",
        {"reason": "timing", "note": "Not now"},
        "proposal.withdraw",
    ),
    "matches.new_introduction": Case(
        "coordinator",
        lambda ids: f"/proposals/{ids['open_proposal_id']}/introductions/new",
        lambda ids: {"kind": "tea_visit", "planned_for": gov_date(today() + timedelta(days=7)), "status": "planned"},
        "introduction.create",
    ),
    "matches.introduction": Case(
        "coordinator",
        lambda ids: f"/introductions/{ids['introduction_id']}",
        lambda ids: {
            "kind": "tea_visit",
            "planned_for": gov_date(ids["introduction_date"]),
            "status": "completed",
            "person_feedback": "Liked the garden",
            "carer_feedback": "A lovely afternoon",
        },
        "introduction.update",
    ),
    "matches.capacity": Case(
        "coordinator",
        lambda ids: f"/proposals/{ids['open_proposal_id']}/capacity",
        lambda ids: {
            "decision": "Whether to live with the Sweep Match household",
            "outcome": "lacks",
            "assessed_on": gov_date(today()),
            "assessor_name": "Dana Social-Worker",
            "assessor_role": "Social worker",
        },
        "capacity.assess",
    ),
    "matches.liberty": Case(
        "coordinator",
        lambda ids: f"/proposals/{ids['open_proposal_id']}/liberty",
        lambda ids: {
            "needed": "yes",
            "reference": "COP 1234567",
            "expires_on": gov_date(today() + timedelta(days=300)),
        },
        "liberty.record",
    ),
    "matches.approve": Case(
        "manager",
        lambda ids: f"/proposals/{ids['agreed_proposal_id']}/approve",
        lambda ids: {"version": str(ids["agreed_proposal_version"]), "start_date": gov_date(today())},
        "proposal.approve",
    ),
    # ------------------------------------------------------------------ arrangements
    "placements.end": Case(
        "coordinator",
        lambda ids: f"/arrangements/{ids['arrangement_id']}/end",
        lambda ids: {
            "end_date": gov_date(today()),
            "reason": "planned_move",
            "wants_new_match": "yes",
            "decided_by": "mutual",
            "planned": "yes",
        },
        "arrangement.end",
    ),
    "placements.new_review": Case(
        "coordinator",
        lambda ids: f"/arrangements/{ids['arrangement_id']}/reviews/new",
        lambda ids: {"due_on": gov_date(today() + timedelta(days=20))},
        "review.schedule",
    ),
    "placements.review": Case(
        "coordinator",
        lambda ids: f"/reviews/{ids['review_id']}",
        lambda ids: {"completed_on": gov_date(today()), "notes": "Settled in well"},
        "review.complete",
    ),
    "equality.record": Case(
        "coordinator",
        lambda ids: f"/people/{ids['person_id']}/equality",
        {"ethnicity": "irish", "version": "0"},
        "equality.update",
    ),
    # ------------------------------------------------------------------ imports
    "imports.index": Case(
        "manager",
        "/imports",
        lambda ids: {"kind": "households", "file": (io.BytesIO(import_file()), "households.csv")},
        "import.upload",
    ),
    "imports.mapping": Case(
        "manager",
        lambda ids: f"/imports/{ids['import_token']}/columns",
        lambda ids: {"reference": "0", "name": "1", "postcode": "2"},
        "import.mapping",
    ),
    "imports.replace": Case(
        "manager",
        lambda ids: f"/imports/{ids['import_token']}/replace",
        lambda ids: {"file": (io.BytesIO(import_file()), "households.csv")},
        "import.upload",
    ),
    "imports.confirm": Case("manager", lambda ids: f"/imports/{ids['import_token']}/confirm", {}, "import.run"),
    # ------------------------------------------------------------------ people's rights
    "exports.subject_access_page": Case(
        "manager",
        lambda ids: f"/people/{ids['person_id']}/subject-access",
        lambda ids: {"received_on": gov_date(today())},
        "subject_access.receive",
    ),
    "exports.subject_access_step": Case(
        "manager", lambda ids: f"/subject-access/{ids['subject_access_id']}/prepare", {}, "subject_access.prepare"
    ),
    "exports.subject_access_release": Case(
        "manager",
        lambda ids: f"/subject-access/{ids['subject_access_id']}/release.json",
        {},
        "subject_access.release",
        ok=(200,),
    ),
}


def import_file() -> bytes:
    return b"Reference,Household name,Postcode\r\nSWEEP-1,The Sweep Import household,ME14 1XQ\r\n"


@dataclass(frozen=True)
class Known:
    actions: tuple[str, ...]  # every entry the successful request writes, in order
    reason: str


#: Routes whose one request is several events, each audited in its own right: the engine's
#: re-check of the pair is an engine run, and an approval starts an arrangement. Asserted
#: exactly, so any further entry fails the sweep until this table is updated.
KNOWN: dict[str, Known] = {
    # create_proposal re-checks the pair with the engine and records that run (engine.run).
    "matches.new": Known(
        ("engine.run", "proposal.create"),
        "create_proposal records its hard-constraint check as an engine run (engine.run)",
    ),
    # approve re-checks the pair (engine.run), approves the proposal and starts the arrangement.
    "matches.approve": Known(
        ("engine.run", "proposal.approve", "arrangement.start"),
        "approve records its re-check as an engine run and the new arrangement as arrangement.start",
    ),
    # an ending decides what happens to the person next: here they wait for a new match.
    "placements.end": Known(
        ("arrangement.end", "person.status"),
        "end_arrangement records the person's new status (waiting again) as person.status",
    ),
    # an import writes each record through its service (audited there), then the import itself.
    "imports.confirm": Known(
        ("household.create", "import.run"),
        "each imported record is audited by its own service (household.create), and the import as import.run",
    ),
}


@pytest.fixture
def ids(app, db, users):
    with app.app_context():
        load_vocabularies(db)
        household = factories.make_household(db, needs_review=True)
        carer = factories.make_carer(db, household)
        dbs = db.exec(select(DbsCheck.id).where(DbsCheck.household_id == household.id)).first()
        training = TrainingRecord(
            carer_id=carer.id, course="First aid", completed_on=today() - timedelta(days=100), renew_by=None
        )
        db.add(training)
        person = factories.make_person(db)
        target = factories.make_user(db, "coordinator", email="sweep.target@test.example")
        # The matching journey: a household with places, and people at each stage.
        match_household = factories.make_household(db, name="The Sweep Match household", interests=["gardening"])
        factories.make_carer(db, match_household, terms_max_people=3)
        new_person = factories.make_person(db, first_name="Nia")
        open_person = factories.make_person(db, first_name="Owen")
        agreed_person = factories.make_person(db, first_name="Ada")
        placed_person = factories.make_person(db, first_name="Pip")
        db.flush()
        # A subject access request checked and ready to release (prepare may run again).
        request = SubjectAccessRequest(
            person_id=person.id,
            received_on=today(),
            due_on=today() + timedelta(days=30),
            status="confirmed",
            recorded_by_id=users["manager"].id,
        )
        db.add(request)
        db.commit()
    own_household = db.get(Household, users["carer"].household_id)
    coordinator, manager = as_user(users["coordinator"]), as_user(users["manager"])

    def propose(who, agreed: bool):
        p = call(app, match_services.create_proposal, coordinator, who.id, match_household.id, "Sweep fixture")
        if agreed:
            call(
                app,
                match_services.record_response,
                coordinator,
                p.id,
                "person",
                "agree",
                "person",
                "Self",
                "Asked",
                person_views="Keen",
            )
            p = call(app, match_services.record_response, coordinator, p.id, "household", "agree", "carer", "Ann")
            p = call(app, match_services.get_proposal, coordinator, p.proposal_id)
        return p

    open_proposal = propose(open_person, agreed=False)
    intro_date = today()
    intro = call(app, match_services.add_introduction, coordinator, open_proposal.id, "tea_visit", intro_date)
    open_proposal = call(app, match_services.get_proposal, coordinator, open_proposal.id)
    agreed = propose(agreed_person, agreed=True)
    arrangement = call(app, match_services.approve, manager, propose(placed_person, agreed=True).id)
    db.expire_all()
    review = db.exec(
        select(Review.id).where(Review.arrangement_id == arrangement.id).order_by(Review.due_on).limit(1)
    ).first()
    with app.app_context():
        upload = import_services.start_upload(db, as_user(users["manager"]), "households", "h.csv", import_file())
        db.commit()
    return {
        "household_id": household.id,
        "household_version": household.version,
        "own_household_version": own_household.version,
        "dbs_id": dbs,
        "carer_id": carer.id,
        "carer_version": carer.version,
        "training_id": training.id,
        "person_id": person.id,
        "person_version": person.version,
        "user_id": target.id,
        "match_household_id": match_household.id,
        "new_person_id": new_person.id,
        "open_proposal_id": open_proposal.id,
        "open_proposal_version": open_proposal.version,
        "introduction_id": intro.id,
        "introduction_date": intro_date,
        "agreed_proposal_id": agreed.id,
        "agreed_proposal_version": agreed.version,
        "arrangement_id": arrangement.id,
        "review_id": review,
        "import_token": upload.token,
        "subject_access_id": request.id,
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


def test_the_sweep_covers_every_write_route(app):
    routes = post_routes(app)
    stale = sorted(CASES.keys() - routes.keys())
    assert not stale, f"cases for routes that no longer exist: {stale}"
    assert not sorted(KNOWN.keys() - CASES.keys()), "every KNOWN route needs its Case"
    not_covered = sorted(routes.keys() - CASES.keys())
    assert not not_covered, "write routes with no audit sweep case (add a Case to CASES):\n" + "\n".join(
        f"  {endpoint:40} {routes[endpoint]}" for endpoint in not_covered
    )


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_each_write_route_writes_exactly_one_audit_entry(app, db, signed_in, ids, endpoint):
    if endpoint not in post_routes(app):
        pytest.fail(f"{endpoint} is not a route of this app: remove its Case")
    case = CASES[endpoint]
    response, new = run_case(app, db, signed_in, ids, case)
    # Every write route redirects on success; a 200 is the form shown again with its errors.
    assert response.status_code in case.ok, f"{endpoint}: {response.status_code} {form_errors(response)}"
    written = [(e.action, e.outcome) for e in new]
    expected = KNOWN[endpoint].actions if endpoint in KNOWN else (case.action,)
    assert tuple(e.action for e in new) == expected, f"{endpoint} wrote {written}, expected {list(expected)}"
    [entry] = [e for e in new if e.action == case.action]
    assert entry.outcome == "success"
    if case.role is not None:
        assert entry.actor_role == case.role


def form_errors(response) -> list[str]:
    """The GOV.UK error summary's messages, to say why a post was refused."""
    body = response.get_data(as_text=True)
    summary = body.split("govuk-error-summary__list", 1)[1:] or [""]
    return [m.strip() for m in re.findall(r"<a [^>]*>([^<]+)</a>", summary[0].split("</ul>", 1)[0])]

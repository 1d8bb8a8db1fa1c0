"""View sweep (reliability.md item 17, issue 11): every GET route of the app that shows a
person's or a household's data writes a view entry to the audit log.

Every GET route in the URL map is opened, its ids filled from the write sweep's fixture,
by the first role allowed to see it. A page "shows someone's data" when it holds the name
or reference of any person or household in the database. Such a page must write at least
one successful audit entry, and a page about one record (a route with an id) an entry
that names the person or household it belongs to. A new page of personal data fails the
sweep until its service audits the view.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from tests.shared_lives.audit.test_write_sweep import last_id

ROLES = ("coordinator", "manager", "auditor", "carer", "admin")
#: Pages that are not about anyone: static files, health, sign-in.
NOT_PAGES = {"static", "assets_file", "main.health", "auth.sign_in"}
#: Pages that show household names without being a view of a household's record, and why.
EXEMPT = {
    "admin.new_user": "lists every household's name as the choices for linking a carer's account",
    "admin.user": "lists every household's name as the choices for linking a carer's account",
}
#: Route arguments filled from the write sweep's ids.
ARGS = {
    "household_id": "household_id",
    "carer_id": "carer_id",
    "dbs_id": "dbs_id",
    "training_id": "training_id",
    "person_id": "person_id",
    "proposal_id": "open_proposal_id",
    "introduction_id": "introduction_id",
    "arrangement_id": "arrangement_id",
    "review_id": "review_id",
    "user_id": "user_id",
    "request_id": "subject_access_id",
}
FIXED = {
    "side": "person",
    "fmt": "json",
    "change": "deactivate",
    "filename": "x",
    "step": "prepare",
    "kind": "households",
    "token": "x",
}
#: Query strings a page needs to show its records (the proposal form names the pair).
QUERY = {"matches.new": lambda ids: f"?person_id={ids['new_person_id']}&household_id={ids['match_household_id']}"}


def get_routes(app) -> dict[str, str]:
    return {
        r.endpoint: r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.endpoint not in NOT_PAGES and not r.endpoint.startswith("e2e")
    }


def url_of(rule, ids) -> str:
    values = {}
    for arg in rule.arguments:
        values[arg] = ids[ARGS[arg]] if arg in ARGS else FIXED[arg]
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(rf"<[^>]*:?{arg}>", str(value), url)
    return url + (QUERY[rule.endpoint](ids) if rule.endpoint in QUERY else "")


def someone_shown(db, body: str) -> list[str]:
    """Names and references of people and households that the page shows."""
    shown = []
    for first, last, ref in db.exec(select(Person.first_name, Person.last_name, Person.reference)).all():
        shown += [w for w in (f"{first} {last}", ref) if w in body]
    for name, ref in db.exec(select(Household.name, Household.reference)).all():
        shown += [w for w in (name, ref) if w in body]
    return shown


def test_every_page_of_personal_data_is_audited(app, db, signed_in, ids):
    unaudited, unlinked, opened = [], [], 0
    for endpoint, rule in sorted(get_routes(app).items()):
        url = url_of(rule, ids)
        for role in ROLES:
            client = signed_in(role)  # signed in before counting: sign-in writes its own entry
            before = last_id(db)
            response = client.get(url)
            if response.status_code == 200:
                break
        else:
            continue  # nobody may open it with these ids (e.g. a carer-only page for another household)
        opened += 1
        body = response.get_data(as_text=True)
        shown = someone_shown(db, body)
        if not shown or endpoint in EXEMPT:
            continue
        db.expire_all()
        new = db.exec(select(AuditEntry).where(AuditEntry.id > before, AuditEntry.outcome == "success")).all()
        if not new:
            unaudited.append(f"{endpoint:38} {url} (as {role}) shows {shown[:2]}")
        elif rule.arguments & set(ARGS) and not any(e.person_id or e.household_id for e in new):
            unlinked.append(f"{endpoint:38} {url}: {[e.action for e in new]}")
    print(f"GET routes opened: {opened}")
    assert opened >= 40, "the sweep opened too few pages: are the ids right?"
    assert not unaudited, "pages showing personal data with no audit entry:\n" + "\n".join(unaudited)
    assert not unlinked, "record pages whose entry names no person or household:\n" + "\n".join(unlinked)


@pytest.mark.parametrize("endpoint", ["matches.detail", "matches.easy_read_page", "placements.detail"])
def test_a_record_page_names_its_person_and_household(app, db, signed_in, ids, endpoint):
    rule = get_routes(app)[endpoint]
    client = signed_in("coordinator")
    before = last_id(db)
    assert client.get(url_of(rule, ids)).status_code == 200
    db.expire_all()
    new = db.exec(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert len(new) == 1, [e.action for e in new]
    [entry] = new
    assert entry.action.endswith(".view") and entry.person_id and entry.household_id

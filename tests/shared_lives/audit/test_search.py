"""The audit log page: who may see it, filters, sorting and keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.search import Filters, find_page
from shared_lives.audit.services import SYSTEM, Actor, record
from tests import factories


@pytest.fixture
def log(app, db, users):
    key = app.config["AUDIT_KEY"]
    with app.app_context():
        person = factories.make_person(db, reference="PT90001")
        other = factories.make_person(db, reference="PT90002")
        household = factories.make_household(db, reference="HT90001")
        coordinator = Actor(users["coordinator"].id, users["coordinator"].email, "coordinator")
        old = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
        for i in range(120):
            record(
                db,
                key,
                coordinator,
                "person.view",
                "person",
                person.id if i % 2 else other.id,
                at=old + timedelta(hours=i),
            )
        record(db, key, SYSTEM, "household.update", "household", household.id, changes={"town": ["A", "B"]})
        record(db, key, coordinator, "person.update", "person", person.id, outcome="denied")
        db.commit()
    return {"person": person, "other": other, "household": household}


@pytest.mark.parametrize(
    "role, status", [("auditor", 200), ("manager", 200), ("admin", 200), ("coordinator", 403), ("carer", 403)]
)
def test_who_may_read_the_log(signed_in, log, role, status):
    assert signed_in(role).get("/audit/").status_code == status


def test_the_page_shows_entries_and_the_search_is_audited(signed_in, db, log):
    auditor = signed_in("auditor")
    before = db.exec(select(func.count()).select_from(AuditEntry)).one()
    page = auditor.get("/audit/?action=household.update")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "household.update" in html and "HT90001" in html
    db.expire_all()
    last = db.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert last.action == "audit.search" and last.changes["filters"]["action"] == "household.update"
    assert db.exec(select(func.count()).select_from(AuditEntry)).one() == before + 1


def test_filters_by_person_household_user_period_action_and_outcome(db, log, users):
    def n(**kw):
        return len(find_page(db, Filters(**kw), size=500).entries)

    assert n(person="PT90001") == 61
    assert n(person=str(log["other"].id)) == 60
    assert n(household="HT90001") == 1
    assert n(user=users["coordinator"].email) == 121
    assert n(date_from="2024-01-15", date_to="2024-01-15") == 14
    assert n(action="person.") == 121
    assert n(action="person.view") == 120
    assert n(outcome="denied") == 1


def test_bad_filters_are_reported_not_run(signed_in, log):
    html = signed_in("auditor").get("/audit/?date_from=31/02/2024&person=PT00000").get_data(as_text=True)
    assert "Enter a real date" in html and "No person has the reference PT00000" in html
    assert "There is a problem" in html


@pytest.mark.parametrize("sort", ["newest", "oldest", "action", "user"])
def test_keyset_pages_walk_every_entry_once_each_way(db, log, sort):
    f = Filters(sort=sort)
    everything = find_page(db, f, size=1000).entries
    seen, after, pages = [], None, []
    while True:
        page = find_page(db, Filters(sort=sort), after=after, size=25)
        pages.append(page)
        seen.extend(e.id for e in page.entries)
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen == [e.id for e in everything]
    assert len(set(seen)) == len(seen)
    # Going back from the last page gives the page before it.
    back = find_page(db, Filters(sort=sort), before=pages[-1].prev_cursor, size=25)
    assert [e.id for e in back.entries] == [e.id for e in pages[-2].entries]
    assert pages[0].prev_cursor is None


def test_sort_orders(db, log):
    newest = find_page(db, Filters(sort="newest"), size=5).entries
    assert [e.id for e in newest] == sorted((e.id for e in newest), reverse=True)
    by_action = find_page(db, Filters(sort="action"), size=500).entries
    assert [e.action for e in by_action] == sorted(e.action for e in by_action)


def test_a_forged_cursor_is_ignored(signed_in, log):
    assert signed_in("auditor").get("/audit/?after=not-base64!!&sort=user").status_code == 200
    assert signed_in("auditor").get("/audit/?after=WyJ4IiwgIngiXQ").status_code == 200

"""People seeking support: create, edit, validation, conflicts, lists, audit, access."""

from __future__ import annotations

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.people.models import Person
from tests import factories
from tests.conftest import csrf_from, post_form
from tests.shared_lives.households.conftest import person_form


def test_create_person_locates_postcode_and_audits(signed_in, vocab, db):
    c = signed_in("coordinator")
    r = post_form(c, "/people/new", person_form())
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    p = db.exec(select(Person).where(Person.last_name == "Example")).one()
    assert p.preferred_postcode == "ME15 6YE" and p.easting and p.northing
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "person.create")).one()
    assert entry.changes["risks"] == "(changed)" and entry.changes["support_required"] == "(changed)"
    assert "Anxious" not in str(entry.changes)
    assert c.get(f"/people/{p.id}").status_code == 200
    views = db.exec(select(AuditEntry).where(AuditEntry.action == "person.view")).all()
    assert [v.record_id for v in views] == [p.id]


def test_person_field_errors(signed_in, vocab):
    c = signed_in("coordinator")
    r = post_form(c, "/people/new", person_form(preferred_postcode="SW1A 9ZZ", first_name=""))
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="first_name-error"' in page
    r = post_form(c, "/people/new", person_form(preferred_postcode="not a postcode"))
    assert 'id="preferred_postcode-error"' in r.get_data(as_text=True)
    r = post_form(c, "/people/new", person_form(capacity="lacks_capacity", decision_maker="deputy"))
    assert 'id="representative_name-error"' in r.get_data(as_text=True)
    r = post_form(c, "/people/new", person_form(date_of_birth=["1", "1", "2020"]))
    assert "must be 18 or over" in r.get_data(as_text=True)


def test_concurrent_person_edit(signed_in, vocab, db, app):
    with app.app_context():
        p = factories.make_person(db)
        db.commit()
    a, b = signed_in("coordinator"), signed_in("manager")
    url = f"/people/{p.id}/edit"
    pa, pb = a.get(url), b.get(url)
    assert a.post(url, data={"csrf_token": csrf_from(pa), **person_form(first_name="Alice")}).status_code == 302
    r = b.post(url, data={"csrf_token": csrf_from(pb), **person_form(first_name="Bertha")})
    assert r.status_code == 409 and 'value="Bertha"' in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(Person, p.id).first_name == "Alice"


def test_people_list_search_and_filters(signed_in, vocab, db, app):
    with app.app_context():
        for i in range(27):
            factories.make_person(db, last_name=f"Zed{i:02d}", arrangement_type="short_breaks" if i < 5 else "live_in")
        db.commit()
    c = signed_in("auditor")
    page = c.get("/people?q=zed").get_data(as_text=True)
    assert "27 people" in page and "page 1 of 2" in page
    assert "5 people" in c.get("/people?q=zed&arrangement_type=short_breaks").get_data(as_text=True)
    assert "27 people" in c.get("/people?area=ME15").get_data(as_text=True)
    assert "No one matches" in c.get("/people?area=ZZ").get_data(as_text=True)


def test_carers_never_reach_people(signed_in, vocab, db, app):
    with app.app_context():
        p = factories.make_person(db, first_name="Hidden")
        db.commit()
    carer = signed_in("carer")
    assert carer.get("/people").status_code == 403
    for url in (f"/people/{p.id}", f"/people/{p.id}/edit", "/people/999999"):
        r = carer.get(url)
        assert r.status_code == 404 and "Hidden" not in r.get_data(as_text=True)

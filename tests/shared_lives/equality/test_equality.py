"""Equality monitoring: who records and reads it, what the audit log keeps, and that the
engine never sees it."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from sqlmodel import select

import shared_lives.matches.adapter as adapter
from shared_lives.audit.models import AuditEntry
from shared_lives.equality.models import FIELDS, EqualityRecord
from shared_lives.matches.adapter import build_instance
from shared_lives.people.models import Person
from tests import factories
from tests.conftest import post_form

ANSWERS = {
    "ethnicity": "roma",
    "religion": "sikh",
    "disability": "limited_a_little",
    "sex": "female",
    "sexual_orientation": "bisexual",
}


def record_of(db, person_id):
    db.expire_all()
    return db.exec(select(EqualityRecord).where(EqualityRecord.person_id == person_id)).first()


def test_manager_records_and_reads_back(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    client = signed_in("manager")
    url = f"/people/{person.id}/equality"
    response = post_form(client, url, {**ANSWERS, "version": "0"})
    assert response.status_code == 302
    saved = record_of(db, person.id)
    assert {f: getattr(saved, f) for f in FIELDS} == ANSWERS
    page = client.get(url).get_data(as_text=True)
    assert '<option value="roma" selected>' in page
    # Clearing an answer as a manager clears it.
    post_form(client, url, {**ANSWERS, "religion": "", "version": str(saved.version)})
    assert record_of(db, person.id).religion is None


def test_coordinator_records_but_cannot_read_back(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    url = f"/people/{person.id}/equality"
    post_form(signed_in("manager"), url, {**ANSWERS, "version": "0"})
    client = signed_in("coordinator")
    page = client.get(url).get_data(as_text=True)
    assert " selected>" not in page.split('name="ethnicity"')[1].split("</select>")[0]
    assert "You cannot see them" in page
    version = record_of(db, person.id).version
    response = post_form(client, url, {"sex": "prefer_not_to_say", "version": str(version)})
    assert response.status_code == 302
    saved = record_of(db, person.id)
    # The question answered changed; those left unanswered kept what was recorded.
    assert saved.sex == "prefer_not_to_say" and saved.ethnicity == "roma" and saved.religion == "sikh"
    assert client.get("/reports/fairness").status_code == 403


def test_who_may_not(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    for role in ("auditor", "carer", "admin"):
        assert signed_in(role).get(f"/people/{person.id}/equality").status_code in (403, 404)
    assert signed_in("manager").get("/people/999999/equality").status_code == 404


def test_bad_answer_is_refused_beside_its_field(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    response = post_form(
        signed_in("manager"), f"/people/{person.id}/equality", {"ethnicity": "martian", "version": "0"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Select an answer" in page and "govuk-error-summary" in page
    assert record_of(db, person.id) is None


def test_audit_log_never_holds_the_answers(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    url = f"/people/{person.id}/equality"
    post_form(signed_in("manager"), url, {**ANSWERS, "version": "0"})
    signed_in("manager").get(url)
    entries = db.exec(select(AuditEntry).where(AuditEntry.action.like("equality.%"))).all()
    assert {e.action for e in entries} == {"equality.update", "equality.view"}
    update = next(e for e in entries if e.action == "equality.update")
    assert update.changes == {f: "(changed)" for f in FIELDS}
    # The form page names the person, so opening it is a view; the number says whether answers showed.
    assert [e.changes for e in entries if e.action == "equality.view"] == [{"shown": 0}, {"shown": 1}]
    everything = json.dumps([e.changes for e in db.exec(select(AuditEntry)).all()])
    for code in ANSWERS.values():
        assert code not in everything


def test_the_engine_inputs_hold_none_of_it(app, db, users):
    """A person with every answer recorded: the adapter's records and snapshot hold none of it."""
    with app.app_context():
        household = factories.make_household(db)
        factories.make_carer(db, household)
        person = factories.make_person(db, faith=None, gender=None)
        db.add(EqualityRecord(person_id=person.id, recorded_by_id=users["manager"].id, **ANSWERS))
        db.commit()
        person = db.get(Person, person.id)
        instance, snapshot = build_instance(db, [person], [household])
    text = json.dumps(snapshot["people"])
    for field, code in ANSWERS.items():
        assert field not in snapshot["people"][0]
        assert f'"{code}"' not in text
    assert not set(FIELDS) & set(snapshot["people"][0])
    assert list(instance.people.name) == [person.first_name]
    # And the adapter cannot reach the table: it imports nothing from the equality area.
    tree = ast.parse(Path(adapter.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any("equality" in (m or "") for m in imported)


def test_subject_access_gives_the_person_their_answers_and_retention_clears_them(app, db, users):
    from datetime import date

    from shared_lives.rights.retention import anonymise_person
    from shared_lives.rights.subject_access import build_pack

    with app.app_context():
        person = factories.make_person(db)
        other = factories.make_person(db)
        for p, answers in ((person, ANSWERS), (other, {"religion": "jewish"})):
            db.add(EqualityRecord(person_id=p.id, recorded_by_id=users["manager"].id, **answers))
        db.commit()
        pack = build_pack(db, db.get(Person, person.id), "Test scheme")
        [section] = [s for s in pack["sections"] if s.get("heading") == "Equality monitoring answers"]
        words = json.dumps(section)
        for text in ("Roma", "Sikh", "Yes, day-to-day activities limited a little", "Female", "Bisexual"):
            assert text in words
        assert "Jewish" not in json.dumps(pack)
        anonymise_person(db, app.config["AUDIT_KEY"], db.get(Person, person.id), date(2020, 1, 1))
        db.commit()
    assert {f: getattr(record_of(db, person.id), f) for f in FIELDS} == dict.fromkeys(FIELDS)
    assert record_of(db, other.id).religion == "jewish"

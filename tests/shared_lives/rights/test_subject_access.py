"""Subject access (reliability.md item 21): everything about one person, nothing about anyone else, audited."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import SYSTEM, record
from shared_lives.auth.services import SignedInUser
from shared_lives.people.models import Person
from shared_lives.rights.subject_access import as_html, collect
from tests import factories
from tests.shared_lives.exports.journey import make_journey


@pytest.fixture
def scheme(app, db, users):
    """Two people placed with the same household, and each audited."""
    with app.app_context():
        household = factories.make_household(db, name="The Xylophone-Carer household")
        factories.make_carer(db, household, name="Quentin Carerman")
        subject = make_journey(
            db, users, household=household, first_name="Sabrina", last_name="Subjectson", risks="Falls at night"
        )
        other = make_journey(db, users, household=household, first_name="Oliver", last_name="Otherperson-Wray")
        key = app.config["AUDIT_KEY"]
        for p in (subject["person"], other["person"]):
            record(db, key, SYSTEM, "person.create", "person", p.id, changes={"first_name": [None, p.first_name]})
        db.commit()
    return {"subject": subject, "other": other, "household": household}


OTHER_NAMES = ("Oliver", "Otherperson-Wray", "Quentin", "Carerman", "Xylophone", "Rita", "Carol", "Carer-Quince")


def test_json_holds_every_field_and_history(signed_in, db, scheme):
    person = scheme["subject"]["person"]
    response = signed_in("manager").get(f"/people/{person.id}/subject-access.json")
    assert response.status_code == 200
    assert re.fullmatch(
        rf'attachment; filename="subject-access-{person.reference}-\d{{8}}-\d{{6}}\.json"',
        response.headers["Content-Disposition"],
    )
    data = json.loads(response.get_data(as_text=True))
    assert set(data["person"]) >= set(Person.model_fields) - {"household_id"}
    assert data["person"]["risks"] == "Falls at night"
    assert data["person"]["first_name"] == "Sabrina"
    assert len(data["proposals"]) == 1 and len(data["proposals"][0]["responses"]) == 2
    assert len(data["proposals"][0]["introductions"]) == 1
    assert len(data["arrangements"]) == 1 and data["arrangements"][0]["reviews"][0]["notes"] == "Settling in well"
    assert data["arrangements"][0]["household"] == scheme["household"].reference
    assert len(data["engine_runs"]) == 1 and "result" not in data["engine_runs"][0]
    actions = [e["action"] for e in data["audit_entries"]]
    assert "person.create" in actions and "person.subject_access" in actions
    other_id = scheme["other"]["person"].id
    assert all(e["record_id"] != other_id or e["record_type"] != "person" for e in data["audit_entries"])


def test_nothing_about_anyone_else(app, signed_in, db, scheme, users):
    person = scheme["subject"]["person"]
    text = signed_in("manager").get(f"/people/{person.id}/subject-access.json").get_data(as_text=True)
    for name in OTHER_NAMES:
        assert name not in text, name
    for user in users.values():
        assert user.email not in text and user.name not in text
    with app.test_request_context():
        data = collect(db, SignedInUser(users["manager"], "t"), person.id, "pdf")
        html = as_html(data, "Test scheme")
    assert "Sabrina" in html and "Falls at night" in html
    for name in OTHER_NAMES:
        assert name not in html, name


def test_pdf_is_a_tagged_pdf(signed_in, scheme):
    person = scheme["subject"]["person"]
    response = signed_in("manager").get(f"/people/{person.id}/subject-access.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF-1.7")
    assert response.headers["Content-Disposition"].endswith('.pdf"')


def test_each_download_is_audited(signed_in, db, scheme):
    person = scheme["subject"]["person"]
    manager = signed_in("manager")
    before = db.exec(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).first()
    manager.get(f"/people/{person.id}/subject-access.json")
    db.expire_all()
    new = db.exec(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert [(e.action, e.person_id, e.changes) for e in new] == [
        ("person.subject_access", person.id, {"format": "json"})
    ]


def test_the_page_offers_both_downloads(signed_in, scheme):
    person = scheme["subject"]["person"]
    html = signed_in("manager").get(f"/people/{person.id}/subject-access").get_data(as_text=True)
    assert "Download PDF" in html and "Download JSON" in html


@pytest.mark.parametrize("role", ["admin", "coordinator", "carer", "auditor"])
def test_only_managers_make_subject_access_requests(signed_in, scheme, role):
    person = scheme["subject"]["person"]
    assert signed_in(role).get(f"/people/{person.id}/subject-access").status_code == 403
    assert signed_in(role).get(f"/people/{person.id}/subject-access.json").status_code == 403


def test_unknown_person_is_404(signed_in, scheme):
    assert signed_in("manager").get("/people/999999/subject-access.json").status_code == 404

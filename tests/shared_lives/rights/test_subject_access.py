"""Subject access (reliability.md item 21, issue 11): a request received and due in one
calendar month, prepared in the pages' own words, other people's data removed after a
manager checks it, and what was released recorded by its SHA-256."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.matches.models import Introduction, ProposalResponse
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.rights.subject_access import REMOVED, due_date, open_requests
from shared_lives.timeutil import today
from tests import factories
from tests.conftest import csrf_from
from tests.shared_lives.exports.journey import make_journey
from tests.shared_lives.matches.helpers import as_user

#: Other people: household members, the carer, the other person supported, the representative
#: and carer who answered (journey), and words written about them.
OTHER_NAMES = ("Xander", "Yara", "Memberly", "Quentin", "Carerman", "Oliver", "Otherperson-Wray", "Rita", "Carol")
OTHER_WORDS = ("loved the visit", "will enjoy the garden", "Shares a love of gardening", "Settling in well")
SECTIONS = [
    "About you",
    "The household you would like",
    "Who decides",
    "Your referral",
    "Your needs and risks",
    "Matches suggested",
    "Proposals and answers",
    "Arrangements and reviews",
    "Equality monitoring answers",
    "Who looked at your record and when",
]


@pytest.fixture
def scheme(app, db, users):
    """A person placed with a household that has members, a carer and another person supported."""
    with app.app_context():
        household = factories.make_household(
            db,
            name="The Memberly household",
            members=[
                {"name": "Xander Memberly", "age": 44, "relationship": "Partner"},
                {"name": "Yara Memberly", "age": 12, "relationship": "Daughter"},
            ],
        )
        factories.make_carer(db, household, name="Quentin Carerman")
        subject = make_journey(
            db, users, household=household, first_name="Sabrina", last_name="Subjectson", risks="Falls at night"
        )
        make_journey(db, users, household=household, first_name="Oliver", last_name="Otherperson-Wray")
        intro = db.exec(select(Introduction).where(Introduction.proposal_id == subject["proposal"].id)).one()
        intro.person_feedback = "I liked the big kitchen"
        intro.carer_feedback = "Quentin's son Xander loved the visit"
        answer = db.exec(
            select(ProposalResponse).where(
                ProposalResponse.proposal_id == subject["proposal"].id, ProposalResponse.side == "household"
            )
        ).one()
        answer.household_views = "We think Yara will enjoy the garden"
        db.add_all([intro, answer])
        db.commit()
    return {"person": subject["person"], "household": household}


def post(client, url: str, data: dict | None = None):
    token = csrf_from(client.get("/"))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def request_through(client, person, keep=()) -> int:
    """Log, prepare and check a request (keeping ``keep``); its id."""
    received = today()
    r = post(
        client,
        f"/people/{person.id}/subject-access",
        {"received_on": [str(received.day), str(received.month), str(received.year)]},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    request_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert post(client, f"/subject-access/{request_id}/prepare").status_code == 302
    assert post(client, f"/subject-access/{request_id}/redactions", {"keep": list(keep)}).status_code == 302
    return request_id


def labels_of(pack: dict) -> list[str]:
    out = []
    for section in pack["sections"]:
        out += [r["label"] for r in section.get("rows", [])]
        for item in section.get("items", []):
            out += [item["heading"]] + [r["label"] for r in item["rows"]]
    return out


def test_due_in_one_calendar_month():
    assert due_date(date(2026, 3, 15)) == date(2026, 4, 15)
    assert due_date(date(2026, 1, 31)) == date(2026, 2, 28)  # no 31 February: the month's last day
    assert due_date(date(2026, 12, 10)) == date(2027, 1, 10)


def test_released_json_holds_the_person_and_no_one_else(app, db, signed_in, scheme):
    manager = signed_in("manager")
    person = scheme["person"]
    request_id = request_through(manager, person)
    response = post(manager, f"/subject-access/{request_id}/release.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert re.fullmatch(
        rf'attachment; filename="subject-access-{person.reference}-\d{{8}}-\d{{6}}\.json"',
        response.headers["Content-Disposition"],
    )
    body = response.get_data()
    text = body.decode()
    pack = json.loads(text)
    for words in ("Sabrina Subjectson", "Falls at night", "I liked the big kitchen", person.reference, REMOVED):
        assert words in text, words
    for words in OTHER_NAMES + OTHER_WORDS + (scheme["household"].name,):
        assert words not in text, words
    # Sections as the issue names them, labels in words (never field names), no internal fields.
    assert [s["heading"] for s in pack["sections"]] == SECTIONS
    labels = labels_of(pack)
    assert labels and all(re.fullmatch(r"[A-Z0-9][^_]*", label) for label in labels), labels
    for internal in ("easting", "northing", "version", "first_name", "live_in", '"id"', "arrangement_type"):
        assert internal not in text, internal
    assert "A manager prepared your information" in text and "A coordinator proposed a match for you" in text
    # What was sent is on record: its hash on the request and in the audit log.
    digest = hashlib.sha256(body).hexdigest()
    db.expire_all()
    made = db.get(SubjectAccessRequest, request_id)
    assert (made.status, made.released_format, made.released_sha256) == ("released", "json", digest)
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "subject_access.release")).one()
    assert entry.person_id == person.id and entry.changes["sha256"] == digest and entry.changes["redactions"] >= 4


def test_the_pdf_says_the_same_and_no_one_else(signed_in, scheme):
    manager = signed_in("manager")
    request_id = request_through(manager, scheme["person"])
    response = post(manager, f"/subject-access/{request_id}/release.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF-1.7")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    text = re.sub(r"\s+", " ", text)
    for heading in SECTIONS:
        assert heading in text, heading
    assert "Sabrina Subjectson" in text and "Falls at night" in text
    for words in OTHER_NAMES + OTHER_WORDS:
        assert words not in text, words


def test_a_manager_sees_each_marked_passage_and_may_keep_one(signed_in, scheme):
    manager = signed_in("manager")
    person = scheme["person"]
    r = post(manager, f"/people/{person.id}/subject-access", {"received_on": ["1", "11", "2026"]})
    request_id = int(r.headers["Location"].rsplit("/", 1)[1])
    post(manager, f"/subject-access/{request_id}/prepare")
    html = manager.get(f"/subject-access/{request_id}").get_data(as_text=True)
    assert "The carer&#39;s words" in html and "loved the visit" in html  # shown to the manager to decide
    key = re.search(r'value="(response:\d+:household_views)"', html).group(1)
    post(manager, f"/subject-access/{request_id}/redactions", {"keep": [key]})
    text = post(manager, f"/subject-access/{request_id}/release.json").get_data(as_text=True)
    assert "We think Yara will enjoy the garden" in text  # kept: the manager judged it reasonable
    assert "loved the visit" not in text


def test_release_waits_for_the_check(signed_in, db, scheme):
    manager = signed_in("manager")
    person = scheme["person"]
    r = post(manager, f"/people/{person.id}/subject-access", {"received_on": ["1", "11", "2026"]})
    request_id = int(r.headers["Location"].rsplit("/", 1)[1])
    refused = post(manager, f"/subject-access/{request_id}/release.json")
    assert refused.status_code == 302
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "subject_access.release")).first() is None
    post(manager, f"/subject-access/{request_id}/prepare")
    assert post(manager, f"/subject-access/{request_id}/release.json").status_code == 302  # not yet checked


def test_open_requests_are_on_the_managers_list_until_released(app, db, signed_in, users, scheme):
    manager = signed_in("manager")
    person = scheme["person"]
    r = post(manager, f"/people/{person.id}/subject-access", {"received_on": ["31", "1", "2026"]})
    request_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.test_request_context():
        [row] = open_requests(db, as_user(users["manager"]))
        assert open_requests(db, as_user(users["coordinator"])) == []
    assert (row["person_reference"], row["due_on"], row["overdue"]) == (person.reference, date(2026, 2, 28), True)
    db.commit()  # the listing above was audited in this session: let the pages write theirs
    home = manager.get("/").get_data(as_text=True)
    assert "Subject access requests to answer" in home and person.reference in home and "Overdue" in home
    assert "Subject access requests to answer" not in signed_in("coordinator").get("/").get_data(as_text=True)
    post(manager, f"/subject-access/{request_id}/prepare")
    post(manager, f"/subject-access/{request_id}/redactions")
    post(manager, f"/subject-access/{request_id}/release.pdf")
    db.expire_all()
    with app.test_request_context():
        assert open_requests(db, as_user(users["manager"])) == []
    assert "Subject access requests to answer" not in manager.get("/").get_data(as_text=True)


def test_a_future_received_date_is_refused_beside_the_field(signed_in, scheme):
    manager = signed_in("manager")
    r = post(manager, f"/people/{scheme['person'].id}/subject-access", {"received_on": ["1", "1", "2099"]})
    assert r.status_code == 200 and "cannot be in the future" in r.get_data(as_text=True)


def test_the_labels_are_the_person_pages_own(signed_in, scheme):
    """Same words as the pages: every label of the record's sections is on the person's page."""
    from shared_lives.rights.subject_access import _about

    person = scheme["person"]
    page = signed_in("manager").get(f"/people/{person.id}").get_data(as_text=True)
    import html as html_lib

    page = html_lib.unescape(page)
    from shared_lives.db import get_session

    with signed_in("manager").application.test_request_context():
        sections = _about(get_session(), person)
    own = {"Name", "Your reference"}  # the page shows these as its heading and caption
    for section in sections:
        for row in section["rows"]:
            assert row["label"] in own or row["label"] in page, row["label"]


@pytest.mark.parametrize("role", ["admin", "coordinator", "carer", "auditor"])
def test_only_managers_handle_requests(signed_in, scheme, role):
    person = scheme["person"]
    client = signed_in(role)
    assert client.get(f"/people/{person.id}/subject-access").status_code == 403
    assert post(client, f"/people/{person.id}/subject-access", {"received_on": ["1", "1", "2026"]}).status_code == 403


def test_unknown_person_is_404(signed_in, scheme):
    assert signed_in("manager").get("/people/999999/subject-access").status_code == 404
    assert signed_in("manager").get("/subject-access/999999").status_code == 404

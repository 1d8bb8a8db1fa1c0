"""Placement history exports (reliability.md item 20): auditors only, injection cells
neutralised, safe file names, streamed, and every export audited."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.exports.history import HistoryFilter, events
from shared_lives.exports.services import neutralise
from shared_lives.matches.models import Proposal
from tests import factories
from tests.shared_lives.exports.journey import make_journey

URL = "/exports/placement-history"


@pytest.fixture
def journey(app, db, users):
    with app.app_context():
        data = make_journey(db, users)
        db.commit()
    return data


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def pdf_streams(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to look for structure."""
    out = [pdf]
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(raw))
    return b"\n".join(out)


@pytest.mark.parametrize("role", ["admin", "manager", "coordinator", "carer"])
def test_only_auditors_export(signed_in, journey, role):
    assert signed_in(role).get(f"{URL}?format=csv").status_code == 403
    assert signed_in(role).get("/exports/").status_code == 403


def test_the_export_page_offers_filters_and_formats(signed_in):
    html = signed_in("auditor").get("/exports/").get_data(as_text=True)
    assert 'name="date_from"' in html and 'name="household"' in html and 'value="pdf"' in html


def test_csv_holds_every_kind_of_event_in_time_order(signed_in, journey, users):
    response = signed_in("auditor").get(f"{URL}?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = rows_of(response)
    assert [r["event"] for r in rows] == [
        "proposal.proposed",
        "proposal.response",
        "proposal.response",
        "introduction",
        "proposal.approved",
        "arrangement.started",
        "review",
        "arrangement.ended",
    ]
    approved = rows[4]
    assert approved["by"] == users["manager"].name and approved["by_role"] == "manager"
    assert approved["person_reference"] == journey["person"].reference
    assert rows[0]["at"] == "2025-01-10T09:30:00+00:00"
    text = response.get_data(as_text=True)
    assert "Settling in well" not in text and "Moved nearer family" not in text  # free text is left out
    assert journey["person"].first_name not in text


def test_the_download_has_a_safe_file_name(signed_in, journey):
    for fmt in ("csv", "json", "pdf"):
        response = signed_in("auditor").get(f"{URL}?format={fmt}")
        response.get_data()
        response.close()
        disposition = response.headers["Content-Disposition"]
        assert re.fullmatch(rf'attachment; filename="placement-history-\d{{8}}-\d{{6}}\.{fmt}"', disposition)


def test_a_bad_format_or_filter_is_refused_with_a_message(signed_in, journey):
    response = signed_in("auditor").get(f"{URL}?format=xlsx&date_from=2025-13-01&person=PT99999&status=nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose CSV, JSON or PDF" in html and "Enter a real date" in html
    assert "No person has the reference PT99999" in html and "Select a status" in html


def test_every_export_is_audited(signed_in, db, journey):
    auditor = signed_in("auditor")
    before = db.exec(select(func.count()).select_from(AuditEntry)).one()
    auditor.get(f"{URL}?format=json&household={journey['household'].reference}&date_from=2025-01-01").get_data()
    db.expire_all()
    entries = db.exec(select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["export.placement_history"]
    entry = entries[0]
    assert entry.actor_role == "auditor" and entry.household_id == journey["household"].id
    assert entry.changes["format"] == "json"
    assert entry.changes["filters"] == {"date_from": "2025-01-01", "household_id": journey["household"].id}
    assert re.fullmatch(r"placement-history-\d{8}-\d{6}\.json", entry.changes["file"])


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+441234", "'+441234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("  =1+1", "'  =1+1"),
        ("plain", "plain"),
        (-5, -5),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_injection_cells_are_neutralised_in_the_csv(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db, reference="=1+2")
        household = factories.make_household(db, reference="+4412")
        make_journey(db, users, person=person, household=household)
        users["manager"].name = "@SUM(A1:A9)"
        users["coordinator"].name = "\tTabbed"
        db.add(users["manager"])
        db.add(users["coordinator"])
        db.commit()
    rows = rows_of(signed_in("auditor").get(f"{URL}?format=csv"))
    dangerous = [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r"]
    assert dangerous == []
    assert rows[0]["person_reference"] == "'=1+2" and rows[0]["household_reference"] == "'+4412"
    assert any(r["by"] == "'@SUM(A1:A9)" for r in rows)


def test_json_export(signed_in, journey):
    response = signed_in("auditor").get(f"{URL}?format=json&person={journey['person'].reference}")
    data = json.loads(response.get_data(as_text=True))
    assert len(data["events"]) == 8
    assert data["filters"] == {"person_id": journey["person"].id}


def test_filters_by_period_person_household_and_status(app, db, users, journey):
    with app.app_context():
        other = make_journey(db, users, ended=False)
        db.commit()

    def kinds(**kw):
        return [e["event"] for e in events(db, HistoryFilter(**kw))]

    from datetime import date

    assert len(kinds()) == 15
    assert len(kinds(person_id=other["person"].id)) == 7
    assert len(kinds(household_id=journey["household"].id)) == 8
    assert (
        kinds(date_from=date(2025, 2, 1), date_to=date(2025, 2, 28)) == ["proposal.approved", "arrangement.started"] * 2
    )
    # the status an event produced, not the one its arrangement has now
    assert kinds(status="ended") == ["arrangement.ended"]
    assert kinds(status="agreed") == ["proposal.response"] * 2
    assert "arrangement.ended" not in kinds(status="declined")


def test_the_pdf_is_a_tagged_pdf_ua_report(signed_in, journey):
    response = signed_in("auditor").get(f"{URL}?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-1.7")
    inflated = pdf_streams(pdf)
    assert b"/StructTreeRoot" in inflated and b"/Marked true" in inflated
    assert b"pdfuaid" in inflated  # PDF/UA identification in the XMP metadata


def test_exports_stream_in_bounded_chunks(app, db, users, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        household = factories.make_household(db)
        start = datetime(2024, 1, 1, tzinfo=UTC)
        db.add_all(
            Proposal(
                person_id=person.id,
                household_id=household.id,
                arrangement_type="live_in",
                rationale="",
                proposed_by_id=users["coordinator"].id,
                proposed_at=start + timedelta(minutes=i),
            )
            for i in range(3000)
        )
        db.flush()
        ids = db.exec(select(Proposal.id).where(Proposal.person_id == person.id)).all()
        # The history is read from the log: its entries, inserted in bulk (the chain is not read here).
        db.execute(
            insert(AuditEntry),
            [
                {
                    "at": start + timedelta(minutes=i),
                    "actor_id": users["coordinator"].id,
                    "actor_role": "coordinator",
                    "action": "proposal.create",
                    "record_type": "proposal",
                    "record_id": pid,
                    "person_id": person.id,
                    "household_id": household.id,
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                }
                for i, pid in enumerate(ids)
            ],
        )
        db.commit()
    for fmt in ("csv", "json"):
        response = signed_in("auditor").get(f"{URL}?format={fmt}")
        assert response.is_streamed
        chunks = [c for c in response.response]
        assert len(chunks) >= 6, "the export is sent as it is read, in pieces"
        assert max(len(c) for c in chunks) < 200_000
        body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        if fmt == "csv":
            assert body.count(b"\r\n") == 3001
        else:
            assert len(json.loads(body)["events"]) == 3000
        response.close()

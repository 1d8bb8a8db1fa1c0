"""The import's pages: upload, map, preview with problems, a corrected file, confirm; who may use them."""

from __future__ import annotations

import io
import re

from sqlmodel import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shared_lives.audit.models import AuditEntry
from shared_lives.households.models import Household
from shared_lives.imports.models import ImportUpload
from tests.conftest import csrf_from
from tests.shared_lives.imports.conftest import csv_file, household_row


def upload(client, data: bytes, filename="households.csv", kind="households", url="/imports", form_url="/imports"):
    """POST a file as a browser does. The body is encoded here, in memory: the test client would
    spool a large one to a temporary file it never closes."""
    page = client.get(form_url)
    boundary, body = encode_multipart(
        {"csrf_token": csrf_from(page), "kind": kind, "file": FileStorage(io.BytesIO(data), filename)}
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def token_of(response) -> str:
    return re.search(r"/imports/([^/]+)/columns", response.headers["Location"])[1]


def test_upload_map_preview_correct_and_confirm(app, db, vocab, signed_in):
    client = signed_in("manager")
    bad = [household_row(1), household_row(2, postcode="<i>Alex</i> Example", name="<b>Bold</b> household")]
    response = upload(client, csv_file(bad))
    assert response.status_code == 302
    token = token_of(response)
    mapping = client.get(f"/imports/{token}/columns")
    html = mapping.get_data(as_text=True)
    assert mapping.status_code == 200 and 'value="4" selected' in html  # Postcode matched to the 5th header
    assert "not matched to anything" not in html  # every header of the template is matched
    chosen = {k: str(v) for k, v in db.exec(select(ImportUpload)).one().mapping.items()}
    chosen["town"] = ""  # the user leaves the town out: the mapping is theirs, not the guess
    response = client.post(f"/imports/{token}/columns", data={"csrf_token": csrf_from(mapping), **chosen})
    assert response.headers["Location"].endswith(f"/imports/{token}/preview")
    preview = client.get(f"/imports/{token}/preview")
    html = preview.get_data(as_text=True)
    assert "There is a problem" in html and "Row 3, Postcode: Enter a real postcode, like SW1A 1AA" in html
    assert "Import these records" not in html
    # Seeing the file's rows is audited, by kind and counts only.
    seen = db.exec(select(AuditEntry).where(AuditEntry.action == "import.preview")).all()
    assert [(e.actor_role, e.changes["kind"], e.changes["items"]) for e in seen] == [("manager", "households", 2)]
    # The cell's text is shown escaped, never as markup.
    assert "&lt;i&gt;Alex&lt;/i&gt; Example" in html and "<i>Alex</i>" not in html
    # Confirming anyway writes nothing.
    response = client.post(f"/imports/{token}/confirm", data={"csrf_token": csrf_from(preview)})
    assert response.status_code == 302
    assert db.exec(select(Household).where(Household.name == "The Example1 household")).first() is None
    # A corrected file keeps the mapping, and then confirms.
    good = [household_row(1), household_row(2, name="<b>Bold</b> household")]
    response = upload(client, csv_file(good), url=f"/imports/{token}/replace", form_url=f"/imports/{token}/preview")
    new_token = re.search(r"/imports/([^/]+)/preview", response.headers["Location"])[1]
    preview = client.get(f"/imports/{new_token}/preview")
    html = preview.get_data(as_text=True)
    assert "Every row is right" in html and "Import these records" in html
    summary = dict(
        re.findall(r'__key">\s*([^<]+?)\s*</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+?)\s*</dd>', html)
    )
    assert summary == {
        "Rows in the file": "2",
        "New records": "2",
        "Records to update": "0",
        "Records already the same": "0",
        "Rows with problems": "0",
    }
    assert client.get(f"/imports/{token}/preview").status_code == 404  # the old upload is gone
    response = client.post(f"/imports/{new_token}/confirm", data={"csrf_token": csrf_from(preview)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported households: 2 created, 0 updated, 0 unchanged." in page
    bold = db.exec(select(Household).where(Household.name == "<b>Bold</b> household")).one()
    assert bold.town == ""  # the column the user left out
    assert db.exec(select(ImportUpload)).all() == []  # removed once confirmed


def test_bad_files_get_a_clear_message_beside_the_upload(app, db, vocab, signed_in):
    client = signed_in("manager")
    cases = [
        (b"%PDF-1.7 not a sheet", "records.pdf", "The file must be a CSV or XLSX spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "records.csv", "The file must be a CSV or XLSX spreadsheet"),
        (b"PK\x03\x04broken", "records.xlsx", "The file must be a CSV or XLSX spreadsheet"),
        (b"", "records.csv", "The file is empty"),
        (b"LEG-1,The Example household,ME14 1XQ\r\n", "records.csv", "The first row must be a header row"),
        (b"Reference,Postcode\r\n" + b"LEG-1,ME14 1XQ\r\n" * 5_001, "big.csv", "The file has more than 5,000 rows"),
        (b"Reference,Postcode\r\n" + b"x" * (10 * 1024 * 1024), "huge.csv", "The file must be smaller than 10 MB"),
    ]
    for data, name, message in cases:
        response = upload(client, data, name)
        html = response.get_data(as_text=True)
        assert response.status_code in (400, 413), name
        assert message in html, (name, html[:300])
        assert "govuk-error-summary" in html
    assert db.exec(select(ImportUpload)).all() == []


def test_only_managers_import_and_an_upload_is_its_uploaders_alone(app, db, vocab, signed_in, users):
    for role in ("coordinator", "auditor", "carer", "admin"):
        assert signed_in(role).get("/imports").status_code == 403, role
    token = token_of(upload(signed_in("manager"), csv_file([household_row(1)])))
    other = db.exec(select(ImportUpload)).one()
    other.user_id = users["coordinator"].id  # even a colleague's token is not found for them
    db.add(other)
    db.commit()
    assert signed_in("manager").get(f"/imports/{token}/preview").status_code == 404


def test_templates_and_the_column_guide(app, db, vocab, signed_in):
    from shared_lives.imports.columns import KINDS
    from shared_lives.imports.sheets import read_sheet

    client = signed_in("manager")
    for kind in KINDS.values():
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/imports/template/{kind.key}.{fmt}")
            assert response.status_code == 200
            sheet = read_sheet(response.data, f"t.{fmt}")
            assert sheet.headers == kind.headers and len(sheet.rows) == 1
        guide = client.get(f"/imports/guide/{kind.key}").get_data(as_text=True)
        assert all(c.header.replace("'", "&#39;") in guide for c in kind.columns)
    assert client.get("/imports/template/households.pdf").status_code == 404
    assert client.get("/imports/guide/nothing").status_code == 404
    assert "Gardening" in client.get("/imports/guide/households").get_data(as_text=True)


def test_the_mapping_page_matches_synonyms_and_names_the_columns_left_out(app, db, vocab, signed_in):
    client = signed_in("manager")
    data = b"Household ref,,Post code,Name,Shoe size\r\nLEG-1,x,ME14 1XQ,The Example household,9\r\n"
    token = token_of(upload(client, data))
    assert db.exec(select(ImportUpload)).one().mapping == {"reference": 0, "postcode": 2, "name": 3}
    html = client.get(f"/imports/{token}/columns").get_data(as_text=True)
    assert "This column" not in html and "These columns of the file are not matched" in html
    assert "<li>Shoe size</li>" in html and "<li>Column 2 (no header)</li>" in html

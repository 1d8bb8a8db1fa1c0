"""What the audit log holds (reliability.md item 25): every form of the app, driven with
marker text in each free-text box and new (Faker) names in each name box, leaves 0
markers and 0 names anywhere in the audit log.

The sweep reuses the write sweep's cases (a valid request for every POST route). The
free-text boxes are read from the form page itself (every ``<textarea>`` and every text
``<input>`` that is not numeric), so a box added to a form is driven without touching
this test. Boxes whose format is checked (postcodes, certificate numbers) keep the case's
valid value: a marker there would only be refused.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from faker import Faker
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from tests.conftest import csrf_from
from tests.shared_lives.audit.test_write_sweep import CASES, form_errors, methods

#: Boxes whose format is validated: a real value is needed for the post to succeed.
FORMATTED = {"postcode", "preferred_postcode", "certificate_number", "email", "q"}
#: The forms the issue names, by their route: each must have had a box driven. (The training
#: forms have no free text: the course is chosen from the scheme's list.)
FORMS = {
    "households.new": "household",
    "households.edit": "household",
    "households.edit_mine": "household (carer's own)",
    "people.new": "person",
    "people.edit": "person",
    "carers.new_carer": "carer",
    "carers.edit_carer": "carer",
    "carers.new_dbs": "DBS check",
    "carers.edit_dbs": "DBS check",
    "matches.new": "proposal",
    "matches.respond": "response",
    "matches.withdraw": "withdrawal",
    "matches.introduction": "introduction",
    "matches.capacity": "capacity assessment",
    "matches.liberty": "deprivation of liberty",
    "placements.review": "review",
    "placements.end": "ending",
    "admin.new_user": "account",
}
_TAG = re.compile(r"<(input|textarea)\b([^>]*)>", re.I)
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"', re.I)


def text_boxes(page: str) -> list[str]:
    """Names of the free-text boxes of the page's forms."""
    names = []
    for tag, attrs in _TAG.findall(page):
        a = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(attrs)}
        if "name" not in a or a["name"] in FORMATTED or a["name"] == "csrf_token":
            continue
        if tag.lower() == "textarea" or (a.get("type", "text") == "text" and a.get("inputmode") != "numeric"):
            names.append(a["name"])
    return list(dict.fromkeys(names))


def refused_boxes(response) -> list[str]:
    """The boxes the error summary links to (``#name``, or ``#name-day`` style for dates)."""
    body = response.get_data(as_text=True)
    if "govuk-error-summary" not in body:
        return []
    return re.findall(r'<a href="#([A-Za-z0-9_]+)"', body.split("govuk-error-summary", 1)[1].split("</ul>", 1)[0])


def is_name_box(name: str) -> bool:
    return name == "name" or name.endswith("_name")


def drive(client, url: str, data: dict, fake: Faker, tag: str) -> tuple[dict, list[str], list[str], list[str]]:
    """The post for ``url`` with every free-text box filled: (data, markers, names, boxes)."""
    # A form that needs its records named (a new proposal) reads them from the query string.
    page = client.get(url, query_string={k: v for k, v in data.items() if k.endswith("_id") and v})
    page = page.get_data(as_text=True)
    boxes = text_boxes(page)
    data = dict(data)
    markers, names = [], []
    for n, box in enumerate(boxes):
        if is_name_box(box):
            value = fake.unique.name()
            names.append(value)
        else:
            value = f"Zq{tag}{n}marker words"
            markers.append(value)
        data[box] = value
    if "email" in data:  # an account named after a new person: its address holds the name too
        first, *_rest, last = names[0].split()
        data["email"] = f"{first.lower()}.{last.lower()}@test.example"
        markers.append(data["email"])
    return data, markers, names, boxes


def whole_log(db) -> str:
    db.expire_all()
    rows = db.exec(select(AuditEntry)).all()
    return "\n".join(json.dumps(e.model_dump(), default=str) for e in rows)


def name_parts(name: str) -> list[str]:
    titles = {"Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"}
    return [p for p in re.split(r"[\s.]+", name) if len(p) >= 3 and p not in titles]


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_no_marker_and_no_name_reaches_the_audit_log(app, db, signed_in, ids, endpoint):
    case = CASES[endpoint]
    client = signed_in(case.role)
    url = case.url(ids) if callable(case.url) else case.url
    base = case.data(ids) if callable(case.data) else case.data
    assert "GET" in methods(app, url), f"{endpoint} has no form page to read its boxes from"
    fake = Faker("en_GB")
    fake.seed_instance(sorted(FORMS).index(endpoint))
    data, markers, names, boxes = drive(client, url, base, fake, tag=endpoint.split(".")[-1][:6])
    assert boxes, f"{endpoint}: no free-text box found on {url}"
    tries: dict[str, int] = {}
    for _attempt in range(4):
        token = csrf_from(client.get(url))
        response = client.post(url, data={"csrf_token": token, **data})
        refused = [b for b in refused_boxes(response) if b in boxes]
        if not refused:
            break
        # A box that refuses words (a whole number, say) is not a free-text box: give it the
        # case's value, or leave it blank, or (when it is needed) a number.
        for box in refused:
            value = data.pop(box, None)
            tries[box] = tries.get(box, 0) + 1
            if box in base or tries[box] > 1:  # blank first; a number if blank is refused too
                data[box] = base.get(box) or "2"
            markers = [m for m in markers if m != value]
            names = [n for n in names if n != value]
    assert response.status_code in (302, 303), f"{endpoint}: {response.status_code} {form_errors(response)}"
    assert markers or names, f"{endpoint}: every box refused words"

    log = whole_log(db)
    found_markers = [m for m in markers if m.lower() in log.lower()]
    found_names = [
        part for name in names for part in name_parts(name) if re.search(rf"(?<![A-Za-z]){re.escape(part)}\b", log)
    ]
    print(f"{endpoint}: markers {len(found_markers)} of {len(markers)}, names {len(found_names)} of {len(names)}")
    assert found_markers == [], f"{endpoint}: free text in the audit log"
    assert found_names == [], f"{endpoint}: names in the audit log"


def test_a_refused_approval_keeps_the_reason_codes_not_the_sentence(app, db, users):
    from shared_lives.errors import ValidationError
    from shared_lives.matches.services import record_refused_approval
    from tests.shared_lives.matches.helpers import as_user

    refusal = ValidationError(
        "Zara Quill cannot be approved now: needs dementia care", "start_date", codes=["needs_not_met", "too_far"]
    )
    with app.test_request_context():
        record_refused_approval(db, as_user(users["manager"]), 1, refusal)
    entry = db.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.outcome, entry.changes) == ("failed", {"reason": ["needs_not_met", "too_far"]})
    assert "Zara" not in json.dumps(entry.changes) and "dementia" not in json.dumps(entry.changes)

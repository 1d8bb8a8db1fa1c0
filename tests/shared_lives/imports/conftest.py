"""Fixtures for imports: vocabularies loaded, the manager acting, files made from rows."""

from __future__ import annotations

import csv
import io

import pytest

from shared_lives.auth.services import SignedInUser
from shared_lives.imports.columns import KINDS
from shared_lives.rules.consent import WHO_DECIDES
from shared_lives.vocab.services import load_vocabularies


@pytest.fixture
def vocab(app, db):
    load_vocabularies(db)
    db.commit()


@pytest.fixture
def manager(users):
    """The manager as a service sees a signed-in user."""
    return SignedInUser(users["manager"], "test")


def csv_file(rows: list[dict], kind: str = "households", encoding: str = "utf-8") -> bytes:
    """A CSV of ``rows`` under the kind's headers (keys are column keys; missing cells are empty)."""
    columns = KINDS[kind].columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([row.get(c.key, "") for c in columns])
    return out.getvalue().encode(encoding)


def household_row(n: int = 1, **over) -> dict:
    """A valid households row (synthetic)."""
    row = {
        "reference": f"LEG-{n:03d}",
        "name": f"The Example{n} household",
        "address_line": f"{n} Example Street",
        "town": "Maidstone",
        "postcode": "ME14 1XQ",
        "bedrooms_spare": "1",
        "step_free": "yes",
        "members": f"Alex Example{n} (45, Main carer); Sam Example{n} (12, Son)",
        "pets": "Dog (2); cat",
        "smoking": "no",
        "languages": "English; Welsh",
        "faith": "No religion",
        "lifestyle": "quiet",
        "setting": "Town or city",
        "interests": "Gardening; music",
        "arrangement_types": "Live-in; Short breaks",
        "needs_can_meet": "Autism",
        "age_min": "18",
        "age_max": "80",
    }
    row.update(over)
    return row


def person_row(n: int = 1, **over) -> dict:
    row = {
        "reference": f"CL-{n:03d}",
        "first_name": "Jo",
        "last_name": f"Example{n}",
        "date_of_birth": "15/01/1976",
        "status": "Waiting for a match",
        "referral_date": "1 May 2026",
        "arrangement_type": "Short breaks",
        "needs": "Learning disability",
        "interests": "Music; Films",
        "pets": "Pets are fine",
        "smoking": "No smoking",
        "children": "Children are fine",
        "lifestyle": "Quiet",
        "preferred_postcode": "ME15 6YE",
        "max_distance_km": "20",
        "capacity": "Has capacity for this decision",
        "decision_maker": WHO_DECIDES["person"],
    }
    row.update(over)
    return row

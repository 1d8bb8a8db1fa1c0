"""Where carers are needed, on the app's own records through the engine adapter."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.reports import needs
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call


def make_scheme(db, step_free_people: int, step_free_places: int):
    """``step_free_people`` need step-free access; one step-free household with that many places;
    two other people who can go to two ordinary households."""
    step = factories.make_household(db, name="The Level household", step_free=True)
    factories.make_carer(db, step, terms_max_people=step_free_places)
    for name in ("The Upstairs household", "The Hill household"):
        factories.make_carer(db, factories.make_household(db, name=name), terms_max_people=1)
    # Surnames no page shows otherwise (a random one once matched the signed-in manager's).
    wheelchair = [
        factories.make_person(db, status="waiting", needs_step_free=True, last_name=f"Stepfreeperson{chr(65 + i)}")
        for i in range(step_free_people)
    ]
    others = [factories.make_person(db, status="waiting") for _ in range(2)]
    db.commit()
    return step, wheelchair, others


def test_a_hall_violator_is_found_with_exactly_its_people(app, db, users):
    with app.app_context():
        step, _, _ = make_scheme(db, step_free_people=3, step_free_places=1)
    data = call(app, needs.carers_needed, as_user(users["manager"]))
    assert data["waiting"] == 5
    assert [(g["people"], [h["id"] for h in g["households"]], g["places"], g["short"]) for g in data["groups"]] == [
        (3, [step.id], 1, 2)
    ]
    assert data["groups"][0]["headline"].startswith("3 people who need step-free access near ME15")
    assert "can only go to this household, with 1 free place between them" in data["groups"][0]["headline"]
    assert data["excluded"] == 0


def test_a_scheme_where_everyone_can_be_matched_shows_none(app, db, users, signed_in):
    with app.app_context():
        make_scheme(db, step_free_people=2, step_free_places=2)
    data = call(app, needs.carers_needed, as_user(users["manager"]))
    assert data["groups"] == [] and data["short"] == 0
    page = signed_in("manager").get("/reports/carers-needed").get_data(as_text=True)
    assert "no group competes for too few places" in page


def test_people_no_household_can_take_are_counted_by_reason_and_area(app, db, users):
    with app.app_context():
        # The one step-free home has a smoker; the users fixture's household is not step-free.
        factories.make_carer(db, factories.make_household(db, smoking=True, step_free=True), terms_max_people=1)
        for postcode in ("TN1 1AA", "ME15 6YE"):
            factories.make_person(db, status="waiting", smoking="no", needs_step_free=True, preferred_postcode=postcode)
        factories.make_person(db, status="referred", smoking="no", needs_step_free=True)  # not waiting
        db.commit()
    data = call(app, needs.carers_needed, as_user(users["manager"]))
    assert data["excluded"] == 2
    assert [(code, n) for code, _, n in data["by_reason"]] == [("smoking", 2), ("not_step_free", 2)]
    assert data["by_area"] == [("ME", {"smoking": 1, "not_step_free": 1}), ("TN", {"smoking": 1, "not_step_free": 1})]


def test_csv_and_page_as_manager_and_audited(app, db, users, signed_in):
    with app.app_context():
        step, wheelchair, _ = make_scheme(db, step_free_people=4, step_free_places=2)
    client = signed_in("manager")
    page = client.get("/reports/carers-needed")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "4 people who need step-free access" in text and step.name in text
    for p in wheelchair:
        assert p.last_name not in text
    response = client.get("/reports/carers-needed.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="carers-needed.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["people"] == "4" and rows[0]["free_places"] == "2" and rows[0]["cannot_be_offered_at_once"] == "2"
    assert rows[0]["household_references"] == step.reference
    actions = [(e.action, (e.changes or {}).get("page")) for e in db.exec(select(AuditEntry)).all()]
    assert ("report.view", "carers_needed") in actions and ("report.export", "carers_needed") in actions
    assert signed_in("coordinator").get("/reports/carers-needed.csv").status_code == 403

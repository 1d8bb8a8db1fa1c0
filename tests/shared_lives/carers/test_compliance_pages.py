"""The compliance list is paged, soonest first, and still names every ineligible household."""

from datetime import timedelta

from sqlmodel import select

from shared_lives.households.models import Household
from shared_lives.records import PER_PAGE
from shared_lives.timeutil import today
from tests import factories


def test_compliance_is_paged_and_lists_every_ineligible_household(app, db, signed_in):
    with app.app_context():
        for n in range(PER_PAGE + 5):
            household = factories.make_household(db, name=f"The Expiring {n:02d} household")
            factories.make_carer(db, household, approval_expires=today() - timedelta(days=n + 1))
        db.commit()
    client = signed_in("coordinator")
    first = client.get("/households/compliance").get_data(as_text=True)
    second = client.get("/households/compliance?page=2").get_data(as_text=True)
    assert "page 1 of 2" in first and "page 2 of 2" in second
    assert first.count("Household ineligible") == PER_PAGE
    assert second.count("Household ineligible") == 5
    # The summary of ineligible households is not paged.
    assert all(f"The Expiring {n:02d} household" in second for n in range(PER_PAGE + 5))
    assert client.get("/households/compliance?page=99").status_code == 200


def test_two_households_of_one_name_are_told_apart_by_their_reference(app, db, signed_in):
    with app.app_context():
        for _ in range(2):
            h = factories.make_household(db, name="The Phillips household")
            factories.make_carer(db, h, approval_expires=today() - timedelta(days=2))
        db.commit()
    page = signed_in("coordinator").get("/households/compliance").get_data(as_text=True)
    refs = [h.reference for h in db.exec(select(Household).where(Household.name == "The Phillips household")).all()]
    assert all(f"The Phillips household ({ref})" in page for ref in refs)


def test_a_dbs_certificate_number_is_ascii_digits_only(app):
    import pytest

    from shared_lives.carers.services import clean_dbs
    from shared_lives.errors import ValidationError

    values = {"adult_name": "Ann Example", "issued_on": today() - timedelta(days=5), "renew_by": today()}
    assert clean_dbs({**values, "certificate_number": "001234567890"})["certificate_number"] == "001234567890"
    for odd in ("12²4", "١٢٣", "12 34"):
        with pytest.raises(ValidationError, match="numbers only"):
            clean_dbs({**values, "certificate_number": odd})

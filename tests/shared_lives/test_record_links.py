"""A person's and a household's pages lead to suggestions, history and subject access by role."""

from tests import factories


def test_person_page_links_by_role(app, db, signed_in):
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    coordinator = signed_in("coordinator").get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/people/{person.id}/suggestions" in coordinator
    assert f"/history/person/{person.id}" in coordinator
    assert "subject-access" not in coordinator
    manager = signed_in("manager").get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/people/{person.id}/subject-access" in manager
    auditor = signed_in("auditor").get(f"/people/{person.id}").get_data(as_text=True)
    assert "suggestions" not in auditor and f"/history/person/{person.id}" in auditor


def test_household_page_links_by_role(app, db, signed_in, users):
    household_id = users["carer"].household_id
    coordinator = signed_in("coordinator").get(f"/households/{household_id}").get_data(as_text=True)
    assert f"/households/{household_id}/suggestions" in coordinator
    assert f"/history/household/{household_id}" in coordinator
    auditor = signed_in("auditor").get(f"/households/{household_id}").get_data(as_text=True)
    assert "suggestions" not in auditor

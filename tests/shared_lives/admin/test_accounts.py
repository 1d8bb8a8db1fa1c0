"""Administrators manage accounts; nobody changes their own role (reliability.md item 5)."""

import re

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.auth.models import User
from tests.conftest import csrf_from, post_form, sign_in


def test_admin_creates_a_carer_account_linked_to_a_household(signed_in, db, users):
    admin = signed_in("admin")
    household_id = users["carer"].household_id
    response = post_form(
        admin,
        "/admin/users/new",
        {
            "name": "Jo Carer",
            "email": "Jo.Carer@Test.Example",
            "role": "carer",
            "household_id": str(household_id),
            "password": "a good long passphrase",
        },
    )
    assert response.status_code == 302
    user = db.exec(select(User).where(User.email == "jo.carer@test.example")).one()
    assert (user.role, user.household_id) == ("carer", household_id)


def test_create_account_errors_are_shown_beside_fields(signed_in):
    admin = signed_in("admin")
    response = post_form(
        admin,
        "/admin/users/new",
        {"name": "", "email": "not-an-email", "role": "carer", "household_id": "", "password": "password"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in text
    assert "Enter the person&#39;s full name" in text


def test_carer_account_needs_a_household(signed_in):
    admin = signed_in("admin")
    response = post_form(
        admin,
        "/admin/users/new",
        {"name": "No House", "email": "nohouse@test.example", "role": "carer", "password": "a good long passphrase"},
    )
    assert "Select the carer&#39;s household" in response.get_data(as_text=True)


def test_admin_cannot_change_own_role(signed_in, db, users):
    admin = signed_in("admin")
    me = users["admin"].id
    response = post_form(admin, f"/admin/users/{me}", {"role": "coordinator"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(User, me).role == "admin"
    denied = db.exec(select(AuditEntry).where(AuditEntry.action == "access.denied")).all()
    assert [(e.actor_id, e.outcome, e.changes["permission"]) for e in denied] == [
        (me, "denied", "user:change_own_role")
    ]
    assert not db.exec(select(AuditEntry).where(AuditEntry.action == "user.role_change")).all()


def test_admin_changes_another_role(signed_in, db, users):
    admin = signed_in("admin")
    target = users["auditor"].id
    assert post_form(admin, f"/admin/users/{target}", {"role": "coordinator"}).status_code == 302
    db.expire_all()
    assert db.get(User, target).role == "coordinator"


def test_admin_cannot_deactivate_self(signed_in, users):
    admin = signed_in("admin")
    url = f"/admin/users/{users['admin'].id}/deactivate"
    assert admin.get(url).status_code == 403


def test_deactivation_needs_confirmation(signed_in, db, users):
    admin = signed_in("admin")
    url = f"/admin/users/{users['carer'].id}/deactivate"
    page = admin.get(url)
    response = admin.post(url, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert "Confirm that you want to do this" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, users["carer"].id).active is True


def test_non_admins_cannot_manage_accounts(signed_in, users):
    for role in ("manager", "coordinator", "carer", "auditor"):
        assert signed_in(role).get("/admin/users").status_code == 403


def test_the_new_account_form_has_no_role_chosen(signed_in):
    page = signed_in("admin").get("/admin/users/new").get_data(as_text=True)
    selected = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', page)
    assert [a or b for a, b in selected] in ([], [""]), selected  # nothing but "Choose a role"
    assert "Choose a role" in page
    response = post_form(
        signed_in("admin"),
        "/admin/users/new",
        {"name": "No Role", "email": "norole@test.example", "role": "", "password": "a good long passphrase"},
    )
    assert response.status_code == 200 and "Select a role" in response.get_data(as_text=True)


def test_a_temporary_password_must_be_changed_at_first_sign_in(app, signed_in, db):
    admin = signed_in("admin")
    temporary = "a temporary passphrase"
    response = post_form(
        admin,
        "/admin/users/new",
        {"name": "Rae Coordinator", "email": "rae@test.example", "role": "coordinator", "password": temporary},
    )
    assert response.status_code == 302
    client = app.test_client()
    assert sign_in(client, "rae@test.example", temporary).headers["Location"] == "/"
    for url in ("/", "/people", "/proposals"):
        r = client.get(url)
        assert (r.status_code, r.headers.get("Location")) == (302, "/account/password"), url
    page = client.get("/account/password").get_data(as_text=True)
    assert "Your password was set by an administrator" in page
    token = csrf_from(client.get("/account/password"))
    assert client.post("/people/new", data={"csrf_token": token}).status_code == 403
    response = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": temporary,
            "new_password": "my very own passphrase",
            "confirm_password": "my very own passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/people").status_code == 200
    db.expire_all()
    assert db.exec(select(User).where(User.email == "rae@test.example")).one().must_change_password is False

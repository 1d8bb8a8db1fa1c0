"""Sign in as each role in a real browser, with axe on every page visited."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORDS, sign_in_page

ROLES = ["admin", "manager", "coordinator", "carer", "auditor"]


def test_sign_in_page_is_accessible(new_page, check_axe):
    page = new_page()
    page.goto("/sign-in")
    check_axe(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_every_nav_page_passes_axe(role, new_page, check_axe):
    page = new_page()
    sign_in_page(page, role)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello"))
    check_axe(page)
    links = page.locator(".govuk-service-navigation__link").evaluate_all("els => els.map(e => e.href)")
    assert links, "a signed-in page shows the service navigation"
    for href in links:
        response = page.goto(href)
        assert response.status == 200, href
        check_axe(page)
    page.goto("/account/password")
    check_axe(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    expect(page.locator("main")).to_contain_text("You have signed out")


def test_keyboard_only_sign_in(new_page):
    page = new_page()
    page.goto("/sign-in")
    email, password = PASSWORDS["coordinator"]
    page.keyboard.press("Tab")  # skip link
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    # The skip link's #main-content fragment survives the redirect, so compare paths.
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator("main")).to_contain_text("Hello, Demo coordinator")


def test_admin_account_pages_pass_axe(page_as, check_axe):
    page = page_as("admin")
    page.goto("/admin/users")
    check_axe(page)
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_axe(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)
    page.goto("/admin/users")
    page.get_by_role("link", name="Demo coordinator").click()
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    check_axe(page)
    page.get_by_role("link", name="Deactivate Demo coordinator's account").click()
    page.wait_for_url(re.compile(r"/admin/users/\d+/deactivate$"))
    check_axe(page)

"""Records pages in a real browser: axe finds 0 violations on lists, details and edit forms."""

from __future__ import annotations

from playwright.sync_api import expect


def _first_link(page, prefix: str) -> str:
    hrefs = page.locator("table a.govuk-link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return next(h for h in hrefs if h.startswith(prefix))


def test_coordinator_household_pages_pass_axe(page_as, check_axe):
    page = page_as("coordinator")
    page.goto("/households")
    check_axe(page)
    page.goto("/households?arrangement_type=live_in&availability=space&page=2")
    check_axe(page)
    page.goto("/households")
    detail = _first_link(page, "/households/")
    page.goto(detail)
    expect(page.get_by_role("heading", level=2, name="Carers")).to_be_visible()
    check_axe(page)
    page.goto(detail + "/edit")
    check_axe(page)
    # An invalid save: error summary and messages beside fields, still accessible.
    page.get_by_label("Postcode").fill("ZZ99 9ZZ")
    page.get_by_role("button", name="Save household").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)
    page.goto("/households/new")
    check_axe(page)
    page.goto(detail + "/dbs/new")
    check_axe(page)
    page.goto("/households/compliance")
    check_axe(page)


def test_coordinator_people_pages_pass_axe(page_as, check_axe):
    page = page_as("coordinator")
    page.goto("/people")
    check_axe(page)
    detail = _first_link(page, "/people/")
    page.goto(detail)
    check_axe(page)
    page.goto(detail + "/edit")
    check_axe(page)
    page.get_by_label("First name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)


def test_carer_own_household_pages_pass_axe(page_as, check_axe):
    page = page_as("carer")
    page.goto("/my-household")
    check_axe(page)
    page.goto("/my-household/edit")
    check_axe(page)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/my-household")
    check_axe(page)


def test_admin_vocabulary_page_passes_axe(page_as, check_axe):
    page = page_as("admin")
    page.goto("/vocabularies")
    check_axe(page)

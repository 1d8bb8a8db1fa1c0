"""Accountability pages in a real browser, with axe-core on each: the audit log, the
export page, a person's and a household's timeline, and subject access."""

from __future__ import annotations

from playwright.sync_api import expect


def test_auditor_searches_the_audit_log(page_as, check_axe):
    page = page_as("auditor")
    page.goto("/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    check_axe(page)
    page.get_by_label("Action").fill("person.")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/audit/?*action=person.*")
    expect(page.locator("table.govuk-table tbody tr").first).to_be_visible()
    check_axe(page)
    page.get_by_label("From date").fill("not a date")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)


def test_auditor_export_page_and_a_csv_download(page_as, check_axe):
    page = page_as("auditor")
    page.goto("/exports/")
    check_axe(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.startswith("placement-history-")
    assert download.suggested_filename.endswith(".csv")


def test_timelines_are_accessible(page_as, check_axe):
    page = page_as("coordinator")
    page.goto("/history/person/1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Placement history")
    check_axe(page)
    page.goto("/history/household/1")
    check_axe(page)


def test_manager_subject_access_page(page_as, check_axe):
    page = page_as("manager")
    page.goto("/people/1/subject-access")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Subject access")
    check_axe(page)
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Subject access request")
    page.get_by_role("button", name="Prepare").click()
    expect(page.get_by_role("heading", name="2. Check what is removed")).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Confirm what is removed").click()
    check_axe(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Release as JSON").click()
    assert info.value.suggested_filename.endswith(".json")

"""Import in a real browser: upload, mapping, preview with problems, a corrected file, confirm; axe on every step."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.shared_lives.imports.conftest import csv_file, household_row


def test_manager_imports_households_step_by_step_with_axe_on_every_page(page_as, check_axe, tmp_path):
    page = page_as("manager")
    page.goto("/imports")
    check_axe(page)
    # Nothing chosen: the error summary and messages beside the fields.
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_axe(page)

    bad = tmp_path / "households.csv"
    rows = [household_row(901), household_row(902, postcode="Alex Example", name="<b>Bold</b> household")]
    bad.write_bytes(csv_file(rows))
    page.get_by_label("Households").check()
    page.get_by_label("Upload a file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", name="Which column holds what")).to_be_visible()
    check_axe(page)
    expect(page.get_by_label("Postcode")).to_have_value("4")
    page.get_by_label("Town (optional)").select_option(label="Not in the file")
    page.get_by_role("button", name="Save and check the rows").click()

    expect(page.get_by_role("heading", name="Check the rows before importing")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Row 3, Postcode: Enter a real postcode")
    expect(page.get_by_role("button", name="Import these records")).to_have_count(0)
    expect(page.locator("td", has_text="<b>Bold</b> household")).to_have_count(0)  # a name cell is not shown
    check_axe(page)

    good = tmp_path / "households-corrected.csv"
    good.write_bytes(csv_file([household_row(901), household_row(902, name="<b>Bold</b> household")]))
    page.get_by_label("Upload a corrected file").set_input_files(str(good))
    page.get_by_role("button", name="Upload the corrected file").click()
    expect(page.get_by_text("Every row is right")).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Import these records").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 created, 0 updated, 0 unchanged")
    check_axe(page)

    page.goto("/households?q=Bold")
    expect(page.get_by_role("link", name="<b>Bold</b> household")).to_be_visible()  # text, never markup
    page.goto("/imports/guide/households")
    check_axe(page)

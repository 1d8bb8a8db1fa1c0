"""Dashboards and reports in a real browser as a manager: axe finds 0 violations, and the
charts can be read without colour (every bar says its number and its series in words)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

BARS_JS = """svg => [...svg.querySelectorAll('rect')].map(
    r => [r.getAttribute('fill'), r.nextElementSibling.textContent])"""


def bars_and_words(page, chart_id: str) -> list[tuple[str, str]]:
    """(fill, text) of each bar in a chart: what a reader sees beside the bar."""
    return page.locator(f"#{chart_id} svg[role=img]").evaluate(BARS_JS)


def test_manager_dashboard_and_reports_pass_axe(page_as, check_axe):
    page = page_as("manager")
    expect(page.get_by_role("heading", name="The scheme today")).to_be_visible()
    check_axe(page)
    waiting = page.locator('a[data-figure="waiting"]')
    expected = waiting.inner_text().split()[0]
    waiting.click()
    expect(page.locator("caption")).to_contain_text(f"{expected} {'person' if expected == '1' else 'people'}")

    page.goto("/reports/scheme")
    expect(page.get_by_role("heading", level=1, name="Scheme report")).to_be_visible()
    check_axe(page)
    for chart in ("chart-pipeline", "chart-time-proposal", "chart-time-arrangement", "chart-places"):
        svg = page.locator(f"#{chart} svg[role=img]")
        expect(svg).to_have_attribute("aria-labelledby", f"{chart}-title {chart}-summary")
        table = page.locator(f"#{chart} table")
        numbers = table.locator("tbody td").all_inner_texts()
        words = [text for _, text in bars_and_words(page, chart)]
        # Each bar's words carry the same number as its cell in the data table.
        assert [w.split(": ")[-1].split()[0] for w in words] == [n.split()[0] for n in numbers]
    places = bars_and_words(page, "chart-places")
    assert {fill for fill, _ in places} == {"url(#fill-solid)", "url(#fill-hatch)"}
    assert all(text.startswith(("Free: ", "Taken: ")) for _, text in places)
    page.select_option("#months", "3")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/reports/scheme\?months=3$"))
    expect(page.locator("#chart-time-proposal-summary")).to_contain_text("last 3 months")
    check_axe(page)

    page.goto("/reports/carers-needed")
    expect(page.get_by_role("heading", level=1, name="Where carers are needed")).to_be_visible()
    check_axe(page)

    page.goto("/reports/fairness")
    expect(page.get_by_role("heading", level=1, name="Fairness report")).to_be_visible()
    check_axe(page)

    page.goto("/reports/outcomes")
    expect(page.get_by_role("heading", level=1, name="Scores and outcomes")).to_be_visible()
    check_axe(page)


def test_equality_form_as_manager(page_as, check_axe):
    page = page_as("manager")
    page.goto("/people")
    person = page.locator("table a.govuk-link").first.get_attribute("href")
    page.goto(person)
    page.get_by_role("link", name="Equality monitoring").click()
    check_axe(page)
    page.get_by_label("What is their ethnic group?").select_option("Prefer not to say")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Equality monitoring answers saved")
    page.goto(person + "/equality")
    expect(page.get_by_label("What is their ethnic group?")).to_have_value("prefer_not_to_say")
    check_axe(page)


def test_reports_readable_in_forced_colours(page_as, check_axe):
    page = page_as("manager")
    page.emulate_media(forced_colors="active")
    page.goto("/reports/scheme")
    check_axe(page)
    # In forced colours every bar still shows its number in words beside it.
    for _, text in bars_and_words(page, "chart-places"):
        assert text.split(": ")[1].isdigit()

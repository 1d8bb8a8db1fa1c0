"""Dashboards and reports in a real browser as a manager: axe finds 0 violations, and the
charts can be read without colour (every bar says its number and its series in words).
Coordinator overrides and the subject access figure's list, as a manager and an auditor."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import Session, select

from shared_lives.auth.models import User
from shared_lives.db import get_engine
from shared_lives.households.models import Household
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.rights.subject_access import due_date
from shared_lives.timeutil import today

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


def test_overrides_and_subject_access_figure_pass_axe(live_app, page_as, check_axe):
    """Proposals that passed over the engine's top pick, went outside its top 10, or were made
    before ranks were recorded; and an open subject access request: the pages that show them."""
    with Session(get_engine(live_app)) as session:
        people = session.exec(select(Person).order_by(Person.id).limit(3)).all()
        households = session.exec(select(Household).order_by(Household.id).limit(2)).all()
        coordinator = session.exec(select(User).where(User.role == "coordinator")).first()
        manager = session.exec(select(User).where(User.role == "manager")).first()
        for person, (rank, ranked) in zip(people, ((3, 14), (12, 30), (None, None)), strict=True):
            session.add(
                Proposal(
                    person_id=person.id,
                    household_id=households[1].id,
                    arrangement_type="live_in",
                    status="withdrawn",
                    rationale="Closer to the day centre the person goes to",
                    proposed_by_id=coordinator.id,
                    engine_rank=rank,
                    engine_top_household_id=households[0].id if ranked else None,
                    engine_ranked=ranked,
                )
            )
        session.add(
            SubjectAccessRequest(
                person_id=people[0].id,
                received_on=today() - timedelta(days=40),
                due_on=due_date(today() - timedelta(days=40)),
                recorded_by_id=manager.id,
            )
        )
        session.commit()

    page = page_as("manager")
    figure = page.locator('a[data-figure="subject_access"]')
    expected = int(figure.inner_text().split()[0])
    assert expected >= 1
    figure.click()
    expect(page.get_by_role("heading", level=1, name="Subject access requests to answer")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(expected)
    expect(page.get_by_text("Overdue").first).to_be_visible()
    check_axe(page)

    page.goto("/reports/scheme")
    expect(page.locator('a[data-figure="subject_access"]')).to_have_text(re.compile(rf"^{expected}\b"))

    page.goto("/reports/fairness")
    expect(page.get_by_role("heading", level=2, name="Coordinator overrides")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Coordinator overrides: the counts")).click()
    expect(page.get_by_role("heading", level=1, name="Coordinator overrides")).to_be_visible()
    expect(page.get_by_text("3rd of 14")).to_be_visible()
    expect(page.get_by_text("12th of 30")).to_be_visible()
    check_axe(page)

    auditor = page_as("auditor")
    auditor.goto("/reports/overrides")
    expect(auditor.get_by_text("Outside the engine's top 10 (ranked 11th or lower)").first).to_be_visible()
    assert auditor.locator('a[data-figure="subject_access"]').count() == 0
    check_axe(auditor)

"""The whole journey in a real browser: a coordinator finds households for a person,
proposes, records both sides' answers and an introduction; a carer looks at their
proposals; a manager approves and the arrangement starts. axe on every page."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from shared_lives.timeutil import today


def fill_date(page, name: str, value) -> None:
    inputs = page.locator(f'input[name="{name}"]')
    inputs.nth(0).fill(str(value.day))
    inputs.nth(1).fill(str(value.month))
    inputs.nth(2).fill(str(value.year))


def test_journey_from_suggestion_to_arrangement(page_as, check_axe):
    coordinator = page_as("coordinator")
    check_axe(coordinator)  # home page with reviews due and proposals awaiting approval

    # Scheme-wide view, then one person's shortlist ("Find households").
    coordinator.goto("/suggestions/scheme")
    check_axe(coordinator)
    first_person = coordinator.locator("table.govuk-table a.govuk-link").first
    first_person.click()
    coordinator.wait_for_url(re.compile(r"/people/\d+/suggestions"))
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Households that might suit"))
    check_axe(coordinator)

    coordinator.locator(".govuk-summary-card__action a").first.click()
    coordinator.wait_for_url(re.compile(r"/proposals/new"))
    check_axe(coordinator)
    start = today() + timedelta(days=30)
    fill_date(coordinator, "short_break_start", start)
    fill_date(coordinator, "short_break_end", start + timedelta(days=3))
    coordinator.get_by_label("Why you are proposing this match").fill("They share interests and the home is close.")
    coordinator.get_by_role("button", name="Propose this match").click()
    coordinator.wait_for_url(re.compile(r"/proposals/\d+$"))
    proposal_url = coordinator.url
    expect(coordinator.locator("main")).to_contain_text("Proposal recorded")
    check_axe(coordinator)

    # The person's own answer (capacity is presumed), how they reached it, and their views.
    coordinator.get_by_role("link", name="Record the person’s answer, or the decision made for them").click()
    check_axe(coordinator)
    coordinator.get_by_label("Agrees").check()
    coordinator.get_by_label("The person themselves").check()
    coordinator.get_by_label("Their name").fill("The person")
    coordinator.get_by_label(re.compile("own views, wishes and feelings")).fill("Liked the photos of the garden")
    coordinator.get_by_label("How they reached their answer").fill(
        "Met with the person and Pat, used the easy-read page"
    )
    coordinator.get_by_label("The easy-read page was used").check()
    coordinator.get_by_role("button", name="Record the answer").click()
    coordinator.wait_for_url(proposal_url)
    check_axe(coordinator)

    # The easy-read page for the person.
    coordinator.get_by_role("link", name=re.compile("Easy-read page")).click()
    expect(coordinator.locator(".app-easy-read")).to_be_visible()
    check_axe(coordinator)
    coordinator.goto(proposal_url)

    # An introduction that has happened, with both sides' feedback.
    coordinator.get_by_role("link", name="Add an introduction").click()
    check_axe(coordinator)
    coordinator.get_by_label("Tea visit").check()
    fill_date(coordinator, "planned_for", today())
    coordinator.get_by_label("It has happened").check()
    coordinator.get_by_label(re.compile("The person.s feedback")).fill("Enjoyed the garden")
    coordinator.get_by_label(re.compile("The household.s feedback")).fill("Lovely afternoon")
    coordinator.get_by_role("button", name="Save the meeting").click()
    coordinator.wait_for_url(proposal_url)

    # The carer's answer, recorded by the coordinator for the carer.
    coordinator.get_by_role("link", name="Record the household’s answer").click()
    check_axe(coordinator)
    coordinator.get_by_label("Agrees").check()
    coordinator.get_by_label("Name of the carer who answered").fill("The main carer")
    coordinator.get_by_role("button", name="Record the answer").click()
    coordinator.wait_for_url(proposal_url)
    expect(coordinator.locator("main")).to_contain_text("Both sides agree")
    check_axe(coordinator)

    # A carer sees only their own household's proposals.
    carer = page_as("carer")
    carer.goto("/proposals")
    expect(carer.get_by_role("heading", level=1)).to_have_text("Proposals")
    check_axe(carer)

    # A manager (not the proposer) approves; the arrangement starts.
    manager = page_as("manager")
    check_axe(manager)
    manager.goto(proposal_url + "/approve")
    check_axe(manager)
    manager.get_by_role("button", name="Approve and start the arrangement").click()
    manager.wait_for_url(re.compile(r"/arrangements/\d+$"))
    expect(manager.locator("main")).to_contain_text("The arrangement has started")
    check_axe(manager)
    manager.goto("/arrangements")
    check_axe(manager)

"""Issue 10 in a real browser: a person assessed as lacking capacity goes through a
best-interests decision; a new carer account signs in, chooses its own password and says
yes; an introduction happens; a manager who did not propose it approves. axe on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from shared_lives.timeutil import today
from tests.e2e.test_journey import fill_date

TEMPORARY = "a temporary passphrase for the carer"
OWN = "the carer's very own passphrase"


def test_best_interests_decision_carer_yes_introduction_and_approval(page_as, new_page, check_axe):
    coordinator = page_as("coordinator")
    # A person from the scheme-wide suggestions (not the one the other journey takes).
    coordinator.goto("/suggestions/scheme")
    coordinator.locator("table.govuk-table").first.locator("a.govuk-link").last.click()
    coordinator.wait_for_url(re.compile(r"/people/\d+/suggestions"))
    propose = coordinator.locator(".govuk-summary-card__action a").first
    household_id = parse_qs(urlsplit(propose.get_attribute("href")).query)["household_id"][0]
    propose.click()
    coordinator.wait_for_url(re.compile(r"/proposals/new"))
    start = today() + timedelta(days=30)
    fill_date(coordinator, "short_break_start", start)
    fill_date(coordinator, "short_break_end", start + timedelta(days=3))
    coordinator.get_by_label("Why you are proposing this match").fill("Both love the outdoors; near family.")
    coordinator.get_by_role("button", name="Propose this match").click()
    coordinator.wait_for_url(re.compile(r"/proposals/\d+$"))
    proposal_url = coordinator.url
    first_name = coordinator.locator("#who-decides").inner_text().removeprefix("Who decides for ").strip()

    # Capacity for this decision: assessed, and lacking.
    coordinator.get_by_role("link", name="Record a capacity assessment for this decision").click()
    check_axe(coordinator)
    coordinator.get_by_label("Lacks capacity for this decision").check()
    fill_date(coordinator, "assessed_on", today())
    coordinator.get_by_label("Who assessed").fill("Dana Okafor")
    coordinator.get_by_label("Their role").fill("Social worker")
    coordinator.get_by_role("button", name="Record the assessment").click()
    coordinator.wait_for_url(proposal_url)
    expect(coordinator.locator("#who-decides + dl")).to_contain_text("Lacks capacity for this decision")
    check_axe(coordinator)

    # "The person agrees" is refused, with the reason beside the field.
    coordinator.get_by_role("link", name="Record the person’s answer, or the decision made for them").click()
    expect(coordinator.locator("#capacity-now")).to_contain_text("best-interests decision")
    check_axe(coordinator)
    coordinator.get_by_label("Agrees").check()
    coordinator.get_by_label("The person themselves").check()
    coordinator.get_by_label("Their name").fill(first_name)
    views = f"{first_name} smiled at the photos of the garden and asked about the dog"
    coordinator.get_by_label(re.compile("own views, wishes and feelings")).fill(views)
    coordinator.get_by_label("How they reached their answer").fill("Looked at the easy-read page together")
    coordinator.get_by_role("button", name="Record the answer").click()
    expect(coordinator.locator("#given_by-error")).to_contain_text("assessed as lacking capacity")
    expect(coordinator.locator(".govuk-error-summary")).to_be_visible()
    check_axe(coordinator)

    # The best-interests decision: who decided, who was consulted, wishes, less restrictive options.
    coordinator.get_by_label("A best-interests decision-maker").check()
    coordinator.get_by_label("Their name").fill("Dana Okafor")
    coordinator.get_by_label("The decision-maker's role").fill("Social worker")
    coordinator.get_by_label("Family", exact=True).check()
    coordinator.get_by_label("Unpaid carers or friends").check()
    coordinator.get_by_label(re.compile("past and present wishes")).fill(
        "Loves being outdoors; wants to stay near her sister"
    )
    coordinator.get_by_label("Less restrictive options considered").fill("More support at home was tried first")
    coordinator.get_by_role("button", name="Record the answer").click()
    coordinator.wait_for_url(proposal_url)
    expect(coordinator.locator("#who-decides + dl")).to_contain_text("A best-interests decision-maker: Dana Okafor")
    check_axe(coordinator)
    liberty = coordinator.get_by_role("link", name=re.compile("may deprive .* of liberty"))
    if liberty.count():  # live-in: the Court of Protection authorisation is recorded
        liberty.click()
        check_axe(coordinator)
        coordinator.get_by_label("Yes: a Court of Protection authorisation is needed").check()
        coordinator.get_by_label("Court of Protection authorisation reference").fill("COP 12345678")
        fill_date(coordinator, "expires_on", today() + timedelta(days=300))
        coordinator.get_by_role("button", name="Save").click()
        coordinator.wait_for_url(proposal_url)

    # An administrator makes the carer an account; its temporary password must be changed.
    admin = page_as("admin")
    admin.goto("/admin/users/new")
    check_axe(admin)
    admin.get_by_label("Full name").fill("Robin Carer")
    admin.get_by_label("Email address").fill("robin.carer@demo.example")
    admin.get_by_label("Role").select_option("carer")
    admin.get_by_label("Household (carers only)").select_option(household_id)
    admin.get_by_label("Temporary password").fill(TEMPORARY)
    admin.get_by_role("button", name="Create account").click()
    expect(admin.locator("main")).to_contain_text("Account created")

    carer = new_page()
    carer.goto("/sign-in")
    carer.get_by_label("Email address").fill("robin.carer@demo.example")
    carer.get_by_label("Password", exact=True).fill(TEMPORARY)
    carer.get_by_role("button", name="Sign in").click()
    carer.wait_for_url("**/account/password")
    expect(carer.locator("#temporary-password")).to_be_visible()
    check_axe(carer)
    carer.get_by_label("Current password").fill(TEMPORARY)
    carer.get_by_label("New password", exact=True).fill(OWN)
    carer.get_by_label("Confirm new password").fill(OWN)
    carer.get_by_role("button", name="Change password").click()
    carer.wait_for_url(re.compile(r"/$"))

    # The carer's home page shows the proposal waiting for their answer; they see the person's views.
    expect(carer.locator("#waiting-for-answer")).to_contain_text(f"Would you like to meet {first_name}?")
    check_axe(carer)
    carer.get_by_role("link", name=f"Would you like to meet {first_name}?").click()
    expect(carer.locator("#person-views")).to_contain_text(views)
    check_axe(carer)
    carer.get_by_role("link", name="Give your answer").click()
    expect(carer.get_by_role("heading", level=1)).to_have_text(f"Your answer about {first_name}")
    check_axe(carer)
    carer.get_by_label("Yes, we would like to go ahead").check()
    carer.get_by_label("Your name").fill("Robin Carer")
    carer.get_by_label("Who else in your home has a view?").fill("My partner is keen too")
    carer.get_by_role("button", name="Send your answer").click()
    carer.wait_for_url(re.compile(r"/proposals/\d+$"))
    check_axe(carer)

    # An introduction that has happened.
    coordinator.goto(proposal_url)
    coordinator.get_by_role("link", name="Add an introduction").click()
    coordinator.get_by_label("Tea visit").check()
    fill_date(coordinator, "planned_for", today())
    coordinator.get_by_label("It has happened").check()
    coordinator.get_by_label(re.compile("The person.s feedback")).fill("Enjoyed the garden")
    coordinator.get_by_role("button", name="Save the meeting").click()
    coordinator.wait_for_url(proposal_url)
    expect(coordinator.locator("main")).to_contain_text("Both sides agree")
    check_axe(coordinator)

    # A manager who did not propose it sees who decided and the person's views, and approves.
    manager = page_as("manager")
    manager.goto(proposal_url + "/approve")
    expect(manager.locator("main")).to_contain_text(views)
    expect(manager.locator("#approval-blockers")).to_have_count(0)
    check_axe(manager)
    manager.get_by_role("button", name="Approve and start the arrangement").click()
    manager.wait_for_url(re.compile(r"/arrangements/\d+$"))
    expect(manager.locator("main")).to_contain_text("The arrangement has started")
    check_axe(manager)

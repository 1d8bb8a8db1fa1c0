"""The fairness report: offer rates, waits and declines by group, with counts under 5 hidden
in the page and the CSV; households never offered, and offered far more than others."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, time, timedelta

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.equality.models import EqualityRecord
from shared_lives.matches.models import Proposal, ProposalResponse
from shared_lives.reports import fairness
from shared_lives.timeutil import today
from tests import factories

SUPPRESSED = ["fewer than 5"] * 10


def at(days_ago: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days_ago), time(10), tzinfo=UTC)


def make_groups(db, users):
    """Six Indian people (ONS: Asian) and three Irish (ONS: White), all referred 200 days ago and
    waiting. Each Asian person has proposals 100 and 50 days ago; each White person one, 100 days ago."""
    household = factories.make_household(db, name="The Busy household")
    factories.make_carer(db, household)
    manager = users["manager"]
    made = {}
    for ethnicity, n, proposals in (("indian", 6, (100, 50)), ("irish", 3, (100,))):
        for _ in range(n):
            person = factories.make_person(db, status="waiting", referral_date=today() - timedelta(days=200))
            db.add(EqualityRecord(person_id=person.id, ethnicity=ethnicity, recorded_by_id=manager.id))
            for days_ago in proposals:
                proposal = Proposal(
                    person_id=person.id,
                    household_id=household.id,
                    arrangement_type="live_in",
                    status="declined" if days_ago == 50 else "proposed",
                    rationale="Hand-made",
                    proposed_by_id=users["coordinator"].id,
                    proposed_at=at(days_ago),
                )
                db.add(proposal)
                db.flush()
                if days_ago == 50:
                    db.add(
                        ProposalResponse(
                            proposal_id=proposal.id,
                            side="household",
                            decision="decline",
                            given_by="carer",
                            given_by_name="A carer",
                            recorded_by_id=users["coordinator"].id,
                            recorded_at=at(40),
                        )
                    )
            made.setdefault(ethnicity, []).append(person)
    db.commit()
    return household, made


def page_row(page: str, name: str) -> list[str]:
    row = re.search(rf'<th scope="row" class="govuk-table__header">{re.escape(name)}</th>(.*?)</tr>', page, re.S)
    assert row, name
    return [html.unescape(c) for c in re.findall(r'<td class="[^"]*">(.*?)</td>', row.group(1))]


def test_small_groups_are_suppressed_in_the_page_and_the_csv(app, db, users, signed_in):
    with app.app_context():
        make_groups(db, users)
    months = 200 / fairness.DAYS_PER_MONTH
    asian = [
        "6",
        f"{6 * months:.1f}",
        "12",
        f"{12 / (6 * months):.2f}",
        "6",
        "100",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "6",
    ]
    client = signed_in("manager")
    page = client.get("/reports/fairness?months=12").get_data(as_text=True)
    assert page_row(page, "Asian, Asian British or Asian Welsh") == asian
    assert page_row(page, "White") == SUPPRESSED
    rows = list(csv.reader(io.StringIO(client.get("/reports/fairness.csv?months=12").get_data(as_text=True))))
    assert tuple(rows[0]) == fairness.CSV_HEADER
    by_group = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_group[("Ethnic group", "Asian, Asian British or Asian Welsh")] == asian
    assert by_group[("Ethnic group", "White")] == SUPPRESSED
    # Every cell of every row is a number of at least 5, a figure, or suppressed: never 1 to 4 people.
    count_columns = [0, 2, 4, 6, 8, 9]
    for row in rows[1:]:
        for i in count_columns:
            cell = row[2 + i]
            assert cell == "fewer than 5" or int(cell) >= 5, row
    # No one without an answer: everyone is in a group for religion ("Not recorded").
    assert by_group[("Religion", "Not recorded")][0] == "9"


def test_households_never_offered_and_offered_often(app, db, users):
    with app.app_context():
        make_groups(db, users)
        quiet = factories.make_household(db, name="The Quiet household")
        factories.make_carer(db, quiet)
        full = factories.make_household(db, name="The Lapsed household")
        factories.make_carer(db, full, approval_expires=today() - timedelta(days=1))
        others = []
        for i in range(3):
            h = factories.make_household(db, name=f"The Other household {i}")
            factories.make_carer(db, h)
            person = factories.make_person(db)
            db.add(
                Proposal(
                    person_id=person.id,
                    household_id=h.id,
                    arrangement_type="live_in",
                    rationale="Hand-made",
                    proposed_by_id=users["coordinator"].id,
                    proposed_at=at(10),
                )
            )
            others.append(h)
        db.commit()
        result = fairness.households_offered(db, today())
    never = {h.name for h in result["never"]}
    # The users fixture's household has a free place and no proposal too.
    assert never == {"The Quiet household", "The Carer Test household"}
    assert [(h.name, n) for h, n in result["often"]] == [("The Busy household", 15)]


def test_access_and_audit(app, db, users, signed_in):
    with app.app_context():
        make_groups(db, users)
    assert signed_in("auditor").get("/reports/fairness").status_code == 200
    assert signed_in("auditor").get("/reports/fairness.csv").status_code == 200
    for role in ("coordinator", "carer", "admin"):
        assert signed_in(role).get("/reports/fairness").status_code == 403
        assert signed_in(role).get("/reports/fairness.csv").status_code == 403
    entries = db.exec(select(AuditEntry).where(AuditEntry.action.like("report.%"))).all()
    pages = {(e.action, e.changes["page"], e.actor_role) for e in entries}
    assert {("report.view", "fairness", "auditor"), ("report.export", "fairness", "auditor")} <= pages
    assert all(set(e.changes) <= {"page", "format", "filters", "count"} for e in entries)

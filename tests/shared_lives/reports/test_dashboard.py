"""Every figure on the dashboard and the scheme report equals the count of the list it links to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.carers import services as carers
from shared_lives.households.services import list_households
from shared_lives.matches.models import Proposal
from shared_lives.matches.services import list_proposals
from shared_lives.people.services import list_people
from shared_lives.placements import services as placements
from shared_lives.placements.models import Arrangement
from shared_lives.reports import services
from shared_lives.rights import subject_access
from shared_lives.rights.models import SubjectAccessRequest
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call


def list_measure(session, user, figure) -> int:
    """What the list behind ``figure`` holds, read through that list's own service."""
    args = {k: v for k, v in figure.args.items() if k != "_anchor"}
    anchor = figure.args.get("_anchor")
    if figure.endpoint == "people.index":
        return list_people(session, user, **args).total
    if figure.endpoint == "matches.index":
        return len(list_proposals(session, user, args["status"]))
    if figure.endpoint == "placements.index" and anchor == "reviews":
        return len(placements.reviews_due(session))
    if figure.endpoint == "placements.index":
        return len(
            placements.list_arrangements(
                session, user, args["status"], args.get("arrangement_type", ""), args.get("holding") == "today"
            )
        )
    if figure.endpoint == "carers.compliance" and anchor == "ineligible":
        return len(carers.compliance(session, user)["ineligible"])
    if figure.endpoint == "carers.compliance":
        return carers.compliance(session, user)["result"].total
    if figure.endpoint == "exports.subject_access_open":
        return len(subject_access.open_requests_page(session, user))
    if figure.endpoint == "households.index":
        first = list_households(session, user, **args)
        items = list(first.items)
        for page in range(2, first.pages + 1):
            items += list_households(session, user, **args, page=page).items
        assert len(items) == first.total
        if figure.measure == "free_places":
            return sum(i["free_places"] for i in items)
        if figure.measure == "places":
            return sum(i["capacity"] for i in items)
        return first.total
    raise AssertionError(f"no list known for {figure.endpoint}")


def all_figures(report) -> list:
    out = list(report["pipeline"]) + list(report["checks"]) + list(report["places"]["totals"].values())
    for row in report["places"]["by_type"]:
        out += [row["households"], row["free"], row["taken"]]
    for row in report["places"]["by_area"]:
        out += [row["households"], row["places"], row["free"]]
    return out


def test_every_figure_equals_its_list(app, users, scheme):
    manager = as_user(users["manager"])
    report = call(app, services.scheme_report, manager, "12")
    figures = all_figures(report)
    assert len(figures) >= 30
    # The generated scheme gives most figures something to count, so agreement means something.
    assert sum(1 for f in figures if f.value > 0) >= 20
    assert {r["area"] for r in report["places"]["by_area"]} == {"ME", "TN", "CT"}
    checked = {}
    for figure in figures:
        counted = call(app, list_measure, manager, figure)
        checked[figure.key] = (figure.value, counted)
    wrong = {k: v for k, v in checked.items() if v[0] != v[1]}
    assert not wrong, wrong
    # Subject access requests still to answer are among them, and the scheme has some.
    assert checked["subject_access"][0] > 0
    # The home page's dashboard is the same figures.
    home = call(app, services.dashboard, manager)
    assert [(f.key, f.value) for f in home["pipeline"]] == [(f.key, f.value) for f in report["pipeline"]]


def test_home_pages_link_each_figure(app, users, scheme, signed_in):
    for role in ("manager", "coordinator"):
        page = signed_in(role).get("/").get_data(as_text=True)
        assert 'data-figure="waiting"' in page
        assert 'href="/people?status=waiting"' in page
        assert 'href="/households?availability=space"' in page
        assert ('href="/reports/scheme"' in page) == (role == "manager")
        # Subject access is a manager's work: the figure shows only where its list opens.
        assert ('data-figure="subject_access" href="/subject-access/"' in page) == (role == "manager")
    assert "data-figure" not in signed_in("auditor").get("/").get_data(as_text=True)


def test_scheme_report_page(app, users, scheme, signed_in, db):
    for months in ("3", "6", "12", "nonsense"):
        response = signed_in("manager").get(f"/reports/scheme?months={months}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        for chart in ("chart-pipeline", "chart-time-proposal", "chart-time-arrangement", "chart-places"):
            assert f'aria-labelledby="{chart}-title {chart}-summary"' in page
            assert f'id="{chart}-summary"' in page
        assert 'data-figure="subject_access" href="/subject-access/"' in page
        assert "counted for managers, who answer them" not in page
    auditor = signed_in("auditor").get("/reports/scheme")
    assert auditor.status_code == 200
    assert 'data-figure="subject_access"' not in auditor.get_data(as_text=True)
    assert "counted for managers, who answer them" in auditor.get_data(as_text=True)
    for role in ("coordinator", "carer", "admin"):
        assert signed_in(role).get("/reports/scheme").status_code == 403


def test_waiting_times_median_and_bands(app, db, users):
    """Hand-made: three first proposals in the period (5, 20 and 100 days after referral), one outside it."""
    on = today()
    coordinator = users["coordinator"]
    with app.app_context():
        household = factories.make_household(db)
        for referred_days_ago, proposed_days_ago in ((10, 5), (30, 10), (150, 50), (600, 500)):
            person = factories.make_person(db, referral_date=on - timedelta(days=referred_days_ago))
            for extra in (0, 3):  # a later proposal never changes the first
                db.add(
                    Proposal(
                        person_id=person.id,
                        household_id=household.id,
                        arrangement_type="live_in",
                        rationale="Hand-made",
                        proposed_by_id=coordinator.id,
                        proposed_at=datetime.combine(
                            on - timedelta(days=proposed_days_ago - extra), time(9), tzinfo=UTC
                        ),
                    )
                )
        undated = factories.make_person(db, referral_date=None)
        db.add(Arrangement(person_id=undated.id, household_id=household.id, arrangement_type="live_in", start_date=on))
        db.commit()
        times = services.waiting_times(db, services.months_before(on, 12), on)
    assert sorted(times["proposal"].days) == [5, 20, 100]
    assert times["proposal"].median == 20
    assert dict(times["proposal"].bands) == {
        "Under 2 weeks": 1,
        "2 to 4 weeks": 1,
        "1 to 2 months": 0,
        "2 to 3 months": 0,
        "3 to 6 months": 1,
        "6 months or more": 0,
    }
    assert times["arrangement"].count == 0 and times["arrangement"].undated == 1


@pytest.mark.parametrize(("raw", "months"), [("3", 3), ("6", 6), ("12", 12), ("", 12), ("24", 12), ("²", 12)])
def test_parse_period(raw, months):
    assert services.parse_period(raw) == months


def test_months_before_end_of_month():
    assert services.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert services.months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)


def test_doctests():
    import doctest

    from shared_lives.reports import charts, fairness, outcomes

    for module in (charts, services, fairness, outcomes):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed


def test_subject_access_figure_opens_its_list(app, db, users, scheme, signed_in):
    """The manager's figure, the rows of the list it links to, and the requests not yet released agree."""
    requests = db.exec(select(SubjectAccessRequest)).all()
    unreleased = [r for r in requests if r.status != "released"]
    assert unreleased and len(unreleased) < len(requests), "the scheme must hold released and open requests"
    client = signed_in("manager")
    home = client.get("/").get_data(as_text=True)
    figure = re.search(r'data-figure="subject_access" href="/subject-access/">(\d+)<', home)
    assert figure and int(figure.group(1)) == len(unreleased)
    page = client.get("/subject-access/")
    assert page.status_code == 200
    listed = re.findall(r'href="/subject-access/(\d+)"', page.get_data(as_text=True))
    assert sorted(int(i) for i in listed) == sorted(r.id for r in unreleased)
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.action == "subject_access.list").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes == {"shown": len(unreleased)}
    for role in ("coordinator", "auditor", "carer", "admin"):
        assert signed_in(role).get("/subject-access/").status_code == 403

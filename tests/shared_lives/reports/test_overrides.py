"""Coordinator overrides: the engine's rank recorded when a proposal is made, and the report of
proposals that passed over the engine's top pick or went outside its top 10, with counts under
5 hidden in the page and the CSV, and no rationale in the audit log."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, time, timedelta

from sqlmodel import select

from shared_lives.audit.models import AuditEntry
from shared_lives.matches import services as matches
from shared_lives.matches.models import Proposal
from shared_lives.reports import overrides
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import as_user, call
from tests.shared_lives.reports.test_fairness import page_row

MARKER = "Zqx-rationale-marker"


def suggested_ids(app, user, person_id) -> list[int]:
    """The household ids the person's suggestions page shows, in its order."""
    return [e["household_id"] for e in call(app, matches.suggestions_for_person, user, person_id)["shortlist"]]


def test_the_engine_rank_is_recorded_when_a_proposal_is_made(app, db, users):
    """Eleven households that share the person's interests and one that shares none: the top
    pick is rank 1 and no override; the second is rank 2 (passed over the top pick); the plain
    household is outside the top 10. Each rank is the suggestions page's own order."""
    with app.app_context():
        for _ in range(11):
            factories.make_carer(db, factories.make_household(db, interests=["gardening", "music"]))
        plain = factories.make_household(db, name="The Plain household", interests=[])
        factories.make_carer(db, plain)
        person = factories.make_person(db, status="waiting", interests=["gardening", "music"])
        db.commit()
    coordinator = as_user(users["coordinator"])
    shortlist = suggested_ids(app, coordinator, person.id)
    assert len(shortlist) == matches.SHORTLIST_LENGTH and plain.id not in shortlist

    made = {}
    for name, household_id in (("top", shortlist[0]), ("second", shortlist[1]), ("plain", plain.id)):
        made[name] = call(
            app, matches.create_proposal, coordinator, person.id, household_id, f"{MARKER} {name}", "live_in"
        )
    # 12 households made here and the users fixture's carer household: all allowed.
    ranked = 13
    top, second, far = made["top"], made["second"], made["plain"]
    assert (top.engine_rank, top.engine_top_household_id, top.engine_ranked) == (1, shortlist[0], ranked)
    assert (second.engine_rank, second.engine_top_household_id) == (2, shortlist[0])
    assert far.engine_rank > matches.SHORTLIST_LENGTH and far.engine_top_household_id == shortlist[0]
    assert [overrides.classify(p.engine_rank, p.engine_ranked) for p in (top, second, far)] == [
        "top_pick",
        "passed_over",
        "outside",
    ]
    # The proposal's audit entry holds the rank (a number), never the rationale.
    entry = db.exec(
        select(AuditEntry).where(AuditEntry.action == "proposal.create", AuditEntry.record_id == far.id)
    ).one()
    assert entry.changes["engine_rank"] == far.engine_rank
    assert MARKER not in json.dumps(entry.changes)


def test_the_rank_is_for_the_arrangement_type_proposed(app, db, users):
    """A person referred for short breaks, proposed for live-in with a household that offers only
    live-in: ranked for live-in, as proposed. For the referral's type the engine ranks it nowhere."""
    with app.app_context():
        live_in_only = factories.make_household(db, arrangement_types=["live_in"])
        factories.make_carer(db, live_in_only, terms_arrangement_types=["live_in"])
        person = factories.make_person(db, status="waiting", arrangement_type="short_breaks")
        db.commit()
    coordinator = as_user(users["coordinator"])
    proposal = call(app, matches.create_proposal, coordinator, person.id, live_in_only.id, "Why", "live_in")
    assert proposal.arrangement_type == "live_in"
    assert proposal.engine_rank is not None and proposal.engine_ranked >= 1
    as_referred = call(app, lambda session: matches.engine_rank(session, person, live_in_only.id))
    assert as_referred.rank is None


def at(days_ago: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days_ago), time(10), tzinfo=UTC)


#: (engine_rank, engine_ranked, how many) for the hand-made proposals of the first coordinator.
MADE = (
    (1, 12, 2),  # the engine's top pick: not an override
    (2, 12, 3),  # passed over the top pick
    (7, 12, 2),  # passed over the top pick
    (15, 40, 1),  # outside the top 10
    (None, 8, 1),  # not in the engine's ranking that day
    (None, None, 6),  # made before ranks were recorded
)


def make_proposals(db, users):
    """Hand-made proposals with recorded ranks (and some without), all in the last 3 months; a
    second coordinator has two proposals, both overrides. Returns the top pick household."""
    top = factories.make_household(db, name="The Top Pick household")
    household = factories.make_household(db, name="The Chosen household")
    other = factories.make_user(db, "coordinator", name="Second Coordinator")
    rows = [(users["coordinator"], *m) for m in MADE] + [(other, 3, 12, 1), (other, 20, 30, 1)]
    n = 0
    for by, rank, ranked, times in rows:
        for _ in range(times):
            n += 1
            person = factories.make_person(db, first_name="Verity", last_name=f"Nameless{n}")
            db.add(
                Proposal(
                    person_id=person.id,
                    household_id=top.id if rank == 1 else household.id,
                    arrangement_type="live_in",
                    rationale=f"{MARKER} {n}",
                    proposed_by_id=by.id,
                    proposed_at=at(10 + n),
                    engine_rank=rank,
                    engine_top_household_id=top.id if ranked else None,
                    engine_ranked=ranked,
                )
            )
    db.commit()
    return top


#: The first coordinator: 15 proposals, 6 without a rank, 9 ranked, 7 overrides (5 passed over,
#: 1 outside, 1 not ranked): 78% of those ranked. Everyone: 17, 6, 11, 9 (6, 2, 1): 82%.
FIRST = ["15", "6", "9", "7", "5", "fewer than 5", "fewer than 5", "78%"]
EVERYONE = ["17", "6", "11", "9", "6", "fewer than 5", "fewer than 5", "82%"]
SECOND = ["fewer than 5"] * 8


def test_overrides_are_counted_and_suppressed_in_the_page_and_the_csv(app, db, users, signed_in):
    with app.app_context():
        make_proposals(db, users)
    client = signed_in("manager")
    page = client.get("/reports/overrides?months=3").get_data(as_text=True)
    coordinator = users["coordinator"].name
    assert page_row(page, overrides.ALL) == EVERYONE
    assert page_row(page, coordinator) == FIRST
    assert page_row(page, "Second Coordinator") == SECOND
    assert "are counted apart, never guessed" in page

    rows = list(csv.reader(io.StringIO(client.get("/reports/overrides.csv?months=3").get_data(as_text=True))))
    assert tuple(rows[0]) == overrides.COUNTS_CSV_HEADER
    by_name = {r[0]: r[1:] for r in rows[1:]}
    assert by_name == {overrides.ALL: EVERYONE, coordinator: FIRST, "Second Coordinator": SECOND}
    # No count from 1 to 4 anywhere, in the page's table or the CSV.
    for cells in by_name.values():
        for cell in cells[:-1]:
            assert cell == "fewer than 5" or int(cell) >= 5 or cell == "0", cells

    # The fairness report carries the everyone row, suppressed the same way.
    fairness_page = client.get("/reports/fairness?months=3").get_data(as_text=True)
    section = fairness_page[fairness_page.index('id="overrides"') :]
    values = re.findall(r'govuk-summary-list__value">([^<]*)<', section)
    assert values == ["11", "9", "82%", "6"]


def test_each_override_is_listed_with_its_rationale(app, db, users, signed_in):
    with app.app_context():
        top = make_proposals(db, users)
    for role in ("manager", "auditor"):
        page = signed_in(role).get("/reports/overrides?months=3").get_data(as_text=True)
        assert "9 overrides, newest first" in page
        # Every override's rationale is listed; the top picks' and the unrecorded ones' are not.
        listed = sorted(int(n) for n in re.findall(rf"{MARKER} (\d+)</td>", page))
        kinds = {
            int(p.rationale.split()[-1]): overrides.classify(p.engine_rank, p.engine_ranked)
            for p in db.exec(select(Proposal)).all()
        }
        assert listed == sorted(n for n, k in kinds.items() if k in overrides.KINDS)
        assert len(listed) == 9
        assert "15th of 40" in page and "Not ranked (8 households ranked)" in page and "2nd of 12" in page
        assert f"{top.name}</a> ({top.reference})" in page
        # People appear by reference only: no names, for managers and auditors alike.
        assert "Nameless" not in page and "Verity" not in page

    rows = list(
        csv.reader(
            io.StringIO(signed_in("auditor").get("/reports/overrides.csv?months=3&table=list").get_data(as_text=True))
        )
    )
    assert tuple(rows[0]) == overrides.LIST_CSV_HEADER
    assert len(rows) == 1 + 9
    assert {r[10] for r in rows[1:]} == set(overrides.KINDS.values())
    assert all(r[11].startswith(MARKER) for r in rows[1:])
    assert not any("Nameless" in cell for r in rows for cell in r)


def test_views_and_exports_are_audited_without_rationale(app, db, users, signed_in):
    with app.app_context():
        make_proposals(db, users)
    for role in ("coordinator", "carer", "admin"):
        for url in ("/reports/overrides", "/reports/overrides.csv", "/reports/overrides.csv?table=list"):
            assert signed_in(role).get(url).status_code == 403
    auditor = signed_in("auditor")
    assert auditor.get("/reports/overrides?months=3").status_code == 200
    assert auditor.get("/reports/overrides.csv?months=3").status_code == 200
    assert auditor.get("/reports/overrides.csv?months=3&table=list").status_code == 200
    assert signed_in("manager").get("/reports/fairness?months=3").status_code == 200
    entries = db.exec(select(AuditEntry).where(AuditEntry.action.like("report.%"))).all()
    seen = {(e.action, e.actor_role, json.dumps(e.changes, sort_keys=True)) for e in entries}
    assert {
        (
            "report.view",
            "auditor",
            json.dumps({"count": 9, "filters": ["3", "1"], "page": "overrides"}, sort_keys=True),
        ),
        (
            "report.export",
            "auditor",
            json.dumps({"count": 3, "filters": ["3", "counts"], "format": "csv", "page": "overrides"}, sort_keys=True),
        ),
        (
            "report.export",
            "auditor",
            json.dumps({"count": 9, "filters": ["3", "list"], "format": "csv", "page": "overrides"}, sort_keys=True),
        ),
    } <= seen
    # No rationale, and no name, anywhere in the whole log.
    every = db.exec(select(AuditEntry)).all()
    text = " ".join(json.dumps(e.changes) + e.actor_label for e in every)
    assert MARKER not in text and "Nameless" not in text


def test_doctests():
    import doctest

    result = doctest.testmod(overrides)
    assert result.attempted and not result.failed

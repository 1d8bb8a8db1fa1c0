"""The journey as a state machine (reliability.md Workflow items 6 and 9)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.carers.models import Carer, DbsCheck
from shared_lives.errors import Conflict, NotFound, PermissionDenied, ValidationError
from shared_lives.households.models import Household
from shared_lives.matches import services
from shared_lives.matches.models import EngineRun, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.matches.helpers import call

ROOT = Path(__file__).resolve().parents[3]


def propose(app, w, person=None, household=None, **kw):
    return call(
        app,
        services.create_proposal,
        w.coordinator,
        (person or w.person).id,
        (household or w.household).id,
        kw.pop("rationale", "Both enjoy gardening; close to Sam's family."),
        **kw,
    )


def agree(app, w, proposal_id, side):
    if side == "person":
        return call(
            app,
            services.record_response,
            w.coordinator,
            proposal_id,
            "person",
            "agree",
            "person",
            "Sam Quenby",
            "Talked with Sam and Pat together, with pictures",
            person_views="Sam liked the garden and the dog",
            easy_read_used=True,
        )
    return call(app, services.record_response, w.coordinator, proposal_id, "household", "agree", "carer", "Ann Rivers")


def approve(app, w, proposal_id, user=None):
    return call(app, services.approve, user or w.manager, proposal_id)


def fresh(db, model, ident):
    db.expire_all()
    return db.get(model, ident)


def count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


STEPS = ("person", "carer", "approval")
SCENARIOS = [
    order for n in range(4) for subset in itertools.combinations(STEPS, n) for order in itertools.permutations(subset)
]


@pytest.mark.parametrize("order", SCENARIOS, ids=lambda o: "-".join(o) or "nothing")
def test_no_path_to_an_arrangement_without_all_three(app, db, people_places, order):
    w = people_places
    proposal = propose(app, w)
    for step in order:
        if step == "approval":
            try:
                approve(app, w, proposal.id)
            except ValidationError as exc:
                assert "side has not agreed" in str(exc) or "agreement has not been recorded" in str(exc)
        else:
            agree(app, w, proposal.id, "household" if step == "carer" else "person")
    arrangements = count(db, Arrangement)
    complete = set(order) == set(STEPS) and order[-1] == "approval"
    assert arrangements == (1 if complete else 0)
    status = fresh(db, Proposal, proposal.id).status
    if complete:
        assert status == "active"
        assert db.exec(select(Person.status).where(Person.id == w.person.id)).one() == "matched"
    else:
        assert status != "active"
        assert db.exec(select(Person.status).where(Person.id == w.person.id)).one() == "waiting"


def test_states_move_proposed_introductions_agreed_active(app, db, people_places):
    w = people_places
    p = propose(app, w)
    assert p.status == "proposed"
    agree(app, w, p.id, "household")
    assert fresh(db, Proposal, p.id).status == "introductions"
    agree(app, w, p.id, "person")
    assert fresh(db, Proposal, p.id).status == "agreed"
    arrangement = approve(app, w, p.id)
    row = fresh(db, Proposal, p.id)
    assert (row.status, row.approved_by_id) == ("active", w.manager.id)
    assert arrangement.proposal_id == p.id
    runs = db.exec(select(EngineRun.kind).where(EngineRun.subject_id.in_([p.id, w.person.id]))).all()
    assert {"proposal", "approval"} <= set(runs)  # the checks at proposal and approval are on record
    reviews = db.exec(select(Review).where(Review.arrangement_id == arrangement.id).order_by(Review.due_on)).all()
    assert [(r.kind, r.due_on - arrangement.start_date) for r in reviews] == [
        ("first", timedelta(weeks=5)),
        ("annual", reviews[1].due_on - arrangement.start_date),
    ]
    assert 365 <= (reviews[1].due_on - arrangement.start_date).days <= 366
    responses = db.exec(select(ProposalResponse).where(ProposalResponse.proposal_id == p.id)).all()
    person_side = next(r for r in responses if r.side == "person")
    assert (person_side.given_by, person_side.capacity_state) == ("person", "not_assessed")
    assert person_side.how_checked and person_side.easy_read_used and person_side.person_views


def test_the_proposer_cannot_approve_even_as_a_manager(app, db, people_places):
    w = people_places
    p = propose(app, w)
    agree(app, w, p.id, "person")
    agree(app, w, p.id, "household")
    row = fresh(db, Proposal, p.id)
    row.proposed_by_id = w.manager.id  # as if a manager had proposed it
    db.add(row)
    db.commit()
    with pytest.raises(ValidationError, match="four eyes"):
        approve(app, w, p.id)
    assert count(db, Arrangement) == 0
    approve(app, w, p.id, user=w.manager2)
    assert count(db, Arrangement) == 1


def test_only_managers_approve_and_a_manager_can_do_what_a_coordinator_does(app, db, people_places):
    w = people_places
    for user in (w.carer, w.auditor):
        with pytest.raises(PermissionDenied):
            call(app, services.create_proposal, user, w.person.id, w.household.id, "why")
    p = call(app, services.create_proposal, w.manager, w.person.id, w.household.id, "Both like gardening")
    call(app, services.add_introduction, w.manager, p.id, "tea_visit", today())
    agree(app, w, p.id, "person")
    call(app, services.record_response, w.manager, p.id, "household", "agree", "carer", "Ann Rivers")
    for user in (w.coordinator, w.carer, w.auditor):
        with pytest.raises(PermissionDenied):
            approve(app, w, p.id, user=user)
    with pytest.raises(ValidationError, match="four eyes"):
        approve(app, w, p.id)  # the manager who proposed it
    assert count(db, Arrangement) == 0
    approve(app, w, p.id, user=w.manager2)
    assert count(db, Arrangement) == 1


def test_person_response_needs_who_how_and_their_views(app, people_places):
    w = people_places
    p = propose(app, w)
    views = {"person_views": "Keen"}
    with pytest.raises(ValidationError, match="how Sam reached"):
        call(app, services.record_response, w.coordinator, p.id, "person", "agree", "person", "Sam", "", **views)
    with pytest.raises(ValidationError, match="thinks and feels"):
        call(app, services.record_response, w.coordinator, p.id, "person", "agree", "person", "Sam", "Asked")
    with pytest.raises(ValidationError, match="who gave"):
        call(app, services.record_response, w.coordinator, p.id, "person", "agree", "carer", "Sam", "asked", **views)
    with pytest.raises(ValidationError, match="only Sam's own answer counts"):
        call(app, services.record_response, w.coordinator, p.id, "person", "agree", "best_interests", "Dr Lee", **views)
    call(app, services.record_response, w.coordinator, p.id, "person", "agree", "person", "Sam", "Asked", **views)


def test_decline_closes_without_deleting_and_the_person_waits(app, db, people_places):
    w = people_places
    p = propose(app, w)
    agree(app, w, p.id, "person")
    with pytest.raises(ValidationError, match="reason"):
        call(app, services.record_response, w.coordinator, p.id, "household", "decline", "carer", "Ann", reason="")
    call(
        app,
        services.record_response,
        w.coordinator,
        p.id,
        "household",
        "decline",
        "carer",
        "Ann",
        reason="timing",
        note="Family illness this winter",
    )
    row = fresh(db, Proposal, p.id)
    assert (row.status, row.closed_reason, row.carer_response) == ("declined", "timing", "decline")
    assert count(db, ProposalResponse, ProposalResponse.proposal_id == p.id) == 2
    with pytest.raises(ValidationError):
        agree(app, w, p.id, "household")
    with pytest.raises(ValidationError):
        approve(app, w, p.id)
    assert fresh(db, Person, w.person.id).status == "waiting"
    # A new proposal for the same pair may be made later.
    propose(app, w)


def test_a_side_that_agreed_can_withdraw(app, db, people_places):
    w = people_places
    p = propose(app, w)
    agree(app, w, p.id, "person")
    agree(app, w, p.id, "household")
    call(
        app,
        services.record_response,
        w.coordinator,
        p.id,
        "person",
        "withdraw",
        "person",
        "Sam",
        "Asked Sam",
        reason="not_right_fit",
        person_views="Sam would rather stay near college",
    )
    assert fresh(db, Proposal, p.id).status == "withdrawn"
    with pytest.raises(ValidationError):
        approve(app, w, p.id)


def test_several_open_proposals_but_one_live_in(app, db, people_places):
    w = people_places
    with app.app_context():
        other = factories.make_household(db, name="The Oak household")
        factories.make_carer(db, other)
        db.commit()
    a = propose(app, w)
    b = propose(app, w, household=other)
    for p in (a, b):
        agree(app, w, p.id, "person")
        agree(app, w, p.id, "household")
    approve(app, w, a.id)
    with pytest.raises(Conflict, match="already has an active live-in"):
        approve(app, w, b.id)
    assert count(db, Arrangement) == 1


def test_carer_answers_only_for_their_own_household(app, db, people_places):
    w = people_places
    mine = propose(app, w, household=fresh(db, type(w.household), w.carer_household_id))
    theirs = propose(app, w)
    call(app, services.record_response, w.carer, mine.id, "household", "agree", "carer", "Me")
    with pytest.raises(NotFound):
        call(app, services.record_response, w.carer, theirs.id, "household", "agree", "carer", "Me")
    with pytest.raises(PermissionDenied):
        call(
            app,
            services.record_response,
            w.carer,
            mine.id,
            "person",
            "agree",
            "person",
            "Sam",
            "asked",
            person_views="x",
        )


@pytest.mark.parametrize(
    "change, reason",
    [
        ("approval_expired", "approval"),
        ("dbs_expired", "DBS"),
        ("terms", "not approved for live in"),
        ("full", "free place"),
    ],
)
def test_approval_rechecks_hard_constraints_now(app, db, people_places, change, reason):
    w = people_places
    p = propose(app, w)
    agree(app, w, p.id, "person")
    agree(app, w, p.id, "household")
    carer = db.exec(select(Carer).where(Carer.household_id == w.household.id)).one()
    if change == "approval_expired":
        carer.approval_expires = today() - timedelta(days=1)
    elif change == "dbs_expired":
        household = db.get(Household, w.household.id)
        household.members = [{"name": "Adult Son", "age": 22, "relationship": "Son"}]
        db.add(household)
        with app.app_context():
            db.add(
                DbsCheck(
                    household_id=w.household.id,
                    adult_name="Adult Son",
                    issued_on=today() - timedelta(days=1200),
                    renew_by=today() - timedelta(days=3),
                )
            )
    elif change == "terms":
        carer.terms_arrangement_types = ["short_breaks"]
    else:
        other = factories.make_person(db, first_name="Kim")
        db.add(
            Arrangement(person_id=other.id, household_id=w.household.id, arrangement_type="live_in", start_date=today())
        )
    db.add(carer)
    db.commit()
    with pytest.raises((ValidationError, Conflict)) as exc:
        approve(app, w, p.id)
    assert "cannot be approved now" in str(exc.value)
    assert reason.lower() in str(exc.value).lower()
    assert fresh(db, Proposal, p.id).status == "agreed"
    assert count(db, Arrangement, Arrangement.person_id == w.person.id) == 0


def test_an_error_midway_through_approval_leaves_nothing(app, db, people_places, monkeypatch):
    w = people_places
    p = propose(app, w)
    agree(app, w, p.id, "person")
    agree(app, w, p.id, "household")
    audits_before = count(db, AuditEntry)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("shared_lives.placements.services.schedule_first_reviews", boom)
    with pytest.raises(RuntimeError):
        approve(app, w, p.id)
    assert fresh(db, Proposal, p.id).status == "agreed"
    assert count(db, Arrangement) == 0
    assert count(db, Review) == 0
    assert count(db, AuditEntry) == audits_before
    assert fresh(db, Person, w.person.id).status == "waiting"


def test_suggestions_record_an_engine_run_and_create_no_proposal(app, db, people_places):
    w = people_places
    out = call(app, services.suggestions_for_person, w.coordinator, w.person.id)
    assert count(db, Proposal) == 0
    assert count(db, Arrangement) == 0
    run = fresh(db, EngineRun, out["run"].id)
    assert run.weights_version and run.kind == "person" and run.subject_id == w.person.id
    assert [p["id"] for p in run.input_snapshot["people"]] == [w.person.id]
    snapshot_text = str(run.input_snapshot)
    assert "risk" not in snapshot_text.lower() and "Quenby" not in snapshot_text
    assert any(e["household_id"] == w.household.id for e in out["shortlist"])
    assert count(db, AuditEntry, AuditEntry.action == "engine.run") == 1


def test_the_engine_code_cannot_create_proposals_or_arrangements():
    for path in (ROOT / "matching").rglob("*.py"):
        text = path.read_text()
        for word in ("shared_lives", "sqlmodel", "sqlalchemy", "Proposal(", "Arrangement(", "flask"):
            assert word not in text, f"{path} mentions {word}"

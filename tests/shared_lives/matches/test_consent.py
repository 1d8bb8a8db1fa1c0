"""Consent the law recognises (issue 10; reliability.md item 30).

Every combination of capacity (has / lacks / not assessed / assessment out of date)
x who answered for the person x their decision x authority recorded or not is taken
through the service to an approval attempt: it reaches an arrangement only when the
Mental Capacity Act recognises the decision, and is otherwise refused with the message
that says why. Then the re-checks at approval on the current records: a later
assessment, an out-of-date one, liberty, and unreviewed carer changes.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import func, select

from shared_lives.errors import ValidationError
from shared_lives.households import services as household_services
from shared_lives.households.models import Household
from shared_lives.matches import services
from shared_lives.matches.models import CapacityAssessment, Proposal
from shared_lives.placements.models import Arrangement
from shared_lives.rules import consent as rules
from shared_lives.timeutil import today
from tests.shared_lives.matches.helpers import call, person_agrees

CAPACITY = ("has", "lacks", "not_assessed", "stale")
WHO = ("person", "attorney", "deputy", "best_interests", "advocate", "other")
DECISIONS = ("agree", "decline")
AUTHORITY = ("recorded", "missing")
COMBINATIONS = list(itertools.product(CAPACITY, WHO, DECISIONS, AUTHORITY))

#: Everything a representative could show: a registered health-and-welfare LPA, a
#: welfare deputyship and a full best-interests record. Given to people who may not
#: decide, it must change nothing.
PAPERS = {
    "attorney": {
        "authority_kind": "lpa_health_welfare",
        "authority_reference": "LPA-7000-1234-5678",
        "authority_registered": True,
        "authority_covers_residence": True,
    },
    "deputy": {
        "authority_kind": "deputy_welfare",
        "authority_reference": "COP 13245678",
        "authority_covers_residence": True,
    },
    "best_interests": {
        "bi_maker_role": "Social worker",
        "bi_consulted": ("family", "unpaid_carers"),
        "bi_wishes": "Sam has always wanted a garden and a dog; dislikes noise",
        "bi_less_restrictive": "Support at home with visits was tried and was not enough",
    },
}


def lawful(capacity: str, who: str, decision: str, authority: str) -> bool:
    """The Mental Capacity Act, written out independently of the code under test."""
    if who == "person" and decision == "decline":
        return True  # a person's own "no" always ends a proposal
    if capacity in ("has", "not_assessed"):
        return who == "person"
    if capacity == "lacks":
        return who in ("attorney", "deputy", "best_interests") and authority == "recorded"
    return False  # out of date: assess again first


def expected_message(capacity: str, who: str, decision: str) -> str:
    if capacity == "stale":
        return "assessed too long ago"
    if capacity in ("has", "not_assessed"):
        return "only Sam's own answer counts"
    if who == "person":
        return "assessed as lacking capacity"
    if who in ("advocate", "other"):
        return "cannot decide for Sam"
    return {"attorney": "health and welfare", "deputy": "personal welfare deputy"}.get(who, "decision-maker")


def answer_fields(who: str, authority: str) -> dict:
    fields = {"person_views": "Sam smiled at the photos of the garden and asked about the dog"}
    if authority == "recorded":
        papers = {k: v for part in PAPERS.values() for k, v in part.items()} if who not in PAPERS else PAPERS[who]
        fields |= papers | {"authority_seen_on": today() - timedelta(days=3)}
    return fields


def assess(app, w, proposal_id, capacity: str):
    if capacity == "not_assessed":
        return
    outcome = "has" if capacity in ("has", "stale") else "lacks"
    when = rules.add_months(today(), -13) if capacity == "stale" else today() - timedelta(days=2)
    call(
        app,
        services.record_capacity_assessment,
        w.coordinator,
        proposal_id,
        outcome,
        when,
        "Dana Okafor",
        "Social worker",
        "Whether to live with the Rivers household",
    )


def count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_the_rule_table_itself_counts_seven_lawful_yeses_in_96():
    """The figures for the closing note, from the rules alone (the service test below checks each)."""
    reached = unlawful = 0
    for capacity, who, decision, authority in COMBINATIONS:
        answer = rules.Answer(
            decision=decision,
            given_by=who,
            given_by_name="Someone Named",
            how_checked="Asked with pictures",
            **answer_fields(who, authority),
        )
        accepted = not rules.answer_problems(capacity, answer, "Sam", today())
        approvable = not rules.approval_problems(capacity, answer, "Sam", today())
        assert accepted == lawful(capacity, who, decision, authority), (capacity, who, decision, authority)
        reached += approvable
        unlawful += approvable and not (decision == "agree" and lawful(capacity, who, decision, authority))
    assert (len(COMBINATIONS), reached, unlawful) == (96, 7, 0)


@pytest.mark.parametrize(("capacity", "who", "decision", "authority"), COMBINATIONS, ids="-".join)
def test_every_combination_reaches_approval_only_when_lawful(
    app, db, people_places, capacity, who, decision, authority
):
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Both love gardening")
    assess(app, w, p.id, capacity)
    if capacity == "lacks":  # live-in for someone lacking capacity: the liberty question is answered
        call(app, services.record_liberty, w.coordinator, p.id, True, "COP 99887766", today() + timedelta(days=200))
    call(app, services.record_response, w.coordinator, p.id, "household", "agree", "carer", "Ann Rivers")
    args = (p.id, "person", decision, who, "Pat Quenby", "Asked Sam with the easy-read page")
    kwargs = answer_fields(who, authority) | ({"reason": "not_right_fit"} if decision == "decline" else {})
    if lawful(capacity, who, decision, authority):
        call(app, services.record_response, w.coordinator, *args, **kwargs)
    else:
        with pytest.raises(services.ConsentRefused) as refused:
            call(app, services.record_response, w.coordinator, *args, **kwargs)
        assert expected_message(capacity, who, decision) in " ".join(p.message for p in refused.value.problems)
        assert refused.value.problems[0].field  # shown beside a field of the form
    should_start = decision == "agree" and lawful(capacity, who, decision, authority)
    if should_start:
        arrangement = call(app, services.approve, w.manager2, p.id)
        assert arrangement.person_id == w.person.id
    else:
        with pytest.raises(ValidationError):
            call(app, services.approve, w.manager2, p.id)
    assert count(db, Arrangement) == (1 if should_start else 0)
    db.expire_all()
    status = db.get(Proposal, p.id).status
    assert status == (
        "active" if should_start else "declined" if lawful(capacity, who, decision, authority) else "introductions"
    )


def test_a_best_interests_decision_with_no_one_to_consult_needs_an_imca(app, people_places):
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    assess(app, w, p.id, "lacks")
    fields = answer_fields("best_interests", "recorded")
    for consulted in ((), ("imca_not_a_choice",)):
        with pytest.raises(services.ConsentRefused, match="consulted"):
            call(
                app,
                services.record_response,
                w.coordinator,
                p.id,
                "person",
                "agree",
                "best_interests",
                "Dr Lee",
                **fields | {"bi_consulted": consulted},
            )
    call(
        app,
        services.record_response,
        w.coordinator,
        p.id,
        "person",
        "agree",
        "best_interests",
        "Dr Lee",
        **fields | {"bi_consulted": ("imca",)},
    )


def test_an_attorney_needs_a_registered_health_and_welfare_lpa_covering_where_they_live(app, people_places):
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    assess(app, w, p.id, "lacks")
    good = answer_fields("attorney", "recorded")
    for change, message in (
        ({"authority_kind": "lpa_property_finance"}, "health and welfare"),
        ({"authority_registered": False}, "registered"),
        ({"authority_covers_residence": False}, "where Sam lives"),
        ({"authority_reference": " "}, "reference"),
        ({"authority_seen_on": today() + timedelta(days=1)}, "cannot be in the future"),
    ):
        with pytest.raises(services.ConsentRefused) as refused:
            call(
                app,
                services.record_response,
                w.coordinator,
                p.id,
                "person",
                "agree",
                "attorney",
                "Pat",
                **good | change,
            )
        assert message in " ".join(x.message for x in refused.value.problems), change


def test_approval_rechecks_capacity_on_the_current_records(app, db, people_places, signed_in):
    """Sam agreed while capacity was presumed; an assessment then found Sam lacks it."""
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    person_agrees(app, w.coordinator, p.id)
    call(app, services.record_response, w.coordinator, p.id, "household", "agree", "carer", "Ann Rivers")
    assess(app, w, p.id, "lacks")
    with app.app_context():
        proposal = db.get(Proposal, p.id)
        blockers = services.approval_blockers(db, w.manager2, proposal)
    assert any("assessed as lacking capacity" in b for b in blockers)
    with pytest.raises(ValidationError, match="assessed as lacking capacity"):
        call(app, services.approve, w.manager2, p.id)
    # The lawful decision is recorded (the earlier "yes" no longer stands, so it may be given again).
    call(
        app,
        services.record_response,
        w.coordinator,
        p.id,
        "person",
        "agree",
        "best_interests",
        "Dana Okafor",
        **answer_fields("best_interests", "recorded"),
    )
    with pytest.raises(ValidationError, match="liberty"):
        call(app, services.approve, w.manager2, p.id)
    with pytest.raises(ValidationError, match="reference"):
        call(app, services.record_liberty, w.coordinator, p.id, True, "", today() + timedelta(days=90))
    call(app, services.record_liberty, w.coordinator, p.id, True, "COP 12345", today() + timedelta(days=30))
    call(app, services.approve, w.manager2, p.id)
    assert count(db, Arrangement) == 1
    expiring = call(app, services.liberty_authorisations_expiring, w.manager, 60)
    assert [(e["reference"], e["person"]) for e in expiring] == [("COP 12345", "Sam Quenby")]
    assert call(app, services.liberty_authorisations_expiring, w.manager, 20) == []
    compliance = signed_in("auditor").get("/households/compliance").get_data(as_text=True)
    assert "Deprivation of liberty authorisations expiring within 60 days (1)" in compliance
    assert "COP 12345" in compliance and "Sam Quenby" in compliance


def test_an_out_of_date_assessment_prompts_a_new_one_before_approval(app, db, people_places, signed_in):
    w = people_places
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    assess(app, w, p.id, "has")
    person_agrees(app, w.coordinator, p.id)
    call(app, services.record_response, w.coordinator, p.id, "household", "agree", "carer", "Ann Rivers")
    # Time passes: the assessment is now 13 months old (the setting is 12).
    assessment = db.exec(select(CapacityAssessment).where(CapacityAssessment.proposal_id == p.id)).one()
    assessment.assessed_on = rules.add_months(today(), -13)
    db.add(assessment)
    db.commit()
    with pytest.raises(ValidationError, match="assessed too long ago"):
        call(app, services.approve, w.manager2, p.id)
    with app.app_context():
        assert services.person_capacity(db, w.person.id)["stale"]
    person_page = signed_in("coordinator").get(f"/people/{w.person.id}").get_data(as_text=True)
    assert "Has capacity to decide “Whether to live with the Rivers household”" in person_page
    assert 'id="capacity-stale"' in person_page and "more than 12 months old" in person_page
    assess(app, w, p.id, "has")
    assert 'id="capacity-stale"' not in signed_in("coordinator").get(f"/people/{w.person.id}").get_data(as_text=True)
    call(app, services.approve, w.manager2, p.id)
    assert count(db, Arrangement) == 1


def test_a_person_whose_record_says_they_lack_capacity_is_assessed_before_agreeing(app, db, people_places):
    w = people_places
    person = db.get(type(w.person), w.person.id)
    person.capacity = "lacks_capacity"  # Janice's case: the record says so, the decision was never assessed
    db.add(person)
    db.commit()
    p = call(app, services.create_proposal, w.coordinator, w.person.id, w.household.id, "Why")
    with pytest.raises(services.ConsentRefused, match="assess their capacity"):
        person_agrees(app, w.coordinator, p.id)


def test_unreviewed_carer_changes_block_approval_until_reviewed(app, db, people_places, signed_in):
    w = people_places
    own = w.carer_household_id
    p = call(app, services.create_proposal, w.coordinator, w.person.id, own, "Close to family")
    person_agrees(app, w.coordinator, p.id)
    call(app, services.record_response, w.carer, p.id, "household", "agree", "carer", "Me")
    household = db.get(Household, own)
    household.needs_review, household.review_note = True, "Carer changed: pets changed."  # as a carer's save leaves it
    db.add(household)
    db.commit()
    with pytest.raises(ValidationError, match="no one has reviewed"):
        call(app, services.approve, w.manager2, p.id)
    assert count(db, Arrangement) == 0
    page = signed_in("manager").get(f"/proposals/{p.id}/approve").get_data(as_text=True)
    assert 'id="approval-blockers"' in page and "no one has reviewed the changes yet" in page
    assert "Approve and start the arrangement" not in page  # no button while anything blocks
    call(app, household_services.mark_reviewed, w.coordinator, own)
    call(app, services.approve, w.manager2, p.id)
    assert count(db, Arrangement) == 1

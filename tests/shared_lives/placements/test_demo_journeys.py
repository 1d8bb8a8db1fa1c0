"""The demo scheme shows reviews due and overdue, and a best-interests arrangement (issue 10, item 8)."""

from __future__ import annotations

from sqlmodel import select

from shared_lives.demo import load_demo
from shared_lives.matches.models import CapacityAssessment, LibertyRecord, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.placements.services import reviews_due
from shared_lives.rules import consent as rules
from shared_lives.timeutil import today


def test_the_demo_scheme_has_reviews_due_and_overdue_and_a_best_interests_decision(app, db, signed_in):
    with app.app_context():
        load_demo(db)
        db.commit()
        due = reviews_due(db)
    assert any(r.overdue for r, *_ in due) and any(not r.overdue for r, *_ in due)
    response = db.exec(
        select(ProposalResponse).where(ProposalResponse.side == "person", ProposalResponse.given_by == "best_interests")
    ).one()
    proposal = db.get(Proposal, response.proposal_id)
    person = db.get(Person, proposal.person_id)
    arrangement = db.exec(select(Arrangement).where(Arrangement.proposal_id == proposal.id)).one()
    assessment = db.exec(select(CapacityAssessment).where(CapacityAssessment.proposal_id == proposal.id)).one()
    liberty = db.exec(select(LibertyRecord).where(LibertyRecord.proposal_id == proposal.id)).one()
    assert (person.capacity, assessment.outcome, arrangement.status) == ("lacks_capacity", "lacks", "active")
    # The recorded decision is one the law recognises, judged by the same rules as approval.
    state = rules.capacity_state(assessment, today(), 12)
    assert rules.approval_problems(state, response, person.first_name, today()) == []
    assert rules.liberty_problems("live_in", state, liberty, person.first_name, today()) == []
    page = signed_in("manager").get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "A best-interests decision-maker" in page and response.bi_wishes.split(";")[0] in page
    home = signed_in("coordinator").get("/").get_data(as_text=True)
    assert "Overdue" in home and "Interim visit" in home
    assert db.exec(select(Review).where(Review.kind == "interim")).first() is not None


def test_no_demo_arrangement_lacks_a_decision_the_law_recognises(app, db):
    """reliability.md item 30 on the demo scheme: each arrangement's proposal holds a person-side
    decision that the consent rules accept, judged as things stood when it was approved."""
    with app.app_context():
        load_demo(db)
        db.commit()
    arrangements = db.exec(select(Arrangement)).all()
    unrecognised = []
    for arrangement in arrangements:
        proposal = db.get(Proposal, arrangement.proposal_id) if arrangement.proposal_id else None
        if proposal is None:
            unrecognised.append(arrangement.id)
            continue
        answer = db.exec(
            select(ProposalResponse)
            .where(ProposalResponse.proposal_id == proposal.id, ProposalResponse.side == "person")
            .order_by(ProposalResponse.recorded_at.desc())
        ).first()
        assessment = db.exec(select(CapacityAssessment).where(CapacityAssessment.proposal_id == proposal.id)).first()
        person = db.get(Person, proposal.person_id)
        on = proposal.approved_at.date()
        state = rules.capacity_state(assessment, on, 12)
        doubt = assessment is None and person.capacity == "lacks_capacity"
        liberty = db.exec(select(LibertyRecord).where(LibertyRecord.proposal_id == proposal.id)).first()
        if rules.approval_problems(state, answer, person.first_name, on, doubt) or rules.liberty_problems(
            proposal.arrangement_type, state, liberty, person.first_name, on
        ):
            unrecognised.append(arrangement.id)
    assert len(arrangements) >= 6 and unrecognised == []

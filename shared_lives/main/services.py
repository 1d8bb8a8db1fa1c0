"""Figures for each role's home page."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.models import User
from shared_lives.carers import services as carers
from shared_lives.households.models import Household
from shared_lives.matches.services import waiting_for_carer
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.reports import services as reports
from shared_lives.rights import subject_access


def _count(session: Session, stmt) -> int:
    return session.exec(select(func.count()).select_from(stmt.subquery())).one()


def _journey_items(session: Session, user) -> dict:
    """Reviews due or overdue, and proposals waiting for a manager's approval (journey area)."""
    from shared_lives.matches.models import Proposal
    from shared_lives.placements.services import reviews_due

    due = reviews_due(session)
    awaiting = session.exec(
        select(Proposal, Person, Household)
        .join(Person, Person.id == Proposal.person_id)
        .join(Household, Household.id == Proposal.household_id)
        .where(Proposal.status == "agreed")
        .order_by(Proposal.proposed_at)
        .limit(20)
    ).all()
    return {
        "reviews_due": [
            {
                "review_id": r.id,
                "arrangement_id": a.id,
                "label": r.label,
                "due_on": r.due_on,
                "overdue": r.overdue,
                "person": f"{p.first_name} {p.last_name}",
                "household": h.name,
            }
            for r, a, p, h in due[:20]
        ],
        "reviews_due_count": len(due),
        "awaiting_approval": [
            {
                "proposal_id": pr.id,
                "person": f"{p.first_name} {p.last_name}",
                "household": h.name,
                "mine": pr.proposed_by_id == user.id,
            }
            for pr, p, h in awaiting
        ],
    }


def home_summary(session: Session, user) -> dict:
    """Counts that tell each role what needs doing; no personal data."""
    summary: dict = {}
    if user.role in {"coordinator", "manager", "auditor"}:
        summary["people_waiting"] = _count(session, select(Person.id).where(Person.status == "waiting"))
        summary["households"] = _count(session, select(Household.id))
        summary["active_arrangements"] = _count(session, select(Arrangement.id).where(Arrangement.status == "active"))
        # The compliance page's own lists, so the figures and the page cannot disagree.
        summary["checks_due"] = len({i.household_id for i in carers.compliance_items(session)})
        summary["households_ineligible"] = len(carers.ineligible_households(session))
        summary["households_to_review"] = _count(session, select(Household.id).where(Household.needs_review.is_(True)))
    if user.role in {"coordinator", "manager"}:
        summary["dashboard"] = reports.dashboard(session, user)
        summary.update(_journey_items(session, user))
        # The journey lists name people and households: the home page is then a view of them.
        shown = len(summary["reviews_due"]) + len(summary["awaiting_approval"])
        if shown:
            audit(session, actor_of(user), "home.view", changes={"items": shown})
    if user.role == "manager":
        summary["subject_access"] = subject_access.open_requests(session, user)
    if user.role == "admin":
        summary["accounts"] = _count(session, select(User.id).where(User.active.is_(True)))
        summary["inactive_accounts"] = _count(session, select(User.id).where(or_(User.active.is_(False))))
    if user.role == "carer":
        household = session.get(Household, user.household_id) if user.household_id else None
        summary["household_name"] = household.name if household else None
        waiting = waiting_for_carer(session, user)
        summary["waiting_for_answer"] = [
            {"proposal_id": p.id, "first_name": person.first_name} for p, person in waiting
        ]
        if waiting:
            audit(session, actor_of(user), "home.view", changes={"items": len(waiting)})
    return summary

"""Figures for each role's home page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from shared_lives.auth.models import User
from shared_lives.households.models import Carer, DbsCheck, Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.timeutil import today


def _count(session: Session, stmt) -> int:
    return session.exec(select(func.count()).select_from(stmt.subquery())).one()


def home_summary(session: Session, user) -> dict:
    """Counts that tell each role what needs doing; no personal data."""
    soon = today() + timedelta(days=60)
    summary: dict = {}
    if user.role in {"coordinator", "manager", "auditor"}:
        summary["people_waiting"] = _count(session, select(Person.id).where(Person.status == "waiting"))
        summary["households"] = _count(session, select(Household.id))
        summary["active_arrangements"] = _count(session, select(Arrangement.id).where(Arrangement.status == "active"))
        summary["checks_due"] = _count(
            session,
            select(Carer.household_id)
            .where(Carer.approval_expires.is_not(None), Carer.approval_expires <= soon)
            .union(select(DbsCheck.household_id).where(DbsCheck.renew_by <= soon)),
        )
        summary["households_to_review"] = _count(session, select(Household.id).where(Household.needs_review.is_(True)))
    if user.role == "admin":
        summary["accounts"] = _count(session, select(User.id).where(User.active.is_(True)))
        summary["inactive_accounts"] = _count(session, select(User.id).where(or_(User.active.is_(False))))
    if user.role == "carer":
        household = session.get(Household, user.household_id) if user.household_id else None
        summary["household_name"] = household.name if household else None
    return summary

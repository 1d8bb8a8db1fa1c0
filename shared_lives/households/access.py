"""Who may reach which household: the object-level checks every household route goes through."""

from __future__ import annotations

from sqlmodel import Session

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import has_permission, require
from shared_lives.errors import NotFound
from shared_lives.households.models import Household
from shared_lives.records import found


def staff_household(session: Session, user, household_id, permission: str, action: str) -> Household:
    """A household for a staff route. Carers get 404 whatever the id (and it is logged)."""
    if getattr(user, "role", None) == "carer":
        audit(session, actor_of(user), action, "household", None, outcome="denied", changes={"id": household_id})
        raise NotFound("No such household")
    require(user, permission)
    return found(session, Household, household_id, "No such household")


def own_household_row(session: Session, user, permission: str) -> Household:
    """The carer's own household (never another's)."""
    require(user, permission)
    hid = getattr(user, "household_id", None)
    household = session.get(Household, hid) if hid else None
    if household is None:
        raise NotFound("Your account is not linked to a household")
    return household


def can_write(user) -> bool:
    return has_permission(getattr(user, "role", None), "household:write")

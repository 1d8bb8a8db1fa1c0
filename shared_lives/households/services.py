"""Carer households, their carers, DBS checks and training: the rules and the audit trail.

Views call one function here each. Staff (coordinators, managers) write; auditors read;
a carer reaches only their own household, through ``own_household`` and
``update_own_household``, which accept the carer-editable fields alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import String, cast, exists, false, func, or_
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import has_permission, require
from shared_lives.errors import NotFound, StaleRecord, ValidationError
from shared_lives.households.models import (
    APPROVAL_STATUSES,
    ARRANGEMENT_TYPES,
    CARER_ROLES,
    GENDERS,
    LIFESTYLES,
    SETTINGS,
    Carer,
    DbsCheck,
    Household,
    TrainingRecord,
)
from shared_lives.households.records import (
    changed_fields,
    check_choice,
    check_codes,
    check_int,
    clean_text,
    versioned_update,
)
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.postcodes import PostcodeError, locate
from shared_lives.timeutil import today
from shared_lives.vocab.services import terms

PER_PAGE = 25
MAX_ID = 2**31 - 1
MAX_MEMBERS = 10
MAX_PETS = 6
COMPLIANCE_DAYS = 60

#: Fields a coordinator or manager edits on the household form.
STAFF_FIELDS = (
    "name",
    "address_line",
    "town",
    "postcode",
    "bedrooms_spare",
    "ground_floor_bedroom",
    "accessible_bedroom",
    "step_free",
    "adapted_bathroom",
    "members",
    "pets",
    "smoking",
    "languages",
    "faith",
    "cultural_practice",
    "lifestyle",
    "setting",
    "routines",
    "interests",
    "transport",
    "arrangement_types",
    "availability",
    "needs_can_meet",
    "age_min",
    "age_max",
    "cannot_offer",
)
#: Fields a carer may change on their own household. Everything else is the scheme's.
OWN_FIELDS = (
    "members",
    "pets",
    "smoking",
    "languages",
    "lifestyle",
    "setting",
    "routines",
    "interests",
    "transport",
    "availability",
    "age_min",
    "age_max",
    "cannot_offer",
)
CARER_FIELDS = (
    "name",
    "role",
    "gender",
    "gives_personal_care",
    "approval_status",
    "panel_date",
    "approval_expires",
    "probationary",
    "terms_arrangement_types",
    "terms_max_people",
    "terms_conditions",
    "skills",
)
_TEXT = {
    "name": ("the household's name", 120, True),
    "address_line": ("the address", 200, False),
    "town": ("the town", 80, False),
    "cultural_practice": ("cultural practice", 500, False),
    "routines": ("routines", 1000, False),
    "transport": ("transport", 200, False),
    "availability": ("availability", 500, False),
}
_BOOLS = ("ground_floor_bedroom", "accessible_bedroom", "step_free", "adapted_bathroom", "smoking")


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int = PER_PAGE
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


# --------------------------------------------------------------------------- checks


def scheme_max_people() -> int:
    return int(current_app.config.get("SCHEME_MAX_PEOPLE", 3))


def _check_members(members) -> list[dict]:
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise ValidationError(f"A household can list up to {MAX_MEMBERS} members", "members")
    out = []
    for i, m in enumerate(members, start=1):
        if not isinstance(m, dict):
            raise ValidationError("Enter each member's name and age", "members")
        name = clean_text(m.get("name"), f"member_{i}_name", f"member {i}'s name", 120, required=True)
        age = check_int(m.get("age"), f"member_{i}_age", f"member {i}'s age", 0, 120)
        relationship = clean_text(m.get("relationship"), f"member_{i}_relationship", "the relationship", 60)
        out.append({"name": name, "age": age, "relationship": relationship})
    return out


def _check_pets(session: Session, pets) -> list[dict]:
    kinds = terms(session, "pet")
    if not isinstance(pets, list) or len(pets) > MAX_PETS:
        raise ValidationError(f"A household can list up to {MAX_PETS} kinds of pet", "pets")
    out: dict[str, int] = {}
    for i, p in enumerate(pets, start=1):
        if not isinstance(p, dict):
            raise ValidationError("Enter each pet's kind and number", "pets")
        kind = check_choice(p.get("kind"), kinds, f"pet_{i}_kind", "the kind of pet")
        number = check_int(p.get("number"), f"pet_{i}_number", "the number of pets", 1, 20)
        out[kind] = out.get(kind, 0) + number
    return [{"kind": k, "number": n} for k, n in sorted(out.items())]


def clean_household(session: Session, values: dict, allowed: tuple[str, ...]) -> dict:
    """Check and normalise the allowed fields of ``values``; drop every other key."""
    values = {k: v for k, v in values.items() if k in allowed}
    out: dict = {}
    for name, value in values.items():
        if name in _TEXT:
            label, max_len, required = _TEXT[name]
            out[name] = clean_text(value, name, label, max_len, required)
        elif name in _BOOLS:
            out[name] = bool(value)
        elif name == "postcode":
            try:
                loc = locate(value if isinstance(value, str) else "")
            except PostcodeError as exc:
                raise ValidationError(str(exc), "postcode") from None
            out.update(postcode=loc.postcode, easting=loc.easting, northing=loc.northing)
            out["local_authority"] = loc.local_authority
        elif name == "bedrooms_spare":
            out[name] = check_int(value, name, "the number of spare bedrooms", 0, 10)
        elif name in ("age_min", "age_max"):
            out[name] = check_int(value, name, "the age", 18, 110)
        elif name == "members":
            out[name] = _check_members(value)
        elif name == "pets":
            out[name] = _check_pets(session, value)
        elif name == "languages":
            out[name] = check_codes(value, terms(session, "language"), name, "languages")
        elif name == "interests":
            out[name] = check_codes(value, terms(session, "interest"), name, "interests")
        elif name in ("needs_can_meet", "cannot_offer"):
            out[name] = check_codes(value, terms(session, "need"), name, "needs")
        elif name == "arrangement_types":
            out[name] = check_codes(value, ARRANGEMENT_TYPES, name, "arrangement types")
        elif name == "faith":
            out[name] = check_choice(value, terms(session, "faith"), name, "a faith", optional=True)
        elif name == "lifestyle":
            out[name] = check_choice(value, LIFESTYLES, name, "quiet, mixed or busy")
        elif name == "setting":
            out[name] = check_choice(value, SETTINGS, name, "town, suburban or countryside")
    if "age_min" in out and "age_max" in out and out["age_min"] > out["age_max"]:
        raise ValidationError("The youngest age must not be more than the oldest age", "age_min")
    return out


def clean_carer(session: Session, values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in CARER_FIELDS}
    out: dict = {}
    limit = scheme_max_people()
    for name, value in values.items():
        if name == "name":
            out[name] = clean_text(value, name, "the carer's full name", 120, required=True)
        elif name == "terms_conditions":
            out[name] = clean_text(value, name, "the conditions", 1000)
        elif name == "role":
            out[name] = check_choice(value, CARER_ROLES, name, "main or support carer")
        elif name == "gender":
            out[name] = check_choice(value, GENDERS, name, "a gender", optional=True)
        elif name == "approval_status":
            out[name] = check_choice(value, APPROVAL_STATUSES, name, "an approval status")
        elif name in ("gives_personal_care", "probationary"):
            out[name] = bool(value)
        elif name in ("panel_date", "approval_expires"):
            if value is not None and not isinstance(value, date):
                raise ValidationError("Enter a real date", name)
            out[name] = value
        elif name == "terms_arrangement_types":
            out[name] = check_codes(value, ARRANGEMENT_TYPES, name, "arrangement types")
        elif name == "terms_max_people":
            if isinstance(value, int) and not isinstance(value, bool) and value > limit:
                raise ValidationError(
                    f"The most people a household can support at once is {limit} in this scheme", name
                )
            out[name] = check_int(value, name, "the most people at once", 1, limit)
        elif name == "skills":
            out[name] = check_codes(value, terms(session, "need"), name, "skills")
    if out.get("approval_status") == "approved" and out.get("panel_date") is None and "panel_date" in values:
        raise ValidationError("Enter the panel date for an approved carer", "panel_date")
    if out.get("panel_date") and out.get("approval_expires") and out["approval_expires"] <= out["panel_date"]:
        raise ValidationError("Approval must expire after the panel date", "approval_expires")
    return out


def _check_dates(first, second, first_field, second_field, first_label, second_label, required_second=True):
    if not isinstance(first, date):
        raise ValidationError(f"Enter the {first_label}", first_field)
    if second is None and not required_second:
        return
    if not isinstance(second, date):
        raise ValidationError(f"Enter the {second_label}", second_field)
    if second <= first:
        raise ValidationError(f"The {second_label} must be after the {first_label}", second_field)


# --------------------------------------------------------------------------- access


def _id(value) -> int:
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise NotFound("No such record")
    return value


def _staff_household(session: Session, user, household_id, permission: str, action: str) -> Household:
    """A household for a staff route. Carers get 404 whatever the id (and it is logged)."""
    if getattr(user, "role", None) == "carer":
        audit(session, actor_of(user), action, "household", None, outcome="denied", changes={"id": household_id})
        raise NotFound("No such household")
    require(user, permission)
    household = session.get(Household, _id(household_id))
    if household is None:
        raise NotFound("No such household")
    return household


def _own(session: Session, user, permission: str) -> Household:
    require(user, permission)
    hid = getattr(user, "household_id", None)
    household = session.get(Household, hid) if hid else None
    if household is None:
        raise NotFound("Your account is not linked to a household")
    return household


def can_write(user) -> bool:
    return has_permission(getattr(user, "role", None), "household:write")


# --------------------------------------------------------------------------- lists


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def area_condition(column_postcode, area: str, column_town=None):
    """Town (exact, any case) or postcode area/district prefix, like ME or ME14."""
    area = (area or "").replace("\x00", "").strip()[:40]
    if not area:
        return None
    compact = area.replace(" ", "").upper()
    conds = []
    if compact.isalnum() and 1 <= len(compact) <= 4:
        if compact[-1].isdigit():
            conds.append(column_postcode.like(f"{compact} %"))
        else:
            conds += [column_postcode.like(f"{compact}{d}%") for d in "0123456789"]
    if column_town is not None:
        conds.append(func.lower(column_town) == area.lower())
    return or_(*conds) if conds else false()


def _capacity_subquery():
    return (
        select(func.coalesce(func.max(Carer.terms_max_people), 0))
        .where(Carer.household_id == Household.id, Carer.approval_status == "approved")
        .correlate(Household)
        .scalar_subquery()
    )


def _active_count_subquery():
    return (
        select(func.count(Arrangement.id))
        .where(Arrangement.household_id == Household.id, Arrangement.status == "active")
        .correlate(Household)
        .scalar_subquery()
    )


LIST_STATUSES = {**APPROVAL_STATUSES, "to_review": "Changed by carer: to review"}
AVAILABILITY = {"space": "Has a free place", "full": "Full"}


def list_households(
    session: Session,
    user,
    q: str = "",
    arrangement_type: str = "",
    status: str = "",
    area: str = "",
    availability: str = "",
    page: int = 1,
) -> Page:
    """One page of households matching the search and filters, with their carers and places."""
    require(user, "household:read")
    conds = []
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        pattern = _like(q.lower())
        compact = _like(q.replace(" ", "").upper())
        conds.append(
            or_(
                func.lower(Household.name).like(pattern, escape="\\"),
                func.lower(Household.reference).like(pattern, escape="\\"),
                func.lower(Household.town).like(pattern, escape="\\"),
                func.replace(Household.postcode, " ", "").like(compact, escape="\\"),
            )
        )
    if arrangement_type in ARRANGEMENT_TYPES:
        conds.append(cast(Household.arrangement_types, String).like(f'%"{arrangement_type}"%'))
    if status == "to_review":
        conds.append(Household.needs_review.is_(True))
    elif status in APPROVAL_STATUSES:
        conds.append(exists().where(Carer.household_id == Household.id, Carer.approval_status == status))
    area_cond = area_condition(Household.postcode, area, Household.town)
    if area_cond is not None:
        conds.append(area_cond)
    if availability == "space":
        conds.append(_active_count_subquery() < _capacity_subquery())
    elif availability == "full":
        conds.append(_active_count_subquery() >= _capacity_subquery())
    total = session.exec(select(func.count()).select_from(Household).where(*conds)).one()
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = session.exec(
        select(Household)
        .where(*conds)
        .order_by(Household.name, Household.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    ids = [h.id for h in rows]
    carers: dict[int, list] = {i: [] for i in ids}
    active: dict[int, int] = {}
    if ids:
        for c in session.exec(
            select(Carer.household_id, Carer.name, Carer.role, Carer.approval_status, Carer.terms_max_people)
            .where(Carer.household_id.in_(ids))
            .order_by(Carer.role, Carer.id)
        ).all():
            carers[c.household_id].append(c)
        active = dict(
            session.exec(
                select(Arrangement.household_id, func.count(Arrangement.id))
                .where(Arrangement.household_id.in_(ids), Arrangement.status == "active")
                .group_by(Arrangement.household_id)
            ).all()
        )
    items = []
    for h in rows:
        approved = [c.terms_max_people for c in carers[h.id] if c.approval_status == "approved"]
        items.append(
            {
                "household": h,
                "carers": carers[h.id],
                "capacity": max(approved, default=0),
                "active": active.get(h.id, 0),
            }
        )
    audit(
        session,
        actor_of(user),
        "household.list",
        "household",
        None,
        changes={"q": q[:60], "filters": [arrangement_type[:20], status[:20], area[:20], availability[:20]]},
    )
    return Page(items=items, total=total, page=page)


# --------------------------------------------------------------------------- compliance


@dataclass
class ComplianceItem:
    household_id: int
    household_name: str
    who: str
    what: str
    due: date
    expired: bool
    blocks: bool  # expired approval or DBS: the household cannot be matched


def _latest_dbs(session: Session, household_ids=None) -> list:
    stmt = select(DbsCheck.household_id, DbsCheck.adult_name, func.max(DbsCheck.renew_by).label("renew_by")).group_by(
        DbsCheck.household_id, DbsCheck.adult_name
    )
    if household_ids is not None:
        stmt = stmt.where(DbsCheck.household_id.in_(household_ids))
    return list(session.exec(stmt).all())


def _latest_training(session: Session, carer_ids=None) -> list:
    stmt = select(
        TrainingRecord.carer_id, TrainingRecord.course, func.max(TrainingRecord.renew_by).label("renew_by")
    ).group_by(TrainingRecord.carer_id, TrainingRecord.course)
    if carer_ids is not None:
        stmt = stmt.where(TrainingRecord.carer_id.in_(carer_ids))
    return list(session.exec(stmt).all())


def compliance_items(session: Session, household_ids=None, days: int = COMPLIANCE_DAYS, everything=False):
    """Approvals, DBS checks and training that expired or expire within ``days``.

    DBS and training count by their latest record per adult or course, so a renewed
    check hides the old one. ``everything`` lists them all, whatever the date.
    """
    now = today()
    horizon = now + timedelta(days=days)
    carer_stmt = select(Carer, Household.name).join(Household, Household.id == Carer.household_id)
    if household_ids is not None:
        carer_stmt = carer_stmt.where(Carer.household_id.in_(household_ids))
    if not everything:
        carer_stmt = carer_stmt.where(Carer.approval_expires.is_not(None), Carer.approval_expires <= horizon)
    names = dict(
        session.exec(
            select(Household.id, Household.name)
            if household_ids is None
            else select(Household.id, Household.name).where(Household.id.in_(household_ids))
        ).all()
    )
    items: list[ComplianceItem] = []
    for carer, hname in session.exec(carer_stmt).all():
        if carer.approval_expires is None:
            continue
        expired = carer.approval_expires < now
        items.append(
            ComplianceItem(carer.household_id, hname, carer.name, "Approval", carer.approval_expires, expired, expired)
        )
    for hid, adult, renew_by in _latest_dbs(session, household_ids):
        if renew_by is None or (not everything and renew_by > horizon):
            continue
        expired = renew_by < now
        items.append(ComplianceItem(hid, names.get(hid, ""), adult, "DBS check", renew_by, expired, expired))
    carer_rows = session.exec(
        select(Carer.id, Carer.name, Carer.household_id)
        if household_ids is None
        else select(Carer.id, Carer.name, Carer.household_id).where(Carer.household_id.in_(household_ids))
    ).all()
    carers = {cid: (cname, hid) for cid, cname, hid in carer_rows}
    for cid, course, renew_by in _latest_training(session, list(carers) if household_ids is not None else None):
        if renew_by is None or (not everything and renew_by > horizon) or cid not in carers:
            continue
        cname, hid = carers[cid]
        items.append(
            ComplianceItem(hid, names.get(hid, ""), cname, f"Training: {course}", renew_by, renew_by < now, False)
        )
    items.sort(key=lambda i: (i.due, i.household_name, i.who))
    return items


def compliance(session: Session, user, page: int = 1, days: int = COMPLIANCE_DAYS) -> dict:
    """Everything expiring within ``days`` or expired (a page of it, soonest first), and
    every household it makes ineligible."""
    require(user, "compliance:read")
    items = compliance_items(session, days=days)
    ineligible = sorted({(i.household_id, i.household_name) for i in items if i.blocks}, key=lambda x: x[1])
    result = Page(items=[], total=len(items), page=1)
    result.page = min(max(1, page), result.pages)
    start = (result.page - 1) * PER_PAGE
    result.items = items[start : start + PER_PAGE]
    audit(session, actor_of(user), "compliance.view", changes={"items": len(items), "page": result.page})
    return {"result": result, "ineligible": ineligible, "days": days, "today": today()}


def eligibility(items: list[ComplianceItem]) -> list[str]:
    """Reasons a household cannot be matched now (empty when it can)."""
    return [f"{i.what} for {i.who} expired on {i.due.strftime('%d %B %Y')}" for i in items if i.blocks]


# --------------------------------------------------------------------------- reading one


def _detail(session: Session, household: Household, with_people: bool) -> dict:
    carers = list(session.exec(select(Carer).where(Carer.household_id == household.id).order_by(Carer.id)).all())
    dbs = list(
        session.exec(
            select(DbsCheck).where(DbsCheck.household_id == household.id).order_by(DbsCheck.adult_name, DbsCheck.id)
        ).all()
    )
    training: dict[int, list] = {c.id: [] for c in carers}
    if carers:
        for t in session.exec(
            select(TrainingRecord)
            .where(TrainingRecord.carer_id.in_([c.id for c in carers]))
            .order_by(TrainingRecord.course, TrainingRecord.completed_on)
        ).all():
            training[t.carer_id].append(t)
    supported = []
    if with_people:
        supported = list(
            session.exec(
                select(Arrangement, Person.first_name, Person.last_name)
                .join(Person, Person.id == Arrangement.person_id)
                .where(Arrangement.household_id == household.id, Arrangement.status == "active")
                .order_by(Arrangement.start_date)
            ).all()
        )
    items = compliance_items(session, [household.id])
    return {
        "household": household,
        "carers": carers,
        "dbs": dbs,
        "training": training,
        "supported": supported,
        "compliance": items,
        "ineligible_reasons": eligibility(items),
        "capacity": max([c.terms_max_people for c in carers if c.approval_status == "approved"], default=0),
        "vocab": {k: terms(session, k) for k in ("interest", "need", "language", "faith", "pet")},
    }


def household_detail(session: Session, user, household_id) -> dict:
    household = _staff_household(session, user, household_id, "household:read", "household.view")
    audit(session, actor_of(user), "household.view", "household", household.id)
    return _detail(session, household, with_people=True)


def get_household_for_edit(session: Session, user, household_id, log_view: bool = True) -> Household:
    """The household for a staff form. ``log_view`` is False when the request is a write,
    so a POST leaves exactly one audit entry: the change."""
    household = _staff_household(session, user, household_id, "household:write", "household.view")
    if log_view:
        audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "edit"})
    return household


def own_household(session: Session, user) -> dict:
    household = _own(session, user, "own_household:read")
    audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "own"})
    return _detail(session, household, with_people=True)


def get_own_household_for_edit(session: Session, user) -> Household:
    household = _own(session, user, "own_household:write")
    audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "own_edit"})
    return household


# --------------------------------------------------------------------------- writing


def _next_reference(session: Session, model, prefix: str) -> str:
    n = (session.exec(select(func.max(model.id))).one() or 0) + 1
    while True:
        ref = f"{prefix}{n:05d}"
        if session.exec(select(model.id).where(model.reference == ref)).first() is None:
            return ref
        n += 1


def create_household(session: Session, user, values: dict) -> Household:
    require(user, "household:write")
    clean = clean_household(session, values, STAFF_FIELDS)
    if "postcode" not in clean:
        raise ValidationError("Enter a postcode", "postcode")
    household = Household(reference=_next_reference(session, Household, "HH"), **clean)
    session.add(household)
    session.flush()
    changes = {k: [None, v] for k, v in clean.items() if k not in ("easting", "northing")}
    audit(session, actor_of(user), "household.create", "household", household.id, changes=changes)
    return household


def update_household(session: Session, user, household_id, version, values: dict) -> Household:
    """Save the staff household form. Raises StaleRecord if someone saved it first."""
    household = _staff_household(session, user, household_id, "household:write", "household.update")
    clean = clean_household(session, values, STAFF_FIELDS)
    changes = changed_fields(household, clean)
    try:
        versioned_update(session, household, version, clean)
    except StaleRecord:
        audit(session, actor_of(user), "household.update", "household", household.id, outcome="conflict")
        raise
    changes.pop("easting", None)
    changes.pop("northing", None)
    audit(session, actor_of(user), "household.update", "household", household.id, changes=changes)
    return household


def _adult_names(members) -> set[str]:
    return {str(m.get("name", "")).casefold().strip() for m in members or [] if (m.get("age") or 0) >= 18}


def review_reasons(household: Household, clean: dict) -> list[str]:
    """What in a carer's change affects eligibility and needs a coordinator's review."""
    reasons = []
    if "pets" in clean and clean["pets"] != household.pets:
        reasons.append("pets changed")
    if "smoking" in clean and clean["smoking"] != household.smoking:
        reasons.append("smoking changed")
    if "members" in clean:
        new_adults = _adult_names(clean["members"]) - _adult_names(household.members)
        if new_adults:
            reasons.append("a new adult in the household (needs a DBS check)")
    return reasons


def update_own_household(session: Session, user, version, values: dict) -> tuple[Household, list[str]]:
    """A carer saves their own household. Only carer-editable fields are read from ``values``.

    Changes to pets, smoking or a new adult set ``needs_review`` for a coordinator.
    """
    household = _own(session, user, "own_household:write")
    ignored = sorted(k for k in values if k not in OWN_FIELDS)
    clean = clean_household(session, values, OWN_FIELDS)
    changes = changed_fields(household, clean)
    reasons = review_reasons(household, clean)
    if reasons:
        note = f"Carer changed: {', '.join(reasons)}."
        if household.needs_review and household.review_note:
            note = f"{household.review_note} {note}"
        clean["needs_review"] = True
        clean["review_note"] = note[-500:]
        changes["needs_review"] = [household.needs_review, True]
    try:
        versioned_update(session, household, version, clean)
    except StaleRecord:
        audit(session, actor_of(user), "household.update_own", "household", household.id, outcome="conflict")
        raise
    if ignored:
        changes["ignored_fields"] = ignored[:30]
    audit(session, actor_of(user), "household.update_own", "household", household.id, changes=changes)
    return household, reasons


def mark_reviewed(session: Session, user, household_id) -> Household:
    household = _staff_household(session, user, household_id, "household:write", "household.reviewed")
    if household.needs_review:
        household.needs_review = False
        household.review_note = ""
        household.version += 1
        session.add(household)
        session.flush()
    audit(session, actor_of(user), "household.reviewed", "household", household.id, changes={"needs_review": False})
    return household


# --------------------------------------------------------------------------- carers


def get_carer(
    session: Session, user, household_id, carer_id, permission="household:write", log_view: bool = True
) -> tuple:
    household = _staff_household(session, user, household_id, permission, "carer.view")
    carer = session.get(Carer, _id(carer_id))
    if carer is None or carer.household_id != household.id:
        raise NotFound("No such carer")
    if log_view:
        audit(session, actor_of(user), "carer.view", "carer", carer.id)
    return household, carer


def create_carer(session: Session, user, household_id, values: dict) -> Carer:
    household = _staff_household(session, user, household_id, "household:write", "carer.create")
    clean = clean_carer(session, values)
    if "name" not in clean:
        raise ValidationError("Enter the carer's full name", "name")
    carer = Carer(household_id=household.id, **clean)
    session.add(carer)
    session.flush()
    changes = {k: [None, v.isoformat() if isinstance(v, date) else v] for k, v in clean.items()}
    audit(session, actor_of(user), "carer.create", "carer", carer.id, changes={**changes, "household": household.id})
    return carer


def update_carer(session: Session, user, household_id, carer_id, version, values: dict) -> Carer:
    _household, carer = get_carer(session, user, household_id, carer_id, log_view=False)
    clean = clean_carer(session, values)
    changes = changed_fields(carer, clean)
    try:
        versioned_update(session, carer, version, clean, touch=False)
    except StaleRecord:
        audit(session, actor_of(user), "carer.update", "carer", carer.id, outcome="conflict")
        raise
    audit(session, actor_of(user), "carer.update", "carer", carer.id, changes=changes)
    return carer


# --------------------------------------------------------------------------- DBS checks


def _clean_dbs(values: dict) -> dict:
    out = {
        "adult_name": clean_text(values.get("adult_name"), "adult_name", "the adult's full name", 120, True),
        "certificate_number": clean_text(values.get("certificate_number"), "certificate_number", "the number", 20),
        "issued_on": values.get("issued_on"),
        "renew_by": values.get("renew_by"),
    }
    if out["certificate_number"] and not out["certificate_number"].isdigit():
        raise ValidationError("Certificate number must contain numbers only", "certificate_number")
    _check_dates(out["issued_on"], out["renew_by"], "issued_on", "renew_by", "date of issue", "renewal date")
    if out["issued_on"] > today():
        raise ValidationError("The date of issue must be today or in the past", "issued_on")
    return out


def get_dbs(session: Session, user, household_id, dbs_id, log_view: bool = False) -> tuple[Household, DbsCheck]:
    household = _staff_household(session, user, household_id, "household:write", "dbs.view")
    check = session.get(DbsCheck, _id(dbs_id))
    if check is None or check.household_id != household.id:
        raise NotFound("No such DBS check")
    if log_view:
        audit(session, actor_of(user), "dbs.view", "dbs_check", check.id)
    return household, check


def new_dbs_form_household(session: Session, user, household_id, log_view: bool = False) -> Household:
    household = _staff_household(session, user, household_id, "household:write", "dbs.view")
    if log_view:
        audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "new_dbs"})
    return household


def add_dbs(session: Session, user, household_id, values: dict) -> DbsCheck:
    household = _staff_household(session, user, household_id, "household:write", "dbs.create")
    clean = _clean_dbs(values)
    check = DbsCheck(household_id=household.id, **clean)
    session.add(check)
    session.flush()
    audit(
        session,
        actor_of(user),
        "dbs.create",
        "dbs_check",
        check.id,
        changes={"household": household.id, "adult_name": clean["adult_name"], "renew_by": str(clean["renew_by"])},
    )
    return check


def update_dbs(session: Session, user, household_id, dbs_id, values: dict) -> DbsCheck:
    _household, check = get_dbs(session, user, household_id, dbs_id)
    clean = _clean_dbs(values)
    changes = changed_fields(check, clean)
    for k, v in clean.items():
        setattr(check, k, v)
    session.add(check)
    session.flush()
    audit(session, actor_of(user), "dbs.update", "dbs_check", check.id, changes=changes)
    return check


def remove_dbs(session: Session, user, household_id, dbs_id) -> None:
    _household, check = get_dbs(session, user, household_id, dbs_id)
    audit(
        session,
        actor_of(user),
        "dbs.delete",
        "dbs_check",
        check.id,
        changes={"household": check.household_id, "adult_name": check.adult_name, "renew_by": str(check.renew_by)},
    )
    session.delete(check)
    session.flush()


# --------------------------------------------------------------------------- training


def _clean_training(values: dict) -> dict:
    out = {
        "course": clean_text(values.get("course"), "course", "the course", 80, True),
        "completed_on": values.get("completed_on"),
        "renew_by": values.get("renew_by"),
    }
    _check_dates(
        out["completed_on"], out["renew_by"], "completed_on", "renew_by", "date completed", "renewal date", False
    )
    if out["completed_on"] > today():
        raise ValidationError("The date completed must be today or in the past", "completed_on")
    return out


def get_training(session: Session, user, household_id, carer_id, training_id, log_view: bool = True) -> tuple:
    household, carer = get_carer(session, user, household_id, carer_id, log_view=log_view)
    record = session.get(TrainingRecord, _id(training_id))
    if record is None or record.carer_id != carer.id:
        raise NotFound("No such training record")
    return household, carer, record


def add_training(session: Session, user, household_id, carer_id, values: dict) -> TrainingRecord:
    _household, carer = get_carer(session, user, household_id, carer_id, log_view=False)
    clean = _clean_training(values)
    record = TrainingRecord(carer_id=carer.id, **clean)
    session.add(record)
    session.flush()
    audit(
        session,
        actor_of(user),
        "training.create",
        "training_record",
        record.id,
        changes={"carer": carer.id, "course": clean["course"], "renew_by": str(clean["renew_by"])},
    )
    return record


def update_training(session: Session, user, household_id, carer_id, training_id, values: dict) -> TrainingRecord:
    _household, _carer, record = get_training(session, user, household_id, carer_id, training_id, log_view=False)
    clean = _clean_training(values)
    changes = changed_fields(record, clean)
    for k, v in clean.items():
        setattr(record, k, v)
    session.add(record)
    session.flush()
    audit(session, actor_of(user), "training.update", "training_record", record.id, changes=changes)
    return record


def remove_training(session: Session, user, household_id, carer_id, training_id) -> None:
    _household, carer, record = get_training(session, user, household_id, carer_id, training_id, log_view=False)
    audit(
        session,
        actor_of(user),
        "training.delete",
        "training_record",
        record.id,
        changes={"carer": carer.id, "course": record.course},
    )
    session.delete(record)
    session.flush()

"""Carer households, their carers, DBS checks and training: the rules and the audit trail.

Views call one function here each. Staff (coordinators, managers) write; auditors read;
a carer reaches only their own household, through ``own_household`` and
``update_own_household``, which accept the carer-editable fields alone.
"""

from __future__ import annotations

from sqlalchemy import String, cast, exists, func, or_
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.carers import services as carers
from shared_lives.carers.models import APPROVAL_STATUSES, Carer
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.households.access import can_write, own_household_row, staff_household
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.postcodes import PostcodeError, locate
from shared_lives.records import (
    PER_PAGE,
    Page,
    area_condition,
    changed_fields,
    check_choice,
    check_codes,
    check_int,
    clean_text,
    like_pattern,
    next_reference,
    page_of,
    versioned_update,
)
from shared_lives.rules import eligibility as rules
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, LIFESTYLES, SETTINGS
from shared_lives.vocab.services import terms

__all__ = ["can_write"]

MAX_MEMBERS = 10
MAX_PETS = 6

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


# --------------------------------------------------------------------------- checks


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
    return [{"kind": k, "number": n} for k, n in out.items()]  # in the order the carer gave them


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


# --------------------------------------------------------------------------- lists


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
    """One page of households matching the search and filters, with their carers and free places today."""
    require(user, "household:read")
    conds = []
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        pattern = like_pattern(q.lower())
        compact = like_pattern(q.replace(" ", "").upper())
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
    on, scheme_max = today(), rules.scheme_max_people()
    if availability in AVAILABILITY:
        # Free places are the rules' decision; the filter asks them rather than repeating it in SQL.
        candidates = session.exec(select(Household.id).where(*conds)).all()
        facts = rules.household_facts(session, candidates, since=on)
        wanted = [
            hid
            for hid in candidates
            if (rules.free_places(facts[hid], on, scheme_max) > 0) == (availability == "space")
        ]
        conds.append(Household.id.in_(wanted))
    total = session.exec(select(func.count()).select_from(Household).where(*conds)).one()
    result = page_of(total, page)
    rows = session.exec(
        select(Household).where(*conds).order_by(Household.name, Household.id).offset(result.offset).limit(PER_PAGE)
    ).all()
    ids = [h.id for h in rows]
    carer_rows: dict[int, list] = {i: [] for i in ids}
    if ids:
        for c in session.exec(
            select(Carer.household_id, Carer.name, Carer.role, Carer.approval_status)
            .where(Carer.household_id.in_(ids))
            .order_by(Carer.role, Carer.id)
        ).all():
            carer_rows[c.household_id].append(c)
    facts = rules.household_facts(session, ids, since=on)
    result.items = [
        {
            "household": h,
            "carers": carer_rows[h.id],
            "capacity": rules.place_count(facts[h.id], scheme_max),
            "free_places": rules.free_places(facts[h.id], on, scheme_max),
        }
        for h in rows
    ]
    audit(
        session,
        actor_of(user),
        "household.list",
        "household",
        None,
        changes={"q": q[:60], "filters": [arrangement_type[:20], status[:20], area[:20], availability[:20]]},
    )
    return result


# --------------------------------------------------------------------------- reading one


def _detail(session: Session, household: Household) -> dict:
    supported = list(
        session.exec(
            select(Arrangement, Person.first_name, Person.last_name)
            .join(Person, Person.id == Arrangement.person_id)
            .where(Arrangement.household_id == household.id, Arrangement.status == "active")
            .order_by(Arrangement.start_date)
        ).all()
    )
    return {
        "household": household,
        "supported": supported,
        "vocab": {k: terms(session, k) for k in ("interest", "need", "language", "faith", "pet")},
        **carers.carers_of(session, household),
    }


def household_detail(session: Session, user, household_id) -> dict:
    household = staff_household(session, user, household_id, "household:read", "household.view")
    audit(session, actor_of(user), "household.view", "household", household.id)
    return _detail(session, household)


def get_household_for_edit(session: Session, user, household_id, log_view: bool = True) -> Household:
    """The household for a staff form. ``log_view`` is False when the request is a write,
    so a POST leaves exactly one audit entry: the change."""
    household = staff_household(session, user, household_id, "household:write", "household.view")
    if log_view:
        audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "edit"})
    return household


def own_household(session: Session, user) -> dict:
    household = own_household_row(session, user, "own_household:read")
    audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "own"})
    return _detail(session, household)


def get_own_household_for_edit(session: Session, user) -> Household:
    household = own_household_row(session, user, "own_household:write")
    audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "own_edit"})
    return household


# --------------------------------------------------------------------------- writing


def create_household(session: Session, user, values: dict) -> Household:
    require(user, "household:write")
    clean = clean_household(session, values, STAFF_FIELDS)
    if "postcode" not in clean:
        raise ValidationError("Enter a postcode", "postcode")
    household = Household(reference=next_reference(session, Household), **clean)
    session.add(household)
    session.flush()
    changes = {k: [None, v] for k, v in clean.items() if k not in ("easting", "northing")}
    audit(session, actor_of(user), "household.create", "household", household.id, changes=changes)
    return household


def update_household(session: Session, user, household_id, version, values: dict) -> Household:
    """Save the staff household form. Raises StaleRecord if someone saved it first."""
    household = staff_household(session, user, household_id, "household:write", "household.update")
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


def _adults(members) -> dict[str, str]:
    """name_key -> name of the members aged 18 or over (matched as eligibility matches DBS checks)."""
    return {
        rules.name_key(m.get("name")): str(m.get("name", "")).strip()
        for m in members or []
        if isinstance(m, dict) and (m.get("age") or 0) >= rules.ADULT_AGE
    }


def _pets_words(pets, kinds: dict) -> str:
    if not pets:
        return "none"
    return ", ".join(f"{p.get('number')} {kinds.get(p.get('kind'), p.get('kind'))}".lower() for p in pets)


def review_reasons(session: Session, household: Household, clean: dict) -> list[str]:
    """What in a carer's change affects eligibility and needs a coordinator's review, old value to new."""
    reasons = []
    if "pets" in clean and clean["pets"] != household.pets:
        kinds = terms(session, "pet")
        was, now = _pets_words(household.pets, kinds), _pets_words(clean["pets"], kinds)
        reasons.append(f"pets changed from {was} to {now}")
    if "smoking" in clean and clean["smoking"] != household.smoking:
        words = {True: "someone smokes", False: "no one smokes"}
        reasons.append(f"smoking changed from {words[bool(household.smoking)]} to {words[bool(clean['smoking'])]}")
    if "members" in clean:
        before, after = _adults(household.members), _adults(clean["members"])
        for key in sorted(set(after) - set(before)):
            reasons.append(f"a new adult in the household, {after[key]}, needs a DBS check")
    return reasons


def update_own_household(session: Session, user, version, values: dict) -> tuple[Household, list[str]]:
    """A carer saves their own household. Only carer-editable fields are read from ``values``.

    Changes to pets, smoking or a new adult set ``needs_review`` for a coordinator.
    """
    household = own_household_row(session, user, "own_household:write")
    ignored = sorted(k for k in values if k not in OWN_FIELDS)
    clean = clean_household(session, values, OWN_FIELDS)
    changes = changed_fields(household, clean)
    reasons = review_reasons(session, household, clean)
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
    household = staff_household(session, user, household_id, "household:write", "household.reviewed")
    if household.needs_review:
        household.needs_review = False
        household.review_note = ""
        household.version += 1
        session.add(household)
        session.flush()
    audit(session, actor_of(user), "household.reviewed", "household", household.id, changes={"needs_review": False})
    return household

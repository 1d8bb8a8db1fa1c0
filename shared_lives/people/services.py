"""People seeking support: the referral record, its rules and its audit trail.

Coordinators and managers write, auditors read, carers never reach a person's record
(404 on object routes, 403 on the list).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import has_permission, require
from shared_lives.errors import NotFound, StaleRecord, ValidationError
from shared_lives.people.models import (
    CAPACITY,
    CAPACITY_STATE,
    CHILDREN_PREFERENCES,
    PERSON_STATUSES,
    PET_PREFERENCES,
    SMOKING_PREFERENCES,
    Person,
)
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
    found,
    like_pattern,
    next_reference,
    page_of,
    versioned_update,
)
from shared_lives.rules import consent
from shared_lives.rules.age import age_on
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS
from shared_lives.vocab.services import terms

FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "status",
    "referral_date",
    "referrer_name",
    "referrer_organisation",
    "arrangement_type",
    "needs",
    "support_required",
    "risks",
    "risk_management",
    "interests",
    "allergies",
    "needs_step_free",
    "needs_ground_floor",
    "access_needs",
    "pets",
    "smoking",
    "children",
    "carer_gender_personal_care",
    "faith",
    "faith_important",
    "languages",
    "language_important",
    "lifestyle",
    "setting",
    "preferred_postcode",
    "max_distance_km",
    "capacity",
    "decision_maker",
    "representative_name",
    "representative_relationship",
    "representative_contact",
)
_TEXT = {
    "first_name": ("the first name", 80, True),
    "last_name": ("the last name", 80, True),
    "referrer_name": ("the referrer's name", 120, False),
    "referrer_organisation": ("the referrer's organisation", 120, False),
    "support_required": ("the support required", 2000, False),
    "risks": ("the risks", 2000, False),
    "risk_management": ("how risks are managed", 2000, False),
    "access_needs": ("access needs", 500, False),
    "representative_name": ("their name", 120, False),
    "representative_relationship": ("the relationship", 80, False),
    "representative_contact": ("the contact details", 200, False),
}
_BOOLS = ("needs_step_free", "needs_ground_floor", "faith_important", "language_important")
_CHOICES = {
    "status": (PERSON_STATUSES, "a status", False),
    "arrangement_type": (ARRANGEMENT_TYPES, "the arrangement type sought", False),
    "pets": (PET_PREFERENCES, "a preference about pets", False),
    "smoking": (SMOKING_PREFERENCES, "a preference about smoking", False),
    "children": (CHILDREN_PREFERENCES, "a preference about children", False),
    "gender": (GENDERS, "a gender", True),
    "carer_gender_personal_care": (GENDERS, "a carer's gender", True),
    "lifestyle": (LIFESTYLES, "quiet, mixed or busy", False),
    "setting": (SETTINGS, "a setting", True),
    "capacity": (CAPACITY, "the capacity for this decision", False),
    "decision_maker": (consent.WHO_DECIDES, "who decides", False),
}


def clean_person(session: Session, values: dict, current: Person | None = None) -> dict:
    """The values checked and cleaned. ``current`` is the record they change (a blank
    ``Person()`` for a new one): rules across fields judge the values with the rest of it.
    Without it, a rule across fields is judged only when the values hold all its fields."""
    values = {k: v for k, v in values.items() if k in FIELDS}
    out: dict = {}
    for name, value in values.items():
        if name in _TEXT:
            label, max_len, required = _TEXT[name]
            out[name] = clean_text(value, name, label, max_len, required)
        elif name in _BOOLS:
            out[name] = bool(value)
        elif name in _CHOICES:
            allowed, label, optional = _CHOICES[name]
            out[name] = check_choice(value, allowed, name, label, optional)
        elif name in ("date_of_birth", "referral_date"):
            if value is not None and not isinstance(value, date):
                raise ValidationError("Enter a real date", name)
            if value is not None and value > today():
                raise ValidationError("The date must be today or in the past", name)
            out[name] = value
        elif name == "needs":
            out[name] = check_codes(value, terms(session, "need"), name, "needs")
        elif name == "interests":
            out[name] = check_codes(value, terms(session, "interest"), name, "interests")
        elif name == "languages":
            out[name] = check_codes(value, terms(session, "language"), name, "languages")
        elif name == "allergies":
            out[name] = check_codes(value, terms(session, "pet"), name, "allergies")
        elif name == "faith":
            out[name] = check_choice(value, terms(session, "faith"), name, "a faith", optional=True)
        elif name == "max_distance_km":
            out[name] = check_int(value, name, "the distance", 1, 500)
        elif name == "preferred_postcode":
            try:
                loc = locate(value if isinstance(value, str) else "")
            except PostcodeError as exc:
                raise ValidationError(str(exc), "preferred_postcode") from None
            out.update(preferred_postcode=loc.postcode, easting=loc.easting, northing=loc.northing)
    dob = out.get("date_of_birth")
    if dob is not None:
        age = age_on(dob, today())
        if age < 18:
            raise ValidationError("Shared Lives supports adults: the person must be 18 or over", "date_of_birth")
        if age > 120:
            raise ValidationError("Enter a real date of birth", "date_of_birth")
    _check_who_decides(out, current)
    return out


def _check_who_decides(out: dict, current: Person | None) -> None:
    """Who decides must be someone the Mental Capacity Act lets decide for the capacity the
    record holds (``rules.consent`` decides); an attorney or a deputy is named, with contact details."""
    fields = {"decision_maker", "capacity"}
    if not fields & out.keys() or (current is None and not fields <= out.keys()):
        return

    def value(name: str, default: str) -> str:
        return out[name] if name in out else getattr(current, name, default) if current else default

    who = value("decision_maker", "person")
    state = CAPACITY_STATE.get(value("capacity", "not_assessed"), "not_assessed")
    name = value("first_name", "") or "the person"
    for problem in consent.who_decides_problems(state, who, name):
        raise ValidationError(problem.message, problem.field)
    if who in consent.DECIDING_AUTHORITY:
        if not value("representative_name", ""):
            raise ValidationError(f"Enter the name of {name}'s {who}", "representative_name")
        if not value("representative_contact", ""):
            raise ValidationError(f"Enter how to contact {name}'s {who}", "representative_contact")


def who_decides(person: Person) -> dict:
    """What the person's page says about who decides, and anything on the record to check."""
    state = CAPACITY_STATE.get(person.capacity, "not_assessed")
    return {
        "label": consent.who_decides_label(person.decision_maker),
        "named_role": consent.named_role(person.decision_maker),
        "problems": [p.message for p in consent.who_decides_problems(state, person.decision_maker, person.first_name)],
    }


def _person(session: Session, user, person_id, permission: str, action: str) -> Person:
    """A person's record for staff. Anyone else gets 404 whatever the id (and it is logged)."""
    role = getattr(user, "role", None)
    if not has_permission(role, "person:read"):
        audit(session, actor_of(user), action, "person", None, outcome="denied", changes={"id": person_id})
        raise NotFound("No such person")
    require(user, permission)
    return found(session, Person, person_id, "No such person")


def can_write(user) -> bool:
    return has_permission(getattr(user, "role", None), "person:write")


def list_people(
    session: Session, user, q: str = "", arrangement_type: str = "", status: str = "", area: str = "", page: int = 1
) -> Page:
    require(user, "person:read")
    conds = []
    q = (q or "").replace("\x00", "").strip()[:100]
    if q:
        pattern = like_pattern(q.lower())
        compact = like_pattern(q.replace(" ", "").upper())
        full = func.lower(Person.first_name + " " + Person.last_name)
        conds.append(
            or_(
                full.like(pattern, escape="\\"),
                func.lower(Person.reference).like(pattern, escape="\\"),
                func.replace(Person.preferred_postcode, " ", "").like(compact, escape="\\"),
            )
        )
    if arrangement_type in ARRANGEMENT_TYPES:
        conds.append(Person.arrangement_type == arrangement_type)
    if status in PERSON_STATUSES:
        conds.append(Person.status == status)
    area_cond = area_condition(Person.preferred_postcode, area)
    if area_cond is not None:
        conds.append(area_cond)
    total = session.exec(select(func.count()).select_from(Person).where(*conds)).one()
    result = page_of(total, page)
    rows = session.exec(
        select(
            Person.id,
            Person.reference,
            Person.first_name,
            Person.last_name,
            Person.status,
            Person.arrangement_type,
            Person.preferred_postcode,
            Person.referral_date,
        )
        .where(*conds)
        .order_by(Person.last_name, Person.first_name, Person.id)
        .offset(result.offset)
        .limit(PER_PAGE)
    ).all()
    audit(
        session,
        actor_of(user),
        "person.list",
        "person",
        None,
        changes={"q": q[:60], "filters": [arrangement_type[:20], status[:20], area[:20]]},
    )
    result.items = list(rows)
    return result


def person_detail(session: Session, user, person_id) -> dict:
    person = _person(session, user, person_id, "person:read", "person.view")
    audit(session, actor_of(user), "person.view", "person", person.id)
    return {
        "person": person,
        "who_decides": who_decides(person),
        "vocab": {k: terms(session, k) for k in ("interest", "need", "language", "faith", "pet")},
    }


def get_person_for_edit(session: Session, user, person_id) -> Person:
    person = _person(session, user, person_id, "person:write", "person.view")
    audit(session, actor_of(user), "person.view", "person", person.id, changes={"page": "edit"})
    return person


def _audit_changes(changes: dict) -> dict:
    changes.pop("easting", None)
    changes.pop("northing", None)
    return changes


def create_person(session: Session, user, values: dict) -> Person:
    require(user, "person:write")
    clean = clean_person(session, values, Person())
    for name in ("first_name", "last_name"):
        if name not in clean:
            raise ValidationError(f"Enter the {name.replace('_', ' ')}", name)
    if "preferred_postcode" not in clean:
        raise ValidationError("Enter a postcode", "preferred_postcode")
    person = Person(reference=next_reference(session, Person), **clean)
    session.add(person)
    session.flush()
    changes = {k: [None, v.isoformat() if isinstance(v, date) else v] for k, v in clean.items()}
    audit(session, actor_of(user), "person.create", "person", person.id, changes=_audit_changes(changes))
    return person


def update_person(session: Session, user, person_id, version, values: dict) -> Person:
    """Save the person form. Raises StaleRecord if someone else saved it first."""
    person = _person(session, user, person_id, "person:write", "person.update")
    clean = clean_person(session, values, person)
    changes = changed_fields(person, clean)
    try:
        versioned_update(session, person, version, clean)
    except StaleRecord:
        audit(session, actor_of(user), "person.update", "person", person.id, outcome="conflict")
        raise
    audit(session, actor_of(user), "person.update", "person", person.id, changes=_audit_changes(changes))
    return person

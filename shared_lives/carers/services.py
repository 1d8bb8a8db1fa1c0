"""Carers: approval and terms, the DBS checks of every adult in the household, training,
and compliance (what has expired or is due soon, and which households it stops).

Staff (coordinators, managers) write; auditors read. Whether an expired check stops a
household is decided in ``shared_lives.rules.eligibility``; this module lists and records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.carers.models import APPROVAL_STATUSES, CARER_ROLES, Carer, DbsCheck, TrainingRecord
from shared_lives.errors import NotFound, StaleRecord, ValidationError
from shared_lives.households.access import staff_household
from shared_lives.households.models import Household
from shared_lives.names import display_names
from shared_lives.records import (
    PER_PAGE,
    changed_fields,
    check_choice,
    check_codes,
    check_int,
    clean_text,
    page_of,
    record_id,
    versioned_update,
)
from shared_lives.rules import eligibility as rules
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, training_courses
from shared_lives.vocab.services import terms

COMPLIANCE_DAYS = 60
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


# --------------------------------------------------------------------------- checks


def clean_carer(session: Session, values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in CARER_FIELDS}
    out: dict = {}
    limit = rules.scheme_max_people()
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


# --------------------------------------------------------------------------- carers


def get_carer(
    session: Session, user, household_id, carer_id, permission="household:write", log_view: bool = True
) -> tuple:
    household = staff_household(session, user, household_id, permission, "carer.view")
    carer = session.get(Carer, record_id(carer_id))
    if carer is None or carer.household_id != household.id:
        raise NotFound("No such carer")
    if log_view:
        audit(session, actor_of(user), "carer.view", "carer", carer.id)
    return household, carer


def create_carer(session: Session, user, household_id, values: dict) -> Carer:
    household = staff_household(session, user, household_id, "household:write", "carer.create")
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


def clean_dbs(values: dict) -> dict:
    out = {
        "adult_name": clean_text(values.get("adult_name"), "adult_name", "the adult's full name", 120, True),
        "certificate_number": clean_text(values.get("certificate_number"), "certificate_number", "the number", 20),
        "issued_on": values.get("issued_on"),
        "renew_by": values.get("renew_by"),
    }
    if out["certificate_number"] and not (out["certificate_number"].isascii() and out["certificate_number"].isdigit()):
        raise ValidationError("Certificate number must contain numbers only", "certificate_number")
    _check_dates(out["issued_on"], out["renew_by"], "issued_on", "renew_by", "date of issue", "renewal date")
    if out["issued_on"] > today():
        raise ValidationError("The date of issue must be today or in the past", "issued_on")
    return out


def get_dbs(session: Session, user, household_id, dbs_id, log_view: bool = False) -> tuple[Household, DbsCheck]:
    household = staff_household(session, user, household_id, "household:write", "dbs.view")
    check = session.get(DbsCheck, record_id(dbs_id))
    if check is None or check.household_id != household.id:
        raise NotFound("No such DBS check")
    if log_view:
        audit(session, actor_of(user), "dbs.view", "dbs_check", check.id)
    return household, check


def household_for_form(session: Session, user, household_id, log_view: bool = True) -> Household:
    """The household a new carer or DBS check is added to (a staff write route)."""
    household = staff_household(session, user, household_id, "household:write", "household.view")
    if log_view:
        audit(session, actor_of(user), "household.view", "household", household.id, changes={"page": "add"})
    return household


def add_dbs(session: Session, user, household_id, values: dict) -> DbsCheck:
    household = staff_household(session, user, household_id, "household:write", "dbs.create")
    clean = clean_dbs(values)
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
    clean = clean_dbs(values)
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


def clean_training(values: dict) -> dict:
    """A training record; with no renewal date, a course with a cycle is due after its cycle."""
    courses = training_courses()
    out = {
        "course": check_choice(values.get("course"), courses, "course", "the course"),
        "completed_on": values.get("completed_on"),
        "renew_by": values.get("renew_by"),
    }
    _check_dates(
        out["completed_on"], out["renew_by"], "completed_on", "renew_by", "date completed", "renewal date", False
    )
    if out["completed_on"] > today():
        raise ValidationError("The date completed must be today or in the past", "completed_on")
    years = courses[out["course"]]["renew_years"]
    if out["renew_by"] is None and years:
        done = out["completed_on"]
        out["renew_by"] = done.replace(
            year=done.year + years, day=28 if (done.month, done.day) == (2, 29) else done.day
        )
    return out


def get_training(session: Session, user, household_id, carer_id, training_id, log_view: bool = True) -> tuple:
    household, carer = get_carer(session, user, household_id, carer_id, log_view=log_view)
    record = session.get(TrainingRecord, record_id(training_id))
    if record is None or record.carer_id != carer.id:
        raise NotFound("No such training record")
    return household, carer, record


def add_training(session: Session, user, household_id, carer_id, values: dict) -> TrainingRecord:
    _household, carer = get_carer(session, user, household_id, carer_id, log_view=False)
    clean = clean_training(values)
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
    clean = clean_training(values)
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


# --------------------------------------------------------------------------- compliance


@dataclass
class ComplianceItem:
    """One approval, DBS check or course that has expired, is due soon or is not recorded."""

    household_id: int
    household_name: str
    who: str
    what: str
    due: date | None  # None: not recorded
    expired: bool
    #: The household cannot be offered anything because of this (rules.eligibility).
    blocks: bool
    days_left: int | None = None
    #: The eligibility reason this item counts towards (None: it never stops a household).
    code: str | None = None

    @property
    def missing(self) -> bool:
        return self.due is None


def _items_for(facts: rules.HouseholdFacts, name: str, on: date, horizon: date, everything: bool) -> list:
    """One household's items; an expired item blocks exactly when the rules stop the household for its kind."""
    stopped = set(rules.standing_reasons(facts, on))
    items = []

    def add(who, what, due, code):
        if due is not None and not everything and due > horizon:
            return
        expired = due is None or due < on
        left = None if due is None else (due - on).days
        blocks = expired and code in stopped
        items.append(ComplianceItem(facts.household_id, name, who, what, due, expired, blocks, left, code))

    for c in rules.approved_carers(facts):
        add(c.name, "Approval", c.approval_expires, "approval_expired")
    if not rules.approved_carers(facts):
        add("No approved carer", "Approval", None, "approval_expired")
    for adult in facts.adults:
        add(adult, "DBS check", facts.dbs_latest.get(rules.name_key(adult)), "dbs_expired")
    if not facts.adults:
        add("No adult recorded", "DBS check", None, "dbs_expired")
    for carer, course, due in rules.training_gaps(facts):
        if due != rules.NEVER:
            add(carer, f"Training: {course}", due, "training_expired")
    # Other courses are listed when due, and never stop a household.
    others = {rules.name_key(n): n for n, c in training_courses().items() if not c["mandatory"]}
    for c in rules.approved_carers(facts):
        for key, due in c.training.items():
            if key in others and due != rules.NEVER:
                add(c.name, f"Training: {others[key]}", due, None)
    return items


def compliance_items(session: Session, household_ids=None, days: int = COMPLIANCE_DAYS, everything: bool = False):
    """Approvals, DBS checks (every adult, by their latest check) and mandatory training that expired,
    are not recorded or expire within ``days``; ``everything`` lists them all, whatever the date."""
    on = today()
    facts = rules.household_facts(session, household_ids, since=on)
    names = dict(
        session.exec(
            select(Household.id, Household.name).where(Household.id.in_(list(facts)))
            if household_ids is not None
            else select(Household.id, Household.name)
        ).all()
    )
    items = []
    for hid, f in facts.items():
        items += _items_for(f, names.get(hid, ""), on, on + timedelta(days=days), everything)
    items.sort(key=lambda i: (i.due or date.min, i.household_name, i.who, i.what))
    return items


def ineligible_households(session: Session, on: date | None = None) -> list[tuple[int, str, list[str]]]:
    """(id, name, reason codes) of every household the rules stop from being offered anything on ``on``."""
    on = on or today()
    facts = rules.household_facts(session, since=on)
    names = dict(session.exec(select(Household.id, Household.name)).all())
    out = []
    for hid, f in facts.items():
        codes = rules.standing_reasons(f, on)
        if codes:
            out.append((hid, names.get(hid, ""), codes))
    return sorted(out, key=lambda x: (x[1], x[0]))


def compliance(session: Session, user, page: int = 1, days: int = COMPLIANCE_DAYS) -> dict:
    """Everything expired, missing or expiring within ``days`` (a page of it, soonest first), and
    every household the rules make ineligible, with the engine's words for why."""
    require(user, "compliance:read")
    items = compliance_items(session, days=days)
    ineligible = [
        {"household_id": hid, "name": name, "reasons": [rules.message(c) for c in codes]}
        for hid, name, codes in ineligible_households(session)
    ]
    result = page_of(len(items), page)
    result.items = items[result.offset : result.offset + PER_PAGE]
    # Two households of the same name are told apart by their reference.
    shown = {i.household_id for i in result.items} | {h["household_id"] for h in ineligible}
    names = display_names(session.exec(select(Household).where(Household.id.in_(shown))).all()) if shown else {}
    for i in result.items:
        i.household_name = names.get(i.household_id, i.household_name)
    for h in ineligible:
        h["name"] = names.get(h["household_id"], h["name"])
    audit(session, actor_of(user), "compliance.view", changes={"items": len(items), "page": result.page})
    return {"result": result, "ineligible": ineligible, "days": days, "today": today()}


def carers_of(session: Session, household: Household) -> dict:
    """A household's carers, DBS checks and training, and what the rules say about them today."""
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
    on = today()
    facts = rules.household_facts(session, [household.id], since=on)[household.id]
    scheme_max = rules.scheme_max_people()
    return {
        "carers": carers,
        "dbs": dbs,
        "training": training,
        "compliance": _items_for(facts, household.name, on, on + timedelta(days=COMPLIANCE_DAYS), False),
        "ineligible_reasons": [rules.message(c) for c in rules.standing_reasons(facts, on)],
        "capacity": rules.place_count(facts, scheme_max),
        "free_places": rules.free_places(facts, on, scheme_max),
    }

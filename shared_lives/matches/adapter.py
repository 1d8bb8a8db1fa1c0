"""The one adapter between the app's rows and the matching engine.

It turns Person / Household / Carer / DbsCheck / Arrangement rows into the
engine's plain records (see ``matching/README.md``), and the engine's results
back into ids and words. Suggestions and the approval re-check both go through
:func:`build_instance`, so they always agree on the hard constraints.

Places (capacity)
-----------------
``capacity = min(max terms_max_people of the approved carers, SCHEME_MAX_PEOPLE)``.
Live-in arrangements and short breaks each take a place while active (a short
break uses the spare bedroom for its dates; it is ended when the break is over);
day support takes no bedroom and never counts against places.

Eligibility
-----------
Only carers with ``approval_status == "approved"`` count. The household's
approval expiry is the latest of its approved carers' ``approval_expires``
(none = not approved). Its DBS date is the *earliest* ``renew_by`` of its DBS
checks: any adult's check past renewal makes the household ineligible.

The snapshot never contains free-text health notes: only controlled terms
(needs, interests, ...), ages, places and dates.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlmodel import Session, select

import matching
from shared_lives.households.models import Carer, DbsCheck, Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.timeutil import today

#: Arrangement types that take one of the household's places while active.
PLACE_TAKING_TYPES = ("live_in", "short_breaks")
DEFAULT_MAX_PEOPLE = 3


def age_on(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def scheme_max_people() -> int:
    try:
        return int(current_app.config.get("SCHEME_MAX_PEOPLE", DEFAULT_MAX_PEOPLE))
    except RuntimeError:  # outside an app context
        return DEFAULT_MAX_PEOPLE


def person_record(person: Person, on: date) -> dict:
    """A person as the engine reads them (first name only; no free text)."""
    return {
        "id": person.id,
        "name": person.first_name,
        "easting": person.easting,
        "northing": person.northing,
        "max_distance_km": person.max_distance_km,
        "arrangement_type": person.arrangement_type,
        "needs": list(person.needs or []),
        "age": age_on(person.date_of_birth, on),
        "interests": list(person.interests or []),
        "languages": list(person.languages or []),
        "language_required": bool(person.language_important),
        "faith": person.faith,
        "faith_important": bool(person.faith_important),
        "lifestyle": person.lifestyle,
        "setting": person.setting,
        "pets": person.pets,
        "allergies": list(person.allergies or []),
        "smoking": person.smoking,
        "children": person.children,
        "needs_step_free": bool(person.needs_step_free),
        "needs_ground_floor": bool(person.needs_ground_floor),
        "carer_gender": person.carer_gender_personal_care,
    }


def capacity_of(carers: list[Carer]) -> int:
    approved = [c for c in carers if c.approval_status == "approved"]
    if not approved:
        return 0
    return max(0, min(max(c.terms_max_people for c in approved), scheme_max_people()))


def household_record(
    household: Household,
    carers: list[Carer],
    dbs: list[DbsCheck],
    residents: list[tuple[Arrangement, Person]],
    on: date,
) -> dict:
    """A household as the engine reads it, with its free places net of active arrangements."""
    approved = [c for c in carers if c.approval_status == "approved"]
    expiries = [c.approval_expires for c in approved if c.approval_expires]
    terms = set()
    for c in approved:
        terms.update(c.terms_arrangement_types or [])
    if household.arrangement_types:
        terms &= set(household.arrangement_types)
    taken = [a for a, _ in residents if a.arrangement_type in PLACE_TAKING_TYPES]
    members = [m for m in household.members or [] if isinstance(m, dict)]
    skills = set()
    for c in approved:
        skills.update(c.skills or [])
    return {
        "id": household.id,
        "name": household.name,
        "easting": household.easting,
        "northing": household.northing,
        "free_places": max(0, capacity_of(carers) - len(taken)),
        "arrangement_types": sorted(terms),
        "approval_expires": max(expiries).isoformat() if expiries else None,
        "dbs_expires": min(d.renew_by for d in dbs).isoformat() if dbs else None,
        "smoking": bool(household.smoking),
        "pets": sorted({str(p.get("kind")) for p in household.pets or [] if isinstance(p, dict) and p.get("kind")}),
        "step_free": bool(household.step_free),
        "ground_floor_bedroom": bool(household.ground_floor_bedroom),
        "carer_genders": sorted({c.gender for c in approved if c.gives_personal_care and c.gender}),
        "skills": sorted(skills),
        "cannot_offer": list(household.cannot_offer or []),
        "age_min": household.age_min,
        "age_max": household.age_max,
        "interests": list(household.interests or []),
        "languages": list(household.languages or []),
        "faiths": [household.faith] if household.faith else [],
        "lifestyle": household.lifestyle,
        "setting": household.setting,
        "has_children": any((m.get("age") or 99) < 18 for m in members),
        "residents": [
            {"age": age_on(p.date_of_birth, on), "lifestyle": p.lifestyle}
            for a, p in residents
            if a.arrangement_type in PLACE_TAKING_TYPES
        ],
        "members": [{"age": m.get("age")} for m in members if m.get("age") is not None],
    }


def household_records(session: Session, households: list[Household], on: date) -> list[dict]:
    ids = [h.id for h in households]
    if not ids:
        return []
    carers: dict[int, list] = {i: [] for i in ids}
    for c in session.exec(select(Carer).where(Carer.household_id.in_(ids))).all():
        carers[c.household_id].append(c)
    dbs: dict[int, list] = {i: [] for i in ids}
    for d in session.exec(select(DbsCheck).where(DbsCheck.household_id.in_(ids))).all():
        dbs[d.household_id].append(d)
    residents: dict[int, list] = {i: [] for i in ids}
    rows = session.exec(
        select(Arrangement, Person)
        .join(Person, Person.id == Arrangement.person_id)
        .where(Arrangement.household_id.in_(ids), Arrangement.status == "active")
    ).all()
    for a, p in rows:
        residents[a.household_id].append((a, p))
    return [household_record(h, carers[h.id], dbs[h.id], residents[h.id], on) for h in households]


def build_instance(session: Session, people: list[Person], households: list[Household], on: date | None = None):
    """The engine's Instance for these rows, and the JSON snapshot of its inputs."""
    on = on or today()
    precs = [person_record(p, on) for p in people]
    hrecs = household_records(session, households, on)
    instance = matching.Instance.from_records(precs, hrecs, as_of=on)
    snapshot = {"as_of": on.isoformat(), "people": precs, "households": hrecs}
    return instance, snapshot


def pair_exclusions(session: Session, person: Person, household: Household, on: date | None = None) -> list[dict]:
    """Hard-constraint reasons (``[{"code", "message"}]``) that stop this pair now; empty if allowed."""
    instance, _ = build_instance(session, [person], [household], on)
    return matching.exclusion_reasons(instance, 0, 0)


def pair_explanation(session: Session, person: Person, household: Household, on: date | None = None) -> dict:
    """The engine's full explanation of one pair, made now."""
    instance, _ = build_instance(session, [person], [household], on)
    return _jsonable(matching.explain(instance, 0, 0))


def _jsonable(value):
    """Engine output with numpy scalars turned into plain numbers."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value


jsonable = _jsonable

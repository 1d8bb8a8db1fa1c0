"""The one adapter between the app's rows and the matching engine.

It turns Person / Household rows (and what ``shared_lives.rules`` decides about them)
into the engine's plain records (see ``matching/README.md``), and the engine's results
back into ids and words. Suggestions and the approval re-check both go through
:func:`build_instance`, so they always agree on the hard constraints.

Places, approval, DBS checks and training are not worked out here: the household's
``free_places``, ``arrangement_types``, ``approval_expires``, ``dbs_expires`` and
``training_expires`` come from :func:`shared_lives.rules.eligibility.engine_columns`,
the same decisions the compliance page, the lists and approval use.

The snapshot never contains free-text health notes: only controlled terms
(needs, interests, ...), ages, places and dates.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

import matching
from shared_lives.households.models import Household
from shared_lives.matches import inputs
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.rules import eligibility as rules
from shared_lives.rules import places
from shared_lives.rules.age import age_on
from shared_lives.timeutil import today


def person_record(person: Person, on: date, arrangement_type: str | None = None) -> dict:
    """A person as the engine reads them (first name only; no free text)."""
    return {
        "id": person.id,
        "name": person.first_name,
        "easting": person.easting,
        "northing": person.northing,
        "max_distance_km": person.max_distance_km,
        "arrangement_type": arrangement_type or person.arrangement_type,
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


def household_record(
    household: Household,
    facts: rules.HouseholdFacts,
    residents: list[Person],
    on: date,
    scheme_max: int,
    free: int | None = None,
) -> dict:
    """A household as the engine reads it; eligibility columns from the rules."""
    approved = rules.approved_carers(facts)
    members = [m for m in household.members or [] if isinstance(m, dict)]
    return {
        "id": household.id,
        "name": household.name,
        "easting": household.easting,
        "northing": household.northing,
        **rules.engine_columns(facts, on, scheme_max, free),
        "smoking": bool(household.smoking),
        "pets": sorted({str(p.get("kind")) for p in household.pets or [] if isinstance(p, dict) and p.get("kind")}),
        "step_free": bool(household.step_free),
        "ground_floor_bedroom": bool(household.ground_floor_bedroom),
        "carer_genders": sorted({c.gender for c in approved if c.gives_personal_care and c.gender}),
        "skills": sorted(frozenset().union(*(c.skills for c in approved))),
        "cannot_offer": list(household.cannot_offer or []),
        "age_min": household.age_min,
        "age_max": household.age_max,
        "interests": list(household.interests or []),
        "languages": list(household.languages or []),
        "faiths": [household.faith] if household.faith else [],
        "lifestyle": household.lifestyle,
        "setting": household.setting,
        "has_children": any((m.get("age") or 99) < 18 for m in members),
        # person_id lets retention find a resident in old snapshots; the engine reads age and lifestyle
        "residents": [
            {"person_id": p.id, "age": age_on(p.date_of_birth, on), "lifestyle": p.lifestyle} for p in residents
        ],
        "members": [{"age": m.get("age")} for m in members if m.get("age") is not None],
    }


def household_records(
    session: Session, households: list[Household], on: date, window: tuple[date, date | None] | None = None
) -> list[dict]:
    """Engine records for these households on ``on``.

    ``window`` (first day, last day or None) judges the free place on every day of an
    arrangement about to start, as approval must; otherwise on ``on`` alone.
    """
    ids = [h.id for h in households]
    if not ids:
        return []
    facts = rules.household_facts(session, ids, since=on)
    scheme_max = rules.scheme_max_people()
    residents: dict[int, list] = {i: [] for i in ids}
    rows = session.exec(
        select(Arrangement, Person)
        .join(Person, Person.id == Arrangement.person_id)
        .where(Arrangement.household_id.in_(ids), Arrangement.status == "active")
        .order_by(Arrangement.id)
    ).all()
    for a, p in rows:
        stay = places.Occupancy(a.arrangement_type, a.start_date, a.end_date, a.short_break_start, a.short_break_end)
        if places.takes_place_on(stay, on):
            residents[a.household_id].append(p)
    out = []
    for h in households:
        f = facts[h.id]
        free = None
        if window is not None:
            count = rules.place_count(f, scheme_max)
            free = places.free_places_throughout(count, f.occupancy, window[0], window[1])
        out.append(household_record(h, f, residents[h.id], on, scheme_max, free))
    return out


def build_instance(
    session: Session,
    people: list[Person],
    households: list[Household],
    on: date | None = None,
    arrangement_type: str | None = None,
    window: tuple[date, date | None] | None = None,
):
    """The engine's Instance for these rows, and the JSON snapshot of its inputs.

    ``arrangement_type`` asks about a type other than the one each person's referral names
    (a proposal may be for a short break); ``window`` see :func:`household_records`.
    """
    on = on or today()
    precs = [person_record(p, on, arrangement_type) for p in people]
    hrecs = household_records(session, households, on, window)
    instance = matching.Instance.from_records(precs, hrecs, as_of=on)
    snapshot = {"as_of": on.isoformat(), "people": precs, "households": hrecs}
    return instance, snapshot


# --------------------------------------------------------------------------- cached: everyone at once


def scheme_inputs(session: Session, on: date | None = None) -> inputs.Built:
    """Every household and every waiting person as the engine reads them on ``on``, built once
    per worker and reused until a write bumps the input version (see :mod:`.inputs`)."""
    on = on or today()
    scheme_max = rules.scheme_max_people()
    bind = session.get_bind()
    key = (str(bind.url), inputs.current_version(session), on, scheme_max, matching.WEIGHTS_VERSION)

    def build() -> inputs.Built:
        households = list(session.exec(select(Household).order_by(Household.id)).all())
        people = list(session.exec(select(Person).where(Person.status == "waiting").order_by(Person.id)).all())
        hrecs = household_records(session, households, on)
        precs = [person_record(p, on) for p in people]
        vocab = matching.Vocabulary.build(precs, hrecs)
        return inputs.Built(
            key=key,
            vocab=vocab,
            households=inputs.build_side("households", hrecs, vocab),
            people=inputs.build_side("people", precs, vocab),
            households_hash=inputs.snapshot_hash(hrecs),
            people_hash=inputs.snapshot_hash(precs),
        )

    return inputs.cached(key, build)


def _snapshot(session: Session, on: date, built: inputs.Built, people=None, households=None) -> dict:
    """What a run read: its own side inline, the shared side by the hash of its stored copy."""
    return {
        "as_of": on.isoformat(),
        "people": people
        if people is not None
        else inputs.store_input(session, "people", built.people.records, built.people_hash),
        "households": households
        if households is not None
        else inputs.store_input(session, "households", built.households.records, built.households_hash),
    }


def person_instance(session: Session, person: Person, on: date | None = None, arrangement_type: str | None = None):
    """One person against every household: the engine's Instance and the run's snapshot.

    ``arrangement_type`` asks about a type other than the one the person's referral names
    (a proposal for a short break); each household's free place is judged on ``on``.
    """
    on = on or today()
    built = scheme_inputs(session, on)
    precs = [person_record(person, on, arrangement_type)]
    if not inputs.covers(built.vocab, people=precs):
        households = list(session.exec(select(Household).order_by(Household.id)).all())
        return build_instance(session, [person], households, on, arrangement_type=arrangement_type)
    side = inputs.build_side("people", precs, built.vocab)
    return inputs.instance_from(built.vocab, side, built.households, on), _snapshot(session, on, built, people=precs)


def household_instance(session: Session, household: Household, on: date | None = None):
    """Every waiting person against one household."""
    on = on or today()
    built = scheme_inputs(session, on)
    hrecs = household_records(session, [household], on)
    if not inputs.covers(built.vocab, households=hrecs):
        waiting = list(session.exec(select(Person).where(Person.status == "waiting").order_by(Person.id)).all())
        return build_instance(session, waiting, [household], on)
    side = inputs.build_side("households", hrecs, built.vocab)
    return inputs.instance_from(built.vocab, built.people, side, on), _snapshot(session, on, built, households=hrecs)


def scheme_instance(session: Session, on: date | None = None):
    """Every waiting person against every household."""
    on = on or today()
    built = scheme_inputs(session, on)
    return inputs.instance_from(built.vocab, built.people, built.households, on), _snapshot(session, on, built)


# --------------------------------------------------------------------------- one pair


def pair_exclusions(session: Session, person: Person, household: Household, on: date | None = None, **kw) -> list:
    """Hard-constraint reasons (``[{"code", "message"}]``) that stop this pair now; empty if allowed."""
    instance, _ = build_instance(session, [person], [household], on, **kw)
    return matching.exclusion_reasons(instance, 0, 0)


def pair_explanation(session: Session, person: Person, household: Household, on: date | None = None) -> dict:
    """The engine's full explanation of one pair, made now."""
    instance, _ = build_instance(session, [person], [household], on)
    return jsonable(matching.explain(instance, 0, 0))


def jsonable(value):
    """Engine output with numpy scalars turned into plain numbers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value

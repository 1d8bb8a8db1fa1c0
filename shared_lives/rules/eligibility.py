"""Eligibility: may a household be offered an arrangement type on a date?

Yes when (domain.md, "Eligibility, one definition"):

* its approval is current (an approved carer's approval has not expired) and the terms
  of approval include that type (and the household offers it);
* **every adult in the household** (each carer and each adult member) has a DBS check
  in date, each judged by their **latest** check, so a renewal replaces the old one;
* every approved carer's **mandatory training** (``data/training_courses.json``) is in
  date, each course judged by its latest record;
* it has a free place on that date (:mod:`shared_lives.rules.places`).

The reason codes are the engine's (``matching.REASONS``). :func:`household_facts` reads
what these decisions need for many households in a few queries; everything else here
is a pure function of those facts and a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from flask import current_app
from sqlalchemy import Date, bindparam, func, or_
from sqlmodel import Session, select

import matching
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.placements.models import Arrangement
from shared_lives.rules import places
from shared_lives.vocab.fixed import mandatory_courses

#: Codes that depend on neither the arrangement type nor the places: what compliance shows.
STANDING_CODES = ("approval_expired", "dbs_expired", "training_expired")
#: The engine's words for each code, so pages and the engine say the same thing.
MESSAGES = {r.code: r.message for r in matching.REASONS}
ADULT_AGE = 18
#: Training with no renewal date never expires.
NEVER = date.max


def name_key(name: str | None) -> str:
    """How a person's name is matched between carers, members and DBS checks."""
    if type(name) is str:
        return _name_key(name)
    return " ".join(str(name or "").casefold().split())


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:  # thousands of names and courses, each asked about many times
    return " ".join(name.casefold().split())


@dataclass(frozen=True)
class CarerStanding:
    carer_id: int
    name: str
    approved: bool
    approval_expires: date | None
    terms_types: frozenset
    terms_max_people: int
    gender: str | None = None
    gives_personal_care: bool = False
    skills: frozenset = frozenset()
    #: name_key(course) -> latest renew_by (``NEVER`` when it does not expire)
    training: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int
    offered_types: frozenset
    carers: tuple
    #: Display names of every adult: carers, then members aged 18 or over (one per person).
    adults: tuple
    #: name_key(adult) -> their latest DBS check's renew_by
    dbs_latest: dict = field(default_factory=dict, hash=False, compare=False)
    occupancy: tuple = ()


def scheme_max_people() -> int:
    """The scheme's own limit (``SCHEME_MAX_PEOPLE``), never above 3."""
    return min(int(current_app.config.get("SCHEME_MAX_PEOPLE", places.ABSOLUTE_MAX_PEOPLE)), places.ABSOLUTE_MAX_PEOPLE)


# --------------------------------------------------------------------------- decisions


def approved_carers(f: HouseholdFacts) -> list[CarerStanding]:
    return [c for c in f.carers if c.approved]


def approval_valid_until(f: HouseholdFacts) -> date | None:
    """The last day an approved carer's approval runs to (None: no approval on record)."""
    return max((c.approval_expires for c in approved_carers(f) if c.approval_expires), default=None)


def approved_types(f: HouseholdFacts) -> frozenset:
    """Arrangement types in the approved carers' terms that the household offers."""
    types = frozenset().union(*(c.terms_types for c in approved_carers(f)))
    return types & f.offered_types if f.offered_types else types


def place_count(f: HouseholdFacts, scheme_max: int) -> int:
    """How many people the household may support at once (0 without an approved carer)."""
    return places.capacity(max((c.terms_max_people for c in approved_carers(f)), default=0), scheme_max)


def free_places(f: HouseholdFacts, on: date, scheme_max: int) -> int:
    return places.free_places(place_count(f, scheme_max), f.occupancy, on)


def dbs_valid_until(f: HouseholdFacts) -> date | None:
    """The first day any adult's latest DBS check runs out (None: an adult has none, or no adults)."""
    if not f.adults:
        return None
    dates = [f.dbs_latest.get(name_key(a)) for a in f.adults]
    return None if None in dates else min(dates)


def training_gaps(f: HouseholdFacts, courses=None) -> list[tuple[str, str, date | None]]:
    """(carer, course, latest renew_by or None when not recorded) for each approved carer's mandatory course."""
    courses = mandatory_courses() if courses is None else courses
    return [(c.name, course, c.training.get(name_key(course))) for c in approved_carers(f) for course in courses]


def training_valid_until(f: HouseholdFacts, courses=None) -> date | None:
    """The first day an approved carer's mandatory course runs out (None: one is not recorded).

    A household with no approved carer has no training to judge (its approval already excludes it).
    """
    gaps = training_gaps(f, courses)
    if not gaps:
        return NEVER
    dates = [d for _, _, d in gaps]
    return None if None in dates else min(dates)


def _lapsed(valid_until: date | None, on: date) -> bool:
    return valid_until is None or valid_until < on


def standing_reasons(f: HouseholdFacts, on: date, courses=None) -> list[str]:
    """Codes that stop the household being offered anything on ``on``, whatever the type or places."""
    out = []
    if _lapsed(approval_valid_until(f), on):
        out.append("approval_expired")
    if _lapsed(dbs_valid_until(f), on):
        out.append("dbs_expired")
    if _lapsed(training_valid_until(f, courses), on):
        out.append("training_expired")
    return out


def reasons_against(
    f: HouseholdFacts,
    arrangement_type: str,
    on: date,
    scheme_max: int,
    until: date | None = None,
    throughout: bool = False,
    courses=None,
) -> list[str]:
    """Every reason (engine codes, in the engine's order) the household cannot be offered this now.

    ``throughout`` checks the place on every day from ``on`` to ``until`` (an approval), not ``on`` alone.
    """
    count = place_count(f, scheme_max)
    free = (
        places.free_places_throughout(count, f.occupancy, on, until)
        if throughout
        else places.free_places(count, f.occupancy, on)
    )
    codes = set(standing_reasons(f, on, courses))
    if free <= 0:
        codes.add("no_free_place")
    if arrangement_type not in approved_types(f):
        codes.add("arrangement_not_approved")
    return [r.code for r in matching.REASONS if r.code in codes]


def engine_columns(f: HouseholdFacts, on: date, scheme_max: int, free: int | None = None, courses=None) -> dict:
    """What the engine's hard constraints read about a household, from these same decisions."""
    training = training_valid_until(f, courses)
    approval, dbs = approval_valid_until(f), dbs_valid_until(f)
    return {
        "free_places": free_places(f, on, scheme_max) if free is None else free,
        "arrangement_types": sorted(approved_types(f)),
        "approval_expires": approval.isoformat() if approval else None,
        "dbs_expires": dbs.isoformat() if dbs else None,
        # the engine reads no date as "not judged", so a missing record is passed as long expired
        "training_expires": (training or date.min).isoformat(),
    }


def message(code: str) -> str:
    return MESSAGES[code]


# --------------------------------------------------------------------------- reading the facts


@cache
def _fact_queries(some: bool) -> tuple:
    """The five queries of :func:`household_facts`, built once: for the households in the
    ``ids`` parameter (``some``), or for all. Building a statement costs more than running it."""

    def only(column) -> list:
        return [column.in_(bindparam("ids", expanding=True))] if some else []

    # Columns, not Carer entities: the facts are plain values, and loading thousands of
    # entities into the session's identity map costs more than the query itself.
    carer_columns = (
        Carer.id,
        Carer.household_id,
        Carer.name,
        Carer.approval_status,
        Carer.approval_expires,
        Carer.terms_arrangement_types,
        Carer.terms_max_people,
        Carer.gender,
        Carer.gives_personal_care,
        Carer.skills,
    )
    return (
        select(Household.id, Household.arrangement_types, Household.members).where(*only(Household.id)),
        select(*carer_columns).where(*only(Carer.household_id)).order_by(Carer.id),
        select(TrainingRecord.carer_id, TrainingRecord.course, TrainingRecord.renew_by)
        .join(Carer, Carer.id == TrainingRecord.carer_id)
        .where(Carer.approval_status == "approved", *only(Carer.household_id)),
        select(DbsCheck.household_id, DbsCheck.adult_name, func.max(DbsCheck.renew_by))
        .where(*only(DbsCheck.household_id))
        .group_by(DbsCheck.household_id, DbsCheck.adult_name),
        select(
            Arrangement.household_id,
            Arrangement.arrangement_type,
            Arrangement.start_date,
            Arrangement.end_date,
            Arrangement.short_break_start,
            Arrangement.short_break_end,
        ).where(
            or_(
                Arrangement.status == "active",
                Arrangement.end_date.is_(None),
                Arrangement.end_date > bindparam("since", type_=Date),
            ),
            *only(Arrangement.household_id),
        ),
    )


def household_facts(session: Session, household_ids=None, since: date | None = None) -> dict[int, HouseholdFacts]:
    """The facts eligibility needs for these households (all when None), in five queries.

    Arrangements that ended before ``since`` are left out (they hold no place from then on).
    """
    params = {"since": since or date.min}
    if household_ids is not None:
        params["ids"] = list(household_ids)
    hstmt, cstmt, tstmt, dstmt, astmt = _fact_queries(household_ids is not None)
    households = session.exec(hstmt, params=params).all()
    carers: dict[int, list] = {}
    for c in session.exec(cstmt, params=params).all():
        carers.setdefault(c.household_id, []).append(c)
    training: dict[int, dict] = {}
    for carer_id, course, renew_by in session.exec(tstmt, params=params).all():
        key, until = name_key(course), renew_by or NEVER
        mine = training.setdefault(carer_id, {})
        mine[key] = max(mine.get(key, date.min), until)
    dbs: dict[int, dict] = {}
    for hid, adult, renew_by in session.exec(dstmt, params=params).all():
        key = name_key(adult)
        mine = dbs.setdefault(hid, {})
        mine[key] = max(mine.get(key, date.min), renew_by)
    occupancy: dict[int, list] = {}
    for hid, kind, start, end, b_start, b_end in session.exec(astmt, params=params).all():
        occupancy.setdefault(hid, []).append(places.Occupancy(kind, start, end, b_start, b_end))
    out = {}
    for hid, offered, members in households:
        mine = carers.get(hid, [])
        adults, seen = [], set()
        names = [c.name for c in mine] + [
            m.get("name") for m in members or [] if isinstance(m, dict) and _adult(m.get("age"))
        ]
        for name in names:
            key = name_key(name)
            if key and key not in seen:
                seen.add(key)
                adults.append(str(name).strip())
        out[hid] = HouseholdFacts(
            household_id=hid,
            offered_types=frozenset(offered or []),
            carers=tuple(
                CarerStanding(
                    carer_id=c.id,
                    name=c.name,
                    approved=c.approval_status == "approved",
                    approval_expires=c.approval_expires,
                    terms_types=frozenset(c.terms_arrangement_types or []),
                    terms_max_people=c.terms_max_people or 0,
                    gender=c.gender,
                    gives_personal_care=bool(c.gives_personal_care),
                    skills=frozenset(c.skills or []),
                    training=training.get(c.id, {}),
                )
                for c in mine
            ),
            adults=tuple(adults),
            dbs_latest=dbs.get(hid, {}),
            occupancy=tuple(occupancy.get(hid, [])),
        )
    return out


def _adult(age) -> bool:
    return isinstance(age, int) and not isinstance(age, bool) and age >= ADULT_AGE

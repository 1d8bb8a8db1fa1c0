"""One answer everywhere: for generated households, people and arrangements, the compliance
page, the household list's free places, the household page, the engine's mask and the
approval re-check agree with ``shared_lives.rules`` for every pair on the day."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

import matching
from shared_lives.auth.services import SignedInUser
from shared_lives.carers import services as carers
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.db import get_engine
from shared_lives.households import services as households
from shared_lives.households.models import Household
from shared_lives.matches import adapter
from shared_lives.matches import services as matches
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.rules import eligibility as rules
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import mandatory_courses
from tests import factories

TYPES = ("live_in", "short_breaks", "day_support")
ELIGIBILITY_CODES = {"no_free_place", "arrangement_not_approved", *rules.STANDING_CODES}

days = st.integers(-60, 60)
carer_st = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["approved", "approved", "assessment", "suspended"]),
        "expires": st.one_of(st.none(), days),
        "types": st.lists(st.sampled_from(TYPES), max_size=3, unique=True),
        "max_people": st.integers(1, 3),
        # per mandatory course: None (not recorded) or renew-by offsets of each record (a renewal keeps the old one)
        "training": st.one_of(st.none(), st.lists(days, min_size=1, max_size=2)),
    }
)
member_st = st.fixed_dictionaries({"age": st.integers(10, 60)})
arrangement_st = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "start": days,
        "end": st.one_of(st.none(), days),
        "break": st.tuples(days, st.integers(0, 10)),
    }
)
household_st = st.fixed_dictionaries(
    {
        "offered": st.lists(st.sampled_from(TYPES), max_size=3, unique=True),
        "carers": st.lists(carer_st, max_size=2),
        "members": st.lists(member_st, max_size=2),
        # DBS renew-by offsets per adult: None (no check) or one or two checks
        "dbs": st.lists(st.one_of(st.none(), st.lists(days, min_size=1, max_size=2)), min_size=4, max_size=4),
        "arrangements": st.lists(arrangement_st, max_size=3),
    }
)


def _make(session: Session, spec: dict) -> Household:
    on = today()
    fake = factories.fake
    household = factories.make_household(session, arrangement_types=spec["offered"])
    adults = []
    for c in spec["carers"]:
        carer = Carer(
            household_id=household.id,
            name=fake.unique.name(),
            gender="female",
            approval_status=c["status"],
            approval_expires=None if c["expires"] is None else on + timedelta(days=c["expires"]),
            terms_arrangement_types=c["types"],
            terms_max_people=c["max_people"],
            skills=[],
        )
        session.add(carer)
        session.flush()
        adults.append(carer.name)
        for course in mandatory_courses():
            for offset in c["training"] or []:
                session.add(
                    TrainingRecord(
                        carer_id=carer.id,
                        course=course,
                        completed_on=on - timedelta(days=400),
                        renew_by=on + timedelta(days=offset),
                    )
                )
    members = []
    for m in spec["members"]:
        name = fake.unique.name()
        members.append({"name": name, "age": m["age"], "relationship": "Family"})
        if m["age"] >= 18:
            adults.append(name)
    household.members = members
    session.add(household)
    for adult, checks in zip(adults, spec["dbs"], strict=False):
        for offset in checks or []:
            session.add(
                DbsCheck(
                    household_id=household.id,
                    adult_name=adult,
                    issued_on=on - timedelta(days=1000),
                    renew_by=on + timedelta(days=offset),
                )
            )
    for a in spec["arrangements"]:
        person = factories.make_person(session, status="matched")
        end = None if a["end"] is None else on + timedelta(days=a["end"])
        b_start = on + timedelta(days=a["break"][0])
        session.add(
            Arrangement(
                person_id=person.id,
                household_id=household.id,
                arrangement_type=a["type"],
                status="active" if end is None or end > on else "ended",
                start_date=on + timedelta(days=a["start"]),
                end_date=end,
                short_break_start=b_start if a["type"] == "short_breaks" else None,
                short_break_end=b_start + timedelta(days=a["break"][1]) if a["type"] == "short_breaks" else None,
            )
        )
    session.flush()
    return household


def _easy_person(session: Session, kind: str) -> Person:
    """Someone no other constraint excludes, so only eligibility and places decide."""
    return factories.make_person(session, arrangement_type=kind, needs=[], max_distance_km=500, pets="ok", smoking="ok")


def _engine_codes(session, person, household, kind, on, window=None) -> list[str]:
    instance, _ = adapter.build_instance(session, [person], [household], on, arrangement_type=kind, window=window)
    allowed, _bits = matching.hard_constraints(instance)
    codes = [r["code"] for r in matching.exclusion_reasons(instance, 0, 0)]
    assert bool(allowed[0, 0]) == (not codes)
    return [c for c in codes if c in ELIGIBILITY_CODES]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(household_st, min_size=1, max_size=3))
def test_compliance_lists_engine_and_approval_agree_with_the_rules(app, users, specs):
    on = today()
    engine = get_engine(app)
    manager = SignedInUser(users["manager"], "test")
    with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
        made = [_make(session, spec) for spec in specs]
        people = {kind: _easy_person(session, kind) for kind in TYPES}
        session.flush()
        facts = rules.household_facts(session, [h.id for h in made], since=on)
        scheme_max = rules.scheme_max_people()
        stopped = {hid: codes for hid, _name, codes in carers.ineligible_households(session, on)}
        for household in made:
            f = facts[household.id]
            standing = rules.standing_reasons(f, on)
            # the compliance page and the household page
            assert stopped.get(household.id, []) == standing
            page = carers.carers_of(session, household)
            assert page["ineligible_reasons"] == [rules.message(c) for c in standing]
            items = carers.compliance_items(session, [household.id], everything=True)
            assert {i.code for i in items if i.blocks} == set(standing)
            assert page["free_places"] == rules.free_places(f, on, scheme_max)
            # the household list (and its "has a free place" filter)
            listed = households.list_households(session, manager, q=household.reference).items
            assert [i["free_places"] for i in listed] == [rules.free_places(f, on, scheme_max)]
            has_space = households.list_households(session, manager, q=household.reference, availability="space")
            assert (has_space.total == 1) == (rules.free_places(f, on, scheme_max) > 0)
            for kind, person in people.items():
                expected = rules.reasons_against(f, kind, on, scheme_max)
                # the engine's mask, on the day
                assert _engine_codes(session, person, household, kind, on) == expected
                # the approval re-check, for an arrangement starting today
                proposal = Proposal(
                    person_id=person.id,
                    household_id=household.id,
                    arrangement_type=kind,
                    short_break_start=on if kind == "short_breaks" else None,
                    short_break_end=on if kind == "short_breaks" else None,
                    rationale="",
                    proposed_by_id=manager.id,
                )
                rechecked = [c["code"] for c in matches.proposal_exclusions(session, proposal)]
                throughout = rules.reasons_against(f, kind, on, scheme_max, throughout=kind == "live_in")
                assert [c for c in rechecked if c in ELIGIBILITY_CODES] == throughout
                if kind != "live_in":
                    assert throughout == expected
        session.rollback()


def test_a_renewed_dbs_check_counts_everywhere(app, users, db):
    """The first release's bug: the old, expired row kept beside a renewal excluded the household."""
    on = today()
    with app.test_request_context():
        household = factories.make_household(db)
        carer = factories.make_carer(db, household, dbs_renew_by=on - timedelta(days=5))
        db.add(
            DbsCheck(household_id=household.id, adult_name=carer.name, issued_on=on, renew_by=on + timedelta(days=900))
        )
        person = _easy_person(db, "live_in")
        db.commit()
        assert rules.standing_reasons(rules.household_facts(db, [household.id])[household.id], on) == []
        assert _engine_codes(db, person, household, "live_in", on) == []
        assert household.id not in {hid for hid, _n, _c in carers.ineligible_households(db, on)}


def test_the_scheme_limit_caps_places_and_day_support_takes_none(app, users, db):
    on = today()
    with app.test_request_context():
        household = factories.make_household(db, arrangement_types=["live_in", "day_support"])
        factories.make_carer(db, household, terms_max_people=3, terms_arrangement_types=["live_in", "day_support"])
        for kind in ("live_in", "day_support", "day_support"):
            person = factories.make_person(db, status="matched")
            db.add(Arrangement(person_id=person.id, household_id=household.id, arrangement_type=kind, start_date=on))
        db.commit()
        f = rules.household_facts(db, [household.id])[household.id]
        app.config["SCHEME_MAX_PEOPLE"] = 2
        try:
            assert rules.place_count(f, rules.scheme_max_people()) == 2
            assert rules.free_places(f, on, rules.scheme_max_people()) == 1
            manager = SignedInUser(users["manager"], "test")
            listed = households.list_households(db, manager, q=household.reference).items
            assert [(i["capacity"], i["free_places"]) for i in listed] == [(2, 1)]
        finally:
            app.config["SCHEME_MAX_PEOPLE"] = 3


def test_a_short_break_holds_a_place_only_between_its_dates(app, users, db):
    on = today()
    with app.test_request_context():
        household = factories.make_household(db)
        factories.make_carer(db, household, terms_max_people=1)
        person = factories.make_person(db, status="matched")
        db.add(
            Arrangement(
                person_id=person.id,
                household_id=household.id,
                arrangement_type="short_breaks",
                start_date=on - timedelta(days=30),
                short_break_start=on - timedelta(days=30),
                short_break_end=on - timedelta(days=25),
            )
        )
        later = factories.make_person(db, status="matched")
        db.add(
            Arrangement(
                person_id=later.id,
                household_id=household.id,
                arrangement_type="short_breaks",
                start_date=on + timedelta(days=10),
                short_break_start=on + timedelta(days=10),
                short_break_end=on + timedelta(days=12),
            )
        )
        db.commit()
        f = rules.household_facts(db, [household.id])[household.id]
        # the past break, never ended by hand, no longer holds the place
        assert rules.free_places(f, on, 3) == 1
        assert rules.free_places(f, on + timedelta(days=11), 3) == 0
        # a live-in starting today would collide with the break agreed for later
        assert rules.reasons_against(f, "live_in", on, 3, throughout=True) == ["no_free_place"]

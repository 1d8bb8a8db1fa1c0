"""Row factories for tests: synthetic people and households with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from faker import Faker
from sqlmodel import Session

from shared_lives.audit.services import SYSTEM
from shared_lives.auth.services import create_user
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import mandatory_courses

fake = Faker("en_GB")
Faker.seed(1234)
_seq = itertools.count(1)

#: Real postcodes near Maidstone with their grid references (ONS Postcode Directory).
POSTCODES = {
    "ME14 1XQ": (576017.0, 156294.0),
    "ME15 6YE": (576079.0, 155430.0),
    "ME1 3FE": (573075.0, 161828.0),
}
PASSWORD = "correct horse battery staple"


def make_household(session: Session, **kw) -> Household:
    n = next(_seq)
    postcode = kw.pop("postcode", "ME14 1XQ")
    east, north = POSTCODES.get(postcode, POSTCODES["ME14 1XQ"])
    household = Household(
        reference=kw.pop("reference", f"HT{n:05d}"),
        name=kw.pop("name", f"The {fake.last_name()} household"),
        postcode=postcode,
        easting=east,
        northing=north,
        town="Maidstone",
        bedrooms_spare=1,
        arrangement_types=kw.pop("arrangement_types", ["live_in", "short_breaks"]),
        **kw,
    )
    session.add(household)
    session.flush()
    return household


def make_carer(session: Session, household: Household, **kw) -> Carer:
    """An approved carer with an in-date DBS check and mandatory training (unless told otherwise)."""
    dbs_renew_by = kw.pop("dbs_renew_by", today() + timedelta(days=900))
    training_renew_by = kw.pop("training_renew_by", None)
    carer = Carer(
        household_id=household.id,
        name=kw.pop("name", fake.name()),
        gender=kw.pop("gender", "female"),
        approval_status=kw.pop("approval_status", "approved"),
        panel_date=kw.pop("panel_date", today() - timedelta(days=200)),
        approval_expires=kw.pop("approval_expires", today() + timedelta(days=500)),
        terms_arrangement_types=kw.pop("terms_arrangement_types", ["live_in", "short_breaks"]),
        terms_max_people=kw.pop("terms_max_people", 2),
        skills=kw.pop("skills", ["autism", "personal_care"]),
        **kw,
    )
    session.add(carer)
    session.flush()
    session.add(
        DbsCheck(
            household_id=household.id,
            adult_name=carer.name,
            issued_on=today() - timedelta(days=100),
            renew_by=dbs_renew_by,
        )
    )
    add_mandatory_training(session, carer, training_renew_by)
    session.flush()
    return carer


def add_mandatory_training(session: Session, carer: Carer, renew_by: date | None = None) -> None:
    """Every mandatory course, done 100 days ago and in date until ``renew_by`` (default 2 years on)."""
    for course in mandatory_courses():
        session.add(
            TrainingRecord(
                carer_id=carer.id,
                course=course,
                completed_on=today() - timedelta(days=100),
                renew_by=renew_by or today() + timedelta(days=700),
            )
        )


def make_person(session: Session, **kw) -> Person:
    n = next(_seq)
    person = Person(
        reference=kw.pop("reference", f"PT{n:05d}"),
        first_name=kw.pop("first_name", fake.first_name()),
        last_name=kw.pop("last_name", fake.last_name()),
        date_of_birth=kw.pop("date_of_birth", date(1990, 5, 17)),
        preferred_postcode=kw.pop("preferred_postcode", "ME15 6YE"),
        easting=kw.pop("easting", 576079.0),
        northing=kw.pop("northing", 155430.0),
        needs=kw.pop("needs", ["autism"]),
        interests=kw.pop("interests", ["gardening", "music"]),
        **kw,
    )
    session.add(person)
    session.flush()
    return person


def make_user(session: Session, role: str, household_id: int | None = None, email: str | None = None, **kw):
    n = next(_seq)
    return create_user(
        session,
        SYSTEM,
        email or f"{role}{n}@test.example",
        kw.pop("name", fake.name()),
        role,
        kw.pop("password", PASSWORD),
        household_id,
    )

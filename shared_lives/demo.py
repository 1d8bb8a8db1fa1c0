"""Load the synthetic demo scheme (``data/demo_scheme.json``) and one account per role."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from shared_lives.audit.log import audit
from shared_lives.audit.services import SYSTEM
from shared_lives.auth.services import create_user
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.postcodes import locate
from shared_lives.vocab.services import load_vocabularies

DATA = Path(__file__).resolve().parent.parent / "data"

DEMO_ACCOUNTS = [
    ("admin", "admin@demo.example", "Demo admin", "admin-demo-passphrase"),
    ("manager", "manager@demo.example", "Demo manager", "manager-demo-passphrase"),
    ("coordinator", "coordinator@demo.example", "Demo coordinator", "coordinator-demo-passphrase"),
    ("carer", "carer@demo.example", "Demo carer", "carer-demo-passphrase"),
    ("auditor", "auditor@demo.example", "Demo auditor", "auditor-demo-passphrase"),
]


def _date(value):
    return date.fromisoformat(value) if value else None


def load_demo(session: Session, path: Path | None = None) -> list[tuple[str, str, str]]:
    """Insert the demo scheme; every record is audited with the system as actor."""
    scheme = json.loads((path or DATA / "demo_scheme.json").read_text())
    load_vocabularies(session)
    by_ref: dict[str, int] = {}
    for h in scheme["households"]:
        loc = locate(h["postcode"])
        fields = {k: v for k, v in h.items() if k not in {"carers", "dbs_checks", "training"}}
        household = Household(**fields, easting=loc.easting, northing=loc.northing, local_authority=loc.local_authority)
        household.postcode = loc.postcode
        session.add(household)
        session.flush()
        by_ref[household.reference] = household.id
        audit(session, SYSTEM, "household.create", "household", household.id, changes={"source": "demo"})
        carer_ids = []
        for c in h["carers"]:
            carer = Carer(
                **{**c, "panel_date": _date(c["panel_date"]), "approval_expires": _date(c["approval_expires"])},
                household_id=household.id,
            )
            session.add(carer)
            session.flush()
            carer_ids.append(carer.id)
            audit(session, SYSTEM, "carer.create", "carer", carer.id, changes={"source": "demo"})
        for d in h["dbs_checks"]:
            session.add(
                DbsCheck(
                    household_id=household.id,
                    adult_name=d["adult_name"],
                    certificate_number=d["certificate_number"],
                    issued_on=_date(d["issued_on"]),
                    renew_by=_date(d["renew_by"]),
                )
            )
        for t in h["training"]:
            session.add(
                TrainingRecord(
                    carer_id=carer_ids[t["carer"]],
                    course=t["course"],
                    completed_on=_date(t["completed_on"]),
                    renew_by=_date(t["renew_by"]),
                )
            )
    people: dict[str, int] = {}
    for p in scheme["people"]:
        loc = locate(p["preferred_postcode"])
        person = Person(
            **{**p, "date_of_birth": _date(p["date_of_birth"]), "referral_date": _date(p["referral_date"])},
            easting=loc.easting,
            northing=loc.northing,
        )
        person.preferred_postcode = loc.postcode
        session.add(person)
        session.flush()
        people[person.reference] = person.id
        audit(session, SYSTEM, "person.create", "person", person.id, changes={"source": "demo"})
    for a in scheme["arrangements"]:
        arrangement = Arrangement(
            person_id=people[a["person"]],
            household_id=by_ref[a["household"]],
            arrangement_type=a["arrangement_type"],
            start_date=_date(a["start_date"]),
        )
        session.add(arrangement)
        session.flush()
        audit(session, SYSTEM, "arrangement.create", "arrangement", arrangement.id, changes={"source": "demo"})
    first_household = session.exec(select(Household.id).order_by(Household.id)).first()
    accounts = []
    for role, email, name, password in DEMO_ACCOUNTS:
        create_user(session, SYSTEM, email, name, role, password, first_household if role == "carer" else None)
        accounts.append((role, email, password))
    return accounts

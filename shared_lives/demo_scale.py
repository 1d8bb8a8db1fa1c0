"""A synthetic scheme of any size, for trying the app and measuring it at scale.

``flask seed-demo --households 5000 --people 5000`` calls :func:`seed_scale`: households,
carers, DBS checks and training from the same generator as the small demo scheme
(``shared_lives.demo_data``: Faker ``en_GB``, real postcodes around Kent, a realistic mix
of valid and expired approvals and DBS checks), then arrangements of every type (short
breaks past, current and future), their reviews (some due, some overdue), and proposals
at every stage. Rows go in with bulk inserts; the seed itself is one audit entry with
its counts. Nothing here describes a real person.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlmodel import Session

from shared_lives.audit.log import audit
from shared_lives.audit.services import SYSTEM
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.demo_data import generate
from shared_lives.households.models import Household
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.postcodes import locate
from shared_lives.rules.eligibility import household_facts, reasons_against, scheme_max_people
from shared_lives.timeutil import today, utcnow
from shared_lives.vocab.services import load_vocabularies

#: Share of households given an arrangement, and of the rest of the waiting people given a proposal.
ARRANGED_SHARE = 0.12
PROPOSED_SHARE = 0.08
OPEN_STAGES = ("proposed", "introductions", "agreed")
CLOSED_STAGES = ("declined", "withdrawn")


def _d(value):
    return date.fromisoformat(value) if value else None


def _bulk(session: Session, model, rows: list[dict]) -> list[int]:
    """Insert rows and return their ids in order (ids are assigned in insertion order here)."""
    if not rows:
        return []
    table = model.__table__
    before = session.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar() or 0
    session.execute(insert(model), rows)
    ids = session.execute(select(table.c.id).where(table.c.id > before).order_by(table.c.id)).scalars().all()
    assert len(ids) == len(rows), "another writer inserted rows while seeding"
    return list(ids)


def seed_scale(session: Session, n_households: int, n_people: int, seed: int = 2026, staff_id: int | None = None):
    """Insert a synthetic scheme of ``n_households`` and ``n_people``; returns the counts."""
    rng = random.Random(seed)
    scheme = generate(seed=seed, n_households=n_households, n_people=n_people)
    load_vocabularies(session)
    stamp = utcnow()
    # Each postcode is located once, as the forms do.
    hrows, carers_of, dbs_of, training_of = [], [], [], []
    for i, h in enumerate(scheme["households"]):
        loc = locate(h["postcode"])
        fields = {k: v for k, v in h.items() if k not in {"carers", "dbs_checks", "training"}}
        fields["reference"] = f"HS{i + 1:05d}"
        hrows.append(
            {
                **fields,
                "postcode": loc.postcode,
                "easting": loc.easting,
                "northing": loc.northing,
                "local_authority": loc.local_authority,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        carers_of.append(h["carers"])
        dbs_of.append(h["dbs_checks"])
        training_of.append(h["training"])
    household_ids = _bulk(session, Household, hrows)
    crows, cowner = [], []
    for hid, carers in zip(household_ids, carers_of, strict=True):
        for c in carers:
            crows.append(
                {
                    **c,
                    "household_id": hid,
                    "panel_date": _d(c["panel_date"]),
                    "approval_expires": _d(c["approval_expires"]),
                }
            )
            cowner.append(hid)
    carer_ids = _bulk(session, Carer, crows)
    first_carer: dict[int, int] = {}
    for cid, hid in zip(carer_ids, cowner, strict=True):
        first_carer.setdefault(hid, cid)
    drows, trows = [], []
    for hid, checks, courses in zip(household_ids, dbs_of, training_of, strict=True):
        drows += [
            {**d, "household_id": hid, "issued_on": _d(d["issued_on"]), "renew_by": _d(d["renew_by"])} for d in checks
        ]
        trows += [
            {
                "carer_id": first_carer[hid] + t["carer"],
                "course": t["course"],
                "completed_on": _d(t["completed_on"]),
                "renew_by": _d(t["renew_by"]),
            }
            for t in courses
        ]
    _bulk(session, DbsCheck, drows)
    _bulk(session, TrainingRecord, trows)
    prows = []
    for j, p in enumerate(scheme["people"]):
        loc = locate(p["preferred_postcode"])
        prows.append(
            {
                **p,
                "reference": f"PS{j + 1:05d}",
                "preferred_postcode": loc.postcode,
                "easting": loc.easting,
                "northing": loc.northing,
                "date_of_birth": _d(p["date_of_birth"]),
                "referral_date": _d(p["referral_date"]),
                "status": "waiting",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    person_ids = _bulk(session, Person, prows)
    counts = {"households": len(household_ids), "carers": len(carer_ids), "people": len(person_ids)}
    counts.update(_journeys(session, rng, household_ids, person_ids, staff_id))
    audit(session, SYSTEM, "demo.seed", changes={k: int(v) for k, v in counts.items()})
    session.flush()
    return counts


def _journeys(session: Session, rng: random.Random, household_ids, person_ids, staff_id) -> dict:
    """Arrangements (only where the rules allow one today), their reviews, and proposals at every stage."""
    on = today()
    facts = household_facts(session, household_ids, since=on)
    scheme_max = scheme_max_people()
    people = list(person_ids)
    rng.shuffle(people)
    arows, matched = [], set()
    for hid in rng.sample(household_ids, int(len(household_ids) * ARRANGED_SHARE)):
        kind = rng.choice(("live_in", "live_in", "short_breaks", "day_support"))
        if not people or reasons_against(facts[hid], kind, on, scheme_max):
            continue
        pid = people.pop()
        start = on - timedelta(days=rng.randint(1, 400))
        row = {"person_id": pid, "household_id": hid, "arrangement_type": kind, "status": "active", "start_date": start}
        if kind == "short_breaks":
            first = on + timedelta(days=rng.randint(-20, 40))
            row.update(start_date=min(start, first), short_break_start=first, short_break_end=first + timedelta(days=3))
        arows.append(row)
        if kind == "live_in":
            matched.add(pid)
    arrangement_ids = _bulk(session, Arrangement, arows)
    rrows = []
    for aid, a in zip(arrangement_ids, arows, strict=True):
        first_due = a["start_date"] + timedelta(weeks=5)
        rrows.append(
            {
                "arrangement_id": aid,
                "kind": "first",
                "due_on": first_due,
                # most first reviews were done on time; some are overdue
                "completed_on": first_due if first_due < on and rng.random() < 0.8 else None,
            }
        )
        rrows.append({"arrangement_id": aid, "kind": "annual", "due_on": a["start_date"] + timedelta(days=365)})
    _bulk(session, Review, rrows)
    if matched:
        session.execute(Person.__table__.update().where(Person.__table__.c.id.in_(matched)).values(status="matched"))
    prows = []
    eligible = [hid for hid in household_ids if not reasons_against(facts[hid], "live_in", on, scheme_max)]
    if staff_id is not None and eligible:
        for pid in people[: int(len(person_ids) * PROPOSED_SHARE)]:
            status = rng.choice(OPEN_STAGES + OPEN_STAGES + CLOSED_STAGES)
            agreed = status == "agreed"
            closed = status in CLOSED_STAGES
            prows.append(
                {
                    "person_id": pid,
                    "household_id": rng.choice(eligible),
                    "arrangement_type": "live_in",
                    "status": status,
                    "rationale": "Shared interests and close to family.",
                    "proposed_by_id": staff_id,
                    "proposed_at": utcnow() - timedelta(days=rng.randint(1, 90)),
                    "person_response": "agree" if agreed else ("decline" if status == "declined" else "pending"),
                    "carer_response": "agree" if agreed or status == "introductions" else "pending",
                    "closed_reason": "not_right_fit" if closed else None,
                    "closed_by_id": staff_id if closed else None,
                    "closed_at": utcnow() if closed else None,
                }
            )
    _bulk(session, Proposal, prows)
    return {"arrangements": len(arows), "reviews": len(rrows), "proposals": len(prows)}

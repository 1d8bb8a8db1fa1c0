"""Load the synthetic demo scheme (``data/demo_scheme.json``) and one account per role."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, select

from shared_lives.audit.log import audit
from shared_lives.audit.services import SYSTEM
from shared_lives.auth.services import create_user
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.households.models import Household
from shared_lives.matches.models import CapacityAssessment, LibertyRecord, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.placements.services import schedule_first_reviews
from shared_lives.postcodes import locate
from shared_lives.timeutil import today
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


def _demo_journey(session: Session, arrangement: Arrangement, record: dict | None, staff: dict) -> None:
    """The proposal behind a demo arrangement, approved by a manager who did not propose it.

    With a best-interests ``record``: the person was assessed as lacking capacity, a
    best-interests decision was made with their views recorded, and a Court of Protection
    authorisation covers the deprivation of liberty. Otherwise the person (capacity
    presumed) agreed for themselves, with the easy-read page. The carer said yes either way.
    """
    started = datetime.combine(arrangement.start_date, time(10), tzinfo=UTC)
    person = session.get(Person, arrangement.person_id)
    proposal = Proposal(
        person_id=arrangement.person_id,
        household_id=arrangement.household_id,
        arrangement_type=arrangement.arrangement_type,
        status="active",
        rationale="Shared interests and close to family.",
        proposed_by_id=staff["coordinator"],
        proposed_at=started - timedelta(days=60),
        person_response="agree",
        carer_response="agree",
        approved_by_id=staff["manager"],
        approved_at=started,
    )
    session.add(proposal)
    session.flush()
    arrangement.proposal_id = proposal.id
    session.add(arrangement)
    common = {"proposal_id": proposal.id, "decision": "agree", "recorded_by_id": staff["coordinator"]}
    person_side = {
        "side": "person",
        "given_by": "person",
        "given_by_name": f"{person.first_name} {person.last_name}",
        "how_checked": "Talked it through with the easy-read page after the weekend stay",
        "capacity_state": "not_assessed",
        "person_views": f"{person.first_name} said yes after the weekend stay and wants to go back.",
        "easy_read_used": True,
    }
    if record:
        assessment = CapacityAssessment(
            person_id=arrangement.person_id,
            proposal_id=proposal.id,
            decision="Whether to live with this household",
            outcome="lacks",
            assessed_on=_date(record["assessed_on"]),
            assessor_name=record["assessor_name"],
            assessor_role=record["assessor_role"],
            recorded_by_id=staff["coordinator"],
        )
        session.add(assessment)
        session.flush()
        person_side = {
            "side": "person",
            "given_by": "best_interests",
            "given_by_name": record["decision_maker"],
            "capacity_state": "lacks",
            "capacity_assessment_id": assessment.id,
            "person_views": record["person_views"],
            "easy_read_used": True,
            "bi_maker_role": record["decision_maker_role"],
            "bi_consulted": record["consulted"],
            "bi_wishes": record["wishes"],
            "bi_less_restrictive": record["less_restrictive"],
        }
        session.add(
            LibertyRecord(
                proposal_id=proposal.id,
                person_id=arrangement.person_id,
                needed=True,
                reference=record["liberty_reference"],
                expires_on=_date(record["liberty_expires"]),
                recorded_by_id=staff["coordinator"],
            )
        )
    session.add_all(
        [
            ProposalResponse(**common, **person_side, recorded_at=started - timedelta(days=20)),
            ProposalResponse(
                **common,
                side="household",
                given_by="carer",
                given_by_name="The carer",
                recorded_at=started - timedelta(days=30),
            ),
        ]
    )
    session.flush()
    audit(session, SYSTEM, "proposal.create", "proposal", proposal.id, changes={"source": "demo"})


def _demo_reviews(session: Session, arrangement: Arrangement, coordinator_id: int, overdue: bool) -> None:
    """Reviews as they stand today: some arrangements have their first review overdue; in the
    others it was done on time and the next interim visit is due within the fortnight."""
    first, _annual = schedule_first_reviews(session, arrangement)
    if overdue or first.due_on >= today():
        return
    first.completed_on, first.completed_by_id = first.due_on, coordinator_id
    first.notes = "Settling in well."
    session.add(first)
    session.add(Review(arrangement_id=arrangement.id, kind="interim", due_on=today() + timedelta(days=7)))
    session.flush()


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
    first_household = session.exec(select(Household.id).order_by(Household.id)).first()
    accounts, staff = [], {}
    for role, email, name, password in DEMO_ACCOUNTS:
        user = create_user(session, SYSTEM, email, name, role, password, first_household if role == "carer" else None)
        accounts.append((role, email, password))
        staff[role] = user.id
    for k, a in enumerate(scheme["arrangements"]):
        arrangement = Arrangement(
            person_id=people[a["person"]],
            household_id=by_ref[a["household"]],
            arrangement_type=a["arrangement_type"],
            start_date=_date(a["start_date"]),
        )
        session.add(arrangement)
        session.flush()
        audit(session, SYSTEM, "arrangement.create", "arrangement", arrangement.id, changes={"source": "demo"})
        _demo_journey(session, arrangement, a.get("best_interests"), staff)
        _demo_reviews(session, arrangement, staff["coordinator"], overdue=k % 2 == 1)
    return accounts

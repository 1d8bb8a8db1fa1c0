"""Subject access: everything held about one person, and nothing about anyone else.

What is included: every field of the person's record; every proposal about them with
its responses and introductions; every arrangement with its reviews; the engine runs
made for them (when and with which weights: the candidate lists describe other
people's households and are left out); and every audit entry about them.

What is withheld: other people. Households appear by reference only; staff appear by
role, not name or email; a response given by someone other than the person shows
who gave it (for example "representative") but not their name.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import render_template
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.audit.models import AuditEntry
from shared_lives.auth.models import User
from shared_lives.auth.permissions import ROLE_LABELS, require
from shared_lives.equality.models import EqualityRecord
from shared_lives.errors import NotFound
from shared_lives.households.models import Household
from shared_lives.matches.models import EngineRun, Introduction, Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.timeutil import utcnow

WITHHELD = "(withheld: another person)"


def _value(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def _row(obj, roles: dict, drop=()) -> dict:
    """Every column of a row; user ids become the user's role; other households their reference."""
    out = {}
    for name, value in obj.model_dump().items():
        if name in drop:
            continue
        if name.endswith("_by_id") or name == "actor_id":
            out[name.removesuffix("_id")] = roles.get(value) if value is not None else None
            continue
        out[name] = _value(value)
    return out


def person_for_request(session: Session, user, person_id: int) -> Person:
    require(user, "person:subject_access")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person")
    audit(session, actor_of(user), "person.view", "person", person.id, changes={"page": "subject_access"})
    return person


def collect(session: Session, user, person_id: int, fmt: str = "json") -> dict:
    """Everything held about one person. The request is audited as ``person.subject_access``."""
    require(user, "person:subject_access")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person")
    audit(session, actor_of(user), "person.subject_access", "person", person.id, changes={"format": fmt})
    roles = {uid: ROLE_LABELS.get(role, role) for uid, role in session.exec(select(User.id, User.role)).all()}
    references = dict(session.exec(select(Household.id, Household.reference)).all())

    def with_household(row: dict) -> dict:
        hid = row.pop("household_id", None)
        return {**row, "household": references.get(hid)}

    proposals = []
    for p in session.exec(select(Proposal).where(Proposal.person_id == person.id).order_by(Proposal.id)).all():
        row = with_household(_row(p, roles))
        responses = []
        for r in session.exec(
            select(ProposalResponse).where(ProposalResponse.proposal_id == p.id).order_by(ProposalResponse.id)
        ).all():
            response = _row(r, roles)
            if r.given_by != "person":
                response["given_by_name"] = WITHHELD
            responses.append(response)
        row["responses"] = responses
        row["introductions"] = [
            _row(i, roles)
            for i in session.exec(
                select(Introduction).where(Introduction.proposal_id == p.id).order_by(Introduction.id)
            ).all()
        ]
        proposals.append(row)
    arrangements = []
    for a in session.exec(select(Arrangement).where(Arrangement.person_id == person.id).order_by(Arrangement.id)).all():
        row = with_household(_row(a, roles))
        row["reviews"] = [
            _row(r, roles)
            for r in session.exec(select(Review).where(Review.arrangement_id == a.id).order_by(Review.id)).all()
        ]
        arrangements.append(row)
    runs = [
        _row(r, roles, drop=("input_snapshot", "result"))
        for r in session.exec(
            select(EngineRun)
            .where(EngineRun.kind == "person", EngineRun.subject_id == person.id)
            .order_by(EngineRun.id)
        ).all()
    ]
    entries = [
        {
            "at": _value(e.at),
            "action": e.action,
            "by": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "record_type": e.record_type,
            "record_id": e.record_id,
            "outcome": e.outcome,
            "changes": e.changes,
        }
        for e in session.exec(select(AuditEntry).where(AuditEntry.person_id == person.id).order_by(AuditEntry.id))
    ]
    return {
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "about": "Everything this scheme holds about one person (a subject access request under UK GDPR Article 15).",
        "person": _row(person, roles),
        "proposals": proposals,
        "arrangements": arrangements,
        "engine_runs": runs,
        "equality_monitoring": [
            _row(r, roles)
            for r in session.exec(select(EqualityRecord).where(EqualityRecord.person_id == person.id)).all()
        ],
        "audit_entries": entries,
    }


def filename(data: dict, fmt: str) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]", "", str(data["person"].get("reference") or "person"))[:20]
    return f"subject-access-{reference}-{utcnow().strftime('%Y%m%d-%H%M%S')}.{fmt}"


def as_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def as_pdf(data: dict, scheme_name: str) -> bytes:
    from shared_lives.exports.services import render_pdf

    return render_pdf(as_html(data, scheme_name))


def as_html(data: dict, scheme_name: str) -> str:
    """The HTML the PDF is made from."""
    return render_template("rights/subject_access_pdf.html", data=data, scheme_name=scheme_name)

"""Subject access (UK GDPR Article 15): a person's request for their information, answered
within one calendar month, in plain words, without other people's data.

A request is **received** (its date, and the due date one calendar month on, shown on the
manager's home page until it is released), **prepared** (the information is gathered and
every passage about someone else is marked for removal), **checked** (a manager reviews
each marked passage and keeps only what is reasonable or agreed) and **released** (the
file sent, JSON for portability or PDF for reading, its SHA-256 kept on the request and in
the audit log).

What the pack holds is built here, section by section, with the same labels and words as
the person's pages, codes turned into words, and no internal fields (ids, versions, grid
references, engine inputs). Households appear by their reference only; household members
and other people supported never appear; staff appear by their role. Passages that may be
about someone else are marked: a carer's or a household's words, the names of attorneys,
deputies, advocates and supporters, referrers, carers and assessors, and staff notes that
may describe the household.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from sqlalchemy import func
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.audit.models import AuditEntry
from shared_lives.auth.permissions import ROLE_LABELS, has_permission, require
from shared_lives.equality.models import FIELDS as EQUALITY_FIELDS
from shared_lives.equality.models import LABELS as EQUALITY_LABELS
from shared_lives.equality.models import EqualityRecord
from shared_lives.equality.models import choices as equality_choices
from shared_lives.errors import NotFound, ValidationError
from shared_lives.households.models import Household
from shared_lives.matches.models import (
    CLOSE_REASONS,
    GIVEN_BY,
    INTRODUCTION_KINDS,
    PROPOSAL_STATUSES,
    CapacityAssessment,
    EngineRun,
    Introduction,
    Proposal,
    ProposalResponse,
)
from shared_lives.people import models as people
from shared_lives.people.models import Person
from shared_lives.placements.models import ARRANGEMENT_STATUSES, REVIEW_KINDS, Arrangement, Review
from shared_lives.records import found
from shared_lives.rights.models import REQUEST_STATUSES, SubjectAccessRequest
from shared_lives.rules import consent
from shared_lives.timeutil import as_utc, today, utcnow
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS
from shared_lives.vocab.services import terms

REMOVED = "[Removed: this is about someone else]"
FORMATS = {"json": "application/json", "pdf": "application/pdf"}
DECISIONS = {"agree": "Yes", "decline": "No", "withdraw": "Withdrew"}
OUTCOMES = {"has": "Has capacity for this decision", "lacks": "Lacks capacity for this decision"}
#: What each kind of audit entry means, said to the person.
SEEN = {
    "person.view": "looked at your record",
    "person.history_view": "looked at your history",
    "person.create": "created your record",
    "person.update": "changed your record",
    "person.subject_access": "gathered your information",
    "engine.run": "looked for households that might suit you",
    "pair.view": "looked at a possible match for you",
    "proposal.view": "looked at a proposal about you",
    "proposal.create": "proposed a match for you",
    "proposal.approve": "approved an arrangement for you",
    "proposal.withdraw": "withdrew a proposal",
    "introduction.create": "arranged a meeting",
    "introduction.update": "updated a meeting",
    "arrangement.view": "looked at your arrangement",
    "arrangement.start": "started your arrangement",
    "arrangement.create": "recorded your arrangement",
    "arrangement.end": "recorded the end of your arrangement",
    "review.complete": "recorded a review",
    "export.placement_history": "exported placement histories, including yours",
    "retention.anonymise": "removed your details (retention)",
    "subject_access.receive": "logged your request for your information",
    "subject_access.view": "looked at your request for your information",
    "subject_access.prepare": "prepared your information",
    "subject_access.confirm": "checked your information for other people's details",
    "subject_access.release": "released your information",
}


def due_date(received: date) -> date:
    """One calendar month after the day received; the month's last day when it has no such day."""
    year, month = (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value)
        return f"{value.day} {value:%B %Y} at {value:%H:%M} (UTC)"
    return f"{value.day} {value:%B %Y}"


def _yes(value) -> str:
    return "Yes" if value else "No"


def _words(codes, labels: dict) -> str:
    return ", ".join(labels.get(c, c.replace("_", " ")) for c in codes or [])


@dataclass(frozen=True)
class Passage:
    """A value that may be about someone else: removed unless a manager keeps it."""

    key: str
    what: str
    value: str


def _row(label: str, value) -> dict:
    return {"label": label, "value": value}


def _other(label: str, key: str, what: str, value: str) -> dict | None:
    """A row about someone else; None when there is nothing to show."""
    return {"label": label, "value": Passage(key, what, value)} if value else None


def _rows(*rows) -> list[dict]:
    return [r for r in rows if r is not None]


# --------------------------------------------------------------------------- the pack


def _about(session: Session, person: Person) -> list[dict]:
    vocab = {kind: terms(session, kind) for kind in ("interest", "language", "faith", "need", "pet")}
    return [
        {
            "heading": "About you",
            "rows": _rows(
                _row("Name", f"{person.first_name} {person.last_name}"),
                _row("Your reference", person.reference),
                _row("Date of birth", _day(person.date_of_birth)),
                _row("Gender", GENDERS.get(person.gender, person.gender or "")),
                _row("Status", people.PERSON_STATUSES.get(person.status, person.status)),
                _row("Interests", _words(person.interests, vocab["interest"])),
                _row("Languages", _words(person.languages, vocab["language"])),
                _row("Faith", vocab["faith"].get(person.faith, person.faith or "")),
            ),
        },
        {
            "heading": "The household you would like",
            "rows": _rows(
                _row("Pets", people.PET_PREFERENCES.get(person.pets, person.pets)),
                _row("Smoking", people.SMOKING_PREFERENCES.get(person.smoking, person.smoking)),
                _row("Children", people.CHILDREN_PREFERENCES.get(person.children, person.children)),
                _row(
                    "Carer for personal care",
                    GENDERS.get(person.carer_gender_personal_care, "") or "No preference",
                ),
                _row("Same faith matters", _yes(person.faith_important)),
                _row("Same language matters", _yes(person.language_important)),
                _row("Home life", LIFESTYLES.get(person.lifestyle, person.lifestyle)),
                _row("Setting", SETTINGS.get(person.setting, "") or "No preference"),
                _row("Wants to live near", person.preferred_postcode),
                _row("How far they would go", f"{person.max_distance_km} km"),
            ),
        },
        {
            "heading": "Who decides",
            "rows": _rows(
                _row("Capacity for this decision", people.CAPACITY.get(person.capacity, person.capacity)),
                _row("Who decides", consent.who_decides_label(person.decision_maker)),
                _other(
                    consent.named_role(person.decision_maker),
                    f"person:{person.id}:representative_name",
                    "The name of your attorney, deputy, advocate or supporter",
                    person.representative_name,
                ),
                _row("Their relationship to the person, or role", person.representative_relationship),
                _other(
                    "Their contact details",
                    f"person:{person.id}:representative_contact",
                    "The contact details of your attorney, deputy, advocate or supporter",
                    person.representative_contact,
                ),
            ),
        },
        {
            "heading": "Your referral",
            "rows": _rows(
                _row("Referral date", _day(person.referral_date)),
                _other(
                    "Referrer",
                    f"person:{person.id}:referrer_name",
                    "The name of the person who referred you",
                    person.referrer_name,
                ),
                _row("Organisation", person.referrer_organisation),
                _row(
                    "Arrangement type sought", ARRANGEMENT_TYPES.get(person.arrangement_type, person.arrangement_type)
                ),
            ),
        },
        {
            "heading": "Your needs and risks",
            "rows": _rows(
                _row("Needs", _words(person.needs, vocab["need"])),
                _row("Support required", person.support_required),
                _row("Risks", person.risks),
                _row("How the risks are managed", person.risk_management),
                _row("Allergic to", _words(person.allergies, vocab["pet"])),
                _row("Needs step-free access", _yes(person.needs_step_free)),
                _row("Needs a ground-floor bedroom", _yes(person.needs_ground_floor)),
                _row("Other access needs", person.access_needs),
            ),
        },
    ]


def _suggested(session: Session, person: Person, refs: dict) -> dict:
    items = []
    runs = session.exec(
        select(EngineRun).where(EngineRun.kind == "person", EngineRun.subject_id == person.id).order_by(EngineRun.at)
    ).all()
    for run in runs:
        shortlist = (run.result or {}).get("shortlist") or []
        excluded = (run.result or {}).get("excluded") or []
        items.append(
            {
                "heading": f"Suggestions made on {_day(run.at)}",
                "rows": _rows(
                    _row("Households suggested", ", ".join(refs.get(e.get("household_id"), "") for e in shortlist)),
                    _row("Households that could not be offered", str(len(excluded))),
                ),
            }
        )
    return {"heading": "Matches suggested", "items": items}


def _answer(r: ProposalResponse, person: Person) -> dict:
    by_person = r.given_by == "person"
    side = "Your answer" if r.side == "person" else "The household's answer"
    key = f"response:{r.id}"
    return {
        "heading": f"{side}, recorded on {_day(r.recorded_at)}",
        "rows": _rows(
            _row("Answer", DECISIONS.get(r.decision, r.decision)),
            _row("Given by", GIVEN_BY.get(r.given_by, r.given_by)),
            _row("Name", f"{person.first_name} {person.last_name}")
            if by_person
            else _other("Name", f"{key}:given_by_name", "The name of whoever answered", r.given_by_name),
            _row("How it was checked", r.how_checked),
            _row("Your views", r.person_views),
            _row("Reason", CLOSE_REASONS.get(r.reason, "") if r.reason else ""),
            _row("Anything else", r.note)
            if r.side == "person"
            else _other("Anything else", f"{key}:note", "The household's note", r.note),
            _other("The household's views", f"{key}:household_views", "The household's views", r.household_views),
        ),
    }


def _proposals(session: Session, person: Person, refs: dict) -> dict:
    items = []
    proposals = session.exec(select(Proposal).where(Proposal.person_id == person.id).order_by(Proposal.proposed_at))
    for p in proposals.all():
        key = f"proposal:{p.id}"
        items.append(
            {
                "heading": f"Proposal made on {_day(p.proposed_at)}: household {refs.get(p.household_id, '')}",
                "rows": _rows(
                    _row("Arrangement type", ARRANGEMENT_TYPES.get(p.arrangement_type, p.arrangement_type)),
                    _row("Status", PROPOSAL_STATUSES.get(p.status, p.status)),
                    _other("Why it was proposed", f"{key}:rationale", "Staff's words about the match", p.rationale),
                    _row("Approved on", _day(p.approved_at)),
                    _row("Closed because", CLOSE_REASONS.get(p.closed_reason, "") if p.closed_reason else ""),
                    _other("Closing note", f"{key}:closed_note", "Staff's note on closing", p.closed_note),
                ),
            }
        )
        for r in session.exec(select(ProposalResponse).where(ProposalResponse.proposal_id == p.id)).all():
            items.append(_answer(r, person))
        for i in session.exec(select(Introduction).where(Introduction.proposal_id == p.id)).all():
            items.append(
                {
                    "heading": f"{INTRODUCTION_KINDS.get(i.kind, i.kind)} on {_day(i.planned_for)}",
                    "rows": _rows(
                        _row("Status", i.status.capitalize()),
                        _row("What you said", i.person_feedback),
                        _other(
                            "What the carer said",
                            f"introduction:{i.id}:carer_feedback",
                            "The carer's words",
                            i.carer_feedback,
                        ),
                    ),
                }
            )
    for a in session.exec(select(CapacityAssessment).where(CapacityAssessment.person_id == person.id)).all():
        items.append(
            {
                "heading": f"Capacity assessment on {_day(a.assessed_on)}",
                "rows": _rows(
                    _other(
                        "Decision",
                        f"capacity:{a.id}:decision",
                        "The decision, which may name the household",
                        a.decision,
                    ),
                    _row("Outcome", OUTCOMES.get(a.outcome, a.outcome)),
                    _other("Assessed by", f"capacity:{a.id}:assessor_name", "The assessor's name", a.assessor_name),
                    _row("Their role", a.assessor_role),
                ),
            }
        )
    return {"heading": "Proposals and answers", "items": items}


def _arrangements(session: Session, person: Person, refs: dict) -> dict:
    items = []
    for a in session.exec(
        select(Arrangement).where(Arrangement.person_id == person.id).order_by(Arrangement.start_date)
    ):
        items.append(
            {
                "heading": f"Arrangement with household {refs.get(a.household_id, '')} from {_day(a.start_date)}",
                "rows": _rows(
                    _row("Arrangement type", ARRANGEMENT_TYPES.get(a.arrangement_type, a.arrangement_type)),
                    _row("Status", ARRANGEMENT_STATUSES.get(a.status, a.status)),
                    _row("Ended on", _day(a.end_date)),
                    _row("Planned ending", "" if a.end_planned is None else _yes(a.end_planned)),
                    _other(
                        "Why it ended", f"arrangement:{a.id}:end_reason", "Staff's words on the ending", a.end_reason
                    ),
                ),
            }
        )
        for r in session.exec(select(Review).where(Review.arrangement_id == a.id).order_by(Review.due_on)).all():
            items.append(
                {
                    "heading": f"{REVIEW_KINDS.get(r.kind, r.kind)}, due {_day(r.due_on)}",
                    "rows": _rows(
                        _row("Completed on", _day(r.completed_on) or "Not yet"),
                        _other(
                            "Notes",
                            f"review:{r.id}:notes",
                            "Staff's review notes, which may describe the household",
                            r.notes,
                        ),
                    ),
                }
            )
    return {"heading": "Arrangements and reviews", "items": items}


def _seen(session: Session, person: Person) -> dict:
    entries = session.exec(
        select(AuditEntry.at, AuditEntry.actor_role, AuditEntry.action)
        .where(AuditEntry.person_id == person.id, AuditEntry.outcome == "success")
        .order_by(AuditEntry.id)
    ).all()
    rows = []
    for at, role, action in entries:
        who = "The system" if role == "system" else f"A {ROLE_LABELS.get(role, 'member of staff').lower()}"
        rows.append(_row(_day(at), f"{who} {SEEN.get(action, 'used your record')}"))
    return {"heading": "Who looked at your record and when", "rows": rows}


def _equality(session: Session, person: Person) -> dict:
    """The person's equality monitoring answers: theirs to see, though kept apart from matching."""
    record = session.exec(select(EqualityRecord).where(EqualityRecord.person_id == person.id)).first()
    rows = []
    if record is not None:
        rows = [
            _row(EQUALITY_LABELS[name], equality_choices(name).get(getattr(record, name) or "", "Not answered"))
            for name in EQUALITY_FIELDS
        ]
    return {"heading": "Equality monitoring answers", "rows": rows}


def build_pack(session: Session, person: Person, scheme_name: str) -> dict:
    """Everything held about the person, in sections, with passages about others marked."""
    refs = dict(session.exec(select(Household.id, Household.reference)).all())
    return {
        "title": f"Your information held by {scheme_name}",
        "reference": person.reference,
        "generated_at": _day(utcnow()),
        "about": (
            "This is the information we hold about you (your right of access, UK GDPR Article 15). "
            "Households are shown by their reference and staff by their role. Where something is about "
            "another person, it has been removed unless they agreed or it is reasonable to include it."
        ),
        "sections": [
            *_about(session, person),
            _suggested(session, person, refs),
            _proposals(session, person, refs),
            _arrangements(session, person, refs),
            _equality(session, person),
            _seen(session, person),
        ],
    }


def _all_rows(pack: dict):
    for section in pack["sections"]:
        yield from section.get("rows", [])
        for item in section.get("items", []):
            yield from item["rows"]


def passages(pack: dict) -> list[Passage]:
    """Every passage marked as about someone else."""
    return [r["value"] for r in _all_rows(pack) if isinstance(r["value"], Passage)]


def apply_redactions(pack: dict, decisions: dict) -> dict:
    """The pack with each marked passage removed, unless a manager decided to keep it (false)."""
    for row in _all_rows(pack):
        if isinstance(row["value"], Passage):
            row["value"] = REMOVED if decisions.get(row["value"].key, True) else row["value"].value
    return pack


# --------------------------------------------------------------------------- the request


def _person(session: Session, user, person_id: int) -> Person:
    require(user, "person:subject_access")
    return found(session, Person, person_id, "No such person")


def requests_page(session: Session, user, person_id: int) -> tuple[Person, list[SubjectAccessRequest]]:
    """The person's requests, newest first (the page is a view of the person: audited)."""
    person = _person(session, user, person_id)
    audit(session, actor_of(user), "person.view", "person", person.id, changes={"page": "subject_access"})
    rows = session.exec(
        select(SubjectAccessRequest)
        .where(SubjectAccessRequest.person_id == person.id)
        .order_by(SubjectAccessRequest.id.desc())
    ).all()
    return person, list(rows)


def receive(session: Session, user, person_id: int, received_on: date | None) -> SubjectAccessRequest:
    """Log a request: the day it came in, and so the day it is due."""
    person = _person(session, user, person_id)
    if received_on is None:
        raise ValidationError("Enter the date the request was received", "received_on")
    if received_on > today():
        raise ValidationError("The date received cannot be in the future", "received_on")
    request = SubjectAccessRequest(
        person_id=person.id, received_on=received_on, due_on=due_date(received_on), recorded_by_id=user.id
    )
    session.add(request)
    session.flush()
    changes = {"received_on": received_on.isoformat(), "due_on": request.due_on.isoformat()}
    audit(
        session,
        actor_of(user),
        "subject_access.receive",
        "subject_access",
        request.id,
        changes=changes,
        person_id=person.id,
    )
    return request


def get_request(session: Session, user, request_id: int, log_view: bool = False):
    """(request, person, the pack's marked passages when prepared)."""
    require(user, "person:subject_access")
    request = session.get(SubjectAccessRequest, request_id)
    if request is None:
        raise NotFound("No such request")
    person = session.get(Person, request.person_id)
    if log_view:
        audit(session, actor_of(user), "subject_access.view", "subject_access", request.id, person_id=person.id)
    return request, person


def review_passages(session: Session, request: SubjectAccessRequest, person: Person, scheme_name: str):
    """Each marked passage with the manager's decision so far (removed unless kept)."""
    if request.status == "received":
        return []
    found = passages(build_pack(session, person, scheme_name))
    return [(p, request.redactions.get(p.key, True)) for p in found]


def _step(request: SubjectAccessRequest, allowed: tuple[str, ...], message: str) -> None:
    if request.status not in allowed:
        raise ValidationError(message)


def prepare(session: Session, user, request_id: int, scheme_name: str) -> SubjectAccessRequest:
    """Gather the information and mark every passage about someone else for removal."""
    request, person = get_request(session, user, request_id)
    _step(request, ("received", "prepared", "confirmed"), "This request has been released")
    found = passages(build_pack(session, person, scheme_name))
    request.redactions = {p.key: request.redactions.get(p.key, True) for p in found}
    request.status, request.prepared_at = "prepared", utcnow()
    request.confirmed_at = request.confirmed_by_id = None
    session.add(request)
    session.flush()
    audit(
        session,
        actor_of(user),
        "subject_access.prepare",
        "subject_access",
        request.id,
        changes={"redactions": len(found)},
        person_id=person.id,
    )
    return request


def confirm_redactions(session: Session, user, request_id: int, keep: set[str], scheme_name: str):
    """A manager has read each marked passage: ``keep`` are those that may go out as they are."""
    request, person = get_request(session, user, request_id)
    _step(request, ("prepared", "confirmed"), "Prepare the information before checking what is removed")
    found = passages(build_pack(session, person, scheme_name))
    request.redactions = {p.key: p.key not in keep for p in found}
    request.status, request.confirmed_by_id, request.confirmed_at = "confirmed", user.id, utcnow()
    session.add(request)
    session.flush()
    removed = sum(request.redactions.values())
    audit(
        session,
        actor_of(user),
        "subject_access.confirm",
        "subject_access",
        request.id,
        changes={"redactions": removed, "count": len(found) - removed},
        person_id=person.id,
    )
    return request


def release(session: Session, user, request_id: int, fmt: str, scheme_name: str) -> tuple[str, bytes]:
    """The file to send (JSON or PDF), with the checked passages removed; its SHA-256 is recorded."""
    if fmt not in FORMATS:
        raise NotFound("No such format")
    request, person = get_request(session, user, request_id)
    _step(request, ("confirmed", "released"), "Check what is removed before releasing")
    pack = apply_redactions(build_pack(session, person, scheme_name), request.redactions)
    body = as_json(pack).encode() if fmt == "json" else as_pdf(pack, scheme_name)
    digest = hashlib.sha256(body).hexdigest()
    request.status, request.released_by_id, request.released_at = "released", user.id, utcnow()
    request.released_format, request.released_sha256 = fmt, digest
    session.add(request)
    session.flush()
    audit(
        session,
        actor_of(user),
        "subject_access.release",
        "subject_access",
        request.id,
        changes={"format": fmt, "sha256": digest, "redactions": sum(request.redactions.values())},
        person_id=person.id,
    )
    return filename(person.reference, fmt), body


#: A request is open (still to answer) until it is released.
_OPEN = SubjectAccessRequest.status != "released"


def open_request_count(session: Session, user) -> int | None:
    """How many requests are still to answer (the dashboard's figure; a count names no one,
    so it is not audited); None for a user who may not open their list."""
    if not has_permission(getattr(user, "role", None), "person:subject_access"):
        return None
    return session.exec(select(func.count()).select_from(SubjectAccessRequest).where(_OPEN)).one()


def open_requests(session: Session, user) -> list[dict]:
    """Requests not yet released, soonest due first, for the manager's home page and the list
    the dashboard's figure links to (audited when shown)."""
    if not has_permission(getattr(user, "role", None), "person:subject_access"):
        return []
    rows = session.exec(
        select(SubjectAccessRequest, Person.reference)
        .join(Person, Person.id == SubjectAccessRequest.person_id)
        .where(_OPEN)
        .order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)
    ).all()
    if rows:
        audit(session, actor_of(user), "subject_access.list", changes={"shown": len(rows)})
    return [
        {
            "request_id": r.id,
            "person_reference": ref,
            "received_on": r.received_on,
            "due_on": r.due_on,
            "overdue": r.due_on < today(),
            "status": REQUEST_STATUSES.get(r.status, r.status),
        }
        for r, ref in rows
    ]


def open_requests_page(session: Session, user) -> list[dict]:
    """Every request still to answer: the list the dashboard's figure counts."""
    require(user, "person:subject_access")
    return open_requests(session, user)


def filename(reference: str, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9-]", "", reference or "person")[:20]
    return f"subject-access-{safe}-{utcnow().strftime('%Y%m%d-%H%M%S')}.{fmt}"


def as_json(pack: dict) -> str:
    return json.dumps(pack, indent=2, ensure_ascii=False)


def as_pdf(pack: dict, scheme_name: str) -> bytes:
    from shared_lives.exports.services import render_pdf

    return render_pdf(as_html(pack, scheme_name))


def as_html(pack: dict, scheme_name: str) -> str:
    """The HTML the PDF is made from."""
    return render_template("rights/subject_access_pdf.html", pack=pack, scheme_name=scheme_name)

"""Suggestions, and the journey from proposal to arrangement.

A proposal moves only as ``matches.states`` allows. Who may decide for the person is
decided in ``rules.consent``; this module records answers, capacity assessments,
liberty records and introductions, and approves, re-checking everything on the
current records. Nothing is ever deleted; a closed proposal keeps its responses and
introductions, and the person stays (or goes back to) waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

import numpy as np
from flask import current_app
from sqlalchemy import func
from sqlmodel import Session, select

import matching
from shared_lives.audit.log import actor_of, audit
from shared_lives.audit.services import SYSTEM
from shared_lives.auth.permissions import has_permission, require
from shared_lives.errors import Conflict, NotFound, StaleRecord, ValidationError
from shared_lives.households.models import Household
from shared_lives.matches import adapter, inputs, jobs, states
from shared_lives.matches.models import (
    CLOSE_REASONS,
    INTRODUCTION_KINDS,
    INTRODUCTION_STATUSES,
    CapacityAssessment,
    EngineRun,
    Introduction,
    LibertyRecord,
    Proposal,
    ProposalResponse,
)
from shared_lives.names import display_names
from shared_lives.people.models import Person
from shared_lives.placements import services as placement_services
from shared_lives.placements.models import Arrangement
from shared_lives.records import found, page_of
from shared_lives.rules import consent as consent_rules
from shared_lives.timeutil import today, utcnow
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

SHORTLIST_LENGTH = 10


# --------------------------------------------------------------------------- suggestions


def _record_run(session, user, kind, subject_id, snapshot, result, version) -> EngineRun:
    """Record a run and audit it; ``user`` None is the system (a background job)."""
    run = EngineRun(
        actor_id=getattr(user, "id", None),
        kind=kind,
        subject_id=subject_id,
        weights_version=version,
        input_snapshot=adapter.jsonable(snapshot),
        result=adapter.jsonable(result),
    )
    session.add(run)
    session.flush()
    audit(
        session,
        SYSTEM if user is None else actor_of(user),
        "engine.run",
        "engine_run",
        run.id,
        changes={"kind": kind, "subject_id": subject_id, "weights_version": version},
    )
    return run


def _sides(explanation: dict) -> dict:
    """Each side's words, grouped by the verdict the engine gave each factor."""
    out = {}
    for side in ("person", "household"):
        items = [f for f in explanation["factors"] if f["side"] == side]
        out[side] = {v: [f["words"] for f in items if f["verdict"] == v] for v in matching.VERDICTS}
    return out


def _entry(instance, i, j, person_name, household_name) -> dict:
    e = matching.explain(instance, i, j)
    return {
        "person_id": int(instance.people.ids[i]),
        "household_id": int(instance.households.ids[j]),
        "person_name": person_name,
        "household_name": household_name,
        "total": round(float(e["total"]), 4),
        "person_side": round(float(e["person_side"]), 4),
        "household_side": round(float(e["household_side"]), 4),
        "summary": e["summary"],
        "factors": _sides(e),
    }


def place_window(arrangement_type: str, start: date, break_start=None, break_end=None) -> tuple[date, date | None]:
    """The days an arrangement would need a place: a short break its dates, live-in from its start on."""
    if arrangement_type == "short_breaks" and break_start and break_end:
        return break_start, break_end
    if arrangement_type == "day_support":
        return start, start
    return start, None


def _checked_pair(
    session, user, person, household, kind: str, subject_id: int | None, arrangement_type: str, window
) -> tuple[list, dict, EngineRun]:
    """Hard-constraint reasons and the explanation of one pair for an arrangement over ``window``,
    recorded as an engine run. Standing (approval, DBS, training) is judged on the first day,
    or today when that has passed."""
    on = max(window[0], today())
    instance, snapshot = adapter.build_instance(
        session, [person], [household], on, arrangement_type=arrangement_type, window=window
    )
    reasons = matching.exclusion_reasons(instance, 0, 0)
    explanation = adapter.jsonable(matching.explain(instance, 0, 0))
    result = {"allowed": not reasons, "excluded_because": reasons, "total": explanation["total"]}
    run = _record_run(session, user, kind, subject_id, snapshot, result, explanation["weights_version"])
    return reasons, explanation, run


def get_person(session, person_id: int) -> Person:
    return found(session, Person, person_id, "No such person.")


def get_household(session, household_id: int) -> Household:
    return found(session, Household, household_id, "No such household.")


#: Excluded records listed on one page; more than this and the page shows counts by reason first.
EXCLUDED_PER_PAGE = 50


def _exclusions(instance, allowed, bits, side: str, reason: str | None, page: int) -> dict:
    """Who the hard constraints exclude, counted by reason from the engine's bits in one pass,
    and one page of them (all of them when few) with the engine's sentences."""
    if side == "households":
        mask, bitrow, pick = ~allowed[0], bits[0], lambda k: (0, int(k))
    else:
        mask, bitrow, pick = ~allowed[:, 0], bits[:, 0], lambda k: (int(k), 0)
    excluded = np.flatnonzero(mask)
    by_reason = []
    for r in matching.REASONS:
        count = int(np.count_nonzero(bitrow[excluded] & r.flag))
        if count:
            by_reason.append({"code": r.code, "message": r.message, "count": count})
    codes = {r.code: r for r in matching.REASONS}
    if len(excluded) > EXCLUDED_PER_PAGE and reason in codes:
        excluded = excluded[(bitrow[excluded] & codes[reason].flag) != 0]
    elif len(excluded) > EXCLUDED_PER_PAGE:
        excluded = excluded[:0]  # counts only, until the coordinator opens a reason
        reason = None
    shown = page_of(len(excluded), page, EXCLUDED_PER_PAGE)
    rows = excluded[shown.offset : shown.offset + EXCLUDED_PER_PAGE]
    ids = instance.households.ids if side == "households" else instance.people.ids
    shown.items = [{"id": int(ids[k]), "reasons": matching.exclusion_reasons(instance, *pick(k))} for k in rows]
    return {"total": int(np.count_nonzero(mask)), "by_reason": by_reason, "reason": reason, "page": shown}


def _names(session, model, ids, name) -> dict[int, str]:
    """Display names of just these records (a reference beside a name two of them share)."""
    if not ids:
        return {}
    return display_names(session.exec(select(model).where(model.id.in_(list(ids)))).all(), name)


def _ranked_households(instance, k: int) -> list[int]:
    """The positions of the first ``k`` households for the instance's one person, best first:
    the order of the person's suggestions page (the engine's mutual score; excluded pairs never
    appear)."""
    lists = matching.shortlists(instance, k, k_households=0, prefilter="auto")
    return [int(j) for j in lists.person_households[0] if j >= 0]


@dataclass(frozen=True)
class EngineRank:
    """Where the engine's suggestions put one household for one person, at one moment."""

    #: 1 is the engine's top pick; None when the engine did not rank the household at all.
    rank: int | None
    #: The engine's top pick then (None when it ranked no household).
    top_household_id: int | None
    #: How many households the engine ranked (allowed) for the person then.
    ranked: int


def engine_rank(session: Session, person: Person, household_id: int, arrangement_type: str | None = None) -> EngineRank:
    """The household's place in the engine's ranking of every household for this person, now:
    the ranking the person's suggestions page shows the first :data:`SHORTLIST_LENGTH` of, for
    ``arrangement_type`` (default: the referral's), with each household's free place judged
    today (a short break's later dates are not looked at, as on the suggestions page)."""
    instance, _snapshot = adapter.person_instance(session, person, arrangement_type=arrangement_type)
    if not len(instance.households.ids):
        return EngineRank(None, None, 0)
    ids = [int(instance.households.ids[j]) for j in _ranked_households(instance, len(instance.households.ids))]
    rank = ids.index(household_id) + 1 if household_id in ids else None
    return EngineRank(rank, ids[0] if ids else None, len(ids))


def suggestions_for_person(session: Session, user, person_id: int, reason: str | None = None, page: int = 1) -> dict:
    """Run the engine for one person against every household: the shortlist, and who is excluded and why."""
    require(user, "match:run")
    person = get_person(session, person_id)
    instance, snapshot = adapter.person_instance(session, person)
    shortlist, excluded = [], _none_excluded()
    if len(instance.households.ids):
        allowed, bits = matching.hard_constraints(instance)
        picked = _ranked_households(instance, SHORTLIST_LENGTH)
        excluded = _exclusions(instance, allowed, bits, "households", reason, page)
        ids = [int(instance.households.ids[j]) for j in picked] + [x["id"] for x in excluded["page"].items]
        names = _names(session, Household, ids, attrgetter("name"))
        shortlist = [_entry(instance, 0, j, person.first_name, names[int(instance.households.ids[j])]) for j in picked]
        for x in excluded["page"].items:
            x["name"] = names[x["id"]]
    result = {"shortlist": shortlist, "excluded": {"total": excluded["total"], "by_reason": excluded["by_reason"]}}
    run = _record_run(session, user, "person", person.id, snapshot, result, matching.WEIGHTS_VERSION)
    return {"person": person, "run": run, "shortlist": shortlist, "excluded": excluded}


def suggestions_for_household(
    session: Session, user, household_id: int, reason: str | None = None, page: int = 1
) -> dict:
    """Run the engine for one household against everyone waiting: who might suit it, and who is excluded."""
    require(user, "match:run")
    household = get_household(session, household_id)
    instance, snapshot = adapter.household_instance(session, household)
    shortlist, excluded = [], _none_excluded()
    if len(instance.people.ids):
        allowed, bits = matching.hard_constraints(instance)
        lists = matching.shortlists(instance, 1, k_households=SHORTLIST_LENGTH, prefilter="auto")
        picked = [int(i) for i in lists.household_people[0] if i >= 0]
        excluded = _exclusions(instance, allowed, bits, "people", reason, page)
        ids = [int(instance.people.ids[i]) for i in picked] + [x["id"] for x in excluded["page"].items]
        names = _names(session, Person, ids, attrgetter("first_name"))
        shortlist = [_entry(instance, i, 0, names[int(instance.people.ids[i])], household.name) for i in picked]
        for x in excluded["page"].items:
            x["name"] = names[x["id"]]
    result = {"shortlist": shortlist, "excluded": {"total": excluded["total"], "by_reason": excluded["by_reason"]}}
    run = _record_run(session, user, "household", household.id, snapshot, result, matching.WEIGHTS_VERSION)
    return {"household": household, "run": run, "shortlist": shortlist, "excluded": excluded}


def _none_excluded() -> dict:
    """The exclusions when the other side is empty (no household, or nobody waiting)."""
    return {"total": 0, "by_reason": [], "reason": None, "page": page_of(0, 1, EXCLUDED_PER_PAGE)}


#: How far down each person's list blocking pairs are looked for on the scheme page.
PREFERENCE_LENGTH = 50
SCHEME_ROWS_SHOWN = 200
#: What a recorded scheme-wide result holds for each method (older runs hold less and are not reused).
SCHEME_KEYS = ("pairs", "total", "left_out", "blocking", "how")


def _preferences(instance):
    """Each side's ranking by its own score over each person's best allowed households (for blocking pairs)."""
    prefs, ranks, _lists = matching.preference_lists(instance, PREFERENCE_LENGTH)
    pids, hids = instance.people.ids, instance.households.ids
    pp, by_household = {}, {hid: [] for hid in hids}
    for i, row in enumerate(prefs.tolist()):
        listed = [j for j in row if j >= 0]
        pp[pids[i]] = [hids[j] for j in listed]
        for k, j in enumerate(listed):
            by_household[hids[j]].append((int(ranks[i, k]), i))
    hp = {hid: [pids[i] for _r, i in sorted(found)] for hid, found in by_household.items()}
    caps = {hid: int(c) for hid, c in zip(hids, instance.households.free_places, strict=False)}
    return pp, hp, caps


def _scheme_result(instance) -> dict:
    """Both methods' pairs (ids and scores), who is left out and the blocking pairs: the engine's part."""
    pp, hp, caps = _preferences(instance)
    pids, hids = instance.people.ids, instance.households.ids
    out = {}
    for method in ("optimal", "stable"):
        pairs, details = matching.propose(instance, method)
        pi = np.array([i for i, _j in pairs], dtype=np.intp)
        hj = np.array([j for _i, j in pairs], dtype=np.intp)
        totals = matching.score_pairs(instance, pi, hj)[2] if len(pairs) else np.zeros(0)
        assignment = {hid: [] for hid in hids}
        for i, j in pairs:
            assignment[hids[j]].append(pids[i])
        proposed = {int(pids[i]) for i, _j in pairs}
        out[method] = {
            "pairs": [
                [int(pids[i]), int(hids[j]), round(float(t), 4)] for (i, j), t in zip(pairs, totals, strict=True)
            ],
            "total": round(float(np.sum(totals)), 4),
            "left_out": [int(p) for p in pids if int(p) not in proposed],
            "blocking": [[int(a), int(b)] for a, b in matching.blocking_pairs(assignment, pp, hp, caps)],
            "how": details.get("how", ""),
        }
    return out


def _recorded_scheme_result(session, snapshot: dict) -> dict | None:
    """The result of a scheme-wide run on exactly these inputs, if one was recorded (by any worker)."""
    recent = session.exec(
        select(EngineRun.id, EngineRun.input_snapshot)
        .where(EngineRun.kind == "scheme", EngineRun.weights_version == matching.WEIGHTS_VERSION)
        .order_by(EngineRun.id.desc())
        .limit(20)
    ).all()
    for run_id, seen in recent:
        if seen == snapshot:
            result = session.get(EngineRun, run_id).result
            if all(set(SCHEME_KEYS) <= set(result.get(m, {})) for m in ("optimal", "stable")):
                return result
    return None


def _scheme_engine_part(instance) -> dict:
    """The engine's part of a scheme-wide run; with nobody waiting or no household, empty."""
    if len(instance.people.ids) and len(instance.households.ids):
        return _scheme_result(instance)
    left = [int(p) for p in instance.people.ids]
    empty = {"pairs": [], "total": 0, "left_out": left, "blocking": [], "how": ""}
    return {"optimal": dict(empty), "stable": dict(empty)}


def record_scheme_run(session: Session) -> EngineRun:
    """Work out and record a scheme-wide run on the current records, as the system.

    What a background job does (``matches.jobs``): the person who asked is audited
    starting the job; the run itself is the system's, as nobody is signed in to it."""
    instance, snapshot = adapter.scheme_instance(session)
    result = _scheme_engine_part(instance)
    return _record_run(session, None, "scheme", None, adapter.jsonable(snapshot), result, matching.WEIGHTS_VERSION)


def scheme_view(session: Session, user, again: bool = False) -> dict:
    """Optimal and stable proposals for everyone waiting, side by side. Changes no record.

    The engine's part is reused from a run recorded on the same inputs (same records,
    same day) when there is one, so the page costs seconds only after a record changed.
    When there is none and the scheme is larger than ``SCHEME_INLINE_PAIRS``, the work
    runs as a background job and the answer holds the ``job`` instead of the methods;
    ``again`` starts a failed job again."""
    require(user, "match:run")
    instance, snapshot = adapter.scheme_instance(session)
    snapshot = adapter.jsonable(snapshot)
    result = _recorded_scheme_result(session, snapshot)
    waiting = len(instance.people.ids)
    if result is None and waiting * len(instance.households.ids) > current_app.config["SCHEME_INLINE_PAIRS"]:
        job = jobs.ask(session, user, "scheme", inputs.snapshot_hash(snapshot), again=again)
        return {"job": job, "reasons": jobs.REASONS, "waiting": waiting}
    if result is None:
        result = _scheme_engine_part(instance)
    run = _record_run(session, user, "scheme", None, snapshot, result, matching.WEIGHTS_VERSION)
    shown_people, shown_households = set(), set()
    for m in result.values():
        for pid, hid, _t in m["pairs"][:SCHEME_ROWS_SHOWN]:
            shown_people.add(pid)
            shown_households.add(hid)
        shown_people |= set(m["left_out"][:SCHEME_ROWS_SHOWN])
        for pid, hid in m["blocking"][:SCHEME_ROWS_SHOWN]:
            shown_people.add(pid)
            shown_households.add(hid)
    pnames = _names(session, Person, shown_people, lambda p: f"{p.first_name} {p.last_name}")
    hnames = _names(session, Household, shown_households, attrgetter("name"))
    methods = {}
    for method, m in result.items():
        methods[method] = {
            "count": len(m["pairs"]),
            "total": m["total"],
            "left_out_count": len(m["left_out"]),
            "blocking_count": len(m["blocking"]),
            "pairs": [
                {"person_id": p, "household_id": h, "person_name": pnames[p], "household_name": hnames[h], "total": t}
                for p, h, t in m["pairs"][:SCHEME_ROWS_SHOWN]
            ],
            "left_out": [{"person_id": p, "name": pnames[p]} for p in m["left_out"][:SCHEME_ROWS_SHOWN]],
            "blocking_pairs": [
                {"person_id": p, "person_name": pnames[p], "household_id": h, "household_name": hnames[h]}
                for p, h in m["blocking"][:SCHEME_ROWS_SHOWN]
            ],
            "how": m["how"],
        }
    return {
        "run": run,
        "methods": methods,
        "waiting": len(instance.people.ids),
        "rows_shown": SCHEME_ROWS_SHOWN,
        "preference_length": PREFERENCE_LENGTH,
    }


# --------------------------------------------------------------------------- proposals


def get_proposal(session: Session, user, proposal_id: int, for_update: bool = False) -> Proposal:
    """A proposal the user may see: staff see all; a carer only their own household's."""
    stmt = select(Proposal).where(Proposal.id == proposal_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    proposal = session.exec(stmt).first()
    if has_permission(getattr(user, "role", None), "proposal:read"):
        if proposal is None:
            raise NotFound("No such proposal.")
        return proposal
    require(user, "own_proposal:read")
    if proposal is None or proposal.household_id != user.household_id or user.household_id is None:
        raise NotFound("No such proposal.")
    return proposal


def list_proposals(session: Session, user, status: str | None = None) -> list[tuple[Proposal, Person, Household]]:
    stmt = (
        select(Proposal, Person, Household)
        .join(Person, Person.id == Proposal.person_id)
        .join(Household, Household.id == Proposal.household_id)
        .order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    )
    if has_permission(getattr(user, "role", None), "proposal:read"):
        pass
    else:
        require(user, "own_proposal:read")
        stmt = stmt.where(Proposal.household_id == (user.household_id or -1))
    if status == "open":
        stmt = stmt.where(Proposal.status.in_(states.OPEN_STATUSES))
    elif status:
        stmt = stmt.where(Proposal.status == status)
    rows = list(session.exec(stmt).all())
    audit(session, actor_of(user), "proposal.list", changes={"status": status, "shown": len(rows)})
    return rows


def names_on_list(rows) -> dict:
    """Names for the proposals list: a reference beside any name two rows share."""
    people = {person.id: person for _p, person, _h in rows}
    households = {household.id: household for _p, _person, household in rows}
    return {
        "people": display_names(people.values(), lambda p: f"{p.first_name} {p.last_name}"),
        "people_first": display_names(people.values(), attrgetter("first_name")),
        "households": display_names(households.values()),
    }


def record_view(
    session: Session, user, page: str, proposal: Proposal | None = None, person_id=None, household_id=None
) -> None:
    """Audit that a page showed a proposal, or a person and a household side by side (a new proposal).

    Called when the page is rendered, not when a form on it saves: a save is audited as itself.
    """
    audit(
        session,
        actor_of(user),
        "proposal.view" if proposal else "pair.view",
        "proposal" if proposal else None,
        proposal.id if proposal else None,
        changes={"page": page},
        person_id=proposal.person_id if proposal else person_id,
        household_id=proposal.household_id if proposal else household_id,
    )


def create_proposal(
    session: Session,
    user,
    person_id: int,
    household_id: int,
    rationale: str,
    arrangement_type: str | None = None,
    engine_run_id: int | None = None,
    short_break_start: date | None = None,
    short_break_end: date | None = None,
) -> Proposal:
    """A coordinator proposes that a person and a household consider each other."""
    require(user, "proposal:create")
    person = get_person(session, person_id)
    household = get_household(session, household_id)
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError("Enter why you are proposing this match", "rationale")
    kind = arrangement_type or person.arrangement_type
    if kind not in ARRANGEMENT_TYPES:
        raise ValidationError("Select an arrangement type", "arrangement_type")
    if kind == "short_breaks":
        if not short_break_start or not short_break_end:
            raise ValidationError("Enter the dates of the short break", "short_break_start")
        if short_break_end < short_break_start:
            raise ValidationError("The short break must end on or after its first day", "short_break_end")
    if person.status not in ("waiting", "referred", "matched"):
        raise ValidationError("This person's referral is closed", "rationale")
    open_same = session.exec(
        select(Proposal.id).where(
            Proposal.person_id == person.id,
            Proposal.household_id == household.id,
            Proposal.status.in_(states.OPEN_STATUSES),
        )
    ).first()
    if open_same:
        raise ValidationError("There is already an open proposal for this person and household", "rationale")
    window = place_window(kind, today(), short_break_start, short_break_end)
    reasons, explanation, check_run = _checked_pair(
        session, user, person, household, "proposal", person.id, kind, window
    )
    if reasons:
        raise ValidationError(
            "This household cannot be proposed now: " + "; ".join(r["message"] for r in reasons), "rationale"
        )
    run = (session.get(EngineRun, engine_run_id) if engine_run_id else None) or check_run
    ranked = engine_rank(session, person, household.id, kind)
    proposal = Proposal(
        person_id=person.id,
        household_id=household.id,
        arrangement_type=kind,
        rationale=rationale[:2000],
        score=round(float(explanation["total"]), 4),
        engine_run_id=run.id if run else None,
        proposed_by_id=user.id,
        short_break_start=short_break_start if kind == "short_breaks" else None,
        short_break_end=short_break_end if kind == "short_breaks" else None,
        engine_rank=ranked.rank,
        engine_top_household_id=ranked.top_household_id,
        engine_ranked=ranked.ranked,
    )
    session.add(proposal)
    session.flush()
    audit(
        session,
        actor_of(user),
        "proposal.create",
        "proposal",
        proposal.id,
        changes={
            "arrangement_type": kind,
            "engine_run_id": proposal.engine_run_id,
            "score": proposal.score,
            "engine_rank": proposal.engine_rank,
        },
        person_id=person.id,
        household_id=household.id,
    )
    return proposal


def proposal_exclusions(session: Session, proposal: Proposal, start: date | None = None) -> list[dict]:
    """What would stop approval of this proposal on current records, as approval itself checks it."""
    person, household = session.get(Person, proposal.person_id), session.get(Household, proposal.household_id)
    window = place_window(
        proposal.arrangement_type, start or today(), proposal.short_break_start, proposal.short_break_end
    )
    return adapter.pair_exclusions(
        session, person, household, max(window[0], today()), arrangement_type=proposal.arrangement_type, window=window
    )


def _require_open(proposal: Proposal) -> None:
    if not proposal.is_open:
        label = states.LABELS.get(proposal.status, proposal.status).lower()
        raise states.InvalidTransition(f"This proposal is {label} and can no longer change", "decision")


def _check_version(proposal: Proposal, version: int | None) -> None:
    if version is not None and version != proposal.version:
        raise StaleRecord("Someone else changed this proposal since you opened it. Reload the page and check.")


# --------------------------------------------------------------------------- consent


class ConsentRefused(ValidationError):
    """The answer is not one the law recognises; ``problems`` says why, field by field."""

    def __init__(self, problems: list[consent_rules.Problem]):
        super().__init__(problems[0].message, problems[0].field)
        self.problems = problems


def _review_months() -> int:
    try:
        return int(current_app.config.get("CAPACITY_REVIEW_MONTHS", 12))
    except RuntimeError:  # outside an app context
        return 12


def latest_assessment(session: Session, person_id: int, proposal_id: int | None = None) -> CapacityAssessment | None:
    """The latest capacity assessment of a person (of this proposal's decision when given)."""
    stmt = select(CapacityAssessment).where(CapacityAssessment.person_id == person_id)
    if proposal_id is not None:
        stmt = stmt.where(CapacityAssessment.proposal_id == proposal_id)
    return session.exec(stmt.order_by(CapacityAssessment.assessed_on.desc(), CapacityAssessment.id.desc())).first()


def latest_person_answer(session: Session, proposal_id: int) -> ProposalResponse | None:
    return session.exec(
        select(ProposalResponse)
        .where(ProposalResponse.proposal_id == proposal_id, ProposalResponse.side == "person")
        .order_by(ProposalResponse.recorded_at.desc(), ProposalResponse.id.desc())
    ).first()


def latest_liberty(session: Session, proposal_id: int) -> LibertyRecord | None:
    return session.exec(
        select(LibertyRecord)
        .where(LibertyRecord.proposal_id == proposal_id)
        .order_by(LibertyRecord.recorded_at.desc(), LibertyRecord.id.desc())
    ).first()


def capacity_of(session: Session, proposal: Proposal, on: date | None = None) -> dict:
    """Capacity for this proposal's decision now: state, the assessment behind it, and doubt.

    Doubt: no assessment of this decision, but the person's record or an earlier
    assessment says they may lack capacity; the presumption must then be checked.
    """
    person = session.get(Person, proposal.person_id)
    assessment = latest_assessment(session, proposal.person_id, proposal.id)
    state = consent_rules.capacity_state(assessment, on or today(), _review_months())
    earlier = latest_assessment(session, proposal.person_id)
    doubt = assessment is None and (
        person.capacity == "lacks_capacity" or (earlier is not None and earlier.outcome == "lacks")
    )
    return {"state": state, "assessment": assessment, "doubt": doubt, "review_months": _review_months()}


def person_capacity(session: Session, person_id: int) -> dict:
    """The person's latest capacity assessment (of any decision) and whether it is out of date."""
    latest = latest_assessment(session, person_id)
    state = consent_rules.capacity_state(latest, today(), _review_months())
    return {"assessment": latest, "stale": state == "stale", "review_months": _review_months()}


def consent_summary(session: Session, proposal: Proposal) -> dict:
    """What the pages show about who decides: capacity, the person's answer and views, liberty."""
    capacity = capacity_of(session, proposal)
    return {
        **capacity,
        "answer": latest_person_answer(session, proposal.id),
        "liberty": latest_liberty(session, proposal.id),
        "liberty_applies": proposal.arrangement_type == "live_in" and capacity["state"] == "lacks",
    }


def _save_change(session, user, proposal: Proposal, action: str, record_type: str, row, changes: dict) -> None:
    """Move the proposal's version on, write, and audit the change against its person and household."""
    proposal.version += 1
    session.add(proposal)
    session.flush()
    audit(
        session,
        actor_of(user),
        action,
        record_type,
        row.id,
        changes=changes,
        person_id=proposal.person_id,
        household_id=proposal.household_id,
    )


def record_capacity_assessment(
    session: Session,
    user,
    proposal_id: int,
    outcome: str,
    assessed_on: date | None,
    assessor_name: str,
    assessor_role: str,
    decision: str,
) -> CapacityAssessment:
    """Record an assessment of the person's capacity to make this proposal's decision."""
    require(user, "proposal:respond")
    proposal = get_proposal(session, user, proposal_id, for_update=True)
    _require_open(proposal)
    if outcome not in consent_rules.ASSESSMENT_OUTCOMES:
        raise ValidationError("Choose what the assessment found", "outcome")
    if assessed_on is None:
        raise ValidationError("Enter the date of the assessment", "assessed_on")
    if assessed_on > today():
        raise ValidationError("The date of the assessment cannot be in the future", "assessed_on")
    texts = {
        "decision": ((decision or "").strip(), 300, "Enter the decision the assessment was about"),
        "assessor_name": ((assessor_name or "").strip(), 120, "Enter the name of who assessed"),
        "assessor_role": ((assessor_role or "").strip(), 120, "Enter the assessor's role, for example social worker"),
    }
    for field, (value, limit, message) in texts.items():
        if not value:
            raise ValidationError(message, field)
        if len(value) > limit:
            raise ValidationError(f"Enter {limit} characters or fewer", field)
    row = CapacityAssessment(
        person_id=proposal.person_id,
        proposal_id=proposal.id,
        decision=texts["decision"][0],
        outcome=outcome,
        assessed_on=assessed_on,
        assessor_name=texts["assessor_name"][0],
        assessor_role=texts["assessor_role"][0],
        recorded_by_id=user.id,
    )
    session.add(row)
    changes = {"proposal_id": proposal.id, "outcome": outcome, "assessed_on": assessed_on.isoformat()}
    _save_change(session, user, proposal, "capacity.assess", "capacity_assessment", row, changes)
    return row


def record_liberty(
    session: Session, user, proposal_id: int, needed: bool | None, reference: str = "", expires_on: date | None = None
) -> LibertyRecord:
    """Record whether the live-in plan may deprive the person of liberty, and the authorisation."""
    require(user, "proposal:respond")
    proposal = get_proposal(session, user, proposal_id, for_update=True)
    _require_open(proposal)
    if needed is None:
        raise ValidationError("Choose whether the plan may deprive them of their liberty", "needed")
    reference = (reference or "").strip()
    if len(reference) > 60:
        raise ValidationError("Enter 60 characters or fewer", "reference")
    if needed:
        if not reference:
            raise ValidationError("Enter the Court of Protection authorisation's reference", "reference")
        if expires_on is None:
            raise ValidationError("Enter the date the authorisation expires", "expires_on")
        if expires_on < today():
            raise ValidationError("This authorisation has expired: record one in date", "expires_on")
    row = LibertyRecord(
        proposal_id=proposal.id,
        person_id=proposal.person_id,
        needed=needed,
        reference=reference if needed else "",
        expires_on=expires_on if needed else None,
        recorded_by_id=user.id,
    )
    session.add(row)
    changes = {
        "proposal_id": proposal.id,
        "needed": needed,
        "expires_on": row.expires_on and row.expires_on.isoformat(),
    }
    _save_change(session, user, proposal, "liberty.record", "liberty_record", row, changes)
    return row


def liberty_authorisations_expiring(session: Session, user, within_days: int = 60) -> list[dict]:
    """Court of Protection authorisations of active arrangements that expire within ``within_days``
    (or have expired), soonest first: for the compliance page."""
    require(user, "compliance:read")
    rows = session.exec(
        select(LibertyRecord, Arrangement, Person, Household)
        .join(Arrangement, Arrangement.proposal_id == LibertyRecord.proposal_id)
        .join(Person, Person.id == Arrangement.person_id)
        .join(Household, Household.id == Arrangement.household_id)
        .where(Arrangement.status == "active", LibertyRecord.needed.is_(True))
        .order_by(LibertyRecord.proposal_id, LibertyRecord.recorded_at.desc(), LibertyRecord.id.desc())
    ).all()
    latest: dict[int, tuple] = {}
    for row in rows:
        latest.setdefault(row[0].proposal_id, row)
    until = today() + timedelta(days=within_days)
    out = [
        {
            "arrangement_id": a.id,
            "person": f"{p.first_name} {p.last_name}",
            "household": h.name,
            "reference": rec.reference,
            "expires_on": rec.expires_on,
            "expired": rec.expires_on < today(),
        }
        for rec, a, p, h in latest.values()
        if rec.expires_on is not None and rec.expires_on <= until
    ]
    if out:  # the list names people: showing it is a view of their records
        audit(session, actor_of(user), "liberty.list", changes={"shown": len(out)})
    return sorted(out, key=lambda r: r["expires_on"])


# --------------------------------------------------------------------------- answers


def _may_answer(user, side: str) -> None:
    role = getattr(user, "role", None)
    if side == "household" and has_permission(role, "own_proposal:respond"):
        return
    require(user, "proposal:respond")


def record_response(
    session: Session,
    user,
    proposal_id: int,
    side: str,
    decision: str,
    given_by: str,
    given_by_name: str,
    how_checked: str = "",
    reason: str | None = None,
    note: str = "",
    household_views: str = "",
    version: int | None = None,
    **consent,
) -> ProposalResponse:
    """Record one side's answer: agree, decline or withdraw.

    The person's side is checked against ``rules.consent`` on the records as they are
    now (capacity for this decision, who may decide, their authority, the person's own
    views): ``consent`` holds the extra fields of :class:`rules.consent.Answer`.
    Coordinators and managers record either side; a carer only their own household's.
    """
    if side not in ("person", "household"):
        raise ValidationError("Choose whose answer this is", "side")
    _may_answer(user, side)
    proposal = get_proposal(session, user, proposal_id, for_update=True)
    _check_version(proposal, version)
    _require_open(proposal)
    if decision not in ("agree", "decline", "withdraw"):
        raise ValidationError("Choose an answer", "decision")
    current = proposal.person_response if side == "person" else proposal.carer_response
    if decision == "withdraw" and current != "agree":
        decision = "decline"
    given_by_name = (given_by_name or "").strip()
    extra: dict = {}
    if side == "person":
        person = session.get(Person, proposal.person_id)
        capacity = capacity_of(session, proposal)
        answer = consent_rules.Answer(
            decision=decision, given_by=given_by, given_by_name=given_by_name, how_checked=how_checked or "", **consent
        )
        if decision == "agree" and current == "agree":
            standing = latest_person_answer(session, proposal.id)
            if not consent_rules.approval_problems(
                capacity["state"], standing, person.first_name, today(), capacity["doubt"]
            ):
                raise ValidationError("This side has already agreed", "decision")
        problems = consent_rules.answer_problems(
            capacity["state"], answer, person.first_name, today(), capacity["doubt"]
        )
        if not given_by_name and not any(p.field == "given_by_name" for p in problems):
            problems.append(consent_rules.Problem("given_by_name", "Enter the name of who gave the answer"))
        if problems:
            raise ConsentRefused(problems)
        extra = {
            "capacity_state": capacity["state"],
            "capacity_assessment_id": capacity["assessment"].id if capacity["assessment"] else None,
            "person_views": answer.person_views.strip()[:2000],
            "easy_read_used": bool(answer.easy_read_used),
            "advocate_present": bool(answer.advocate_present),
            "supporter_present": bool(answer.supporter_present),
        }
        if given_by in consent_rules.DECIDING_AUTHORITY:
            extra |= {
                "authority_kind": answer.authority_kind,
                "authority_reference": answer.authority_reference.strip()[:60],
                "authority_seen_on": answer.authority_seen_on,
                "authority_registered": bool(answer.authority_registered),
                "authority_covers_residence": bool(answer.authority_covers_residence),
            }
        if given_by == "best_interests":
            extra |= {
                "bi_maker_role": answer.bi_maker_role.strip()[:120],
                "bi_consulted": sorted(set(answer.bi_consulted)),
                "bi_wishes": answer.bi_wishes.strip()[:2000],
                "bi_less_restrictive": answer.bi_less_restrictive.strip()[:2000],
            }
    else:
        given_by = "carer"
        if decision == "agree" and current == "agree":
            raise ValidationError("This side has already agreed", "decision")
        if not given_by_name:
            raise ValidationError("Enter the name of the carer who gave the answer", "given_by_name")
    if decision in ("decline", "withdraw"):
        if reason not in CLOSE_REASONS:
            raise ValidationError("Choose a reason", "reason")
    else:
        reason = None
    response = ProposalResponse(
        proposal_id=proposal.id,
        side=side,
        decision=decision,
        given_by=given_by,
        given_by_name=given_by_name[:120],
        how_checked=(how_checked or "").strip()[:500],
        reason=reason,
        note=(note or "").strip()[:1000],
        household_views=(household_views or "").strip()[:1000] if side == "household" else "",
        recorded_by_id=user.id,
        **extra,
    )
    session.add(response)
    before = proposal.status
    if decision == "agree":
        if side == "person":
            proposal.person_response = "agree"
        else:
            proposal.carer_response = "agree"
        both = proposal.person_response == "agree" and proposal.carer_response == "agree"
        proposal.status = states.move(proposal.status, "both_agree" if both else "one_side_agrees")
    else:
        if side == "person":
            proposal.person_response = "decline"
        else:
            proposal.carer_response = "decline"
        _close(proposal, user, decision, reason, note)
    changes = {
        "side": side,
        "decision": decision,
        "given_by": given_by,
        "capacity_state": extra.get("capacity_state"),
        "reason": reason,
        "status": [before, proposal.status],
    }
    _save_change(session, user, proposal, f"proposal.{side}_{decision}", "proposal", proposal, changes)
    return response


def _close(proposal: Proposal, user, event: str, reason: str | None, note: str) -> None:
    proposal.status = states.move(proposal.status, event)
    proposal.closed_reason = reason
    proposal.closed_note = (note or "").strip()[:1000]
    proposal.closed_by_id = user.id
    proposal.closed_at = utcnow()


def withdraw_proposal(session: Session, user, proposal_id: int, reason: str, note: str = "") -> Proposal:
    """The scheme withdraws a proposal (e.g. the person chose another household). Nothing is deleted."""
    require(user, "proposal:create")
    proposal = get_proposal(session, user, proposal_id, for_update=True)
    _require_open(proposal)
    if reason not in CLOSE_REASONS:
        raise ValidationError("Choose a reason", "reason")
    before = proposal.status
    _close(proposal, user, "withdraw", reason, note)
    changes = {"reason": reason, "status": [before, proposal.status]}
    _save_change(session, user, proposal, "proposal.withdraw", "proposal", proposal, changes)
    return proposal


def withdraw_open_proposals(session: Session, user, person_id: int, reason: str, note: str = "") -> int:
    """Close every open proposal of a person (their record is closing); returns how many."""
    rows = session.exec(
        select(Proposal).where(Proposal.person_id == person_id, Proposal.status.in_(states.OPEN_STATUSES))
    ).all()
    for proposal in rows:
        withdraw_proposal(session, user, proposal.id, reason, note)
    return len(rows)


def _introduction_date_problem(proposal: Proposal, planned_for: date | None, status: str) -> ValidationError | None:
    if planned_for is None:
        return ValidationError("Enter the date of the meeting", "planned_for")
    if planned_for < proposal.proposed_at.date():
        return ValidationError(
            f"A meeting cannot be before the proposal was made ({proposal.proposed_at:%d %B %Y})", "planned_for"
        )
    if status == "completed" and planned_for > today():
        return ValidationError("A meeting that has happened cannot be in the future", "planned_for")
    return None


def add_introduction(
    session: Session,
    user,
    proposal_id: int,
    kind: str,
    planned_for: date | None,
    status: str = "planned",
    person_feedback: str = "",
    carer_feedback: str = "",
) -> Introduction:
    """Plan or record a meeting between the person and the household."""
    require(user, "proposal:respond")
    proposal = get_proposal(session, user, proposal_id, for_update=True)
    _require_open(proposal)
    if kind not in INTRODUCTION_KINDS:
        raise ValidationError("Choose the kind of meeting", "kind")
    if status not in INTRODUCTION_STATUSES:
        raise ValidationError("Choose whether the meeting is planned or has happened", "status")
    problem = _introduction_date_problem(proposal, planned_for, status)
    if problem:
        raise problem
    intro = Introduction(
        proposal_id=proposal.id,
        kind=kind,
        planned_for=planned_for,
        status=status,
        person_feedback=(person_feedback or "").strip()[:1000],
        carer_feedback=(carer_feedback or "").strip()[:1000],
        recorded_by_id=user.id,
    )
    session.add(intro)
    after = states.move(proposal.status, "introduction")
    if after != proposal.status:
        proposal.status = after
        proposal.version += 1
        session.add(proposal)
    session.flush()
    audit(
        session,
        actor_of(user),
        "introduction.create",
        "introduction",
        intro.id,
        changes={"proposal_id": proposal.id, "kind": kind, "status": status},
        person_id=proposal.person_id,
        household_id=proposal.household_id,
    )
    return intro


def update_introduction(
    session: Session, user, introduction_id: int, status: str, person_feedback: str = "", carer_feedback: str = ""
) -> Introduction:
    """Mark a meeting as happened (or cancelled) with both sides' feedback."""
    require(user, "proposal:respond")
    intro = found(session, Introduction, introduction_id, "No such introduction.")
    proposal = get_proposal(session, user, intro.proposal_id)
    if status not in INTRODUCTION_STATUSES:
        raise ValidationError("Choose whether the meeting is planned, has happened or was cancelled", "status")
    if status == "completed" and intro.planned_for > today():
        raise ValidationError("A meeting cannot have happened before its date", "status")
    intro.status = status
    intro.person_feedback = (person_feedback or "").strip()[:1000]
    intro.carer_feedback = (carer_feedback or "").strip()[:1000]
    session.add(intro)
    session.flush()
    audit(
        session,
        actor_of(user),
        "introduction.update",
        "introduction",
        intro.id,
        changes={"status": status},
        person_id=proposal.person_id,
        household_id=proposal.household_id,
    )
    return intro


def introductions_of(session: Session, proposal_id: int) -> list[Introduction]:
    return list(
        session.exec(
            select(Introduction).where(Introduction.proposal_id == proposal_id).order_by(Introduction.planned_for)
        ).all()
    )


def responses_of(session: Session, proposal_id: int) -> list[ProposalResponse]:
    return list(
        session.exec(
            select(ProposalResponse)
            .where(ProposalResponse.proposal_id == proposal_id)
            .order_by(ProposalResponse.recorded_at, ProposalResponse.id)
        ).all()
    )


def waiting_for_carer(session: Session, user) -> list[tuple[Proposal, Person]]:
    """Open proposals to the carer's own household that wait for the household's answer."""
    require(user, "own_proposal:read")
    return list(
        session.exec(
            select(Proposal, Person)
            .join(Person, Person.id == Proposal.person_id)
            .where(
                Proposal.household_id == (user.household_id or -1),
                Proposal.status.in_(states.OPEN_STATUSES),
                Proposal.carer_response == "pending",
            )
            .order_by(Proposal.proposed_at)
        ).all()
    )


# --------------------------------------------------------------------------- approval


def approval_blockers(session: Session, user, proposal: Proposal) -> list[str]:
    """Why this user cannot approve this proposal now, on the current records (empty when it may go
    ahead): role, four eyes, status, both sides' lawful agreement, liberty, unreviewed carer changes.
    Eligibility of the household is re-checked by the engine in :func:`approve`."""
    out = []
    if not has_permission(getattr(user, "role", None), "proposal:approve"):
        out.append("Only a manager can approve a match.")
    if proposal.proposed_by_id == getattr(user, "id", None):
        out.append("You proposed this match, so another manager must approve it (four eyes).")
    if not proposal.is_open:
        out.append(f"This proposal is {states.LABELS.get(proposal.status, proposal.status).lower()}.")
        return out
    person = session.get(Person, proposal.person_id)
    capacity = capacity_of(session, proposal)
    out += consent_rules.approval_problems(
        capacity["state"], latest_person_answer(session, proposal.id), person.first_name, today(), capacity["doubt"]
    )
    if proposal.carer_response != "agree":
        out.append("The carer's agreement has not been recorded.")
    out += consent_rules.liberty_problems(
        proposal.arrangement_type, capacity["state"], latest_liberty(session, proposal.id), person.first_name, today()
    )
    household = session.get(Household, proposal.household_id)
    if household.needs_review:
        out.append(
            "The carer changed the household's details and no one has reviewed the changes yet: "
            "a coordinator reviews them on the household's page first."
        )
    return out


def approve(
    session: Session, user, proposal_id: int, start_date: date | None = None, version: int | None = None
) -> Arrangement:
    """A manager approves an agreed proposal and the arrangement starts, taking a place atomically.

    Order: permission; lock the household row (PostgreSQL ``FOR UPDATE``; on SQLite
    the transaction began IMMEDIATE, so writers are already serialised); lock the
    person and the proposal; check every blocker of :func:`approval_blockers` on the
    current records; re-check every hard constraint (places, terms, approval, DBS...);
    check the person has no other active live-in arrangement; then write.
    """
    require(user, "proposal:approve")
    peek = session.get(Proposal, proposal_id)
    if peek is None:
        raise NotFound("No such proposal.")
    fresh = {"populate_existing": True}
    household = session.exec(
        select(Household).where(Household.id == peek.household_id).with_for_update().execution_options(**fresh)
    ).one()
    person = session.exec(
        select(Person).where(Person.id == peek.person_id).with_for_update().execution_options(**fresh)
    ).one()
    proposal = session.exec(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update().execution_options(**fresh)
    ).one()
    _check_version(proposal, version)
    if proposal.status == "active":
        raise Conflict("This match has already been approved and the arrangement has started.")
    blockers = approval_blockers(session, user, proposal)
    if blockers:
        raise ValidationError(" ".join(blockers), "start_date")
    start = start_date or today()
    kind = proposal.arrangement_type
    window = place_window(kind, start, proposal.short_break_start, proposal.short_break_end)
    reasons, _, _run = _checked_pair(session, user, person, household, "approval", proposal.id, kind, window)
    if reasons:
        codes = {r["code"] for r in reasons}
        message = "This household cannot be approved now: " + "; ".join(r["message"] for r in reasons) + "."
        if codes == {"no_free_place"}:
            raise Conflict(message + " Another arrangement took the last place.", codes=sorted(codes))
        raise ValidationError(message, "start_date", codes=sorted(codes))
    if kind == "live_in":
        other = session.exec(
            select(func.count())
            .select_from(Arrangement)
            .where(
                Arrangement.person_id == person.id,
                Arrangement.status == "active",
                Arrangement.arrangement_type == "live_in",
            )
        ).one()
        if other:
            raise Conflict(f"{person.first_name} already has an active live-in arrangement.")
    before = proposal.status
    proposal.status = states.move(proposal.status, "approve")
    proposal.approved_by_id = user.id
    proposal.approved_at = utcnow()
    proposal.version += 1
    session.add(proposal)
    arrangement = Arrangement(
        person_id=person.id,
        household_id=household.id,
        arrangement_type=kind,
        start_date=start,
        short_break_start=proposal.short_break_start,
        short_break_end=proposal.short_break_end,
        proposal_id=proposal.id,
    )
    session.add(arrangement)
    if person.status in ("waiting", "referred") and kind != "short_breaks":  # a short break leaves them waiting
        person.status = "matched"
        person.version += 1
        session.add(person)
    session.flush()
    placement_services.schedule_first_reviews(session, arrangement)
    audit(
        session,
        actor_of(user),
        "proposal.approve",
        "proposal",
        proposal.id,
        changes={
            "status": [before, proposal.status],
            "arrangement_id": arrangement.id,
            "start_date": start.isoformat(),
        },
        person_id=person.id,
        household_id=household.id,
    )
    audit(
        session,
        actor_of(user),
        "arrangement.start",
        "arrangement",
        arrangement.id,
        changes={"proposal_id": proposal.id, "arrangement_type": kind, "start_date": start.isoformat()},
        person_id=person.id,
        household_id=household.id,
    )
    return arrangement


def record_refused_approval(session: Session, user, proposal_id: int, error: Exception) -> None:
    """Audit an approval that was refused (after the attempt was rolled back), by reason codes.

    The error's message may name the person and their needs, so only its codes are kept.
    """
    proposal = session.get(Proposal, proposal_id)
    codes = list(getattr(error, "codes", ())) or [REFUSAL_CODES.get(type(error).__name__, "refused")]
    audit(
        session,
        actor_of(user),
        "proposal.approve",
        "proposal",
        proposal_id,
        outcome="failed",
        changes={"reason": codes},
        person_id=getattr(proposal, "person_id", None),
        household_id=getattr(proposal, "household_id", None),
    )


#: The reason code of a refusal whose error names no rule of its own.
REFUSAL_CODES = {"StaleRecord": "stale_version", "Conflict": "conflict", "ValidationError": "not_ready"}

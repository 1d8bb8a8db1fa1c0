"""How well the engine's scores went with what happened: descriptive only.

For every proposal, the score the engine gave the pair when it was proposed
(``Proposal.score``) beside what followed: both sides agreed, a side declined (and
which), withdrawn, still open, an arrangement started, and whether it lasted 6 and 12
months (counted only for arrangements that started long enough ago). By factor, each
factor's value at proposal time is read again from the inputs the engine recorded
(the proposal's engine run snapshot), never from today's records.

Nothing here changes the weights: they change only by a versioned, audited admin
action, never from these figures.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

import matching
from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.matches.inputs import EngineInput
from shared_lives.matches.models import EngineRun, Proposal, ProposalResponse
from shared_lives.placements.models import Arrangement
from shared_lives.reports.services import months_before
from shared_lives.timeutil import today

#: Score bands: (label, lowest, below).
BANDS = (
    ("Under 0.4", 0.0, 0.4),
    ("0.4 to under 0.6", 0.4, 0.6),
    ("0.6 to under 0.8", 0.6, 0.8),
    ("0.8 or more", 0.8, float("inf")),
)
OUTCOMES = {
    "proposals": "Proposals",
    "agreed": "Both sides agreed",
    "declined_person": "Declined by the person's side",
    "declined_household": "Declined by the household's side",
    "withdrawn": "Withdrawn",
    "open": "Still open",
    "started": "Arrangement started",
    "lasted_6": "Lasted 6 months",
    "lasted_12": "Lasted 12 months",
}


@dataclass
class Tally:
    counts: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    #: Arrangements that started at least 6 (12) months ago: what "lasted" is out of.
    due_6: int = 0
    due_12: int = 0


def band_of(score: float | None) -> str:
    """The score band a proposal falls in.

    >>> band_of(0.39), band_of(0.6), band_of(0.95), band_of(None)
    ('Under 0.4', '0.6 to under 0.8', '0.8 or more', 'No score')
    """
    if score is None:
        return "No score"
    return next(label for label, lo, hi in BANDS if lo <= score < hi)


def lasted(arrangement: Arrangement, months: int, on: date) -> bool | None:
    """Whether it ran ``months`` calendar months from its start; None when that day has not come yet.

    >>> a = Arrangement(person_id=1, household_id=1, arrangement_type="live_in", start_date=date(2025, 1, 31))
    >>> lasted(a, 6, date(2025, 7, 30)), lasted(a, 6, date(2025, 7, 31))
    (None, True)
    >>> a.end_date = date(2025, 7, 30)
    >>> lasted(a, 6, date(2026, 1, 1))
    False
    """
    until = months_before(arrangement.start_date, -months)
    if until > on:
        return None
    return arrangement.end_date is None or arrangement.end_date >= until


def _outcomes(p: Proposal, declined_sides: set, arrangement: Arrangement | None, on: date) -> list[str]:
    out = ["proposals"]
    if p.status in ("agreed", "active"):
        out.append("agreed")
    if p.status == "declined":
        out += [f"declined_{side}" for side in sorted(declined_sides)]
    if p.status == "withdrawn":
        out.append("withdrawn")
    if p.status in ("proposed", "introductions"):
        out.append("open")
    if arrangement is not None:
        out.append("started")
        for months in (6, 12):
            if lasted(arrangement, months, on):
                out.append(f"lasted_{months}")
    return out


def _records(side, stored: dict) -> list:
    """A snapshot's side: its records inline, or those it names by hash (``matches.inputs``)."""
    if isinstance(side, dict) and "stored" in side:
        return stored.get(side["stored"], [])
    return side or []


def _factor_values(run: EngineRun | None, p: Proposal, stored: dict) -> dict[str, float]:
    """(side: factor label) -> value at proposal time, from the run's recorded inputs."""
    snapshot = (run.input_snapshot or {}) if run else {}
    person = next((r for r in _records(snapshot.get("people"), stored) if r.get("id") == p.person_id), None)
    household = next((r for r in _records(snapshot.get("households"), stored) if r.get("id") == p.household_id), None)
    if person is None or household is None:
        return {}
    instance = matching.Instance.from_records([person], [household], as_of=snapshot.get("as_of"))
    return {
        f"{f['side'].capitalize()}: {f['label']}": float(f["value"])
        for f in matching.explain(instance, 0, 0)["factors"]
        if f.get("value") is not None
    }


def _analyse(session: Session) -> dict:
    on = today()
    proposals = list(session.exec(select(Proposal).order_by(Proposal.id)).all())
    ids = [p.id for p in proposals]
    declines: dict[int, set] = {}
    arrangements: dict[int, Arrangement] = {}
    runs: dict[int, EngineRun] = {}
    stored: dict[str, list] = {}
    if ids:
        for pid, side in session.exec(
            select(ProposalResponse.proposal_id, ProposalResponse.side).where(
                ProposalResponse.proposal_id.in_(ids), ProposalResponse.decision == "decline"
            )
        ).all():
            declines.setdefault(pid, set()).add(side)
        for a in session.exec(select(Arrangement).where(Arrangement.proposal_id.in_(ids))).all():
            arrangements.setdefault(a.proposal_id, a)
        run_ids = {p.engine_run_id for p in proposals if p.engine_run_id}
        runs = {r.id: r for r in session.exec(select(EngineRun).where(EngineRun.id.in_(run_ids))).all()}
        hashes = {
            side["stored"]
            for r in runs.values()
            for side in (r.input_snapshot or {}).values()
            if isinstance(side, dict) and "stored" in side
        }
        if hashes:
            stored = {
                i.hash: i.snapshot.get("records", [])
                for i in session.exec(select(EngineInput).where(EngineInput.hash.in_(hashes))).all()
            }
    bands = {label: Tally() for label, _, _ in BANDS}
    by_outcome_scores: dict[str, list[float]] = {k: [] for k in OUTCOMES}
    factors: dict[str, dict[str, list[float]]] = {}
    for p in proposals:
        arrangement = arrangements.get(p.id)
        outcomes = _outcomes(p, declines.get(p.id, set()), arrangement, on)
        tally = bands.setdefault(band_of(p.score), Tally())
        for key in outcomes:
            tally.counts[key] += 1
            if p.score is not None:
                by_outcome_scores[key].append(p.score)
        if arrangement is not None:
            tally.due_6 += lasted(arrangement, 6, on) is not None
            tally.due_12 += lasted(arrangement, 12, on) is not None
        if p.status in ("agreed", "active", "declined"):
            kind = "agreed" if p.status != "declined" else "declined"
            for label, value in _factor_values(runs.get(p.engine_run_id), p, stored).items():
                factors.setdefault(label, {"agreed": [], "declined": []})[kind].append(value)
    return {
        "bands": [(label, t) for label, t in bands.items() if label != "No score" or t.counts["proposals"]],
        "median_scores": [
            (OUTCOMES[k], len(v), statistics.median(v) if v else None) for k, v in by_outcome_scores.items()
        ],
        "factors": [
            (
                label,
                len(v["agreed"]),
                statistics.mean(v["agreed"]) if v["agreed"] else None,
                len(v["declined"]),
                statistics.mean(v["declined"]) if v["declined"] else None,
            )
            for label, v in sorted(factors.items())
        ],
        "total": len(proposals),
    }


def outcomes_report(session: Session, user) -> dict:
    """The page: outcomes by score band, median score by outcome, factor values by outcome."""
    require(user, "report:read")
    data = _analyse(session)
    audit(session, actor_of(user), "report.view", changes={"page": "outcomes", "count": data["total"]})
    return {**data, "outcomes": OUTCOMES, "weights_version": matching.WEIGHTS_VERSION}

"""Coordinator overrides: proposals for a household the engine did not put first.

When a coordinator proposes a match, :func:`shared_lives.matches.services.create_proposal`
records where the engine's suggestions put that household for that person at that moment
(``Proposal.engine_rank``, 1 being the engine's top pick), the engine's top pick then and
how many households it ranked. From those facts alone, never from today's records, a
proposal is:

* **the engine's top pick** (rank 1): not an override;
* **passed over the top pick**: ranked 2nd to 10th, inside the shortlist the person's
  suggestions page shows, but not first;
* **outside the top 10**: ranked 11th or lower;
* **not ranked**: the engine did not rank the household for the person that day. The
  ranking judges each household's free place on the day of the proposal, so a short
  break in a household that is full that day but free on the break's dates is one;
* **rank not recorded**: made before ranks were recorded. Counted apart, never guessed.

The counts (by coordinator, and in all) follow the fairness report's small-number rule
(:func:`shared_lives.reports.fairness.shown`), in the page and the CSV. The list of
overrides is casework: each row is one proposal, with the rationale its coordinator
gave, so it is not suppressed; it names no one (people by reference, households as the
fairness report shows them) and its rationale never reaches the audit log.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.models import User
from shared_lives.auth.permissions import require
from shared_lives.exports.services import csv_text
from shared_lives.households.models import Household
from shared_lives.matches.models import PROPOSAL_STATUSES, Proposal
from shared_lives.matches.services import SHORTLIST_LENGTH
from shared_lives.people.models import Person
from shared_lives.records import page_of
from shared_lives.reports.fairness import SUPPRESS_BELOW, shown, shown_from
from shared_lives.reports.services import PERIODS, months_before, parse_period
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

TOP_PICK = "top_pick"
NOT_RECORDED = "not_recorded"
#: The kinds of override, in the order the page lists them.
KINDS = {
    "passed_over": f"Passed over the engine's top pick (ranked 2nd to {SHORTLIST_LENGTH}th)",
    "outside": f"Outside the engine's top {SHORTLIST_LENGTH} (ranked {SHORTLIST_LENGTH + 1}th or lower)",
    "not_ranked": "Not in the engine's ranking that day",
}
OVERRIDES_PER_PAGE = 50
COUNT_COLUMNS = {
    "proposals": "Proposals made",
    NOT_RECORDED: "Rank not recorded",
    "ranked": "Proposals with a recorded rank",
    "overrides": "Overrides",
    **KINDS,
}
COUNTS_CSV_HEADER = ("coordinator", *COUNT_COLUMNS, "overrides_percent_of_ranked")
LIST_CSV_HEADER = (
    "proposal_id",
    "proposed_on",
    "person_reference",
    "household_reference",
    "household",
    "arrangement_type",
    "engine_rank",
    "households_ranked",
    "engine_top_pick_reference",
    "engine_top_pick",
    "override",
    "rationale",
    "outcome",
    "proposed_by",
)
ALL = "All coordinators"


def classify(engine_rank: int | None, engine_ranked: int | None) -> str:
    """What a proposal was, from the facts recorded when it was made (see the module's words).

    >>> [classify(r, n) for r, n in ((1, 12), (2, 12), (10, 12), (11, 40), (None, 5), (None, 0), (None, None))]
    ['top_pick', 'passed_over', 'passed_over', 'outside', 'not_ranked', 'not_ranked', 'not_recorded']
    """
    if engine_ranked is None:
        return NOT_RECORDED
    if engine_rank is None:
        return "not_ranked"
    if engine_rank == 1:
        return TOP_PICK
    return "passed_over" if engine_rank <= SHORTLIST_LENGTH else "outside"


def ordinal(n: int) -> str:
    """A position in words.

    >>> ordinal(1), ordinal(2), ordinal(3), ordinal(11), ordinal(22), ordinal(113)
    ('1st', '2nd', '3rd', '11th', '22nd', '113th')
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_words(engine_rank: int | None, engine_ranked: int | None) -> str:
    """A proposal's recorded rank as the list shows it.

    >>> rank_words(3, 14), rank_words(None, 14), rank_words(None, None)
    ('3rd of 14', 'Not ranked (14 households ranked)', 'Rank not recorded')
    """
    if engine_ranked is None:
        return "Rank not recorded"
    if engine_rank is None:
        return f"Not ranked ({engine_ranked} {'household' if engine_ranked == 1 else 'households'} ranked)"
    return f"{ordinal(engine_rank)} of {engine_ranked}"


def _cells(c: Counter) -> list[str]:
    """One row of the counts table from raw counts (one coordinator's, or all), suppressed."""
    ranked = c["proposals"] - c[NOT_RECORDED]
    overrides = sum(c[k] for k in KINDS)
    raw = {"proposals": c["proposals"], NOT_RECORDED: c[NOT_RECORDED], "ranked": ranked, "overrides": overrides}
    raw.update({k: c[k] for k in KINDS})
    share = 100 * overrides / ranked if ranked else None
    return [shown(raw[k]) for k in COUNT_COLUMNS] + [shown_from(share, ranked, "{:.0f}%")]


def _period(session: Session, months: int) -> tuple[date, date, list[tuple]]:
    """(since, today, every proposal made in the period as (id, proposer, kind)), newest first."""
    on = today()
    since = months_before(on, months)
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    rows = session.exec(
        select(Proposal.id, Proposal.proposed_by_id, Proposal.engine_rank, Proposal.engine_ranked)
        .where(Proposal.proposed_at >= start)
        .order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    ).all()
    return since, on, [(pid, by, classify(rank, ranked)) for pid, by, rank, ranked in rows]


def _counts(session: Session, proposals: list[tuple]) -> list[tuple[str, list[str]]]:
    """The counts table: every coordinator in the period, then everyone."""
    everyone, by = Counter(), {}
    for _pid, proposer, kind in proposals:
        for c in (everyone, by.setdefault(proposer, Counter())):
            c["proposals"] += 1
            c[kind] += 1
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(list(by)))).all())
    rows = sorted(((names.get(uid, "Unknown account"), _cells(c)) for uid, c in by.items()), key=lambda r: r[0])
    return [(ALL, _cells(everyone)), *rows]


def _overrides(proposals: list[tuple]) -> list[tuple[int, str]]:
    """(id, kind) of the period's proposals that are overrides, in the period's order."""
    return [(pid, kind) for pid, _by, kind in proposals if kind in KINDS]


def _override_rows(session: Session, ids_kinds: list[tuple[int, str]]) -> list[dict]:
    """Each override as the list shows it, in the order given."""
    ids = [pid for pid, _ in ids_kinds]
    if not ids:
        return []
    proposals = {p.id: p for p in session.exec(select(Proposal).where(Proposal.id.in_(ids))).all()}
    household_ids = {p.household_id for p in proposals.values()} | {
        p.engine_top_household_id for p in proposals.values() if p.engine_top_household_id
    }
    households = {h.id: h for h in session.exec(select(Household).where(Household.id.in_(household_ids))).all()}
    people = dict(
        session.exec(
            select(Person.id, Person.reference).where(Person.id.in_({p.person_id for p in proposals.values()}))
        ).all()
    )
    staff = dict(
        session.exec(
            select(User.id, User.name).where(User.id.in_({p.proposed_by_id for p in proposals.values()}))
        ).all()
    )
    out = []
    for pid, kind in ids_kinds:
        p = proposals[pid]
        out.append(
            {
                "proposal": p,
                "person_reference": people.get(p.person_id, ""),
                "household": households.get(p.household_id),
                "top_pick": households.get(p.engine_top_household_id),
                "type": ARRANGEMENT_TYPES.get(p.arrangement_type, p.arrangement_type),
                "rank": rank_words(p.engine_rank, p.engine_ranked),
                "kind": KINDS[kind],
                "outcome": PROPOSAL_STATUSES.get(p.status, p.status),
                "proposed_by": staff.get(p.proposed_by_id, "Unknown account"),
            }
        )
    return out


def overrides_report(session: Session, user, months, page: int = 1) -> dict:
    """The page: the counts (suppressed) and one page of the overrides themselves."""
    require(user, "report:read")
    months = parse_period(months)
    since, on, proposals = _period(session, months)
    overrides = _overrides(proposals)
    listed = page_of(len(overrides), page, OVERRIDES_PER_PAGE)
    listed.items = _override_rows(session, overrides[listed.offset : listed.offset + OVERRIDES_PER_PAGE])
    audit(
        session,
        actor_of(user),
        "report.view",
        changes={"page": "overrides", "filters": [str(months), str(listed.page)], "count": len(listed.items)},
    )
    return {
        "months": months,
        "since": since,
        "today": on,
        "period": PERIODS[months],
        "periods": PERIODS,
        "counts": _counts(session, proposals),
        "columns": list(COUNT_COLUMNS.values()),
        "kinds": KINDS,
        "shortlist_length": SHORTLIST_LENGTH,
        "overrides": listed,
        "suppress_below": SUPPRESS_BELOW,
    }


def overrides_summary(session: Session, months: int) -> dict:
    """The all-coordinators row, for the fairness report's own page (suppressed)."""
    _since, _on, proposals = _period(session, months)
    return dict(zip([*COUNT_COLUMNS, "share"], _counts(session, proposals)[0][1], strict=True))


def overrides_csv(session: Session, user, months, table: str) -> str:
    """``table`` "counts": the counts, suppressed as on the page; "list": every override in
    the period, with its rationale. The audit entry says which, never what they hold."""
    require(user, "report:read")
    months = parse_period(months)
    table = table if table in ("counts", "list") else "counts"
    _since, _on, proposals = _period(session, months)
    if table == "counts":
        rows = [COUNTS_CSV_HEADER, *((name, *cells) for name, cells in _counts(session, proposals))]
    else:
        rows = [LIST_CSV_HEADER]
        for r in _override_rows(session, _overrides(proposals)):
            p, h, top = r["proposal"], r["household"], r["top_pick"]
            rows.append(
                (
                    p.id,
                    p.proposed_at.date().isoformat(),
                    r["person_reference"],
                    h.reference if h else "",
                    h.name if h else "",
                    r["type"],
                    "" if p.engine_rank is None else p.engine_rank,
                    p.engine_ranked,
                    top.reference if top else "",
                    top.name if top else "",
                    r["kind"],
                    p.rationale,
                    r["outcome"],
                    r["proposed_by"],
                )
            )
    audit(
        session,
        actor_of(user),
        "report.export",
        changes={"page": "overrides", "format": "csv", "filters": [str(months), table], "count": len(rows) - 1},
    )
    return csv_text(rows)

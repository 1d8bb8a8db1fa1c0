"""The fairness report: are some groups offered less, or waiting longer?

For each equality monitoring question (``shared_lives.equality``), for age band (from the
date of birth, by :func:`shared_lives.rules.age.age_on`), need and postcode area:

* **offer rate**: proposals made in the period per month spent waiting in it. A person
  waits from their referral date until their first arrangement starts, or until today
  while they are still referred or waiting; people closed without an arrangement, or
  with no referral date, have no known waiting time and are left out of the rate;
* the median days from referral to first proposal, and to arrangement (events in the period);
* declines in the period, by side (the person's side, the household's).

Every count under :data:`SUPPRESS_BELOW` is shown as "fewer than 5", in the page and in
the CSV, and so is every figure worked out from fewer than 5 people. Coordinator overrides
(proposals for a household that was not the engine's top pick) are counted with the same
rule in :mod:`shared_lives.reports.overrides`, which has its own page.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.equality import services as equality
from shared_lives.equality.models import (
    DISABILITIES,
    ETHNIC_GROUP_LABELS,
    ETHNIC_GROUP_OF,
    LABELS,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    RELIGIONS,
    SEXES,
    SEXUAL_ORIENTATIONS,
)
from shared_lives.exports.services import csv_text
from shared_lives.households.models import Household
from shared_lives.matches.models import Proposal, ProposalResponse
from shared_lives.people.models import Person
from shared_lives.reports.services import PERIODS, first_dates, months_before, parse_period, postcode_area, timing
from shared_lives.rules import eligibility as rules
from shared_lives.rules.age import age_on
from shared_lives.timeutil import today
from shared_lives.vocab.services import terms

SUPPRESS_BELOW = 5
SUPPRESSED = "fewer than 5"
NOT_RECORDED = "Not recorded"
DAYS_PER_MONTH = 365.25 / 12
#: Households are "never offered" after this long without a proposal.
NEVER_OFFERED_MONTHS = 6
#: Age bands: (label, youngest, oldest or None).
AGE_BANDS = (
    ("18 to 24", 18, 24),
    ("25 to 34", 25, 34),
    ("35 to 44", 35, 44),
    ("45 to 54", 45, 54),
    ("55 to 64", 55, 64),
    ("65 to 74", 65, 74),
    ("75 or over", 75, None),
)
DIMENSIONS = {
    **LABELS,
    "age_band": "Age band",
    "need": "Need",
    "area": "Postcode area",
}
CSV_HEADER = (
    "dimension",
    "group",
    "people_waiting",
    "months_waiting",
    "proposals",
    "proposals_per_waiting_month",
    "people_with_first_proposal",
    "median_days_to_first_proposal",
    "people_with_arrangement",
    "median_days_to_arrangement",
    "declines_by_person_side",
    "declines_by_household_side",
)


def shown(count: int) -> str:
    """A count as a report shows it: under 5 is "fewer than 5".

    >>> shown(0), shown(4), shown(5), shown(12)
    ('fewer than 5', 'fewer than 5', '5', '12')
    """
    return SUPPRESSED if count < SUPPRESS_BELOW else str(count)


def shown_from(value, people: int, fmt: str = "{:g}") -> str:
    """A figure worked out from ``people`` people: hidden when they are fewer than 5."""
    if people < SUPPRESS_BELOW:
        return SUPPRESSED
    return "none" if value is None else fmt.format(value)


def age_band(born: date | None, on: date) -> str:
    """The age band on ``on``, from the date of birth (``rules.age``).

    >>> age_band(date(1990, 5, 17), date(2026, 11, 24)), age_band(None, date(2026, 1, 1))
    ('35 to 44', 'Not known')
    """
    age = age_on(born, on)
    if age is None:
        return "Not known"
    for label, lo, hi in AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return label
    return "Under 18"


def _answer(code: str | None, labels: dict) -> str:
    if code == PREFER_NOT:
        return PREFER_NOT_LABEL
    return labels.get(code, NOT_RECORDED) if code else NOT_RECORDED


@dataclass
class Group:
    """What one group of people had in the period (raw numbers; :meth:`cells` suppresses)."""

    #: People with a known waiting time in the period: the offer rate's people.
    waiting: set = field(default_factory=set)
    #: Everyone in the group who waited, was proposed, declined or started in the period.
    members: set = field(default_factory=set)
    months: float = 0.0
    proposals: int = 0
    declines: Counter = field(default_factory=Counter)

    def cells(self, firsts, referred, since, on) -> list[str]:
        to_proposal = timing(firsts["proposal"], referred, since, on, self.members)
        to_arrangement = timing(firsts["arrangement"], referred, since, on, self.members)
        n = len(self.waiting)
        rate = self.proposals / self.months if self.months else None
        return [
            shown(n),
            shown_from(self.months, n, "{:.1f}"),
            shown(self.proposals),
            shown_from(rate, n, "{:.2f}"),
            shown(to_proposal.count),
            shown_from(to_proposal.median and float(to_proposal.median), to_proposal.count),
            shown(to_arrangement.count),
            shown_from(to_arrangement.median and float(to_arrangement.median), to_arrangement.count),
            shown(self.declines["person"]),
            shown(self.declines["household"]),
        ]


def _groups_of(person: Person, record, on: date, need_labels: dict) -> dict[str, list[str]]:
    """The group this person falls in for each dimension (several for needs)."""
    ethnicity = record.ethnicity if record else None
    ethnic = ETHNIC_GROUP_LABELS.get(ETHNIC_GROUP_OF.get(ethnicity, ""), None)
    return {
        "ethnicity": [ethnic or _answer(ethnicity, {})],
        "religion": [_answer(record and record.religion, RELIGIONS)],
        "disability": [_answer(record and record.disability, DISABILITIES)],
        "sex": [_answer(record and record.sex, SEXES)],
        "sexual_orientation": [_answer(record and record.sexual_orientation, SEXUAL_ORIENTATIONS)],
        "age_band": [age_band(person.date_of_birth, on)],
        "need": [need_labels.get(n, n) for n in person.needs or []] or ["No needs listed"],
        "area": [postcode_area(person.preferred_postcode) or "No postcode"],
    }


def _waiting_days(person: Person, first_arrangement: date | None, since: date, on: date) -> int | None:
    """Days the person waited within ``since``..``on``; None when their waiting time is not known."""
    if person.referral_date is None:
        return None
    if first_arrangement is not None:
        end = first_arrangement
    elif person.status in ("referred", "waiting"):
        end = on
    else:
        return None
    return max(0, (min(end, on) - max(person.referral_date, since)).days)


def _analyse(session: Session, user, months: int) -> dict:
    on = today()
    since = months_before(on, months)
    people = list(session.exec(select(Person).order_by(Person.id)).all())
    records = equality.records_for(session, user, [p.id for p in people])
    need_labels = terms(session, "need")
    firsts = first_dates(session)
    referred = {p.id: p.referral_date for p in people}
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    offers = Counter(
        dict(
            session.exec(
                select(Proposal.person_id, func.count())
                .where(Proposal.proposed_at >= start)
                .group_by(Proposal.person_id)
            ).all()
        )
    )
    declines: dict[int, Counter] = {}
    for person_id, side, n in session.exec(
        select(Proposal.person_id, ProposalResponse.side, func.count())
        .join(Proposal, Proposal.id == ProposalResponse.proposal_id)
        .where(ProposalResponse.decision == "decline", ProposalResponse.recorded_at >= start)
        .group_by(Proposal.person_id, ProposalResponse.side)
    ).all():
        declines.setdefault(person_id, Counter())[side] += n
    tables: dict[str, dict[str, Group]] = {d: {} for d in DIMENSIONS}
    for p in people:
        days = _waiting_days(p, firsts["arrangement"].get(p.id), since, on)
        events = [firsts["proposal"].get(p.id), firsts["arrangement"].get(p.id)]
        if not (days or offers[p.id] or p.id in declines or any(d and since <= d <= on for d in events)):
            continue
        for dimension, names in _groups_of(p, records.get(p.id), on, need_labels).items():
            for name in names:
                g = tables[dimension].setdefault(name, Group())
                g.members.add(p.id)
                g.declines.update(declines.get(p.id, Counter()))
                if days:
                    g.waiting.add(p.id)
                    g.months += days / DAYS_PER_MONTH
                    g.proposals += offers[p.id]
    rows = {
        dimension: [(name, g.cells(firsts, referred, since, on)) for name, g in sorted(groups.items())]
        for dimension, groups in tables.items()
    }
    return {"months": months, "since": since, "today": on, "rows": rows}


def households_offered(session: Session, on: date) -> dict:
    """Households that could take someone today but were never offered anyone in the last
    6 months, and households offered far more than most.

    "Far more" is at least 4 proposals and more than twice the median of households
    proposed at least once in those 6 months.
    """
    since = months_before(on, NEVER_OFFERED_MONTHS)
    facts = rules.household_facts(session, since=on)
    scheme_max = rules.scheme_max_people()
    counts = dict(
        session.exec(
            select(Proposal.household_id, func.count())
            .where(Proposal.proposed_at >= datetime.combine(since, datetime.min.time(), tzinfo=UTC))
            .group_by(Proposal.household_id)
        ).all()
    )
    names = {h.id: h for h in session.exec(select(Household).order_by(Household.name, Household.id)).all()}
    open_now = [
        hid
        for hid, f in facts.items()
        if not rules.standing_reasons(f, on) and rules.free_places(f, on, scheme_max) > 0
    ]
    never = [names[hid] for hid in sorted(open_now, key=lambda h: (names[h].name, h)) if not counts.get(hid)]
    typical = statistics.median(counts.values()) if counts else 0
    threshold = max(4, 2 * typical)
    often = sorted(
        ((names[hid], n) for hid, n in counts.items() if n >= threshold and n > 2 * typical and hid in names),
        key=lambda x: (-x[1], x[0].name),
    )
    return {"since": since, "never": never, "often": often, "typical": typical, "threshold": threshold}


def fairness_report(session: Session, user, months) -> dict:
    """The page: each dimension's table (suppressed), the households' offers, and how many
    proposals were coordinator overrides (suppressed; the list is its own page)."""
    from shared_lives.reports.overrides import overrides_summary  # it suppresses with this module's rule

    require(user, "report:read")
    months = parse_period(months)
    data = _analyse(session, user, months)
    audit(session, actor_of(user), "report.view", changes={"page": "fairness", "filters": [str(months)]})
    return {
        **data,
        "households": households_offered(session, data["today"]),
        "overrides": overrides_summary(session, months),
        "dimensions": DIMENSIONS,
        "periods": PERIODS,
        "period": PERIODS[months],
        "header": CSV_HEADER,
        "suppress_below": SUPPRESS_BELOW,
    }


def fairness_csv(session: Session, user, months) -> str:
    """Every table of the report as CSV, with the same suppression as the page."""
    require(user, "report:read")
    months = parse_period(months)
    data = _analyse(session, user, months)
    tables = data["rows"].items()
    body = csv_text([CSV_HEADER, *((DIMENSIONS[d], name, *cells) for d, rows in tables for name, cells in rows)])
    audit(
        session,
        actor_of(user),
        "report.export",
        changes={"page": "fairness", "format": "csv", "filters": [str(months)]},
    )
    return body

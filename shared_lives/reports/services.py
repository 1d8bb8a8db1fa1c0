"""The scheme at a glance: the figures on coordinators' and managers' home pages and the
scheme report.

Every figure is a :class:`Figure` that names the list it counts (an endpoint and its
filters); ``tests/shared_lives/reports/test_dashboard.py`` checks each one against
that list. Free places come from :mod:`shared_lives.rules` (never worked out here),
places taken from :func:`shared_lives.placements.services.holds_place`, and checks
due from the compliance page's own :func:`shared_lives.carers.services.compliance_items`.
"""

from __future__ import annotations

import re
import statistics
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.carers import services as carers
from shared_lives.households.models import Household
from shared_lives.matches.models import Proposal
from shared_lives.matches.states import STATUSES
from shared_lives.people.models import Person
from shared_lives.placements import services as placements
from shared_lives.placements.models import Arrangement
from shared_lives.reports.charts import bar_chart
from shared_lives.rights import subject_access
from shared_lives.rules import eligibility as rules
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

#: Months a report may look back over, and the words for each.
PERIODS = {3: "Last 3 months", 6: "Last 6 months", 12: "Last 12 months"}
DEFAULT_PERIOD = 12
#: The proposal stages before an arrangement starts (the open states), in journey order.
STAGES = tuple(code for code, state in STATUSES.items() if state.open)
STAGE_LABELS = {
    "proposed": "Proposed, waiting for answers",
    "introductions": "In introductions",
    "agreed": "Both sides agree, awaiting approval",
}
#: Waiting-time bands: (label, first day, last day or None).
BANDS = (
    ("Under 2 weeks", 0, 13),
    ("2 to 4 weeks", 14, 27),
    ("1 to 2 months", 28, 60),
    ("2 to 3 months", 61, 91),
    ("3 to 6 months", 92, 182),
    ("6 months or more", 183, None),
)
_AREA = re.compile(r"[A-Z]{1,2}")


@dataclass(frozen=True)
class Figure:
    """A number and the list it counts: ``url_for(endpoint, **args)``.

    ``measure`` says what of that list it counts: its rows (``count``), or the sum of its
    households' ``free_places`` or ``places``.
    """

    key: str
    label: str
    value: int
    endpoint: str
    args: dict = field(default_factory=dict, hash=False)
    measure: str = "count"


@dataclass
class Timing:
    """Days from referral to an event, for the people whose event fell in the period."""

    days: list[int]
    #: People with the event in the period but no referral date on record (left out of the figures).
    undated: int = 0

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def bands(self) -> list[tuple[str, int]]:
        return [(label, sum(1 for d in self.days if lo <= d and (hi is None or d <= hi))) for label, lo, hi in BANDS]


def parse_period(raw) -> int:
    """The period in months from a query parameter; anything else is the default."""
    text = str(raw or "").strip()
    return int(text) if text in {str(m) for m in PERIODS} else DEFAULT_PERIOD


def months_before(on: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter).

    >>> months_before(date(2026, 5, 31), 3), months_before(date(2026, 2, 10), 12)
    (datetime.date(2026, 2, 28), datetime.date(2025, 2, 10))
    """
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, monthrange(year, month + 1)[1]))


def postcode_area(postcode: str | None) -> str:
    """The postcode area (its leading letters, like ``ME``): how the lists' area filter reads it.

    >>> postcode_area("ME14 1XQ"), postcode_area("e1 6an"), postcode_area("")
    ('ME', 'E', '')
    """
    match = _AREA.match((postcode or "").strip().upper())
    return match.group(0) if match else ""


# --------------------------------------------------------------------------- the figures


def pipeline(session: Session) -> list[Figure]:
    """People waiting, proposals at each stage and arrangements by type: each with its list."""
    people = dict(session.exec(select(Person.status, func.count()).group_by(Person.status)).all())
    stages = dict(
        session.exec(
            select(Proposal.status, func.count()).where(Proposal.status.in_(STAGES)).group_by(Proposal.status)
        ).all()
    )
    kinds = dict(
        session.exec(
            select(Arrangement.arrangement_type, func.count())
            .where(Arrangement.status == "active")
            .group_by(Arrangement.arrangement_type)
        ).all()
    )
    figures = [
        Figure(
            "referred", "Referred, not yet waiting", people.get("referred", 0), "people.index", {"status": "referred"}
        ),
        Figure("waiting", "Waiting for a match", people.get("waiting", 0), "people.index", {"status": "waiting"}),
    ]
    figures += [
        Figure(f"proposals_{s}", STAGE_LABELS[s], stages.get(s, 0), "matches.index", {"status": s}) for s in STAGES
    ]
    figures += [
        Figure(
            f"arrangements_{t}",
            f"{label} arrangements",
            kinds.get(t, 0),
            "placements.index",
            {"status": "active", "arrangement_type": t, "_anchor": "arrangements"},
        )
        for t, label in ARRANGEMENT_TYPES.items()
    ]
    return figures


def places(session: Session, on: date | None = None) -> dict:
    """Places free (the rules' decision) and taken, by arrangement type and by postcode area.

    A household's free place can be offered for any type it offers, so free places by
    type overlap; the total counts each place once.
    """
    on = on or today()
    facts = rules.household_facts(session, since=on)
    scheme_max = rules.scheme_max_people()
    postcodes = dict(session.exec(select(Household.id, Household.postcode)).all())
    free = {hid: rules.free_places(f, on, scheme_max) for hid, f in facts.items()}
    capacity = {hid: rules.place_count(f, scheme_max) for hid, f in facts.items()}
    taken: dict[str, int] = {}
    for arrangement in session.exec(select(Arrangement).where(Arrangement.status == "active")).all():
        if placements.holds_place(arrangement, on):
            taken[arrangement.arrangement_type] = taken.get(arrangement.arrangement_type, 0) + 1
    by_type = []
    for t, label in ARRANGEMENT_TYPES.items():
        offering = [hid for hid, f in facts.items() if t in f.offered_types and free[hid] > 0]
        list_args = {"availability": "space", "arrangement_type": t}
        by_type.append(
            {
                "type": t,
                "label": label,
                "households": Figure(f"households_free_{t}", label, len(offering), "households.index", list_args),
                "free": Figure(
                    f"free_{t}", label, sum(free[h] for h in offering), "households.index", list_args, "free_places"
                ),
                "taken": Figure(
                    f"taken_{t}",
                    label,
                    taken.get(t, 0),
                    "placements.index",
                    {"status": "active", "arrangement_type": t, "holding": "today", "_anchor": "arrangements"},
                ),
            }
        )
    areas: dict[str, list[int]] = {}
    for hid in facts:
        areas.setdefault(postcode_area(postcodes.get(hid)), []).append(hid)
    by_area = [
        {
            "area": area,
            "households": Figure(f"households_{area}", area, len(ids), "households.index", {"area": area}),
            "places": Figure(
                f"places_{area}", area, sum(capacity[h] for h in ids), "households.index", {"area": area}, "places"
            ),
            "free": Figure(
                f"free_{area}",
                area,
                sum(free[h] for h in ids),
                "households.index",
                {"area": area, "availability": "space"},
                "free_places",
            ),
        }
        for area, ids in sorted(areas.items())
        if area
    ]
    with_space = [hid for hid in facts if free[hid] > 0]
    totals = {
        "free": Figure(
            "free",
            "Free places today",
            sum(free.values()),
            "households.index",
            {"availability": "space"},
            "free_places",
        ),
        "households_free": Figure(
            "households_free",
            "Households with a free place",
            len(with_space),
            "households.index",
            {"availability": "space"},
        ),
        "taken": Figure(
            "taken",
            "Places taken today",
            sum(taken.values()),
            "placements.index",
            {"status": "active", "holding": "today", "_anchor": "arrangements"},
        ),
    }
    return {"by_type": by_type, "by_area": by_area, "totals": totals, "on": on}


def checks(session: Session, user) -> list[Figure]:
    """Compliance due in the compliance page's window, households it stops, reviews due, and
    (for those who may open their list) subject access requests still to answer."""
    figures = [
        Figure(
            "compliance_due",
            f"Checks expired, not recorded or due within {carers.COMPLIANCE_DAYS} days",
            len(carers.compliance_items(session)),
            "carers.compliance",
        ),
        Figure(
            "ineligible",
            "Households that cannot be matched now",
            len(carers.ineligible_households(session)),
            "carers.compliance",
            {"_anchor": "ineligible"},
        ),
        Figure(
            "reviews_due",
            "Reviews due within 14 days or overdue",
            len(placements.reviews_due(session)),
            "placements.index",
            {"_anchor": "reviews"},
        ),
    ]
    requests = subject_access.open_request_count(session, user)
    if requests is not None:
        figures.append(
            Figure(
                "subject_access",
                "Subject access requests still to answer (each due one month after it came in)",
                requests,
                "exports.subject_access_open",
            )
        )
    return figures


def first_dates(session: Session) -> dict[str, dict[int, date]]:
    """Each person's first proposal date and first arrangement start, by person id."""
    proposals = session.exec(
        select(Proposal.person_id, func.min(Proposal.proposed_at)).group_by(Proposal.person_id)
    ).all()
    arrangements = session.exec(
        select(Arrangement.person_id, func.min(Arrangement.start_date)).group_by(Arrangement.person_id)
    ).all()
    return {
        "proposal": {pid: when.date() if isinstance(when, datetime) else when for pid, when in proposals},
        "arrangement": dict(arrangements),
    }


def timing(firsts: dict[int, date], referred: dict[int, date | None], since: date, on: date, people=None) -> Timing:
    """Days from referral to each first event that fell in ``since``..``on`` (of ``people``, when given)."""
    out = Timing(days=[])
    for person_id, when in firsts.items():
        if not since <= when <= on or (people is not None and person_id not in people):
            continue
        start = referred.get(person_id)
        if start is None:
            out.undated += 1
        else:
            out.days.append(max(0, (when - start).days))
    return out


def waiting_times(session: Session, since: date, on: date | None = None) -> dict[str, Timing]:
    """Days from referral to first proposal, and to the first arrangement, for events in the period."""
    on = on or today()
    referred = dict(session.exec(select(Person.id, Person.referral_date)).all())
    return {kind: timing(firsts, referred, since, on) for kind, firsts in first_dates(session).items()}


# --------------------------------------------------------------------------- the pages


def dashboard(session: Session, user) -> dict:
    """What a coordinator's or manager's home page shows: counts only, each linked to its list."""
    require(user, "dashboard:read")
    return {"pipeline": pipeline(session), "places": places(session), "checks": checks(session, user)}


def _timing_words(t: Timing, event: str, period: str) -> str:
    if not t.count:
        return f"No one reached {event} in the {period.lower()}."
    slow = sum(n for _, n in t.bands[-2:])
    return (
        f"Median {t.median:g} days from referral to {event}, over {t.count} "
        f"{'person' if t.count == 1 else 'people'} who reached it in the {period.lower()}; "
        f"{slow} waited 3 months or more."
    )


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def scheme_report(session: Session, user, months) -> dict:
    """The scheme report for managers and auditors: the dashboard's figures, waiting times
    over the period and the charts, each with its data table."""
    require(user, "report:read")
    months = parse_period(months)
    on = today()
    since = months_before(on, months)
    period = PERIODS[months]
    figures = pipeline(session)
    place = places(session, on)
    times = waiting_times(session, since, on)
    charts = {
        "pipeline": bar_chart(
            "chart-pipeline",
            "Where people are in the journey today",
            "People waiting, proposals at each stage and arrangements running: "
            + "; ".join(f"{f.label}: {f.value}" for f in figures)
            + ".",
            [(f.label, [f.value]) for f in figures],
            ["Number"],
        ),
        "proposal": bar_chart(
            "chart-time-proposal",
            "Time from referral to first proposal",
            _timing_words(times["proposal"], "a first proposal", period),
            [(label, [n]) for label, n in times["proposal"].bands],
            ["People"],
            _people,
        ),
        "arrangement": bar_chart(
            "chart-time-arrangement",
            "Time from referral to arrangement",
            _timing_words(times["arrangement"], "an arrangement", period),
            [(label, [n]) for label, n in times["arrangement"].bands],
            ["People"],
            _people,
        ),
        "places": bar_chart(
            "chart-places",
            "Places by arrangement type today",
            f"{place['totals']['free'].value} places free and {place['totals']['taken'].value} taken. "
            "A free place can be offered for any type its household offers, so free places by type overlap.",
            [(r["label"], [r["free"].value, r["taken"].value]) for r in place["by_type"]],
            ["Free", "Taken"],
        ),
    }
    audit(session, actor_of(user), "report.view", changes={"page": "scheme", "filters": [str(months)]})
    return {
        "months": months,
        "period": period,
        "periods": PERIODS,
        "since": since,
        "today": on,
        "pipeline": figures,
        "places": place,
        "checks": checks(session, user),
        "times": times,
        "charts": charts,
    }

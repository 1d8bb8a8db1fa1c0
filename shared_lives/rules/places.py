"""Places: how many people a household may support at once, and how many are free on a date.

Places are the fewer of the carers' terms of approval and the scheme's limit (never
above 3), less the people in place-taking arrangements on that date:

==================  ===========================================================
arrangement type    takes a place
==================  ===========================================================
live-in, emergency  from its start until it ends
short breaks        only between the break's first and last day (and not after
                    the arrangement was ended)
day support         never
==================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The most people any household may support at once, whatever a scheme sets.
ABSOLUTE_MAX_PEOPLE = 3

#: How each arrangement type takes a place: "always" (start to end), "between_dates", "never".
PLACE_RULES = {
    "live_in": "always",
    "emergency": "always",
    "short_breaks": "between_dates",
    "day_support": "never",
}


@dataclass(frozen=True)
class Occupancy:
    """One arrangement as places see it. ``end`` is the day it ended (the place is free that day)."""

    arrangement_type: str
    start: date
    end: date | None = None
    break_start: date | None = None
    break_end: date | None = None


def takes_place_on(o: Occupancy, on: date) -> bool:
    """Whether this arrangement holds one of the household's places on ``on``.

    >>> d = date(2026, 11, 24)
    >>> takes_place_on(Occupancy("live_in", date(2026, 1, 5)), d)
    True
    >>> takes_place_on(Occupancy("short_breaks", date(2026, 1, 5), None, date(2026, 12, 1), date(2026, 12, 3)), d)
    False
    >>> takes_place_on(Occupancy("day_support", date(2026, 1, 5)), d)
    False
    """
    rule = PLACE_RULES.get(o.arrangement_type, "always")
    if rule == "never" or (o.end is not None and on >= o.end):
        return False
    if rule == "between_dates" and o.break_start is not None and o.break_end is not None:
        return o.break_start <= on <= o.break_end
    return on >= o.start


def capacity(terms_max_people: int, scheme_max_people: int) -> int:
    """The fewer of the terms' number and the scheme's limit, never above 3 (0 without approval).

    >>> capacity(3, 2), capacity(1, 3), capacity(5, 5), capacity(0, 3)
    (2, 1, 3, 0)
    """
    return max(0, min(int(terms_max_people), int(scheme_max_people), ABSOLUTE_MAX_PEOPLE))


def occupants_on(occupancy, on: date) -> int:
    """How many of these arrangements hold a place on ``on``."""
    return sum(1 for o in occupancy if takes_place_on(o, on))


def free_places(places: int, occupancy, on: date) -> int:
    """Places free on ``on``, never below 0."""
    return max(0, places - occupants_on(occupancy, on))


def free_places_throughout(places: int, occupancy, start: date, end: date | None = None) -> int:
    """The fewest places free on any day from ``start`` to ``end`` (open-ended when None).

    A new live-in arrangement needs a place on every day from its start, so a short
    break already agreed for next month counts against it. Occupancy only rises on the
    day an arrangement or a break begins, so those days and ``start`` are the days to check.

    >>> stay = Occupancy("short_breaks", date(2026, 1, 1), None, date(2026, 12, 10), date(2026, 12, 12))
    >>> free_places(1, [stay], date(2026, 11, 24)), free_places_throughout(1, [stay], date(2026, 11, 24))
    (1, 0)
    >>> free_places_throughout(1, [stay], date(2026, 11, 24), date(2026, 11, 30))
    1
    """
    days = {start}
    for o in occupancy:
        for first in (o.start, o.break_start):
            if first is not None and first > start and (end is None or first <= end):
                days.add(first)
    return min(free_places(places, occupancy, d) for d in days)

"""Age on a date."""

from __future__ import annotations

from datetime import date


def age_on(born: date | None, on: date) -> int | None:
    """Whole years from ``born`` to ``on``: a birthday counts from its day.

    Someone born on 29 February has their birthday on 1 March in a year without one
    (the day after 28 February), as UK law counts it for coming of age.

    >>> age_on(date(2000, 5, 17), date(2026, 5, 16)), age_on(date(2000, 5, 17), date(2026, 5, 17))
    (25, 26)
    >>> age_on(date(2004, 2, 29), date(2026, 2, 28)), age_on(date(2004, 2, 29), date(2026, 3, 1))
    (21, 22)
    >>> age_on(None, date(2026, 1, 1)) is None
    True
    """
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

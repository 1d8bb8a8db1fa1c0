"""Names as pages show them: a record's name, with its reference beside it when
another record on the same page has the same name, so the two can be told apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from operator import attrgetter


def _key(name: str) -> str:
    # "The Phillips household" and "the phillips  household" read as the same name
    return " ".join(name.split()).casefold()


def display_names(records: Iterable, name: Callable[[object], str] = attrgetter("name")) -> dict[int, str]:
    """Map each record's id to its name, adding ``(reference)`` where the name is shared.

    ``records`` have ``id`` and ``reference`` (households, people); ``name``
    says which name a page shows (a household's name, a person's first name or
    full name).

    >>> from types import SimpleNamespace as R
    >>> display_names([R(id=1, name="The Phillips household", reference="H-0001"),
    ...                R(id=2, name="The Jones household", reference="H-0002"),
    ...                R(id=3, name="The Phillips household", reference="H-0003")])
    {1: 'The Phillips household (H-0001)', 2: 'The Jones household', 3: 'The Phillips household (H-0003)'}
    """
    records = list(records)
    names = {r.id: name(r) for r in records}
    times = Counter(_key(n) for n in names.values())
    return {r.id: f"{names[r.id]} ({r.reference})" if times[_key(names[r.id])] > 1 else names[r.id] for r in records}

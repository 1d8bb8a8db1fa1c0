"""Display names: a shared name gets its record's reference beside it, decided in one place."""

from __future__ import annotations

import doctest
from operator import attrgetter
from types import SimpleNamespace as Record

import shared_lives.names
from shared_lives.names import display_names


def test_doctest():
    assert doctest.testmod(shared_lives.names).failed == 0


def test_only_shared_names_get_a_reference():
    records = [
        Record(id=1, name="The Phillips household", reference="H-1"),
        Record(id=2, name="The Jones household", reference="H-2"),
        Record(id=3, name="the phillips  household", reference="H-3"),
        Record(id=4, name="The Phillipps household", reference="H-4"),
    ]
    assert display_names(records) == {
        1: "The Phillips household (H-1)",
        2: "The Jones household",
        3: "the phillips  household (H-3)",
        4: "The Phillipps household",
    }


def test_the_name_a_page_shows_decides_what_counts_as_shared():
    people = [
        Record(id=7, first_name="Donald", last_name="Ames", reference="P-7"),
        Record(id=8, first_name="Donald", last_name="Birch", reference="P-8"),
    ]
    assert display_names(people, attrgetter("first_name")) == {7: "Donald (P-7)", 8: "Donald (P-8)"}
    full = display_names(people, lambda p: f"{p.first_name} {p.last_name}")
    assert full == {7: "Donald Ames", 8: "Donald Birch"}


def test_no_records_no_names():
    assert display_names([]) == {}

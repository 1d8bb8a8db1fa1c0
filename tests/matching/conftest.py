"""Small builders for engine tests (no app, no database)."""

import pytest

from matching import Instance

AS_OF = "2026-11-23"
OK_HOUSEHOLD = {
    "free_places": 1,
    "arrangement_types": ["live_in", "short_breaks"],
    "approval_expires": "2027-12-31",
    "dbs_expires": "2027-12-31",
    "easting": 500_000,
    "northing": 200_000,
    "carer_genders": ["female"],
    "step_free": True,
    "ground_floor_bedroom": True,
    "skills": ["autism", "personal_care"],
}
OK_PERSON = {"easting": 501_000, "northing": 200_000, "max_distance_km": 20, "arrangement_type": "live_in"}


def make(person=None, household=None):
    """One person and one household, each overriding the allowed defaults."""
    p = {"id": "p", "name": "Sam", **OK_PERSON, **(person or {})}
    h = {"id": "h", "name": "The Patels", **OK_HOUSEHOLD, **(household or {})}
    return Instance.from_records([p], [h], as_of=AS_OF)


@pytest.fixture
def pair():
    return make

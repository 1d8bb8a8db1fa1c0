"""Postcodes are checked and located offline from the ONS Postcode Directory."""

import pytest

from shared_lives.postcodes import PostcodeError, locate, normalise
from shared_lives.rules.distance import distance_km


def test_a_real_postcode_is_located_on_the_national_grid():
    place = locate("me14 1xq")
    assert place.postcode == "ME14 1XQ"
    assert (place.easting, place.northing) == (576017.0, 156294.0)
    assert place.local_authority == "E07000110"  # Maidstone


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a postcode"),
        ("NOT A POSTCODE", "Enter a real postcode"),
        ("ZZ1 1ZZ", "Enter a real postcode"),
        ("ME99 9AA", "We cannot find this postcode"),
        ("ME4 9AX", "We cannot find this postcode"),  # terminated: no grid reference
        ("BT1 1AA", "Northern Ireland"),
    ],
)
def test_bad_postcodes_give_a_plain_message(raw, message):
    with pytest.raises(PostcodeError, match=message):
        locate(raw)


def test_distance_between_two_places_is_real_kilometres():
    maidstone = locate("ME14 1XQ")
    chatham = locate("ME4 4TE")
    km = distance_km((maidstone.easting, maidstone.northing), (chatham.easting, chatham.northing))
    assert 10 < km < 15


def test_normalise_puts_one_space_before_the_inward_code():
    assert normalise(" sw1a1aa ") == "SW1A 1AA"

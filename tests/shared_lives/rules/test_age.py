"""Age on a date, the one definition every page, form and the engine use."""

from datetime import date

import pytest

from shared_lives.rules.age import age_on


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 5, 17), date(2026, 5, 16), 25),  # the day before the birthday
        (date(2000, 5, 17), date(2026, 5, 17), 26),  # the birthday
        (date(2000, 5, 17), date(2026, 5, 18), 26),  # the day after
        (date(2004, 2, 29), date(2026, 2, 28), 21),  # born on 29 February, a year without one
        (date(2004, 2, 29), date(2026, 3, 1), 22),
        (date(2004, 2, 29), date(2028, 2, 28), 23),  # a leap year: the birthday is the 29th
        (date(2004, 2, 29), date(2028, 2, 29), 24),
        (date(2008, 11, 24), date(2026, 11, 23), 17),  # the day before turning 18
        (date(2008, 11, 24), date(2026, 11, 24), 18),
    ],
)
def test_age_counts_whole_years_from_the_birthday(born, on, age):
    assert age_on(born, on) == age


def test_the_person_form_refuses_someone_the_day_before_their_18th(app, users, signed_in):
    """The form once used days // 365, which is wrong near birthdays."""
    from datetime import timedelta

    from shared_lives.people.services import clean_person
    from shared_lives.timeutil import today

    t = today()
    eighteen = t.replace(year=t.year - 18) if (t.month, t.day) != (2, 29) else date(t.year - 18, 3, 1)
    with app.test_request_context():
        from shared_lives.db import get_session

        session = get_session()
        assert clean_person(session, {"date_of_birth": eighteen})["date_of_birth"] == eighteen
        with pytest.raises(Exception, match="18 or over"):
            clean_person(session, {"date_of_birth": eighteen + timedelta(days=1)})

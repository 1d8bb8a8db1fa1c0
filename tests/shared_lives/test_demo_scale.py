"""``flask seed-demo --households N --people N``: a synthetic scheme of any size, true to the rules."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, func, select

from shared_lives.audit.services import verify_chain
from shared_lives.carers.models import Carer
from shared_lives.cli import upgrade_database
from shared_lives.db import get_engine
from shared_lives.households.models import Household
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement, Review
from shared_lives.rules import eligibility as rules
from shared_lives.rules import places
from shared_lives.timeutil import today


def test_seed_demo_at_scale_builds_a_scheme_the_rules_accept(fresh_app):
    upgrade_database(fresh_app)
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo", "--households", "120", "--people", "90"])
    assert result.exit_code == 0, result.output
    assert "coordinator@demo.example" in result.output
    with fresh_app.app_context(), Session(get_engine(fresh_app)) as s:
        count = lambda model: s.exec(select(func.count()).select_from(model)).one()  # noqa: E731
        assert count(Household) == 120 and count(Person) == 90 and count(Carer) >= 120
        refs = s.exec(select(Household.reference)).all() + s.exec(select(Person.reference)).all()
        assert len(set(refs)) == len(refs)
        arrangements = s.exec(select(Arrangement)).all()
        assert arrangements and count(Review) == 2 * len(arrangements)
        # every arrangement was made where the rules allowed one, and none overbooks a household
        facts = rules.household_facts(s, since=today())
        scheme_max = rules.scheme_max_people()
        for f in facts.values():
            assert places.occupants_on(f.occupancy, today()) <= rules.place_count(f, scheme_max)
        stages = Counter(p.status for p in s.exec(select(Proposal)).all())
        assert {"proposed", "introductions", "agreed"} <= set(stages)
        # a realistic mix: some households cannot be offered anything today, most can
        stopped = [hid for hid, f in facts.items() if rules.standing_reasons(f, today())]
        assert 0 < len(stopped) < len(facts) / 2
        assert verify_chain(s, fresh_app.config["AUDIT_KEY"]).ok


def test_the_readme_says_what_the_scheme_page_and_seed_command_do():
    from pathlib import Path

    from shared_lives.matches.services import PREFERENCE_LENGTH

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    assert f"person's {PREFERENCE_LENGTH} best allowed households" in readme
    assert "seed-demo --households N [--people N]" in readme
    assert "data/training_courses.json" in readme

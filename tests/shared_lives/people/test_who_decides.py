"""Who decides, on the person's record: only whom the Mental Capacity Act lets decide, in
``rules.consent``'s own words, kept to the capacity the record holds; a record from before
the check ("A representative", "An advocate") is unconfirmed until a coordinator chooses again."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from shared_lives.imports.columns import KINDS
from shared_lives.people.forms import PersonForm
from shared_lives.people.models import Person
from shared_lives.rules import consent
from tests import factories
from tests.conftest import csrf_from, post_form
from tests.shared_lives.households.conftest import person_form
from tests.shared_lives.imports.conftest import csv_file, manager, person_row  # noqa: F401
from tests.shared_lives.imports.test_import_services import problems_at, run


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def error_beside(page: str, field: str) -> str:
    """The message beside ``field`` (GOV.UK error message), without its hidden prefix."""
    start = page.index(f'id="{field}-error"')
    chunk = page[start : page.index("</p>", start)]
    return chunk.rsplit("</span>", 1)[1].strip()


def the_rule(capacity: str, who: str, name: str = "Sam") -> str:
    state = {"has_capacity": "has", "lacks_capacity": "lacks", "not_assessed": "not_assessed"}[capacity]
    (problem,) = consent.who_decides_problems(state, who, name)
    return problem.message


def saved(db, last_name: str = "Example") -> Person | None:
    db.expire_all()
    return db.exec(select(Person).where(Person.last_name == last_name)).first()


def test_the_choices_and_their_words_are_the_consent_rules_own(signed_in, vocab, app):
    with app.test_request_context():
        assert dict(PersonForm().decision_maker.choices) == consent.WHO_DECIDES
    assert set(consent.WHO_DECIDES) <= set(consent.DECIDERS)
    assert not {"advocate", "representative", "other", consent.UNCONFIRMED} & set(consent.WHO_DECIDES)
    page = page_text(signed_in("coordinator").get("/people/new"))
    for code, label in consent.WHO_DECIDES.items():
        assert f'value="{code}"' in page and label in page
    assert consent.WHO_DECIDES_HINT in page
    for old in ('value="representative"', 'value="advocate"', "A representative", "An advocate<"):
        assert old not in page
    column = KINDS["people"].column("decision_maker")
    assert column.choices(None) == consent.WHO_DECIDES and column.example == consent.WHO_DECIDES["person"]
    assert all(label in column.help for label in consent.WHO_DECIDES.values())
    assert "representative" not in column.help.lower()


@pytest.mark.parametrize("old", ["advocate", "representative", consent.UNCONFIRMED, "other"])
def test_the_old_and_unlawful_values_are_refused_beside_the_field_and_nothing_is_lost(signed_in, vocab, db, old):
    c = signed_in("coordinator")
    form = person_form(
        first_name="Keepme", capacity="lacks_capacity", decision_maker=old, representative_name="Rita Helper"
    )
    r = post_form(c, "/people/new", {**form, "representative_contact": "01632 960000"})
    page = page_text(r)
    assert r.status_code == 200 and 'id="decision_maker-error"' in page
    assert "govuk-error-summary" in page and 'href="#decision_maker' in page
    assert 'value="Keepme"' in page and 'value="Rita Helper"' in page and 'value="01632 960000"' in page
    assert saved(db) is None


@pytest.mark.parametrize(
    ("capacity", "who"),
    [
        ("lacks_capacity", "person"),
        ("has_capacity", "attorney"),
        ("has_capacity", "deputy"),
        ("has_capacity", "best_interests"),
        ("not_assessed", "attorney"),
        ("not_assessed", "best_interests"),
    ],
)
def test_who_decides_must_fit_the_recorded_capacity_in_the_rules_words(signed_in, vocab, db, capacity, who):
    c = signed_in("coordinator")
    form = person_form(capacity=capacity, decision_maker=who, representative_name="Rita Attorney")
    r = post_form(c, "/people/new", {**form, "representative_contact": "rita@example.org"})
    page = page_text(r)
    assert r.status_code == 200, page[-2000:]
    assert error_beside(page, "decision_maker") == the_rule(capacity, who)
    assert 'value="Rita Attorney"' in page and saved(db) is None


@pytest.mark.parametrize(
    ("capacity", "who"),
    [
        ("has_capacity", "person"),
        ("not_assessed", "person"),
        ("lacks_capacity", "attorney"),
        ("lacks_capacity", "deputy"),
        ("lacks_capacity", "best_interests"),
    ],
)
def test_each_lawful_pairing_is_saved_and_shown_in_the_rules_words(signed_in, vocab, db, capacity, who):
    c = signed_in("coordinator")
    form = person_form(capacity=capacity, decision_maker=who, representative_name="Rita Named")
    r = post_form(c, "/people/new", {**form, "representative_contact": "rita@example.org"})
    assert r.status_code == 302, page_text(r)[-2000:]
    person = saved(db)
    assert person.decision_maker == who
    page = page_text(c.get(f"/people/{person.id}"))
    assert consent.WHO_DECIDES[who] in page and consent.named_role(who) in page and "Rita Named" in page
    assert 'id="who-decides-check"' not in page


@pytest.mark.parametrize("who", ["attorney", "deputy"])
def test_an_attorney_or_deputy_is_named_with_contact_details(signed_in, vocab, db, who):
    c = signed_in("coordinator")
    r = post_form(c, "/people/new", person_form(capacity="lacks_capacity", decision_maker=who))
    assert error_beside(page_text(r), "representative_name") == f"Enter the name of Sam's {who}"
    r = post_form(
        c, "/people/new", person_form(capacity="lacks_capacity", decision_maker=who, representative_name="Rita")
    )
    assert error_beside(page_text(r), "representative_contact") == f"Enter how to contact Sam's {who}"
    assert saved(db) is None


def test_an_advocate_who_helps_is_recorded_as_help_not_as_the_decider(signed_in, vocab, db):
    c = signed_in("coordinator")
    form = person_form(representative_name="Ade Advocate", representative_relationship="Independent advocate")
    assert post_form(c, "/people/new", form).status_code == 302
    person = saved(db)
    assert person.decision_maker == "person"
    page = page_text(c.get(f"/people/{person.id}"))
    assert "Advocate or supporter (helps or is consulted; does not decide)" in page and "Ade Advocate" in page


def unconfirmed_person(db, app, **kw) -> Person:
    with app.app_context():
        person = factories.make_person(
            db,
            first_name="Una",
            capacity=kw.pop("capacity", "lacks_capacity"),
            decision_maker=consent.UNCONFIRMED,
            representative_name="Vera Relative",
            representative_relationship="Sister",
            representative_contact="01632 960001",
            **kw,
        )
        db.commit()
    return person


def test_an_unconfirmed_record_is_shown_as_needing_a_check(signed_in, vocab, db, app):
    person = unconfirmed_person(db, app)
    page = page_text(signed_in("coordinator").get(f"/people/{person.id}"))
    assert consent.UNCONFIRMED_LABEL in page and 'id="who-decides-check"' in page
    assert the_rule("lacks_capacity", consent.UNCONFIRMED, "Una") in page
    assert "Named before who decides was checked (may not decide)" in page and "Vera Relative" in page
    for old in ("A representative", "An advocate", "Representative or advocate"):
        assert old not in page


def test_the_form_never_keeps_an_unconfirmed_record_and_asks_again(signed_in, vocab, db, app):
    person = unconfirmed_person(db, app)
    c = signed_in("coordinator")
    url = f"/people/{person.id}/edit"
    page = page_text(c.get(url))
    assert 'id="who-decides-check"' in page
    assert 'name="decision_maker" type="radio" value="unconfirmed"' not in page
    assert "checked" not in page[page.index('name="decision_maker"') - 400 : page.index("representative_name")]
    form = person_form(first_name="Una", capacity="lacks_capacity", decision_maker=None, version=str(person.version))
    r = c.post(url, data={"csrf_token": csrf_from(c.get(url)), **form})
    assert error_beside(page_text(r), "decision_maker") == "Select who decides"
    form = person_form(
        first_name="Una",
        capacity="lacks_capacity",
        decision_maker=consent.UNCONFIRMED,
        representative_name="Vera Relative",
        version=str(person.version),
    )
    r = c.post(url, data={"csrf_token": csrf_from(c.get(url)), **form})
    assert r.status_code == 200 and 'id="decision_maker-error"' in page_text(r)
    db.expire_all()
    assert db.get(Person, person.id).decision_maker == consent.UNCONFIRMED
    form.update(decision_maker="best_interests")
    r = c.post(url, data={"csrf_token": csrf_from(c.get(url)), **form})
    assert r.status_code == 302, page_text(r)[-2000:]
    db.expire_all()
    assert db.get(Person, person.id).decision_maker == "best_interests"
    assert 'id="who-decides-check"' not in page_text(c.get(f"/people/{person.id}"))


def test_a_record_at_odds_with_its_capacity_is_shown_as_needing_a_check(signed_in, vocab, db, app):
    with app.app_context():
        person = factories.make_person(db, first_name="Ola", capacity="lacks_capacity", decision_maker="person")
        db.commit()
    page = page_text(signed_in("coordinator").get(f"/people/{person.id}"))
    assert the_rule("lacks_capacity", "person", "Ola") in page and 'id="who-decides-check"' in page


def test_an_import_refuses_the_old_words_and_checks_capacity(app, db, vocab, manager):  # noqa: F811
    rows = [
        person_row(1, decision_maker="A representative"),
        person_row(2, decision_maker="An advocate"),
        person_row(3, decision_maker=consent.WHO_DECIDES["deputy"]),  # capacity: has
        person_row(4, capacity="Lacks capacity for this decision", decision_maker=consent.WHO_DECIDES["attorney"]),
    ]
    found = problems_at(run(app, db, manager, "people", csv_file(rows, "people")))
    assert found[(2, "decision_maker")].startswith("“A representative” is not one of the scheme's terms")
    assert found[(3, "decision_maker")].startswith("“An advocate” is not one of the scheme's terms")
    assert found[(4, "decision_maker")] == the_rule("has_capacity", "deputy", "Jo")
    assert found[(5, "representative_name")] == "Enter the name of Jo's attorney"
    rows[3].update(representative_name="Ann Attorney", representative_contact="ann@example.org")
    summary = run(app, db, manager, "people", csv_file([rows[3]], "people"))
    assert summary.written, summary.problems
    person = db.exec(select(Person).where(Person.last_name == "Example4")).one()
    assert (person.decision_maker, person.representative_name) == ("attorney", "Ann Attorney")


@pytest.mark.parametrize("who", ["attorney", consent.UNCONFIRMED])
def test_the_subject_access_pack_says_who_decides_in_the_same_words(app, db, who):
    from shared_lives.rights.subject_access import Passage, build_pack

    with app.app_context():
        person = factories.make_person(
            db,
            capacity="lacks_capacity",
            decision_maker=who,
            representative_name="Ann Named",
            representative_contact="01",
        )
        db.commit()
    with app.test_request_context():
        pack = build_pack(db, person, "Test scheme")
    (section,) = [s for s in pack["sections"] if s["heading"] == "Who decides"]
    rows = {r["label"]: r["value"] for r in section["rows"]}
    assert rows["Who decides"] == consent.who_decides_label(who)
    named = rows[consent.named_role(who)]
    assert isinstance(named, Passage) and named.value == "Ann Named"
    text = str(pack)
    for old in ("A representative", "An advocate", "Representative or advocate", "Your representative"):
        assert old not in text


def test_an_import_reads_the_short_words_a_schemes_sheets_use(app, db, vocab, manager):  # noqa: F811
    rows = [
        person_row(1, decision_maker="The person"),
        person_row(2, capacity="Lacks capacity for this decision", decision_maker="Best interests"),
        person_row(
            3,
            capacity="Lacks capacity for this decision",
            decision_maker="deputy",
            representative_name="Dee Deputy",
            representative_contact="01632 960001",
        ),
    ]
    summary = run(app, db, manager, "people", csv_file(rows, "people"))
    assert summary.written and not summary.problems, summary.problems
    query = select(Person.last_name, Person.decision_maker).where(Person.last_name.like("Example%"))
    saved = dict(db.exec(query).all())
    assert saved == {"Example1": "person", "Example2": "best_interests", "Example3": "deputy"}
    assert all(code in consent.WHO_DECIDES for code in consent.WHO_DECIDES_SHORT.values())

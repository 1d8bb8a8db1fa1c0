"""Reference numbers (reliability.md item 26): one format for demo and new records, said by
the search hints, and creates at the same moment each get their own.

The concurrent test runs on whichever database DATABASE_URL names; CI runs it on both.
On PostgreSQL, ``max(id) + 1`` gave 18 of 40 such requests the same reference, and a 500.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
from sqlmodel import select

from shared_lives.demo_data import OUT as DEMO_FILE
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.records import reference_for
from shared_lives.vocab.services import load_vocabularies
from tests import factories
from tests.conftest import csrf_from, sign_in
from tests.shared_lives.households.conftest import household_form, person_form

THREADS = 8
FORMAT = {
    Household: re.compile(rf"{Household.reference_prefix}\d{{5,}}"),
    Person: re.compile(rf"{Person.reference_prefix}\d{{5,}}"),
}
#: (model, form page, valid post) for each kind of record with a reference.
CREATES = {
    Person: ("/people/new", person_form()),
    Household: ("/households/new", household_form()),
}


@pytest.fixture
def vocab(app, db):
    load_vocabularies(db)
    db.commit()


def references(db, model) -> set[str]:
    db.expire_all()
    return set(db.exec(select(model.reference)).all())


def test_demo_references_have_the_format_new_ones_get():
    scheme = json.loads(DEMO_FILE.read_text())
    demo = {
        Household: [h["reference"] for h in scheme["households"]],
        Person: [p["reference"] for p in scheme["people"]],
    }
    for model, refs in demo.items():
        assert refs and all(FORMAT[model].fullmatch(r) for r in refs), refs[:3]
        assert len(set(refs)) == len(refs)


@pytest.mark.parametrize("model", [Person, Household])
def test_a_new_record_gets_the_one_format_and_the_search_hint_says_it(app, db, signed_in, vocab, model):
    client = signed_in("coordinator")
    url, data = CREATES[model]
    before = references(db, model)
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url)), **data})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    (new,) = references(db, model) - before
    assert FORMAT[model].fullmatch(new)
    example = reference_for(model.reference_prefix, 42)
    assert FORMAT[model].fullmatch(example)
    list_page = client.get("/people" if model is Person else "/households").get_data(as_text=True)
    assert f"A reference looks like {example}" in list_page
    found = client.get(f"/people?q={new}" if model is Person else f"/households?q={new}").get_data(as_text=True)
    assert new in found


def test_references_loaded_with_their_numbers_are_skipped(app, db, signed_in, vocab):
    """The demo scheme loads P00001 onwards as they are: a new person never takes one of them."""
    from sqlalchemy import func

    if db.get_bind().dialect.name == "postgresql":  # the sequence's next numbers
        start = db.exec(select(Person.reference_sequence.next_value())).one() + 1
    else:  # the number after the highest id, once the three rows below are in
        start = (db.exec(select(func.max(Person.id))).one() or 0) + 4
    with app.app_context():
        for n in range(start, start + 3):
            factories.make_person(db, reference=reference_for(Person.reference_prefix, n))
        db.commit()
    client = signed_in("coordinator")
    before = references(db, Person)
    for _ in range(2):
        data = {"csrf_token": csrf_from(client.get("/people/new")), **person_form()}
        assert client.post("/people/new", data=data).status_code == 302
    expected = {reference_for(Person.reference_prefix, n) for n in (start + 3, start + 4)}
    assert references(db, Person) - before == expected


@pytest.mark.parametrize("model", [Person, Household])
def test_eight_coordinators_creating_at_once_get_eight_records_with_unique_references(app, db, users, vocab, model):
    url, data = CREATES[model]
    with app.app_context():
        emails = [
            factories.make_user(db, "coordinator", None, email=f"c{n}@test.example").email for n in range(THREADS)
        ]
        db.commit()
    clients, tokens = [], []
    for email in emails:
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        clients.append(client)
        tokens.append(csrf_from(client.get(url)))
    before = references(db, model)
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def create(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = clients[n].post(url, data={"csrf_token": tokens[n], **data}).status_code
        except Exception as exc:  # raised instead of answered: a 500 in production
            outcomes[n] = repr(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    made = sorted(references(db, model) - before)
    print(f"{THREADS} concurrent creates of {model.__name__} on {db.get_bind().dialect.name}: {outcomes}, {made}")
    assert outcomes == [302] * THREADS
    assert len(made) == THREADS
    assert all(FORMAT[model].fullmatch(r) for r in made)

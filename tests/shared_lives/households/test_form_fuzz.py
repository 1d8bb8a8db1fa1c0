"""Hypothesis: bad input on every field of every records form gives a message, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.conftest import csrf_from
from tests.shared_lives.households.conftest import household_form, own_form, person_form

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
BAD = st.one_of(
    TEXT,
    st.just(""),
    st.just("\x00\r\n<script>alert(1)</script>"),
    st.text(alphabet="x€", min_size=2100, max_size=2100),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["-1", "0", "999", "1e3", "٣", "NaN", "None", "true", "31 2 2024"]),
    st.lists(TEXT, min_size=0, max_size=4),
)
MISSING = object()
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CARER = {
    "version": "1",
    "name": "Cara",
    "role": "main",
    "approval_status": "approved",
    "panel_date": ["1", "2", "2025"],
    "approval_expires": ["1", "2", "2027"],
    "terms_arrangement_types": ["live_in"],
    "terms_max_people": "2",
    "skills": ["autism"],
}
DBS = {
    "adult_name": "Ann",
    "certificate_number": "0012",
    "issued_on": ["1", "1", "2025"],
    "renew_by": ["1", "1", "2028"],
}
TRAINING = {"course": "First aid", "completed_on": ["1", "1", "2025"], "renew_by": ["1", "1", "2028"]}


def overrides(base: dict):
    keys = sorted(set(base) | {"member_3_age", "pet_2_kind", "pet_2_number", "extra_field"})
    return st.dictionaries(st.sampled_from(keys), st.one_of(BAD, st.just(MISSING)), min_size=1, max_size=4)


def _post(client, url, base, over, token):
    data = dict(base)
    for k, v in over.items():
        if v is MISSING:
            data.pop(k, None)
        else:
            data[k] = v
    r = client.post(url, data={"csrf_token": token, **data})
    body = r.get_data(as_text=True)
    assert r.status_code < 500, (url, data, body[-1500:])
    if r.status_code in (200, 409):
        assert "govuk-error-message" in body, (url, data)
    elif r.status_code == 400:  # a NUL is refused before the form is read (shared_lives.security)
        sent = [x for v in data.values() for x in (v if isinstance(v, list) else [v])]
        assert any("\x00" in x for x in sent), (url, data)
        assert "a null character" in body
    else:
        assert r.status_code == 302, (url, r.status_code)


@pytest.fixture
def targets(app, db, users, vocab, other_household):
    h, carer = other_household
    with app.app_context():
        person = factories.make_person(db)
        db.commit()
    return {
        "household_new": ("coordinator", "/households/new", household_form()),
        "household_edit": ("coordinator", f"/households/{h.id}/edit", household_form()),
        "own": ("carer", "/my-household/edit", own_form()),
        "carer_new": ("coordinator", f"/households/{h.id}/carers/new", CARER),
        "carer_edit": ("manager", f"/households/{h.id}/carers/{carer.id}/edit", CARER),
        "dbs_new": ("coordinator", f"/households/{h.id}/dbs/new", DBS),
        "training_new": ("coordinator", f"/households/{h.id}/carers/{carer.id}/training/new", TRAINING),
        "person_new": ("coordinator", "/people/new", person_form()),
        "person_edit": ("manager", f"/people/{person.id}/edit", person_form()),
        "vocab": ("admin", "/vocabularies", {"kind": "interest", "label": "Kites"}),
    }


FORMS = [
    "household_new",
    "household_edit",
    "own",
    "carer_new",
    "carer_edit",
    "dbs_new",
    "training_new",
    "person_new",
    "person_edit",
    "vocab",
]


TOKENS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _fresh_tokens():
    TOKENS.clear()


@pytest.mark.parametrize("form", FORMS)
@FUZZ
@given(draws=st.data())
def test_bad_input_gives_messages_not_errors(form, targets, signed_in, draws):
    role, url, base = targets[form]
    client = signed_in(role)
    if url not in TOKENS:  # one CSRF token per client and form, reused by every example
        TOKENS[url] = csrf_from(client.get(url))
    _post(client, url, base, draws.draw(overrides(base)), TOKENS[url])

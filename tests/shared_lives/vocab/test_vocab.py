"""Administrators add vocabulary terms; codes are slugs and unique."""

from sqlmodel import select

from shared_lives.vocab.models import VocabularyTerm
from shared_lives.vocab.services import slug
from tests.conftest import post_form


def test_slug():
    assert slug("Bird watching!") == "bird_watching"
    assert slug("Café  crème") == "cafe_creme"


def test_admin_adds_a_term_and_duplicates_are_refused(signed_in, vocab, db):
    admin = signed_in("admin")
    assert admin.get("/vocabularies").status_code == 200
    r = post_form(admin, "/vocabularies", {"kind": "interest", "label": "Bird watching"})
    assert r.status_code == 302
    assert db.exec(select(VocabularyTerm).where(VocabularyTerm.code == "bird_watching")).one().kind == "interest"
    r = post_form(admin, "/vocabularies", {"kind": "interest", "label": "bird  WATCHING"})
    assert r.status_code == 200 and 'id="label-error"' in r.get_data(as_text=True)
    r = post_form(admin, "/vocabularies", {"kind": "nonsense", "label": "X"})
    assert r.status_code == 200 and "govuk-error-message" in r.get_data(as_text=True)
    r = post_form(admin, "/vocabularies", {"kind": "faith", "label": "!!!"})
    assert "letters or numbers" in r.get_data(as_text=True)


def test_new_term_appears_on_forms(signed_in, vocab):
    post_form(signed_in("admin"), "/vocabularies", {"kind": "interest", "label": "Kite flying"})
    assert "Kite flying" in signed_in("coordinator").get("/people/new").get_data(as_text=True)


def test_only_admins_manage_vocabularies(signed_in):
    for role in ("coordinator", "manager", "carer", "auditor"):
        assert signed_in(role).get("/vocabularies").status_code == 403

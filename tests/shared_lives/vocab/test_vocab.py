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


def test_a_transaction_reads_every_vocabulary_once_and_again_after_a_term_is_written(app, vocab):
    from sqlalchemy import event, update
    from sqlmodel import Session

    from shared_lives.db import get_engine
    from shared_lives.vocab.services import terms

    db = Session(get_engine(app))  # a transaction of its own, as a request has
    statements = []

    def count(conn, cursor, statement, *_):
        if "vocabulary_term" in statement:
            statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = {kind: terms(db, kind) for kind in ("interest", "need", "language", "faith", "pet")}
        assert len(statements) == 1 and all(first.values())
        db.add(VocabularyTerm(kind="interest", code="kite_flying", label="Kite flying"))
        assert terms(db, "interest")["kite_flying"] == "Kite flying"  # added, not yet flushed
        db.flush()
        db.exec(update(VocabularyTerm).where(VocabularyTerm.code == "kite_flying").values(label="Kites"))
        assert terms(db, "interest")["kite_flying"] == "Kites"  # a bulk statement is seen too
        db.rollback()
        assert "kite_flying" not in terms(db, "interest")
    finally:
        event.remove(engine, "before_cursor_execute", count)
        db.close()

"""Reading and extending the controlled vocabularies."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from shared_lives.vocab.models import VOCABULARY_KINDS, VocabularyTerm

DATA = Path(__file__).resolve().parents[2] / "data" / "vocabularies.json"


def load_vocabularies(session: Session) -> int:
    """Add the shipped terms that are not in the database yet; return how many were added."""
    shipped = json.loads(DATA.read_text())
    existing = {(t.kind, t.code) for t in session.exec(select(VocabularyTerm)).all()}
    added = 0
    for kind, terms in shipped.items():
        for code, label in terms.items():
            if (kind, code) not in existing:
                session.add(VocabularyTerm(kind=kind, code=code, label=label))
                added += 1
    session.flush()
    return added


def terms(session: Session, kind: str) -> dict[str, str]:
    """code -> label for one vocabulary, in label order.

    Every vocabulary is read in one query the first time a transaction asks (a page shows
    several), and again after any write to a term; inside ``steady_terms`` a batch keeps them."""
    cache = session.info.get(_STEADY)
    if cache is not None and kind in cache:
        return dict(cache[kind])
    if any(isinstance(o, VocabularyTerm) for o in session.new):  # added, not flushed yet
        _forget(session)
    every = session.info.get(_EVERY)
    if every is None:
        every = {}
        for k, code, label in session.exec(
            select(VocabularyTerm.kind, VocabularyTerm.code, VocabularyTerm.label).order_by(VocabularyTerm.label)
        ).all():
            every.setdefault(k, {})[code] = label
        session.info[_EVERY] = every
    found = dict(every.get(kind, {}))
    if cache is not None:
        cache[kind] = dict(found)
    return found


_EVERY = "vocab.every_term"


def _forget(session, *_args) -> None:
    session.info.pop(_EVERY, None)


event.listen(OrmSession, "after_commit", _forget)
event.listen(OrmSession, "after_rollback", _forget)


@event.listens_for(OrmSession, "before_flush")
def _forget_on_flush(session, _context, _instances):
    if any(isinstance(o, VocabularyTerm) for o in (*session.new, *session.dirty, *session.deleted)):
        _forget(session)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_on_statement(state):
    if (state.is_insert or state.is_update or state.is_delete) and getattr(
        getattr(state.statement, "table", None), "name", None
    ) == VocabularyTerm.__tablename__:
        _forget(state.session)


_STEADY = "vocab.steady_terms"


@contextmanager
def steady_terms(session: Session):
    """Within a batch of thousands of records (an import), read each vocabulary once, not once a
    record: the cleaners ask for it on every call. ``add_term`` forgets its kind."""
    session.info[_STEADY] = {}
    try:
        yield
    finally:
        session.info.pop(_STEADY, None)


def slug(label: str) -> str:
    """A term's code from its label: lower case, letters and digits joined by underscores."""
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:60]


def all_terms(session: Session, user) -> dict[str, list[VocabularyTerm]]:
    """Every vocabulary, for the administrator's page."""
    from shared_lives.auth.permissions import require

    require(user, "vocab:manage")
    rows = session.exec(select(VocabularyTerm).order_by(VocabularyTerm.kind, VocabularyTerm.label)).all()
    out: dict[str, list[VocabularyTerm]] = {kind: [] for kind in VOCABULARY_KINDS}
    for term in rows:
        out.setdefault(term.kind, []).append(term)
    return out


def add_term(session: Session, user, kind: str, label: str) -> VocabularyTerm:
    """Add a term to a vocabulary; its code is derived from the label and must be new."""
    from shared_lives.audit.log import actor_of, audit
    from shared_lives.auth.permissions import require
    from shared_lives.errors import ValidationError

    require(user, "vocab:manage")
    if kind not in VOCABULARY_KINDS:
        raise ValidationError("Select a vocabulary", "kind")
    label = " ".join((label or "").replace("\x00", "").split())
    if not label:
        raise ValidationError("Enter the term", "label")
    if len(label) > 120:
        raise ValidationError("The term must be 120 characters or fewer", "label")
    code = slug(label)
    if not code:
        raise ValidationError("The term must contain letters or numbers", "label")
    clash = session.exec(
        select(VocabularyTerm).where(
            VocabularyTerm.kind == kind,
            (VocabularyTerm.code == code) | (func.lower(VocabularyTerm.label) == label.lower()),
        )
    ).first()
    if clash is not None:
        raise ValidationError(f"{VOCABULARY_KINDS[kind]} already has “{clash.label}”", "label")
    term = VocabularyTerm(kind=kind, code=code, label=label)
    session.info.get(_STEADY, {}).pop(kind, None)
    session.add(term)
    session.flush()
    audit(
        session,
        actor_of(user),
        "vocab.add",
        "vocabulary_term",
        term.id,
        changes={"kind": kind, "code": code, "label": label},
    )
    return term

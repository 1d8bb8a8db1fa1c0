"""Reading and extending the controlled vocabularies."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session, select

from shared_lives.vocab.models import VocabularyTerm

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
    """code -> label for one vocabulary, in label order."""
    rows = session.exec(select(VocabularyTerm).where(VocabularyTerm.kind == kind).order_by(VocabularyTerm.label)).all()
    return {t.code: t.label for t in rows}

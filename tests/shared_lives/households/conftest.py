"""Fixtures for the records areas: vocabularies loaded, and a second household."""

from __future__ import annotations

import pytest

from shared_lives.vocab.services import load_vocabularies
from tests import factories


@pytest.fixture
def vocab(app, db):
    load_vocabularies(db)
    db.commit()


@pytest.fixture
def other_household(app, db, users):
    with app.app_context():
        household = factories.make_household(db, name="The Other household")
        carer = factories.make_carer(db, household)
        db.commit()
    return household, carer

"""Migration d4a9b2e3f5c6 (SQLite and PostgreSQL): a database whose people say "A
representative" or "An advocate" decides upgrades to records that say who decides is
not yet confirmed, inventing no attorney or deputy; the lawful values stay; the person's
page then asks for a check; downgrading gives the previous release a value it offered."""

from __future__ import annotations

import html

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, select
from sqlmodel import Session

from shared_lives.audit.services import verify_chain
from shared_lives.auth.passwords import hash_password
from shared_lives.cli import alembic_config
from shared_lives.db import get_engine
from shared_lives.rules import consent
from tests import factories
from tests.conftest import sign_in
from tests.shared_lives.test_upgrade import START, ReleasedDatabase

REVISION = "d4a9b2e3f5c6"
BEFORE = {
    "P00001": ("person", "has_capacity", ""),
    "P00002": ("representative", "lacks_capacity", "Rita Representative"),
    "P00003": ("advocate", "lacks_capacity", "Ade Advocate"),
    "P00004": ("best_interests", "lacks_capacity", ""),
    "P00005": ("representative", "has_capacity", "Ray Relative"),
}


def decision_makers(engine) -> dict[str, str]:
    meta = MetaData()
    meta.reflect(engine, only=["person"])
    person = meta.tables["person"]
    with engine.connect() as conn:
        return dict(conn.execute(select(person.c.reference, person.c.decision_maker)).all())


def test_old_who_decides_values_upgrade_to_unconfirmed_and_nothing_is_invented(fresh_app):
    alembic = alembic_config(fresh_app.config["DATABASE_URL"])
    previous = ScriptDirectory.from_config(alembic).get_revision(REVISION).down_revision
    command.upgrade(alembic, previous)
    engine = get_engine(fresh_app)
    with engine.begin() as conn:
        db = ReleasedDatabase(conn, fresh_app.config["AUDIT_KEY"])
        for n, (reference, (who, capacity, name)) in enumerate(BEFORE.items(), start=1):
            db.insert(
                "person",
                reference=reference,
                first_name=f"Person{n}",
                last_name=factories.fake.last_name(),
                status="waiting",
                arrangement_type="live_in",
                preferred_postcode="ME14 1XQ",
                max_distance_km=25,
                capacity=capacity,
                decision_maker=who,
                representative_name=name,
                representative_contact="01632 960000" if name else "",
                version=1,
                created_at=START,
                updated_at=START,
            )
        db.insert(
            "user",
            email="coordinator@upgrade.example",
            name="Upgrade coordinator",
            password_hash=hash_password(factories.PASSWORD),
            role="coordinator",
            active=True,
            created_at=START,
        )

    command.upgrade(alembic, REVISION)
    after = decision_makers(engine)
    assert after == {
        "P00001": "person",
        "P00002": consent.UNCONFIRMED,
        "P00003": consent.UNCONFIRMED,
        "P00004": "best_interests",
        "P00005": consent.UNCONFIRMED,
    }
    assert not set(after.values()) - {*consent.WHO_DECIDES, consent.UNCONFIRMED}

    command.downgrade(alembic, previous)
    assert decision_makers(engine) == {
        "P00001": "person",
        "P00002": "representative",
        "P00003": "representative",
        "P00004": "best_interests",
        "P00005": "representative",
    }

    command.upgrade(alembic, "head")
    with Session(engine) as session:
        assert verify_chain(session, fresh_app.config["AUDIT_KEY"]).ok
    client = fresh_app.test_client()
    assert sign_in(client, "coordinator@upgrade.example").status_code == 302
    with engine.connect() as conn:
        meta = MetaData()
        meta.reflect(conn, only=["person"])
        ids = dict(conn.execute(select(meta.tables["person"].c.reference, meta.tables["person"].c.id)).all())
    page = html.unescape(client.get(f"/people/{ids['P00002']}").get_data(as_text=True))
    assert consent.UNCONFIRMED_LABEL in page and 'id="who-decides-check"' in page
    assert "Rita Representative" in page and "A representative" not in page
    page = html.unescape(client.get(f"/people/{ids['P00001']}").get_data(as_text=True))
    assert consent.WHO_DECIDES["person"] in page and 'id="who-decides-check"' not in page

"""Upgrade in place (reliability.md item 28): a database made by the released revision, holding
data written with that release's tables, upgrades to head with ``flask db upgrade``; every
row is still there, the audit chain verifies, and the app signs a user in on it.

Rows go in through the tables as the released migration built them (reflected from the
database at that revision, not today's models), so a later migration that renames, drops
or tightens a column is tested against data shaped the way a scheme's database holds it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, MetaData, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import GENESIS, entry_hash, redact_changes, verify_chain
from shared_lives.auth.passwords import hash_password
from shared_lives.cli import alembic_config
from shared_lives.db import get_engine
from tests import factories
from tests.conftest import sign_in

#: The first release's only migration. Released revisions are never edited.
RELEASED = "1cbe5b5a0395"
TABLES = ("household", "carer", "dbs_check", "training_record", "person", "user", "proposal", "arrangement")
START = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=UTC)


def _blank(column):
    """A value for a NOT NULL column the test does not care about, by the column's type."""
    if isinstance(column.type, JSON):
        return []
    kind = column.type.python_type
    if kind is datetime:
        return START
    return {int: 0, float: 0.0, bool: False, str: "", date: date(2026, 1, 5)}[kind]


class ReleasedDatabase:
    """Writes rows into the released tables, each with the audit entry the app would write."""

    def __init__(self, conn, key: str):
        self.conn = conn
        self.key = key
        self.tables = MetaData()
        self.tables.reflect(conn)
        self.prev = GENESIS
        self.moment = START

    def insert(self, table: str, **values) -> int:
        columns = self.tables.tables[table].columns
        row = {
            c.name: values[c.name] if c.name in values else _blank(c)
            for c in columns
            if c.name in values or not (c.nullable or c.primary_key)
        }
        unknown = set(values) - set(row)
        assert not unknown, f"the released {table} table has no {unknown}"
        new_id = self.conn.execute(self.tables.tables[table].insert().values(row).returning(columns["id"])).scalar_one()
        self.audit(f"{table}.create", table, new_id, changes=values)
        return new_id

    def audit(self, action: str, record_type: str, record_id: int, changes: dict | None = None, **subjects) -> None:
        """One chained entry, hashed by the app's own audit code."""
        self.moment += timedelta(minutes=7, microseconds=1)
        entry = AuditEntry(
            at=self.moment,
            actor_id=None,
            actor_label="system",
            actor_role="system",
            action=action,
            record_type=record_type,
            record_id=record_id,
            person_id=subjects.get("person_id", record_id if record_type == "person" else None),
            household_id=subjects.get("household_id", record_id if record_type == "household" else None),
            outcome="success",
            changes=redact_changes({k: str(v) for k, v in (changes or {}).items()}),
            address="192.0.2.10",
            prev_hash=self.prev,
            hash="",
        )
        entry.hash = entry_hash(self.key, entry)
        table = self.tables.tables["audit_entry"]
        self.conn.execute(
            table.insert().values({c.name: getattr(entry, c.name) for c in table.columns if c.name != "id"})
        )
        self.prev = entry.hash


def load_a_small_scheme(db: ReleasedDatabase) -> None:
    """Households with carers, DBS and training; people; users; proposals and arrangements."""
    households = []
    for n, (postcode, (east, north)) in enumerate(factories.POSTCODES.items(), start=1):
        hid = db.insert(
            "household",
            reference=f"H{n:05d}",
            name=f"The {factories.fake.last_name()} household",
            address_line=factories.fake.street_address(),
            town="Maidstone",
            postcode=postcode,
            easting=east,
            northing=north,
            bedrooms_spare=1,
            members=[{"name": factories.fake.first_name(), "age": 15, "relationship": "child"}],
            pets=[{"kind": "dog", "number": 1}] if n == 2 else [],
            languages=["en"],
            lifestyle="quiet",
            setting="urban",
            arrangement_types=["live_in", "short_breaks"],
            age_min=18,
            age_max=99,
            version=1,
            created_at=START,
            updated_at=START,
        )
        households.append(hid)
        for role in ("main", "support") if n != 3 else ("main",):
            carer = db.insert(
                "carer",
                household_id=hid,
                name=factories.fake.name(),
                role=role,
                approval_status="approved",
                panel_date=date(2025, 6, 1),
                approval_expires=date(2027, 6, 1),
                terms_arrangement_types=["live_in", "short_breaks"],
                terms_max_people=2,
                skills=["autism"],
                version=1,
            )
            db.insert(
                "dbs_check",
                household_id=hid,
                adult_name=factories.fake.name(),
                certificate_number=f"00{carer}77",
                issued_on=date(2025, 5, 1),
                renew_by=date(2028, 5, 1),
            )
            db.insert(
                "training_record",
                carer_id=carer,
                course="safeguarding",
                completed_on=date(2025, 4, 1),
                renew_by=date(2028, 4, 1),
            )
    people = [
        db.insert(
            "person",
            reference=f"P{n:05d}",
            first_name=factories.fake.first_name(),
            last_name=factories.fake.last_name(),
            date_of_birth=date(1980 + n, 2, 3),
            status="waiting" if n > 2 else "active",
            arrangement_type="live_in",
            needs=["learning_disability"],
            interests=["gardening"],
            preferred_postcode="ME14 1XQ",
            max_distance_km=25,
            capacity="has_capacity",
            decision_maker="self",
            version=1,
            created_at=START,
            updated_at=START,
        )
        for n in range(1, 5)
    ]
    passphrase = hash_password(factories.PASSWORD)
    staff = {
        role: db.insert(
            "user",
            email=f"{role}@upgrade.example",
            name=f"Upgrade {role}",
            password_hash=passphrase,
            role=role,
            household_id=households[0] if role == "carer" else None,
            active=True,
            created_at=START,
        )
        for role in ("admin", "manager", "coordinator", "carer", "auditor")
    }
    for n, (person, household, status) in enumerate(
        [
            (people[0], households[0], "active"),
            (people[1], households[1], "active"),
            (people[2], households[0], "proposed"),
        ]
    ):
        proposal = db.insert(
            "proposal",
            person_id=person,
            household_id=household,
            arrangement_type="live_in",
            status=status,
            rationale="Shared interests",
            proposed_by_id=staff["coordinator"],
            proposed_at=START,
            person_response="yes" if status == "active" else "pending",
            carer_response="yes" if status == "active" else "pending",
            approved_by_id=staff["manager"] if status == "active" else None,
            version=1,
        )
        if status == "active":
            db.insert(
                "arrangement",
                person_id=person,
                household_id=household,
                arrangement_type="live_in",
                status="ended" if n == 1 else "active",
                start_date=date(2026, 1, 5),
                end_date=date(2026, 2, 5) if n == 1 else None,
                proposal_id=proposal,
                created_at=START,
            )


def counts(conn) -> dict[str, int]:
    names = (*TABLES, "audit_entry")
    meta = MetaData()
    meta.reflect(conn, only=names)
    return {name: conn.execute(select(func.count()).select_from(meta.tables[name])).scalar_one() for name in names}


def test_a_released_database_with_data_upgrades_in_place(fresh_app):
    key = fresh_app.config["AUDIT_KEY"]
    alembic = alembic_config(fresh_app.config["DATABASE_URL"])
    command.upgrade(alembic, RELEASED)
    engine = get_engine(fresh_app)
    with engine.begin() as conn:
        load_a_small_scheme(ReleasedDatabase(conn, key))
    with engine.connect() as conn:
        before = counts(conn)
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == RELEASED
    with Session(engine) as session:
        assert verify_chain(session, key).ok, "the release's chain must verify before the upgrade"

    runner = fresh_app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output

    with engine.connect() as conn:
        after = counts(conn)
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert head == ScriptDirectory.from_config(alembic).get_current_head()
    assert after == before
    assert before == {
        "household": 3,
        "carer": 5,
        "dbs_check": 5,
        "training_record": 5,
        "person": 4,
        "user": 5,
        "proposal": 3,
        "arrangement": 2,
        "audit_entry": 32,
    }
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"Audit chain verified: {before['audit_entry']} entries" in verified.output

    # The upgraded database serves the app: a released account signs in, and the chain goes on.
    client = fresh_app.test_client()
    assert sign_in(client, "coordinator@upgrade.example").status_code == 302
    assert client.get("/people").status_code == 200
    with Session(engine) as session:
        report = verify_chain(session, key)
        assert report.ok and report.checked > before["audit_entry"]


def test_the_audit_log_refuses_update_delete_and_truncate_on_a_migrated_postgresql(fresh_app):
    if not fresh_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the append-only triggers are a PostgreSQL migration")
    command.upgrade(alembic_config(fresh_app.config["DATABASE_URL"]), "head")
    engine = get_engine(fresh_app)
    with engine.begin() as conn:
        ReleasedDatabase(conn, fresh_app.config["AUDIT_KEY"]).audit("test.event", "person", 1)
    for statement in (
        "UPDATE audit_entry SET outcome = 'denied'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
    ):
        with engine.begin() as conn, pytest.raises(DBAPIError, match="audit_entry is append-only"):
            conn.execute(text(statement))
    with Session(engine) as session:
        report = verify_chain(session, fresh_app.config["AUDIT_KEY"])
        assert report.ok and report.checked == 1


#: The revision before proposals recorded the engine's rank (coordinator overrides).
BEFORE_RANKS = "b7d41e0c9a62"


def test_proposals_made_before_ranks_were_recorded_upgrade_as_not_recorded(fresh_app):
    """A database at the revision before ranks, holding proposals, upgrades in place: every row is
    still there, the chain verifies, and each old proposal reads "rank not recorded", never a guess."""
    from shared_lives.reports.overrides import NOT_RECORDED, classify

    key = fresh_app.config["AUDIT_KEY"]
    alembic = alembic_config(fresh_app.config["DATABASE_URL"])
    command.upgrade(alembic, BEFORE_RANKS)
    engine = get_engine(fresh_app)
    with engine.begin() as conn:
        assert "engine_rank" not in {c["name"] for c in inspect(conn).get_columns("proposal")}
        load_a_small_scheme(ReleasedDatabase(conn, key))
    with engine.connect() as conn:
        before = counts(conn)

    upgraded = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output

    with engine.connect() as conn:
        assert counts(conn) == before and before["proposal"] == 3
        ranks = conn.execute(
            text("SELECT engine_rank, engine_top_household_id, engine_ranked FROM proposal ORDER BY id")
        ).all()
    assert [tuple(r) for r in ranks] == [(None, None, None)] * 3
    assert {classify(rank, ranked) for rank, _top, ranked in ranks} == {NOT_RECORDED}
    with Session(engine) as session:
        assert verify_chain(session, key).ok
    client = fresh_app.test_client()
    assert sign_in(client, "manager@upgrade.example").status_code == 302
    assert client.get("/reports/overrides").status_code == 200

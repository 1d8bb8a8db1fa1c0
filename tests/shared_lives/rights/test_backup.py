"""Backup and restore into a fresh database (reliability.md item 23): counts match, the chain verifies."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlmodel import Session

from shared_lives import create_app
from shared_lives.audit.services import SYSTEM, record, verify_chain
from shared_lives.backup import counts, libpq_args, pg_counts
from shared_lives.db import get_engine
from tests.shared_lives.exports.journey import make_journey


@pytest.fixture
def sqlite_only(app):
    if get_engine(app).dialect.name != "sqlite":
        pytest.skip("SQLite backup; PostgreSQL's (pg_dump) is tested below")


def seed(app, db, users) -> None:
    """Three journeys to an arrangement and 50 more audit entries."""
    with app.app_context():
        for _ in range(3):
            make_journey(db, users)
        for i in range(50):
            record(db, app.config["AUDIT_KEY"], SYSTEM, "test.event", "person", i)
        db.commit()


@pytest.fixture
def seeded(app, db, users, sqlite_only):
    seed(app, db, users)


def test_backup_then_restore_into_a_fresh_database(app, app_config, seeded, tmp_path):
    backup_file = tmp_path / "backups" / "slm.sqlite"
    made = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert made.exit_code == 0, made.output
    with sqlite3.connect(app.config["DATABASE_URL"].split("///", 1)[1]) as live:
        expected = counts(live)
    assert expected["audit_entry"] > 50 and expected["proposal"] == 3

    fresh = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite'}"})
    try:
        restored = fresh.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert restored.exit_code == 0, restored.output
        assert "Audit chain verified" in restored.output
        with Session(get_engine(fresh)) as session:
            assert verify_chain(session, fresh.config["AUDIT_KEY"]).ok
        with sqlite3.connect(tmp_path / "fresh" / "restored.sqlite") as conn:
            assert counts(conn) == expected
        again = fresh.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert again.exit_code != 0 and "already holds data" in again.output
        forced = fresh.test_cli_runner().invoke(args=["restore", "--force", str(backup_file)])
        assert forced.exit_code == 0, forced.output
    finally:
        get_engine(fresh).dispose()


def test_a_restored_backup_of_a_tampered_log_is_reported(app, app_config, seeded, tmp_path):
    backup_file = tmp_path / "b.sqlite"
    app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    with sqlite3.connect(backup_file) as conn:
        conn.execute("UPDATE audit_entry SET outcome = 'denied' WHERE id = 3")
    fresh = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}"})
    try:
        result = fresh.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert result.exit_code == 1 and "BROKEN at position 3" in result.output
    finally:
        get_engine(fresh).dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app_config, tmp_path, sqlite_only):
    junk = tmp_path / "junk.sqlite"
    with sqlite3.connect(junk) as conn:
        conn.execute("CREATE TABLE t (x)")
    fresh = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}"})
    try:
        result = fresh.test_cli_runner().invoke(args=["restore", str(junk)])
        assert result.exit_code != 0 and "not a Shared Lives Match backup" in result.output
    finally:
        get_engine(fresh).dispose()


def test_backup_says_where_to_get_pg_dump_when_it_is_missing(app_config, tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    pg = create_app({**app_config, "DATABASE_URL": url, "PG_BIN_DIR": str(tmp_path)})
    try:
        for args in (["backup", str(tmp_path / "x.dump")], ["restore", __file__]):
            result = pg.test_cli_runner().invoke(args=args)
            assert result.exit_code == 1
            assert f"not found in PG_BIN_DIR ({tmp_path})" in result.output
            assert "apt-get install postgresql-client" in result.output
    finally:
        get_engine(pg).dispose()


def test_backup_refuses_to_overwrite_the_database(app, sqlite_only):
    path = app.config["DATABASE_URL"].split("///", 1)[1]
    result = app.test_cli_runner().invoke(args=["backup", path])
    assert result.exit_code != 0 and "different file" in result.output


# --- PostgreSQL: pg_dump and pg_restore behind the same commands ----------------------


@pytest.fixture
def pg_seeded(app, db, users):
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL backup (pg_dump); SQLite's is tested above")
    seed(app, db, users)


def live_counts(app) -> dict[str, int]:
    with get_engine(app).connect() as conn:
        return pg_counts(conn)


def test_postgresql_backup_then_restore_into_a_fresh_database(app, app_config, pg_seeded, fresh_database, tmp_path):
    expected = live_counts(app)
    assert expected["audit_entry"] > 50 and expected["proposal"] == 3
    dump = tmp_path / "backups" / "slm.dump"
    made = app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert made.exit_code == 0, made.output
    assert f"audit_entry {expected['audit_entry']}" in made.output and dump.stat().st_size > 0

    fresh = create_app({**app_config, "DATABASE_URL": fresh_database})
    try:
        restored = fresh.test_cli_runner().invoke(args=["restore", str(dump)])
        assert restored.exit_code == 0, restored.output
        assert f"Audit chain verified: {expected['audit_entry']} entries." in restored.output
        assert live_counts(fresh) == expected
        again = fresh.test_cli_runner().invoke(args=["restore", str(dump)])
        assert again.exit_code == 1 and "already holds data" in again.output
        forced = fresh.test_cli_runner().invoke(args=["restore", "--force", str(dump)])
        assert forced.exit_code == 0, forced.output
        assert live_counts(fresh) == expected
    finally:
        get_engine(fresh).dispose()


def test_postgresql_restore_into_a_migrated_empty_database(app, app_config, pg_seeded, fresh_database, tmp_path):
    dump = tmp_path / "slm.dump"
    assert app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    fresh = create_app({**app_config, "DATABASE_URL": fresh_database})
    try:
        assert fresh.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        restored = fresh.test_cli_runner().invoke(args=["restore", str(dump)])
        assert restored.exit_code == 0, restored.output
        assert live_counts(fresh) == live_counts(app)
    finally:
        get_engine(fresh).dispose()


def test_a_postgresql_backup_of_a_tampered_log_is_reported(app, app_config, pg_seeded, fresh_database, tmp_path):
    with get_engine(app).begin() as conn:  # the suite's tables carry no append-only trigger
        conn.execute(text("UPDATE audit_entry SET outcome = 'denied' WHERE id = 3"))
    dump = tmp_path / "slm.dump"
    assert app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    fresh = create_app({**app_config, "DATABASE_URL": fresh_database})
    try:
        result = fresh.test_cli_runner().invoke(args=["restore", str(dump)])
        assert result.exit_code == 1 and "BROKEN at position 3" in result.output
    finally:
        get_engine(fresh).dispose()


def test_postgresql_restore_refuses_a_file_that_is_not_a_backup(app, app_config, pg_seeded, tmp_path):
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a dump at all")
    result = app.test_cli_runner().invoke(args=["restore", "--force", str(junk)])
    assert result.exit_code == 1 and "not a pg_dump archive" in result.output
    assert live_counts(app)["audit_entry"] > 50


def test_the_postgresql_tools_get_the_password_in_their_environment_never_in_argv():
    args, env = libpq_args("postgresql+psycopg://slm:s3cr%40t@db.example:5433/shared_lives?sslmode=require")
    assert args == ["--dbname=postgresql://slm@db.example:5433/shared_lives?sslmode=require"]
    assert env["PGPASSWORD"] == "s3cr@t"

"""Commands: db upgrade (migrations match the models), seed-demo, create-user."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, func, select

from shared_lives import create_app
from shared_lives import models as _models  # noqa: F401
from shared_lives.audit.services import verify_chain
from shared_lives.auth.models import User
from shared_lives.cli import upgrade_database
from shared_lives.config import Config, ConfigError
from shared_lives.db import get_engine
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement


def test_migrations_build_exactly_the_models(fresh_app):
    upgrade_database(fresh_app)
    engine = get_engine(fresh_app)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    summary = [
        (op[0], getattr(op[1], "name", op[2] if len(op) > 2 else op[1])) if isinstance(op, tuple) else op for op in diff
    ]
    assert diff == [], f"models and migrations differ; write a migration: {summary}"


def test_seed_demo_loads_a_synthetic_scheme_and_accounts(fresh_app):
    upgrade_database(fresh_app)
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "coordinator@demo.example" in result.output
    engine = get_engine(fresh_app)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Household)).one() >= 60
        assert session.exec(select(func.count()).select_from(Person)).one() >= 40
        assert session.exec(select(func.count()).select_from(Arrangement)).one() >= 3
        roles = set(session.exec(select(User.role)).all())
        assert roles == {"admin", "manager", "coordinator", "carer", "auditor"}
        assert verify_chain(session, fresh_app.config["AUDIT_KEY"]).ok
        postcodes = session.exec(select(Household.postcode, Household.easting)).all()
        assert all(east is not None for _pc, east in postcodes)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already loaded" in again.output


def test_create_user_reads_the_password_from_stdin(fresh_app):
    upgrade_database(fresh_app)
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "New.Admin@Example.org", "--role", "admin"], input="a long enough passphrase\n"
    )
    assert result.exit_code == 0, result.output
    with Session(get_engine(fresh_app)) as session:
        user = session.exec(select(User).where(User.email == "new.admin@example.org")).one()
        assert user.role == "admin" and user.password_hash.startswith("$argon2")


def test_create_user_refuses_a_common_password(fresh_app):
    upgrade_database(fresh_app)
    result = fresh_app.test_cli_runner().invoke(
        args=["create-user", "someone@example.org", "--role", "coordinator"], input="password1\n"
    )
    assert result.exit_code != 0
    assert "too common" in result.output


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    engine = get_engine(app)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize(("setting", "pragma"), [(None, 2), ("normal", 1), ("FULL", 2), ("extra", 3)])
def test_sqlite_synchronous_follows_the_setting(app_config, tmp_path, setting, pragma):
    config = {k: v for k, v in app_config.items() if k != "SQLITE_SYNCHRONOUS"}
    config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'sync.sqlite'}"
    if setting is not None:
        config["SQLITE_SYNCHRONOUS"] = setting
    app = create_app(config)
    try:
        with get_engine(app).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == pragma
    finally:
        get_engine(app).dispose()


def test_sqlite_synchronous_refuses_off():
    with pytest.raises(ConfigError, match="SQLITE_SYNCHRONOUS must be one of NORMAL, FULL, EXTRA"):
        Config.from_env({}, SQLITE_SYNCHRONOUS="OFF")


def test_db_heads_names_the_one_newest_migration(fresh_app):
    from alembic.script import ScriptDirectory

    from shared_lives.cli import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(fresh_app.config["DATABASE_URL"])).get_heads()
    assert len(heads) == 1, f"two migration heads {heads}: point your revision's down_revision at the other"
    result = fresh_app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 0 and result.output.strip() == f"{heads[0]} (head)"

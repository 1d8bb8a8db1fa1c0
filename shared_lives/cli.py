"""Flask commands: db, seed-demo, create-user, audit."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from sqlmodel import Session, func, select

from shared_lives.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask) -> None:
    """Bring the database to the newest migration."""
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")


def init_app(app: Flask) -> None:
    @app.cli.group("db")
    def db_group():
        """Database migrations."""

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply every migration not yet applied."""
        upgrade_database(current_app)
        click.echo("Database is up to date.")

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        """Write a new migration from the difference between the models and the database."""
        command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has households.")
    def seed_demo(if_empty):
        """Load the synthetic demo scheme from data/ and one account per role."""
        from shared_lives.demo import load_demo
        from shared_lives.households.models import Household

        with Session(get_engine()) as session:
            if if_empty and session.exec(select(func.count()).select_from(Household)).one():
                click.echo("Demo data already loaded; nothing to do.")
                return
            accounts = load_demo(session)
            session.commit()
        click.echo("Demo scheme loaded. Sign in with any of these (demo only):")
        for role, email, password in accounts:
            click.echo(f"  {role:<12} {email:<36} {password}")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice(["admin", "manager", "coordinator", "carer", "auditor"]))
    @click.option("--name", default=None, help="Full name (default: the part of the email before @).")
    @click.option("--household", "household_id", type=int, default=None, help="Household id, for carers.")
    def create_user_cmd(email, role, name, household_id):
        """Create an account; the password is read from standard input when it is not a terminal."""
        from shared_lives.audit.services import SYSTEM
        from shared_lives.auth.services import create_user
        from shared_lives.errors import ValidationError

        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        with Session(get_engine()) as session:
            try:
                user = create_user(session, SYSTEM, email, name or email.split("@")[0], role, password, household_id)
            except ValidationError as exc:
                raise click.ClickException(str(exc)) from exc
            session.commit()
            click.echo(f"Created {user.role} account {user.email} (id {user.id}).")

    @app.cli.group("audit")
    def audit_group():
        """The audit log."""

    @audit_group.command("verify")
    def audit_verify():
        """Check the whole chain; exit non-zero at the first broken entry."""
        from shared_lives.audit.services import verify_chain

        with Session(get_engine()) as session:
            report = verify_chain(session, current_app.config["AUDIT_KEY"])
        if report.ok:
            click.echo(f"Audit chain verified: {report.checked} entries, no break.")
            return
        click.echo(
            f"Audit chain BROKEN at position {report.position} (entry id {report.entry_id}): {report.problem}. "
            f"{report.checked} entries before it verified.",
            err=True,
        )
        sys.exit(1)

"""Flask commands: db, seed-demo, create-user, audit, retention, engine-worker, backup, restore
(and import, from imports/)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from sqlmodel import Session, func, select

from shared_lives.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(stdout=sys.stdout)  # the stdout of the moment, so click and tests capture it
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask) -> None:
    """Bring the database to the newest migration."""
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")


@contextmanager
def _verify_progress(session: Session):
    """A progress bar on stderr while the chain is verified, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from shared_lives.audit.models import AuditEntry

    total = session.exec(select(func.count()).select_from(AuditEntry)).one()
    with click.progressbar(length=total, label="Verifying the audit chain", file=sys.stderr, show_pos=True) as bar:
        done = [0]

        def advance(position: int) -> None:
            bar.update(position - done[0])
            done[0] = position

        yield advance


def init_app(app: Flask) -> None:
    from shared_lives.imports import cli as imports_cli

    imports_cli.init_app(app)

    @app.cli.group("db")
    def db_group():
        """Database migrations."""

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply every migration not yet applied."""
        upgrade_database(current_app)
        click.echo("Database is up to date.")

    @db_group.command("heads")
    def db_heads():
        """Show the newest migration(s); two heads after a merge mean one revision must point at the other."""
        command.heads(alembic_config(current_app.config["DATABASE_URL"]))

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message):
        """Write a new migration from the difference between the models and the database."""
        command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has households.")
    @click.option(
        "--households",
        "n_households",
        type=click.IntRange(1, 50_000),
        default=None,
        help="Generate a synthetic scheme of this many households instead of the small demo.",
    )
    @click.option(
        "--people",
        "n_people",
        type=click.IntRange(1, 50_000),
        default=None,
        help="With --households: this many people referred (default: as many as households).",
    )
    def seed_demo(if_empty, n_households, n_people):
        """Load the synthetic demo scheme from data/ (or generate one of any size) and one account per role."""
        import time

        from shared_lives.demo import DEMO_ACCOUNTS, load_demo
        from shared_lives.demo_scale import seed_scale
        from shared_lives.households.models import Household

        started = time.perf_counter()
        with Session(get_engine()) as session:
            if if_empty and session.exec(select(func.count()).select_from(Household)).one():
                click.echo("Demo data already loaded; nothing to do.")
                return
            if n_households is None:
                accounts = load_demo(session)
            else:
                from shared_lives.audit.services import SYSTEM
                from shared_lives.auth.services import create_user

                accounts, users = [], {}
                staff = [a for a in DEMO_ACCOUNTS if a[0] != "carer"]
                for role, email, name, password in staff:
                    users[role] = create_user(session, SYSTEM, email, name, role, password, None)
                counts = seed_scale(session, n_households, n_people or n_households, staff_id=users["coordinator"].id)
                first = session.exec(select(Household.id).order_by(Household.id)).first()
                for role, email, name, password in DEMO_ACCOUNTS:
                    if role == "carer":
                        create_user(session, SYSTEM, email, name, role, password, first)
                    accounts.append((role, email, password))
                click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))
            session.commit()
        engine = get_engine()
        if engine.dialect.name == "postgresql":
            # Thousands of rows at once: give the planner their statistics now rather than
            # when autovacuum next looks (until then it plans for empty tables).
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        click.echo(
            f"Demo scheme loaded in {time.perf_counter() - started:.1f} s. Sign in with any of these (demo only):"
        )
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
    @click.option(
        "--checkpoint",
        "checkpoint_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="A file outside the database holding the last verified count and head hash: "
        "deleting entries at the end of the log is then detected too. Created when missing, moved forward when the "
        "log verifies.",
    )
    def audit_verify(checkpoint_path):
        """Check the whole chain; exit non-zero at the first broken entry."""
        import json

        from shared_lives.audit.services import check_checkpoint, checkpoint_of, verify_chain

        key = current_app.config["AUDIT_KEY"]
        with Session(get_engine()) as session, _verify_progress(session) as progress:
            report = verify_chain(session, key, progress=progress)
            problem = None
            if report.ok and checkpoint_path and Path(checkpoint_path).exists():
                try:
                    saved = json.loads(Path(checkpoint_path).read_text())
                except ValueError:
                    saved = {}
                problem = check_checkpoint(session, key, report, saved)
        if not report.ok:
            click.echo(
                f"Audit chain BROKEN at position {report.position} (entry id {report.entry_id}): {report.problem}. "
                f"{report.checked} entries before it verified.",
                err=True,
            )
            sys.exit(1)
        if problem:
            click.echo(f"Audit chain BROKEN against the checkpoint {checkpoint_path}: {problem}.", err=True)
            sys.exit(2)
        click.echo(f"Audit chain verified: {report.checked} entries, no break.")
        if checkpoint_path:
            Path(checkpoint_path).write_text(json.dumps(checkpoint_of(report, key), indent=2) + "\n")
            click.echo(f"Checkpoint written to {checkpoint_path}: {report.checked} entries.")

    @app.cli.group("retention")
    def retention_group():
        """Anonymise records past the scheme's retention period."""

    @retention_group.command("run")
    @click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="Only report (the default).")
    @click.option("--apply", "mode", flag_value="apply", help="Anonymise the records found.")
    def retention_run(mode):
        """Anonymise people whose last arrangement ended more than RETENTION_YEARS ago."""
        from shared_lives.rights.retention import run_retention

        with Session(get_engine()) as session:
            result = run_retention(session, current_app.config, apply=mode == "apply")
            if mode == "apply":
                session.commit()
            else:
                session.rollback()
        verb = "Anonymised" if mode == "apply" else "Would anonymise"
        click.echo(
            f"{verb} {len(result.person_ids)} people (last arrangement ended before {result.cutoff.isoformat()}, "
            f"or referral closed without an arrangement before {result.closed_cutoff.isoformat()}); "
            f"{result.proposals} proposals, {result.arrangements} arrangements kept, their free text cleared; "
            f"{result.engine_runs} engine runs keep only their ids."
        )
        for due in result.due:
            click.echo(f"  person {due.person_id}, {due.describe()}")
        if mode != "apply":
            click.echo("Dry run: nothing was changed. Run with --apply to anonymise.")

    @app.cli.command("engine-worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def engine_worker(burst):
        """Work out queued engine jobs (scheme-wide suggestions) from the Redis queue."""
        from redis import Redis
        from rq import SimpleWorker

        from shared_lives.matches import jobs

        url = jobs.redis_url(current_app.config)
        if not url:
            raise click.ClickException("No Redis: set JOBS_REDIS_URL (without it jobs run in the web workers).")
        # SimpleWorker runs each job in this process, inside this app context, rather than
        # in a forked child that would share the database pool's connections.
        SimpleWorker([jobs.QUEUE], connection=Redis.from_url(url)).work(burst=burst)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_cmd(path):
        """Copy the database to PATH while the app runs (SQLite online backup; pg_dump on PostgreSQL)."""
        from shared_lives.backup import BackupError, backup

        try:
            counts = backup(current_app.config["DATABASE_URL"], path, pg_bin_dir=current_app.config["PG_BIN_DIR"])
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backed up to {path}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace a database that already holds data.")
    def restore_cmd(path, force):
        """Restore a backup made by `backup` into the configured (fresh) database, then verify the audit chain."""
        from shared_lives.audit.services import verify_chain
        from shared_lives.backup import BackupError, restore

        try:
            counts = restore(
                path, current_app.config["DATABASE_URL"], force=force, pg_bin_dir=current_app.config["PG_BIN_DIR"]
            )
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        get_engine().dispose()
        with Session(get_engine()) as session:
            report = verify_chain(session, current_app.config["AUDIT_KEY"])
        click.echo("Restored: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if not report.ok:
            click.echo(f"Audit chain BROKEN at position {report.position}: {report.problem}.", err=True)
            sys.exit(1)
        click.echo(f"Audit chain verified: {report.checked} entries.")

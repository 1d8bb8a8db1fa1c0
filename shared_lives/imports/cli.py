"""``flask import KIND FILE [--dry-run]``: the import for files too large for the browser."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlmodel import Session, select

from shared_lives.db import get_engine
from shared_lives.imports.columns import KINDS

#: Problems listed on the terminal; the count says how many there are in all.
SHOWN = 50


def init_app(app: Flask) -> None:
    @app.cli.command("import")
    @click.argument("kind", type=click.Choice(list(KINDS)))
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    @click.option(
        "--user",
        "email",
        envvar="IMPORT_USER",
        required=True,
        help="Email of the account the import is recorded under (a manager); or set IMPORT_USER.",
    )
    def import_cmd(kind, path, dry_run, email):
        """Import households, people, carers, dbs (checks) or training (records) from a CSV or XLSX file.

        Every row is checked with the same rules as the forms, then the file is written whole,
        or not at all when any row is refused.
        """
        from shared_lives.auth.models import User
        from shared_lives.auth.services import SignedInUser, normalise_email
        from shared_lives.errors import DomainError
        from shared_lives.imports.services import check_file, dry_run_summary, write_checked

        data = Path(path).read_bytes()
        with Session(get_engine()) as session:
            account = session.exec(select(User).where(User.email == normalise_email(email))).first()
            if account is None or not account.active:
                raise click.ClickException("No active account has that email address")
            user = SignedInUser(account, "command-line")
            try:
                checked, digest = check_file(session, user, kind, Path(path).name, data)
                summary = dry_run_summary(checked)
                if not dry_run and not checked.refused:
                    with click.progressbar(length=len(checked.rows), label="Writing", file=sys.stderr) as bar:
                        summary = write_checked(session, user, checked, digest, progress=bar.update)
            except DomainError as exc:
                session.rollback()
                raise click.ClickException(str(exc)) from exc
            if summary.written:
                session.commit()
            else:
                session.rollback()
        for p in summary.problems[:SHOWN]:
            where = f"row {p.line}" + (f", {checked.kind.column(p.column).header}" if p.column else "")
            click.echo(f"{where}: {p.message}", err=True)
        if len(summary.problems) > SHOWN:
            click.echo(f"... and {len(summary.problems) - SHOWN} more problems", err=True)
        verb = "Written" if summary.written else "Nothing written"
        if dry_run:
            verb = "Dry run, nothing written"
        elif summary.refused:
            verb = "Nothing written: correct the refused rows and run it again"
        click.echo(
            f"{checked.kind.label}: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.refused} refused. {verb}."
        )
        if summary.refused:
            sys.exit(1)

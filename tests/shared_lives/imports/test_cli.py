"""``flask import KIND FILE [--dry-run]``: a summary of created, updated and refused rows."""

from __future__ import annotations

from sqlmodel import func, select

from shared_lives.households.models import Household
from tests.shared_lives.imports.conftest import csv_file, household_row


def households(db) -> int:
    return db.exec(select(func.count()).select_from(Household)).one()


def test_the_command_checks_writes_and_reports(app, db, vocab, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_file([household_row(1), household_row(2)]))
    runner = app.test_cli_runner()
    before = households(db)
    dry = runner.invoke(args=["import", "households", str(path), "--dry-run", "--user", "manager@test.example"])
    assert dry.exit_code == 0, dry.output
    assert "Households: 2 created, 0 updated, 0 unchanged, 0 refused. Dry run, nothing written." in dry.output
    assert households(db) == before
    done = runner.invoke(args=["import", "households", str(path), "--user", "manager@test.example"])
    assert done.exit_code == 0 and "2 created, 0 updated, 0 unchanged, 0 refused. Written." in done.output
    assert households(db) == before + 2
    path.write_bytes(csv_file([household_row(1, town="Rochester"), household_row(2), household_row(3, postcode="x")]))
    refused = runner.invoke(args=["import", "households", str(path)], env={"IMPORT_USER": "manager@test.example"})
    assert refused.exit_code == 1
    assert "row 4, Postcode: Enter a real postcode, like SW1A 1AA" in refused.output
    assert "0 created, 1 updated, 1 unchanged, 1 refused. Nothing written" in refused.output
    assert households(db) == before + 2


def test_the_command_needs_an_account_that_may_import(app, db, vocab, users, tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_file([household_row(1)]))
    runner = app.test_cli_runner()
    nobody = runner.invoke(args=["import", "households", str(path), "--user", "nobody@test.example"])
    assert nobody.exit_code == 1 and "No active account has that email address" in nobody.output
    coordinator = runner.invoke(args=["import", "households", str(path), "--user", "coordinator@test.example"])
    assert coordinator.exit_code == 1 and "You do not have permission to do this (import:run)" in coordinator.output


def test_the_readme_says_what_the_import_does():
    from pathlib import Path

    from shared_lives.imports.columns import KINDS
    from shared_lives.imports.sheets import MAX_BYTES, MAX_ROWS

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert f"import {'|'.join(KINDS)} FILE --user EMAIL [--dry-run]" in readme
    assert f"up to {MAX_BYTES // 1024 // 1024} MB and {MAX_ROWS:,} rows" in readme

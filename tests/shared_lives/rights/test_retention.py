"""Retention (reliability.md item 22): anonymise what is past the period, keep counts and the
audit chain valid, and touch nothing else."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, SQLModel, select

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import verify_chain
from shared_lives.db import get_engine
from shared_lives.matches.models import Proposal
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.rights.retention import cutoff_for, run_retention
from shared_lives.timeutil import today
from tests import factories
from tests.shared_lives.exports.journey import make_journey

YEARS_AGO_10 = today() - timedelta(days=365 * 10 + 5)


@pytest.fixture
def scheme(app, db, users):
    with app.app_context():
        household = factories.make_household(db)
        expired = make_journey(db, users, household=household, first_name="Expira", risks="Seizures")
        recent = make_journey(db, users, household=household, first_name="Recenta")
        running = make_journey(db, users, household=household, ended=False, first_name="Runna")
        reopened = make_journey(db, users, household=household, first_name="Reopena")
        for j in (expired, reopened):
            j["arrangement"].end_date = YEARS_AGO_10
            j["arrangement"].start_date = YEARS_AGO_10 - timedelta(days=300)
            db.add(j["arrangement"])
        recent["arrangement"].end_date = today() - timedelta(days=400)
        running["arrangement"].start_date = YEARS_AGO_10 - timedelta(days=300)
        db.add(
            Proposal(
                person_id=reopened["person"].id,
                household_id=household.id,
                arrangement_type="live_in",
                rationale="New referral",
                proposed_by_id=users["coordinator"].id,
            )
        )
        never = factories.make_person(db, first_name="Nevera")
        db.commit()
    return {"expired": expired, "recent": recent, "running": running, "reopened": reopened, "never": never}


def snapshot(engine) -> dict:
    """Every row of every table except the audit log, as plain values."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "audit_entry":
                continue
            out[table.name] = {r[0]: dict(r._mapping) for r in conn.execute(table.select())}
    return out


def test_cutoff():
    assert cutoff_for(8, date(2026, 11, 23)) == date(2018, 11, 23)
    assert cutoff_for(1, date(2024, 2, 29)) == date(2023, 2, 28)


def test_dry_run_reports_and_changes_nothing(app, scheme):
    engine = get_engine(app)
    before = snapshot(engine)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would anonymise 1 people" in result.output
    assert str(scheme["expired"]["person"].id) in result.output
    assert "Dry run" in result.output
    assert snapshot(engine) == before


def test_apply_anonymises_only_what_is_past_retention(app, scheme):
    engine = get_engine(app)
    before = snapshot(engine)
    with Session(engine) as s:
        audit_before = s.exec(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    result = app.test_cli_runner().invoke(args=["retention", "run", "--apply"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 people" in result.output
    after = snapshot(engine)
    target = scheme["expired"]
    pid = target["person"].id
    # Counts are kept.
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    person = after["person"][pid]
    assert person["first_name"] == "Anonymised" and person["last_name"] == f"person {pid}"
    assert person["date_of_birth"] is None and person["risks"] == "" and person["representative_name"] == ""
    assert person["reference"] == target["person"].reference and person["status"] == "closed"
    changed = {(t, k) for t, rows in after.items() for k, row in rows.items() if before[t].get(k) != row}
    proposal_id, arrangement_id = target["proposal"].id, target["arrangement"].id
    mine = {
        ("person", pid),
        ("proposal", proposal_id),
        ("arrangement", arrangement_id),
        ("engine_run", target["run"].id),
    }
    mine |= {
        (t, k)
        for t in ("proposal_response", "introduction")
        for k, r in after[t].items()
        if r["proposal_id"] == proposal_id
    }
    mine |= {("review", k) for k, r in after["review"].items() if r["arrangement_id"] == arrangement_id}
    assert changed - mine == set(), "retention touched rows of other people"
    assert ("person", scheme["recent"]["person"].id) not in changed
    # The audit log only grew, and still verifies.
    with Session(engine) as s:
        ids = s.exec(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        assert ids[: len(audit_before)] == audit_before
        new = s.exec(select(AuditEntry).where(AuditEntry.id > (audit_before[-1] if audit_before else 0))).all()
        assert [e.action for e in new] == ["retention.anonymise", "retention.run"]
        assert new[0].person_id == pid and "first_name" in new[0].changes["fields"]
        assert verify_chain(s, app.config["AUDIT_KEY"]).ok
        assert s.get(Arrangement, target["arrangement"].id).end_reason == ""


def test_a_second_run_finds_nothing(app, scheme):
    runner = app.test_cli_runner()
    runner.invoke(args=["retention", "run", "--apply"])
    again = runner.invoke(args=["retention", "run", "--apply"])
    assert "Anonymised 0 people" in again.output


def test_the_period_is_the_schemes_setting(app, db, scheme):
    config = {**app.config, "RETENTION_YEARS": 1}
    with app.app_context():
        result = run_retention(db, config, apply=False)
    assert sorted(result.person_ids) == sorted([scheme["expired"]["person"].id, scheme["recent"]["person"].id])
    db.rollback()
    assert db.get(Person, scheme["recent"]["person"].id).first_name == "Recenta"

"""Retention (reliability.md item 22): anonymise what is past the period, keep counts and the
audit chain valid, and touch nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
    """Every row of every table except the audit log and the engine-input cache token
    (which any change to a person must move), as plain values."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in ("audit_entry", "engine_input_version"):
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


def test_no_trace_of_an_anonymised_person_is_left_anywhere(app, db, users):
    """Issue 11: after retention, no table holds the person's name, needs or age (engine-run
    snapshots and results included); counts are kept and the audit chain verifies."""
    import json
    import re

    from sqlalchemy import func as sa_func

    from shared_lives.audit.services import SYSTEM, record
    from shared_lives.matches import services as matches
    from tests.shared_lives.matches.helpers import as_user, call

    born = today().replace(year=today().year - 93) - timedelta(days=40)
    with app.app_context():
        household = factories.make_household(db, interests=["gardening"])
        factories.make_carer(db, household, terms_max_people=3)
        kw = {"needs": ["zq_rare_need"], "date_of_birth": born, "risks": "Zqrisk words"}
        placed = make_journey(
            db, users, household=household, ended=False, first_name="Quillon", last_name="Zarkoff", **kw
        )
        waiting = factories.make_person(db, first_name="Wendeline", last_name="Stays")
        closed = factories.make_person(db, first_name="Clodagh", last_name="Shutter", status="closed")
        recently_closed = factories.make_person(db, first_name="Rosalind", last_name="Recent", status="closed")
        for who, years_ago in ((closed, 3), (recently_closed, 0)):
            when = datetime.combine(today() - timedelta(days=365 * years_ago + 10), datetime.min.time(), UTC)
            changes = {"status": ["waiting", "closed"]}
            record(db, app.config["AUDIT_KEY"], SYSTEM, "person.update", "person", who.id, changes=changes, at=when)
        db.commit()
    coordinator = as_user(users["coordinator"])
    call(app, matches.suggestions_for_person, coordinator, placed["person"].id)
    call(app, matches.suggestions_for_household, coordinator, household.id)  # the person is a resident
    call(app, matches.scheme_view, coordinator)
    with app.app_context():
        arrangement = db.get(Arrangement, placed["arrangement"].id)
        arrangement.status, arrangement.end_date = "ended", YEARS_AGO_10
        arrangement.start_date = YEARS_AGO_10 - timedelta(days=300)
        db.add(arrangement)
        db.commit()

    def traces(text: str) -> list[str]:
        found = [w for w in ("Quillon", "Zarkoff", "zq_rare_need", "Zqrisk", born.isoformat(), "Clodagh", "Shutter")]
        found = [w for w in found if w in text]
        return found + re.findall(r'"age": ?93\b', text)

    def scan() -> tuple[list, dict]:
        hits, counts = [], {}
        with get_engine(app).connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                counts[table.name] = conn.execute(select(sa_func.count()).select_from(table)).scalar()
                for row in conn.execute(table.select()):
                    text = json.dumps(dict(row._mapping), default=str)
                    hits += [(table.name, t) for t in traces(text)]
        return hits, counts

    before_hits, before = scan()
    assert {t for t, _ in before_hits} >= {"person", "engine_run"}, "the scan must see the person before"
    dry = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert "Would anonymise 2 people" in dry.output and "engine runs keep only their ids" in dry.output
    assert f"{placed['person'].reference}: last arrangement ended on {YEARS_AGO_10.isoformat()}" in dry.output
    assert f"{closed.reference}: referral closed, never placed," in dry.output
    assert scan()[1] == before, "a dry run changes nothing"

    result = app.test_cli_runner().invoke(args=["retention", "run", "--apply"])
    assert result.exit_code == 0 and "Anonymised 2 people" in result.output, result.output
    hits, after = scan()
    print(f"retention scan: {len(before_hits)} traces before, {len(hits)} after, in {len(after)} tables")
    assert hits == []
    assert {t: n for t, n in after.items() if t != "audit_entry"} == {
        t: n for t, n in before.items() if t != "audit_entry"
    }
    assert after["audit_entry"] == before["audit_entry"] + 3  # two anonymisations and the run
    with Session(get_engine(app)) as s:
        assert verify_chain(s, app.config["AUDIT_KEY"]).ok
        assert s.get(Person, waiting.id).first_name == "Wendeline"  # the waiting person is untouched
        assert s.get(Person, recently_closed.id).first_name == "Rosalind"  # closed too recently

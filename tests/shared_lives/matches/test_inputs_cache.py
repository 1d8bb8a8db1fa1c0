"""Cached engine inputs are rebuilt after every write that changes what the engine reads,
whoever makes it and however (a form's versioned save, a new row, a bulk statement)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from shared_lives.carers.models import DbsCheck
from shared_lives.households.models import Household
from shared_lives.matches import inputs
from shared_lives.people.models import Person
from shared_lives.placements.models import Arrangement
from shared_lives.records import versioned_update
from shared_lives.timeutil import today
from tests import factories


@pytest.fixture
def scheme(app, db, users):
    with app.app_context():
        household = factories.make_household(db, name="The Cachet household", arrangement_types=["live_in"])
        factories.make_carer(db, household, terms_max_people=1, terms_arrangement_types=["live_in"])
        person = factories.make_person(db, first_name="Corin", arrangement_type="live_in", smoking="no", pets="ok")
        db.commit()
    return household, person


def _possible(client, person) -> str:
    """The person's suggestions page: shortlist part only."""
    page = client.get(f"/people/{person.id}/suggestions").get_data(as_text=True)
    return page.split("not possible now")[0]


def _version(app, db) -> int:
    db.expire_all()
    return db.exec(select(inputs.EngineInputVersion.version)).one()


def test_a_household_saved_through_its_form_invalidates_the_cache(app, db, signed_in, scheme):
    household, person = scheme
    coordinator = signed_in("coordinator")
    assert "The Cachet household" in _possible(coordinator, person)
    before = _version(app, db)
    row = db.get(Household, household.id)
    versioned_update(db, row, row.version, {"smoking": True})  # the UPDATE ... WHERE version the forms use
    db.commit()
    assert _version(app, db) != before
    assert "The Cachet household" not in _possible(coordinator, person)


def test_a_dbs_check_added_invalidates_the_cache(app, db, signed_in, scheme):
    household, person = scheme
    row = db.get(Household, household.id)
    row.members = [{"name": "Grown Child", "age": 20, "relationship": "Son"}]
    db.add(row)
    db.commit()
    coordinator = signed_in("coordinator")
    assert "The Cachet household" not in _possible(coordinator, person)  # an adult with no DBS check
    db.add(
        DbsCheck(
            household_id=household.id,
            adult_name="Grown Child",
            issued_on=today(),
            renew_by=today() + timedelta(days=900),
        )
    )
    db.commit()
    assert "The Cachet household" in _possible(coordinator, person)


def test_an_arrangement_started_and_ended_invalidates_the_cache(app, db, signed_in, scheme):
    household, person = scheme
    coordinator = signed_in("coordinator")
    assert "The Cachet household" in _possible(coordinator, person)
    other = factories.make_person(db, status="matched")
    arrangement = Arrangement(
        person_id=other.id, household_id=household.id, arrangement_type="live_in", start_date=today()
    )
    db.add(arrangement)
    db.commit()
    assert "The Cachet household" not in _possible(coordinator, person)  # its one place is taken
    arrangement.status, arrangement.end_date = "ended", today()
    db.add(arrangement)
    db.commit()
    assert "The Cachet household" in _possible(coordinator, person)


def test_a_person_edited_invalidates_the_cache(app, db, signed_in, scheme):
    household, person = scheme
    coordinator = signed_in("coordinator")
    page = coordinator.get(f"/households/{household.id}/suggestions").get_data(as_text=True)
    assert "Corin" in page.split("not possible now")[0]
    row = db.get(Person, person.id)
    versioned_update(db, row, row.version, {"needs_step_free": True})
    db.commit()
    page = coordinator.get(f"/households/{household.id}/suggestions").get_data(as_text=True)
    assert "Corin" not in page.split("not possible now")[0]


def test_a_rolled_back_write_leaves_the_version_alone(app, db, scheme):
    household, _person = scheme
    with app.app_context():
        before = _version(app, db)
        row = db.get(Household, household.id)
        row.smoking = True
        db.add(row)
        db.flush()
        db.rollback()
        assert _version(app, db) == before


def test_a_snapshot_shared_by_many_runs_is_stored_once(app, db, signed_in, scheme):
    _household, person = scheme
    coordinator = signed_in("coordinator")
    for _ in range(3):
        coordinator.get(f"/people/{person.id}/suggestions")
    stored = db.exec(select(inputs.EngineInput)).all()
    assert len(stored) == 1
    assert "The Cachet household" in {r["name"] for r in stored[0].snapshot["records"]}


def test_the_scheme_wide_result_is_reused_until_a_record_changes(app, db, signed_in, scheme, monkeypatch):
    from shared_lives.matches import services

    household, _person = scheme
    real, calls = services._scheme_result, []
    monkeypatch.setattr(services, "_scheme_result", lambda instance: calls.append(1) or real(instance))
    coordinator = signed_in("coordinator")
    first = coordinator.get("/suggestions/scheme").get_data(as_text=True)
    second = coordinator.get("/suggestions/scheme").get_data(as_text=True)
    assert len(calls) == 1 and "Corin" in first and "Corin" in second
    # shown again, not copied: one run recorded, the second view audited against it
    from shared_lives.audit.models import AuditEntry
    from shared_lives.matches.models import EngineRun

    runs = db.exec(select(EngineRun).where(EngineRun.kind == "scheme")).all()
    assert len(runs) == 1 and f"Engine run {runs[0].id}," in second
    viewed = db.exec(select(AuditEntry).where(AuditEntry.action == "engine.run_view")).all()
    assert [(e.record_id, e.actor_role) for e in viewed] == [(runs[0].id, "coordinator")]
    row = db.get(Household, household.id)
    versioned_update(db, row, row.version, {"smoking": True})
    db.commit()
    coordinator.get("/suggestions/scheme")
    assert len(calls) == 2


def test_engine_pages_answer_with_nobody_waiting(app, db, signed_in, scheme):
    household, person = scheme
    row = db.get(Person, person.id)
    row.status = "matched"
    db.add(row)
    db.commit()
    coordinator = signed_in("coordinator")
    for url in (f"/people/{person.id}/suggestions", f"/households/{household.id}/suggestions", "/suggestions/scheme"):
        assert coordinator.get(url).status_code == 200, url


# --------------------------------------------------------------------------- shared between workers


def test_a_second_worker_reads_the_first_workers_build_instead_of_building(app, db, signed_in, scheme, monkeypatch):
    from shared_lives.matches import adapter

    _household, person = scheme
    coordinator = signed_in("coordinator")
    assert "The Cachet household" in _possible(coordinator, person)  # worker one builds and shares
    builds = []
    real = adapter.household_records
    monkeypatch.setattr(adapter, "household_records", lambda *a, **k: builds.append(1) or real(*a, **k))
    inputs.clear()  # worker two: nothing in its memory
    with app.test_request_context():
        built = adapter.scheme_inputs(db)
    assert builds == []
    assert isinstance(built.households.records, inputs.StoredRecords)
    assert "The Cachet household" in {r["name"] for r in built.households.records}
    assert "The Cachet household" in _possible(coordinator, person)


def test_a_shared_build_is_not_used_after_a_write(app, db, signed_in, scheme):
    household, person = scheme
    coordinator = signed_in("coordinator")
    assert "The Cachet household" in _possible(coordinator, person)
    row = db.get(Household, household.id)
    versioned_update(db, row, row.version, {"smoking": True})
    db.commit()
    inputs.clear()  # another worker, whose shared file is the build before the write
    assert "The Cachet household" not in _possible(coordinator, person)


def test_a_shared_file_not_signed_by_the_app_is_never_unpickled(app, db, signed_in, scheme, monkeypatch):
    import pickle
    from pathlib import Path

    from shared_lives.matches import adapter

    _household, person = scheme
    coordinator = signed_in("coordinator")
    _possible(coordinator, person)
    folder = Path(app.config["ENGINE_INPUTS_DIR"])
    newest = max(folder.glob("*.core"), key=lambda p: p.stat().st_mtime)
    data = newest.read_bytes()
    newest.write_bytes(b"\0" * 32 + data[32:])  # the same build, signature forged
    loads = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: loads.append(1))
    builds = []
    real = adapter.household_records
    monkeypatch.setattr(adapter, "household_records", lambda *a, **k: builds.append(1) or real(*a, **k))
    inputs.clear()
    with app.test_request_context():
        built = adapter.scheme_inputs(db)
    assert loads == [] and builds == [1]
    assert "The Cachet household" in {r["name"] for r in built.households.records}


def test_a_write_has_the_inputs_built_again_before_anyone_asks(app, db, signed_in, scheme, monkeypatch):
    from shared_lives.matches import adapter

    household, person = scheme
    monkeypatch.setitem(app.config, "ENGINE_INPUTS_WARM", True)
    coordinator = signed_in("coordinator")
    assert "The Cachet household" in _possible(coordinator, person)
    with app.app_context():
        row = db.get(Household, household.id)
        versioned_update(db, row, row.version, {"smoking": True})
        db.commit()  # the commit's worker starts a build in the background
        assert inputs.wait_warm(60)
    now = _version(app, db)
    assert inputs._cache["last"].key[1] == now  # built for the new version, by nobody's page
    builds = []
    real = adapter.household_records
    monkeypatch.setattr(adapter, "household_records", lambda *a, **k: builds.append(1) or real(*a, **k))
    assert "The Cachet household" not in _possible(coordinator, person)
    assert builds == []  # the page used the build made ahead

"""Tamper evidence (reliability.md item 18): editing, deleting, inserting or reordering one
audit row directly in the database is reported at its position, and the command exits non-zero."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update
from sqlmodel import Session

from shared_lives.audit.models import AuditEntry
from shared_lives.audit.services import (
    GENESIS,
    SYSTEM,
    Actor,
    AuditLogIsAppendOnly,
    entry_hash,
    record,
    redact_changes,
    verify_chain,
)
from shared_lives.db import get_engine
from tests import factories

N = 8


@pytest.fixture
def chain(app, db):
    """N entries written through the service, committed."""
    key = app.config["AUDIT_KEY"]
    with app.app_context():
        actor = Actor(7, "coordinator@test.example", "coordinator", "10.0.0.1")
        for i in range(N):
            who = actor if i % 2 else SYSTEM
            record(db, key, who, f"test.event{i}", "person", i + 1, changes={"status": ["a", "b"]})
        db.commit()
    return key


def ids(db) -> list[int]:
    return list(db.exec(select(AuditEntry.id).order_by(AuditEntry.id)).scalars())


def raw(app, sql: str, **params) -> None:
    with get_engine(app).begin() as conn:
        conn.execute(text(sql), params)


def verify(app, key):
    with Session(get_engine(app)) as session:
        return verify_chain(session, key)


def test_an_untouched_chain_verifies(app, chain):
    report = verify(app, chain)
    assert report.ok and report.checked == N
    assert report.last_hash and report.last_id


def test_the_first_entry_follows_the_genesis_hash(app, db, chain):
    first = db.exec(select(AuditEntry).order_by(AuditEntry.id).limit(1)).scalars().one()
    assert first.prev_hash == GENESIS
    assert entry_hash(chain, first) == first.hash


@pytest.mark.parametrize("position", [1, 4, N])
@pytest.mark.parametrize(
    "column, value",
    [("action", "test.forged"), ("actor_label", "else@test.example"), ("outcome", "denied"), ("record_id", 999)],
)
def test_an_edited_entry_is_found_at_its_position(app, db, chain, position, column, value):
    target = ids(db)[position - 1]
    raw(app, f"UPDATE audit_entry SET {column} = :v WHERE id = :id", v=value, id=target)  # noqa: S608 (fixed names)
    report = verify(app, chain)
    assert not report.ok
    assert (report.position, report.entry_id) == (position, target)
    assert "edited" in report.problem
    assert report.checked == position - 1


def test_an_edited_changes_field_is_found(app, db, chain):
    target = ids(db)[2]
    raw(app, "UPDATE audit_entry SET changes = :v WHERE id = :id", v=json.dumps({"status": ["a", "c"]}), id=target)
    assert verify(app, chain).position == 3


def test_an_edited_time_is_found(app, db, chain):
    target = ids(db)[5]
    raw(app, "UPDATE audit_entry SET at = :v WHERE id = :id", v="2020-01-01 00:00:00", id=target)
    assert verify(app, chain).position == 6


def test_recomputing_the_hash_without_the_key_does_not_help(app, db, chain):
    target = db.exec(select(AuditEntry).order_by(AuditEntry.id).offset(2).limit(1)).scalars().one()
    db.expunge(target)
    target.action = "test.forged"
    forged = entry_hash("a guessed key", target)
    raw(app, "UPDATE audit_entry SET action = 'test.forged', hash = :h WHERE id = :id", h=forged, id=target.id)
    assert verify(app, chain).position == 3


@pytest.mark.parametrize("position", [1, 5])
def test_a_deleted_entry_is_found_at_its_position(app, db, chain, position):
    target = ids(db)[position - 1]
    raw(app, "DELETE FROM audit_entry WHERE id = :id", id=target)
    report = verify(app, chain)
    assert not report.ok
    assert report.position == position
    assert "deleted" in report.problem


def test_an_inserted_entry_is_found_at_its_position(app, db, chain):
    # Leave gaps between ids (ids are not hashed), then slip a forged row in after the 3rd.
    raw(app, "UPDATE audit_entry SET id = id * 10")
    third = db.exec(select(AuditEntry).order_by(AuditEntry.id).offset(2).limit(1)).scalars().one()
    forged = AuditEntry(
        id=third.id + 5,
        at=third.at,
        action="user.role_change",
        actor_label="intruder@test.example",
        prev_hash=third.hash,
        hash="",
    )
    forged.hash = entry_hash("not the audit key", forged)
    with get_engine(app).begin() as conn:
        conn.execute(AuditEntry.__table__.insert().values(**forged.model_dump()))
    report = verify(app, chain)
    assert (report.position, report.entry_id) == (4, third.id + 5)


def test_an_insider_with_the_key_is_still_caught_by_the_next_entry(app, db, chain):
    raw(app, "UPDATE audit_entry SET id = id * 10")
    third = db.exec(select(AuditEntry).order_by(AuditEntry.id).offset(2).limit(1)).scalars().one()
    forged = AuditEntry(id=third.id + 5, at=third.at, action="x.y", prev_hash=third.hash, hash="")
    forged.hash = entry_hash(chain, forged)
    with get_engine(app).begin() as conn:
        conn.execute(AuditEntry.__table__.insert().values(**forged.model_dump()))
    report = verify(app, chain)
    assert report.position == 5 and "deleted, inserted or reordered" in report.problem


def test_reordered_entries_are_found(app, db, chain):
    a, b = ids(db)[3:5]
    raw(app, "UPDATE audit_entry SET id = -1 WHERE id = :a", a=a)
    raw(app, "UPDATE audit_entry SET id = :a WHERE id = :b", a=a, b=b)
    raw(app, "UPDATE audit_entry SET id = :b WHERE id = -1", b=b)
    report = verify(app, chain)
    assert report.position == 4 and not report.ok


def test_the_command_exits_non_zero_and_names_the_position(app, db, chain):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and f"{N} entries" in ok.output
    raw(app, "DELETE FROM audit_entry WHERE id = :id", id=ids(db)[1])
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN at position 2" in broken.output


def test_a_checkpoint_catches_entries_deleted_from_the_end(app, db, chain, tmp_path):
    checkpoint = tmp_path / "audit-checkpoint.json"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint)])
    assert first.exit_code == 0 and checkpoint.exists()
    assert json.loads(checkpoint.read_text())["count"] == N
    raw(app, "DELETE FROM audit_entry WHERE id >= :id", id=ids(db)[-2])
    assert verify(app, chain).ok  # the chain alone cannot see it
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint)])
    assert result.exit_code == 2
    assert "deleted" in result.output


def test_a_checkpoint_moves_forward_and_cannot_be_forged(app, db, chain, tmp_path):
    checkpoint = tmp_path / "cp.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint)]).exit_code == 0
    with app.app_context():
        record(db, chain, SYSTEM, "test.later")
        db.commit()
    assert runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint)]).exit_code == 0
    assert json.loads(checkpoint.read_text())["count"] == N + 1
    saved = json.loads(checkpoint.read_text())
    checkpoint.write_text(json.dumps({**saved, "count": 1}))
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint)])
    assert result.exit_code == 2 and "altered" in result.output


def test_the_app_cannot_change_or_delete_audit_entries(app, chain):
    with Session(get_engine(app)) as session:
        entry = session.exec(select(AuditEntry).limit(1)).scalars().one()
        entry.outcome = "denied"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        entry = session.exec(select(AuditEntry).limit(1)).scalars().one()
        session.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            session.execute(update(AuditEntry).values(outcome="denied"))
        session.rollback()
    assert verify(app, chain).ok


def test_identifying_values_and_health_text_never_reach_the_log(app, db):
    with app.app_context():
        entry = record(
            db,
            app.config["AUDIT_KEY"],
            SYSTEM,
            "person.update",
            "person",
            1,
            changes={
                "first_name": ["Ada", "Adaline"],
                "date_of_birth": ["1990-01-01", "1991-01-01"],
                "risks": ["old", "new risk text"],
                "status": ["waiting", "matched"],
                "note": "line one\r\nforged line",
            },
        )
    text_of = json.dumps(entry.changes)
    assert "Ada" not in text_of and "1990" not in text_of and "risk text" not in text_of
    assert entry.changes["status"] == ["waiting", "matched"]
    assert entry.changes["first_name"] == entry.changes["note"] == "(changed)"


@pytest.mark.parametrize(
    ("changes", "logged"),
    [
        # an unlisted field is "(changed)" whatever its value, even a number or a code
        (
            {"town": "Maidstone", "bedrooms": 2, "course": "first_aid"},
            {"town": "(changed)", "bedrooms": "(changed)", "course": "(changed)"},
        ),
        # listed fields keep codes, dates, numbers and yes/no
        ({"status": ["proposed", "active"], "start_date": "2026-11-24", "score": 0.5, "smoking": False},) * 2,
        # a listed field given a sentence (the engine's words) is "(changed)"
        ({"reason": "Ann cannot be placed: needs dementia care"}, {"reason": "(changed)"}),
        ({"reason": ["no_free_place", "Ann's needs"]}, {"reason": ["no_free_place", "(changed)"]}),
        # nested filters keep their codes and lose what was typed
        (
            {"filters": {"status": "active", "q": "Ann Smith", "date_from": "2026-01-01"}},
            {"filters": {"status": "active", "q": "(changed)", "date_from": "2026-01-01"}},
        ),
    ],
)
def test_only_listed_fields_with_plain_values_are_logged(changes, logged):
    assert redact_changes(changes) == logged


def test_crlf_in_an_actor_label_cannot_forge_a_line(app, db):
    with app.app_context():
        entry = record(db, app.config["AUDIT_KEY"], Actor(1, "a@b.c\r\n2026 admin", "admin"), "x.y")
    assert "\n" not in entry.actor_label and "\r" not in entry.actor_label


def test_entries_know_their_person_and_household(app, db):
    from shared_lives.placements.models import Arrangement
    from shared_lives.timeutil import today

    with app.app_context():
        household = factories.make_household(db)
        carer = factories.make_carer(db, household)
        person = factories.make_person(db)
        arrangement = Arrangement(
            person_id=person.id, household_id=household.id, arrangement_type="live_in", start_date=today()
        )
        db.add(arrangement)
        db.flush()
        key = app.config["AUDIT_KEY"]
        on_carer = record(db, key, SYSTEM, "carer.update", "carer", carer.id)
        on_arrangement = record(db, key, SYSTEM, "arrangement.create", "arrangement", arrangement.id)
        on_person = record(db, key, SYSTEM, "person.view", "person", person.id)
        db.commit()
    assert on_carer.household_id == household.id and on_carer.person_id is None
    assert (on_arrangement.person_id, on_arrangement.household_id) == (person.id, household.id)
    assert on_person.person_id == person.id
    assert verify(app, key).ok


def test_the_fast_encoding_agrees_with_the_written_one(app, db):
    """verify_chain builds each entry's bytes from raw rows; they must equal what record() hashed."""
    from shared_lives.audit import services

    key = app.config["AUDIT_KEY"]
    with app.app_context():
        for actor, changes in [
            (SYSTEM, None),
            (Actor(3, "zoë.o'brien@test.example", "manager", "::1"), {"status": ["a", "b"], "n": 3, "ok": True}),
            (Actor(None, "anonymous", "anonymous", None), {"filters": {"date_from": "2026-01-01", "x": None}}),
            (Actor(4, 'quote " back\\slash', "coordinator", "10.0.0.2"), {"score": 0.125, "list": [1, "two"]}),
        ]:
            record(db, key, actor, "test.event", "person", 5, changes=changes)
        db.commit()
    rows = db.execute(services._VERIFY_SQL, {"after": 0, "size": 100}).all()
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert len(rows) == len(entries) == 4
    for row, entry in zip(rows, entries, strict=True):
        typed = tuple(getattr(entry, c) for c in services.HASHED_COLUMNS)
        assert services._fast_canonical(row[1:-1]) == services.canonical_bytes(typed)


@pytest.mark.parametrize("key", ["k" * 32, "a much longer audit key " * 5])
def test_verify_reports_progress_and_takes_any_key_length(app, db, key):
    with app.app_context():
        for i in range(5):
            record(db, key, SYSTEM, "test.event", "person", i)
        db.commit()
    seen = []
    with Session(get_engine(app)) as session:
        report = verify_chain(session, key, batch=2, progress=seen.append)
        assert not verify_chain(session, key + "x").ok  # another key: the first entry is reported
    assert report.ok and report.checked == 5 and seen == [2, 4, 5]


# --------------------------------------------------------------------------- appended at commit


def _session(app) -> Session:
    return Session(get_engine(app), expire_on_commit=False)  # a transaction of its own, as a request's


def test_entries_join_the_chain_in_commit_order_and_the_chain_verifies(app):
    key = app.config["AUDIT_KEY"]
    first, second = _session(app), _session(app)
    try:
        with app.app_context():
            record(first, key, SYSTEM, "deferred.first_made")
            first.commit()  # (on SQLite the writer lock is taken by the first statement)
            record(second, key, SYSTEM, "deferred.second_made")
            record(second, key, SYSTEM, "deferred.third_made")
            second.commit()
    finally:
        first.close()
        second.close()
    with _session(app) as s:
        actions = s.exec(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
        assert actions[-3:] == ["deferred.first_made", "deferred.second_made", "deferred.third_made"]
        assert verify_chain(s, key).ok


def test_a_transaction_reads_its_own_entries_and_a_rolled_back_savepoint_loses_its_own(app):
    key = app.config["AUDIT_KEY"]
    with app.app_context(), _session(app) as s:
        record(s, key, SYSTEM, "deferred.kept_outer")
        with s.begin_nested():
            record(s, key, SYSTEM, "deferred.kept_inner")
        try:
            with s.begin_nested():
                record(s, key, SYSTEM, "deferred.undone")
                raise RuntimeError("the savepoint fails")
        except RuntimeError:
            pass
        record(s, key, SYSTEM, "deferred.kept_last")
        mine = (
            s.exec(select(AuditEntry.action).where(AuditEntry.action.like("deferred.%")).order_by(AuditEntry.id))
            .scalars()
            .all()
        )
        assert mine == ["deferred.kept_outer", "deferred.kept_inner", "deferred.kept_last"]  # seen before commit
        s.commit()
    with _session(app) as s:
        assert verify_chain(s, key).ok
        assert not s.exec(select(AuditEntry).where(AuditEntry.action == "deferred.undone")).first()


def test_a_rolled_back_transaction_leaves_no_entry(app):
    key = app.config["AUDIT_KEY"]
    with app.app_context(), _session(app) as s:
        record(s, key, SYSTEM, "deferred.never_happened")
        s.rollback()
        s.commit()
    with _session(app) as s:
        assert not s.exec(select(AuditEntry).where(AuditEntry.action == "deferred.never_happened")).first()


def test_the_chain_lock_is_not_held_until_the_commit(app):
    """An audited request used to hold the chain's lock from its first entry to its commit
    (rendering the page in between), so every audited request in every worker waited in turn."""
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory lock; SQLite serialises writers itself")
    key = app.config["AUDIT_KEY"]
    with app.app_context(), _session(app) as s, get_engine(app).connect() as other:
        record(s, key, SYSTEM, "deferred.made_early")
        s.connection()  # the request goes on in its transaction
        assert other.execute(text("SELECT pg_try_advisory_xact_lock(727274)")).scalar() is True
        other.rollback()
        s.commit()


def test_a_transaction_writes_its_rows_before_it_waits_for_the_chain(app, db):
    """Holding the chain's lock, a committing transaction must not then wait for a row that
    another transaction holds while that one waits for the lock (a deadlock)."""
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL's advisory lock; SQLite serialises writers itself")
    from sqlalchemy import event

    from shared_lives.vocab.models import VocabularyTerm

    key = app.config["AUDIT_KEY"]
    seen = []
    engine = get_engine(app)
    listener = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
    with app.app_context(), _session(app) as s:
        event.listen(engine, "before_cursor_execute", listener)
        record(s, key, SYSTEM, "deferred.rows_first")  # the entry comes first, the change after it
        s.add(VocabularyTerm(kind="interest", code="deferred_rows_first", label="Deferred rows first"))
        try:
            s.commit()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    lock = next(i for i, statement in enumerate(seen) if "pg_advisory_xact_lock" in statement)
    assert any("INSERT INTO vocabulary_term" in x for x in seen[:lock]), seen  # written before the lock

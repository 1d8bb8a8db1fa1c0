"""Scheme-wide suggestions too large for a request: worked out in the background, in a
thread of the same process (the embedded default, no Redis). The size limit is forced
to 0 so the small test scheme takes the background path."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from shared_lives.audit.models import AuditEntry
from shared_lives.matches import jobs, services
from shared_lives.matches.models import EngineJob, EngineRun
from shared_lives.timeutil import utcnow

WAITING = "being worked out"


@pytest.fixture
def large(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEME_INLINE_PAIRS", 0)


def the_job(db) -> EngineJob:
    db.expire_all()
    return db.exec(select(EngineJob)).one()


def settled(db, timeout: float = 60.0) -> EngineJob:
    """The job once it has finished or failed (bounded wait: the test fails, never hangs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = the_job(db)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish within {timeout} s")


def count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_small_scheme_is_worked_out_at_once(signed_in, db, people_places):
    r = signed_in("coordinator").get("/suggestions/scheme")
    assert r.status_code == 200 and "Sam Quenby" in r.get_data(as_text=True)
    assert count(db, EngineJob) == 0 and count(db, EngineRun) == 1


def test_large_scheme_waits_then_shows_the_pairs(signed_in, db, people_places, large):
    coord = signed_in("coordinator")
    r = coord.get("/suggestions/scheme")
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    assert WAITING in text and "Check again" in text and "Started at" in text
    assert "Sam Quenby" not in text and 'http-equiv="refresh"' not in text
    job = settled(db)
    assert job.status == "done" and job.error is None and job.finished_at is not None
    run = db.exec(select(EngineRun)).one()
    assert run.kind == "scheme" and run.actor_id is None  # the system's run; the request is audited
    started = db.exec(select(AuditEntry).where(AuditEntry.action == "engine.job_started")).one()
    assert started.actor_role == "coordinator" and started.record_id == job.id

    r = coord.get("/suggestions/scheme")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Sam Quenby" in text and "The Rivers household" in text and WAITING not in text
    assert count(db, EngineJob) == 1  # the recorded run was reused, no second job
    assert db.exec(select(EngineRun).order_by(EngineRun.id.desc())).first().result == run.result


def test_a_second_request_finds_the_same_job(signed_in, db, people_places, large, monkeypatch):
    monkeypatch.setattr(jobs, "run", lambda app, job_id: None)  # the worker never gets to it
    coord = signed_in("coordinator")
    assert WAITING in coord.get("/suggestions/scheme").get_data(as_text=True)
    assert WAITING in coord.get("/suggestions/scheme").get_data(as_text=True)
    job = the_job(db)
    assert job.status == "queued" and job.attempts == 1


def test_a_job_lost_with_its_worker_is_reported_and_started_again(signed_in, db, people_places, large, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(jobs, "run", lambda app, job_id: None)  # the worker dies before finishing
        coord = signed_in("coordinator")
        coord.get("/suggestions/scheme")
    job = the_job(db)
    job.status, job.started_at = "running", utcnow() - jobs.LOST_AFTER - timedelta(minutes=1)
    db.add(job)
    db.commit()

    r = coord.get("/suggestions/scheme")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and WAITING in text
    assert "The last attempt did not finish" in text and "It has been started again." in text
    job = settled(db)
    assert job.status == "done" and job.attempts == 2
    assert "Sam Quenby" in coord.get("/suggestions/scheme").get_data(as_text=True)


def test_a_failing_job_is_shown_as_failed_and_can_be_tried_again(signed_in, db, people_places, large, monkeypatch):
    def broken(instance):
        raise RuntimeError("Sam Quenby")  # an exception's text never reaches the page or the row

    with monkeypatch.context() as m:
        m.setattr(services, "_scheme_result", broken)
        coord = signed_in("coordinator")
        assert coord.get("/suggestions/scheme").status_code == 200
        job = settled(db)
        assert job.status == "failed" and job.error == "engine_error"
        r = coord.get("/suggestions/scheme")
        text = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "The suggestions could not be worked out." in text and jobs.REASONS["engine_error"] in text
        assert "Try again" in text and "Sam Quenby" not in text
        assert the_job(db).status == "failed"  # not restarted by looking at it
    r = coord.get("/suggestions/scheme?again=1")
    assert r.status_code == 200 and WAITING in r.get_data(as_text=True)
    job = settled(db)
    assert job.status == "done" and job.attempts == 2
    assert "Sam Quenby" in coord.get("/suggestions/scheme").get_data(as_text=True)
    assert count(db, EngineRun) == 1  # the job's run, shown by the page without a copy


REDIS_URL = "redis://127.0.0.1:6379/11"  # this test's own database number


@pytest.fixture
def redis_queue(app, monkeypatch):
    """The job queue on Redis, under a name of this test's own; skipped where Redis is not running."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    name = f"slm-test-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.config, "JOBS_REDIS_URL", REDIS_URL)
    monkeypatch.setattr(jobs, "QUEUE", name)
    yield Queue(name, connection=connection)
    Queue(name, connection=connection).delete(delete_jobs=True)
    for key in connection.scan_iter(match=f"rq:*{name}*"):  # the queue's registries
        connection.delete(key)
    connection.close()


def test_with_redis_the_job_is_queued_for_the_engine_worker(app, signed_in, db, people_places, large, redis_queue):
    coord = signed_in("coordinator")
    assert WAITING in coord.get("/suggestions/scheme").get_data(as_text=True)
    assert redis_queue.count == 1 and the_job(db).status == "queued"  # no thread took it
    result = app.test_cli_runner().invoke(args=["engine-worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert redis_queue.count == 0
    job = settled(db, timeout=5)
    assert job.status == "done"
    assert "Sam Quenby" in coord.get("/suggestions/scheme").get_data(as_text=True)


def test_when_redis_does_not_answer_the_job_runs_in_the_worker(app, signed_in, db, people_places, large, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    coord = signed_in("coordinator")
    r = coord.get("/suggestions/scheme")
    assert r.status_code == 200 and WAITING in r.get_data(as_text=True)
    assert settled(db).status == "done"
    assert "Sam Quenby" in coord.get("/suggestions/scheme").get_data(as_text=True)


def test_engine_worker_without_redis_says_what_to_set(app):
    result = app.test_cli_runner().invoke(args=["engine-worker", "--burst"])
    assert result.exit_code != 0 and "JOBS_REDIS_URL" in result.output

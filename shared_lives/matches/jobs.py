"""Engine work too long for a request, run in the background and recorded in ``engine_job``.

The scheme-wide suggestions take tens of seconds at thousands of households, longer
than gunicorn lets a request run. So the first request on new inputs records a job
(one per input, by the snapshot's hash: a second request finds it rather than starting
another) and, once that request has committed, the work goes to the rq queue
:data:`QUEUE` on Redis where Redis is configured (``flask engine-worker`` works through
it), and otherwise (the embedded SQLite default) runs in a thread of the same worker.
When Redis does not answer, the thread is used instead. The job opens its own app
context and database session, never the request's, and records its result as an
ordinary engine run, so the page finds it like any recorded run.

A job whose worker died (a restart, a kill) would stay "running" for ever: one started
more than :data:`LOST_AFTER` ago is taken as lost, reported, and started again by the
next request that asks. Only one of several requests doing that at once restarts it
(a compare-and-set on the row). Failures are recorded as a reason code from
:data:`REASONS`, never as an exception's text (it may hold personal data).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.db import get_engine, is_unavailable
from shared_lives.matches.models import EngineJob
from shared_lives.timeutil import utcnow

log = logging.getLogger(__name__)

#: A job queued or running for longer than this is taken as lost (its worker died).
LOST_AFTER = timedelta(minutes=10)
#: Why a job did not finish, in the words the page shows.
REASONS = {
    "did_not_finish": "The last attempt did not finish (the server may have restarted).",
    "database_unavailable": "The database could not be reached while the suggestions were worked out.",
    "engine_error": "The matching engine stopped with an error while working out the suggestions.",
}
_TO_START = "engine_jobs_to_start"
#: The rq queue engine jobs are put on.
QUEUE = "slm-engine"


def redis_url(config) -> str | None:
    """Where the job queue is: ``JOBS_REDIS_URL``, else the rate limits' Redis, else none."""
    storage = config.get("RATELIMIT_STORAGE_URI") or ""
    return config.get("JOBS_REDIS_URL") or (storage if storage.startswith("redis://") else None)


def queue(url: str):
    # redis and rq are the [redis] extra: imported only where Redis is configured
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5))


def ask(session: Session, user, kind: str, key: str, again: bool = False) -> EngineJob:
    """The job for ``key``: found, or recorded and started once this request commits.

    A lost job is started again; a failed one only when ``again`` (the person asked
    to try again), so a job that fails every time is not restarted on every visit."""
    job = session.exec(select(EngineJob).where(EngineJob.key == key)).first()
    if job is None:
        try:
            with session.begin_nested():
                job = EngineJob(key=key, kind=kind, requested_by=getattr(user, "id", None))
                session.add(job)
        except IntegrityError:  # another request recorded it a moment ago
            return session.exec(select(EngineJob).where(EngineJob.key == key)).one()
        _start_after_commit(session, user, job, "engine.job_started")
        return job
    if is_lost(job):
        _restart(session, user, job, "did_not_finish")
    elif job.status == "done" or (job.status == "failed" and again):
        # done but its run not found: the records changed while it ran; run it on these
        _restart(session, user, job, job.error)
    return job


def is_lost(job: EngineJob) -> bool:
    return job.status in ("queued", "running") and utcnow() - job.started_at > LOST_AFTER


def _restart(session: Session, user, job: EngineJob, error: str | None) -> None:
    """Start ``job`` again, unless another request did so first (the row changed under us)."""
    table = EngineJob.__table__
    moved = session.execute(
        update(table)
        .where(table.c.id == job.id, table.c.status == job.status, table.c.started_at == job.started_at)
        .values(
            status="queued",
            started_at=utcnow(),
            finished_at=None,
            error=error,
            attempts=table.c.attempts + 1,
            requested_by=getattr(user, "id", None),
        )
    )
    session.refresh(job)
    if moved.rowcount == 1:
        _start_after_commit(session, user, job, "engine.job_restarted")


def _start_after_commit(session: Session, user, job: EngineJob, action: str) -> None:
    audit(session, actor_of(user), action, "engine_job", job.id, changes={"kind": job.kind, "error": job.error})
    app = current_app._get_current_object()
    session.info.setdefault(_TO_START, []).append((app, job.id))


@event.listens_for(OrmSession, "after_commit")
def _start_committed(session):
    # Only now can the job's own session see its row; a rolled-back request starts nothing.
    for app, job_id in session.info.pop(_TO_START, []):
        _start(app, job_id)


def _start(app, job_id: int) -> None:
    url = redis_url(app.config)
    if url:
        from redis.exceptions import RedisError

        try:
            # the result is the engine run in the database: rq keeps none
            queue(url).enqueue(run_queued, job_id, job_timeout=int(LOST_AFTER.total_seconds()), result_ttl=0)
            return
        except RedisError as exc:
            log.warning("engine job %s: Redis did not answer (%s); run in this worker", job_id, type(exc).__name__)
    threading.Thread(target=run, args=(app, job_id), name=f"engine-job-{job_id}", daemon=True).start()


def run_queued(job_id: int) -> None:
    """What the rq worker calls, inside the app context ``flask engine-worker`` gives it."""
    run(current_app._get_current_object(), job_id)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session):
    session.info.pop(_TO_START, None)


def _set(app, job_id: int, **values) -> None:
    with Session(get_engine(app)) as session:
        session.execute(update(EngineJob.__table__).where(EngineJob.__table__.c.id == job_id).values(**values))
        session.commit()


def run(app, job_id: int) -> None:
    """Do one job in its own app context and session, and record how it ended."""
    from shared_lives.matches import services  # services imports this module

    with app.app_context():
        try:
            _set(app, job_id, status="running")
            with Session(get_engine(app), expire_on_commit=False) as session:
                services.record_scheme_run(session)
                session.commit()
        except Exception as exc:  # any failure is recorded, never lost
            code = "database_unavailable" if is_unavailable(exc) else "engine_error"
            log.warning("engine job %s failed: %s (%s)", job_id, code, type(exc).__name__)
            _set(app, job_id, status="failed", finished_at=utcnow(), error=code)
            return
        _set(app, job_id, status="done", finished_at=utcnow(), error=None)

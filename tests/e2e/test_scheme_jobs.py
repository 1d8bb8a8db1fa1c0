"""The scheme-wide suggestions page while a background job works them out, and when it failed:
plain words, a link to check again, no refresh, and 0 axe violations."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import update
from sqlmodel import Session

from shared_lives.db import get_engine
from shared_lives.matches import jobs, services
from shared_lives.matches.models import EngineJob


def test_waiting_and_failed_pages_are_accessible(live_app, page_as, check_axe, monkeypatch):
    monkeypatch.setitem(live_app.config, "SCHEME_INLINE_PAIRS", 0)
    # The page must not find a run other tests recorded, and the job stays queued here.
    monkeypatch.setattr(services, "_recorded_scheme_run", lambda session, snapshot: None)
    monkeypatch.setattr(jobs, "run", lambda app, job_id: None)
    page = page_as("coordinator")
    page.goto("/suggestions/scheme")
    expect(page.get_by_text("are being worked out")).to_be_visible()
    expect(page.get_by_role("button", name="Check again")).to_be_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    check_axe(page)

    with Session(get_engine(live_app)) as session:
        session.execute(update(EngineJob).values(status="failed", error="engine_error"))
        session.commit()
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_text("The suggestions could not be worked out.")).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    check_axe(page)

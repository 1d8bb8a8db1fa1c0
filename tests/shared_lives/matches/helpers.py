"""Helpers for journey tests: call a service as a signed-in user, in its own transaction."""

from __future__ import annotations

from sqlmodel import Session

from shared_lives.auth.services import SignedInUser
from shared_lives.db import get_engine


def as_user(user):
    return SignedInUser(user, "test-token")


def call(app, fn, *args, **kwargs):
    """Run one service call in its own session and transaction, committed on success."""
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        try:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except Exception:
            session.rollback()
            raise


def person_agrees(app, user, proposal_id, name="Sam Quenby"):
    """The person's own agreement (capacity presumed), with how it was reached and their views."""
    from shared_lives.matches import services

    return call(
        app,
        services.record_response,
        user,
        proposal_id,
        "person",
        "agree",
        "person",
        name,
        "Talked it through with the easy-read page",
        person_views="Looking forward to meeting them",
        easy_read_used=True,
    )

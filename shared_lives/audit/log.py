"""The one call the rest of the app uses to write the audit log."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from sqlmodel import Session

from shared_lives.audit import services
from shared_lives.audit.services import SYSTEM, Actor


def actor_of(user) -> Actor:
    """The audit actor for a signed-in user (or the system when there is none)."""
    address = request.remote_addr if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(id=None, label="anonymous", role="anonymous", address=address)
    return Actor(id=user.id, label=user.email, role=user.role, address=address)


def audit(session: Session, actor: Actor | None, action: str, record_type=None, record_id=None, **kw):
    """Append an audit entry in the current transaction, keyed with the app's AUDIT_KEY."""
    return services.record(
        session,
        current_app.config["AUDIT_KEY"],
        actor or SYSTEM,
        action,
        record_type,
        record_id,
        **kw,
    )

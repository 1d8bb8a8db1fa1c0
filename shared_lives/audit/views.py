"""The audit log page: search by period, user, person, household and action."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from shared_lives.audit import search as audit_search
from shared_lives.db import get_session

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
def index():
    """Search the audit log (auditors, managers and administrators)."""
    page = audit_search.search(get_session(), current_user, request.args)
    return render_template(
        "audit/index.html",
        page=page,
        args=page.filters.as_args(),
        sorts=audit_search.SORTS,
        outcomes=audit_search.OUTCOMES,
        describe=audit_search.describe_changes,
    )

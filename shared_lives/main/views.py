"""The signed-in home page for each role, and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from shared_lives import RETRY_AFTER_SECONDS
from shared_lives.auth import redis_answers
from shared_lives.db import database_answers, get_engine, get_session
from shared_lives.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What the signed-in person can do next."""
    summary = services.home_summary(get_session(), current_user._get_current_object())
    return render_template(f"main/home_{current_user.role}.html", summary=summary)


@bp.get("/health")
def health():
    """200 when the database (and Redis, where limits live there) answer; 503 naming what failed.

    Public, and it says nothing about anyone: only which part answers.
    """
    redis = redis_answers()
    parts = {
        "database": "ok" if database_answers(get_engine()) else "unavailable",
        "redis": "not used" if redis is None else "ok" if redis else "unavailable",
    }
    failed = [name for name, state in parts.items() if state == "unavailable"]
    body = {"status": "unavailable" if failed else "ok", **parts}
    if failed:
        return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return body, 200, {"Cache-Control": "no-store"}

"""The signed-in home page for each role, and a health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text

from shared_lives.db import get_session
from shared_lives.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What the signed-in person can do next."""
    summary = services.home_summary(get_session(), current_user._get_current_object())
    return render_template(f"main/home_{current_user.role}.html", summary=summary)


@bp.get("/health")
def health():
    """Liveness for the load balancer: the database answers."""
    get_session().exec(text("SELECT 1"))
    return {"status": "ok"}

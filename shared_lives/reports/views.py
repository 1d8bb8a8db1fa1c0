"""The scheme report, where carers are needed, and the fairness report."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from shared_lives.db import get_session
from shared_lives.forms import page_number
from shared_lives.reports import fairness, needs, outcomes, overrides, services

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/scheme")
def scheme():
    """Pipeline, waiting times, places and checks, with charts (managers and auditors)."""
    data = services.scheme_report(get_session(), current_user, request.args.get("months"))
    return render_template("reports/scheme.html", **data)


def _csv(body: str, name: str) -> Response:
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/carers-needed")
def carers_needed():
    """People no household can take, and the groups competing for too few places."""
    return render_template("reports/carers_needed.html", **needs.carers_needed(get_session(), current_user))


@bp.get("/carers-needed.csv")
def carers_needed_csv():
    return _csv(needs.carers_needed_csv(get_session(), current_user), "carers-needed.csv")


@bp.get("/fairness")
def fairness_page():
    """Offer rates, waiting times and declines by group, need and area; households' offers."""
    data = fairness.fairness_report(get_session(), current_user, request.args.get("months"))
    return render_template("reports/fairness.html", **data)


@bp.get("/fairness.csv")
def fairness_csv():
    body = fairness.fairness_csv(get_session(), current_user, request.args.get("months"))
    return _csv(body, "fairness.csv")


@bp.get("/overrides")
def overrides_page():
    """Proposals for a household the engine did not put first, with their rationale; the counts."""
    data = overrides.overrides_report(get_session(), current_user, request.args.get("months"), page_number())
    return render_template("reports/overrides.html", **data)


@bp.get("/overrides.csv")
def overrides_csv():
    table = request.args.get("table", "counts")
    body = overrides.overrides_csv(get_session(), current_user, request.args.get("months"), table)
    return _csv(body, f"overrides-{'list' if table == 'list' else 'counts'}.csv")


@bp.get("/outcomes")
def outcomes_page():
    """The engine's score at proposal time beside what happened: descriptive only."""
    return render_template("reports/outcomes.html", **outcomes.outcomes_report(get_session(), current_user))

"""Exports (placement histories), per-person and per-household timelines, and subject access."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from shared_lives.auth.permissions import require
from shared_lives.db import get_engine, get_session
from shared_lives.exports import services, timeline
from shared_lives.exports.history import STATUSES
from shared_lives.rights import subject_access

bp = Blueprint("exports", __name__)


def _download(body, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/exports/")
def index():
    """Choose which placement history to export, and in which format."""
    require(current_user, "export:read")
    return render_template("exports/index.html", args={}, errors={}, statuses=STATUSES)


@bp.get("/exports/placement-history")
def placement_history():
    """Download placement histories as CSV, JSON or a tagged PDF (auditors)."""
    require(current_user, "export:read")
    session = get_session()
    fmt = request.args.get("format", "csv")
    f, errors, args = services.parse_filters(session, request.args)
    if fmt not in services.FORMATS:
        errors["format"] = "Choose CSV, JSON or PDF"
    if errors:
        return render_template("exports/index.html", args=args, errors=errors, statuses=STATUSES), 400
    name = services.start_export(session, current_user, fmt, f)
    engine = get_engine()
    if fmt == "pdf":
        pdf = services.history_pdf(engine, f, current_app.config["SCHEME_NAME"])
        if pdf is None:
            errors["format"] = (
                f"This history has more than {services.PDF_MAX_EVENTS:,} events: narrow the period, "
                "or export it as CSV or JSON"
            )
            return render_template("exports/index.html", args=args, errors=errors, statuses=STATUSES), 400
        return _download(pdf, services.FORMATS[fmt], name)
    chunks = services.csv_chunks(engine, f) if fmt == "csv" else services.json_chunks(engine, f)
    return _download(stream_with_context(chunks), services.FORMATS[fmt], name)


@bp.get("/history/person/<id:person_id>")
def person_history(person_id: int):
    """One person's placement history, as a timeline."""
    data = timeline.person_timeline(get_session(), current_user, person_id)
    return render_template("exports/timeline.html", **data)


@bp.get("/history/household/<id:household_id>")
def household_history(household_id: int):
    """One household's placement history, as a timeline."""
    data = timeline.household_timeline(get_session(), current_user, household_id)
    return render_template("exports/timeline.html", **data)


@bp.get("/people/<id:person_id>/subject-access")
def subject_access_page(person_id: int):
    """Subject access: download everything held about one person."""
    person = subject_access.person_for_request(get_session(), current_user, person_id)
    return render_template("rights/subject_access.html", person=person)


@bp.get("/people/<id:person_id>/subject-access.<any(json, pdf):fmt>")
def subject_access_download(person_id: int, fmt: str):
    """Everything held about one person, as JSON or a tagged PDF. Audited."""
    session = get_session()
    data = subject_access.collect(session, current_user, person_id, fmt)
    name = subject_access.filename(data, fmt)
    if fmt == "json":
        return _download(subject_access.as_json(data), "application/json", name)
    return _download(subject_access.as_pdf(data, current_app.config["SCHEME_NAME"]), "application/pdf", name)

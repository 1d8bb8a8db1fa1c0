"""Exports (placement histories), per-person and per-household timelines, and subject access."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from shared_lives.auth.permissions import require
from shared_lives.db import get_engine, get_session
from shared_lives.errors import ValidationError
from shared_lives.exports import services, timeline
from shared_lives.exports.history import STATUSES
from shared_lives.forms import field_error
from shared_lives.rights import subject_access
from shared_lives.rights.forms import ReceivedForm, StepForm
from shared_lives.rights.models import REQUEST_STATUSES
from shared_lives.timeutil import today

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


@bp.route("/people/<id:person_id>/subject-access", methods=["GET", "POST"])
def subject_access_page(person_id: int):
    """A person's subject access requests, and logging a new one."""
    db = get_session()
    form = ReceivedForm()
    if request.method == "GET":
        form.received_on.data = today()
    if form.validate_on_submit():
        try:
            made = subject_access.receive(db, current_user, person_id, form.received_on.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(f"Request logged. It is due by {made.due_on.day} {made.due_on:%B %Y}.", "success")
            return redirect(url_for("exports.subject_access_request", request_id=made.id))
    person, requests = subject_access.requests_page(db, current_user, person_id)
    return render_template(
        "rights/subject_access.html", person=person, requests=requests, form=form, statuses=REQUEST_STATUSES
    )


@bp.get("/subject-access/")
def subject_access_open():
    """Every subject access request still to answer, soonest due first."""
    requests = subject_access.open_requests_page(get_session(), current_user)
    return render_template("rights/open_requests.html", requests=requests)


@bp.get("/subject-access/<id:request_id>")
def subject_access_request(request_id: int):
    """One request: prepare it, check what is removed, release it."""
    db = get_session()
    made, person = subject_access.get_request(db, current_user, request_id, log_view=True)
    marked = subject_access.review_passages(db, made, person, current_app.config["SCHEME_NAME"])
    return render_template(
        "rights/request.html",
        request_row=made,
        person=person,
        marked=marked,
        form=StepForm(),
        statuses=REQUEST_STATUSES,
        today=today(),
    )


@bp.post("/subject-access/<id:request_id>/<any(prepare, redactions):step>")
def subject_access_step(request_id: int, step: str):
    """Prepare the information, or confirm which marked passages are removed."""
    db = get_session()
    if not StepForm().validate_on_submit():
        abort(400)
    scheme = current_app.config["SCHEME_NAME"]
    try:
        if step == "prepare":
            subject_access.prepare(db, current_user, request_id, scheme)
            flash("Prepared. Check each passage marked as about someone else.", "success")
        else:
            keep = set(request.form.getlist("keep"))
            subject_access.confirm_redactions(db, current_user, request_id, keep, scheme)
            flash("Checked. The information can now be released.", "success")
    except ValidationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("exports.subject_access_request", request_id=request_id))


@bp.post("/subject-access/<id:request_id>/release.<any(json, pdf):fmt>")
def subject_access_release(request_id: int, fmt: str):
    """The file to send, with the checked passages removed. Its SHA-256 is recorded."""
    db = get_session()
    if not StepForm().validate_on_submit():
        abort(400)
    try:
        name, body = subject_access.release(db, current_user, request_id, fmt, current_app.config["SCHEME_NAME"])
    except ValidationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("exports.subject_access_request", request_id=request_id))
    return _download(body, subject_access.FORMATS[fmt], name)

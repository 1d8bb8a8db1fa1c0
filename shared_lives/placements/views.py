"""Arrangements: the list, one arrangement with its reviews, recording a review, and the ending."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.auth.permissions import require
from shared_lives.db import get_session
from shared_lives.errors import NotFound, ValidationError
from shared_lives.forms import field_error
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.placements import services
from shared_lives.placements.forms import EndForm, ExtraReviewForm, ReviewForm
from shared_lives.placements.models import ARRANGEMENT_FILTERS, Arrangement, Review
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

bp = Blueprint("placements", __name__)


@bp.get("/arrangements")
def index():
    """Arrangements, active first; reviews due or overdue."""
    status = request.args.get("status", "active")
    if status not in ARRANGEMENT_FILTERS:
        status = "active"
    arrangement_type = request.args.get("arrangement_type", "")
    arrangement_type = arrangement_type if arrangement_type in ARRANGEMENT_TYPES else ""
    holding = request.args.get("holding") == "today"
    db = get_session()
    rows = services.list_arrangements(db, current_user, None if status == "all" else status, arrangement_type, holding)
    due = services.reviews_due(db)
    return render_template(
        "placements/index.html",
        rows=rows,
        status=status,
        arrangement_type=arrangement_type,
        holding=holding,
        due=due,
        filters=ARRANGEMENT_FILTERS,
        types=ARRANGEMENT_TYPES,
    )


@bp.get("/arrangements/<id:arrangement_id>")
def detail(arrangement_id: int):
    db = get_session()
    arrangement = services.get_arrangement(db, current_user, arrangement_id)
    services.record_view(db, current_user, arrangement, request.endpoint)
    return render_template(
        "placements/detail.html",
        arrangement=arrangement,
        person=db.get(Person, arrangement.person_id),
        household=db.get(Household, arrangement.household_id),
        reviews=services.reviews_of(db, arrangement.id),
        types=ARRANGEMENT_TYPES,
    )


@bp.route("/arrangements/<id:arrangement_id>/end", methods=["GET", "POST"])
def end(arrangement_id: int):
    """Record the ending: date, reason and who decided."""
    require(current_user, "arrangement:write")
    db = get_session()
    arrangement = services.get_arrangement(db, current_user, arrangement_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            services.end_arrangement(
                db,
                current_user,
                arrangement.id,
                form.end_date.data,
                form.reason.data,
                form.decided_by.data,
                form.note.data,
                form.planned.data == "yes",
                {"yes": True, "no": False}.get(form.wants_new_match.data),
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("The arrangement has ended. Its history stays on record.", "success")
            return redirect(url_for("placements.detail", arrangement_id=arrangement.id))
    services.record_view(db, current_user, arrangement, request.endpoint)
    return render_template(
        "placements/end.html",
        form=form,
        arrangement=arrangement,
        person=db.get(Person, arrangement.person_id),
        household=db.get(Household, arrangement.household_id),
    )


@bp.route("/arrangements/<id:arrangement_id>/reviews/new", methods=["GET", "POST"])
def new_review(arrangement_id: int):
    """A coordinator schedules an extra review."""
    require(current_user, "review:write")
    db = get_session()
    arrangement = services.get_arrangement(db, current_user, arrangement_id)
    form = ExtraReviewForm()
    if form.validate_on_submit():
        try:
            services.schedule_review(db, current_user, arrangement.id, form.due_on.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Extra review scheduled.", "success")
            return redirect(url_for("placements.detail", arrangement_id=arrangement.id))
    services.record_view(db, current_user, arrangement, request.endpoint)
    return render_template(
        "placements/new_review.html",
        form=form,
        arrangement=arrangement,
        person=db.get(Person, arrangement.person_id),
        household=db.get(Household, arrangement.household_id),
    )


@bp.route("/reviews/<id:review_id>", methods=["GET", "POST"])
def review(review_id: int):
    """Record a review as done; the next one is scheduled."""
    require(current_user, "review:write")
    db = get_session()
    row = db.get(Review, review_id)
    if row is None:
        raise NotFound("No such review.")
    arrangement = db.get(Arrangement, row.arrangement_id)
    form = ReviewForm()
    if request.method == "GET":
        form.completed_on.data = today()
    if form.validate_on_submit():
        try:
            services.complete_review(db, current_user, row.id, form.completed_on.data, form.notes.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Review recorded. The next one is scheduled.", "success")
            return redirect(url_for("placements.detail", arrangement_id=arrangement.id))
    services.record_view(db, current_user, arrangement, request.endpoint)
    return render_template(
        "placements/review.html",
        form=form,
        review=row,
        arrangement=arrangement,
        person=db.get(Person, arrangement.person_id),
        household=db.get(Household, arrangement.household_id),
    )

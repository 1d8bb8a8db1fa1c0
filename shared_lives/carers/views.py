"""Carers, DBS checks and training records (pages under a household), and the compliance page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.carers import services
from shared_lives.carers.forms import CarerForm, DbsForm, TrainingForm
from shared_lives.db import get_session
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.forms import ConfirmForm, field_error, page_number
from shared_lives.matches.services import liberty_authorisations_expiring
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES
from shared_lives.vocab.services import terms

bp = Blueprint("carers", __name__)


@bp.get("/households/compliance")
def compliance():
    """DBS, training and approval expiring within 60 days or expired; households made ineligible."""
    db = get_session()
    data = services.compliance(db, current_user, page_number())
    liberty = liberty_authorisations_expiring(db, current_user)  # Court of Protection authorisations: the journey's
    return render_template("carers/compliance.html", **data, liberty=liberty)


# --------------------------------------------------------------------------- carers


def _prepare_carer(form):
    form.set_vocab({"terms_arrangement_types": ARRANGEMENT_TYPES, "skills": terms(get_session(), "need")})


def _carer_values(form) -> dict:
    values = {n: form._fields[n].data for n in services.CARER_FIELDS}
    values["gender"] = values["gender"] or None
    return values


@bp.route("/households/<id:household_id>/carers/new", methods=["GET", "POST"])
def new_carer(household_id: int):
    db = get_session()
    household = services.household_for_form(db, current_user, household_id, log_view=request.method == "GET")
    form = CarerForm()
    _prepare_carer(form)
    if request.method == "GET":
        form.role.data, form.approval_status.data, form.terms_max_people.data = "main", "assessment", 1
    if form.validate_on_submit():
        try:
            services.create_carer(db, current_user, household_id, _carer_values(form))
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Carer added.", "success")
            return redirect(url_for("households.detail", household_id=household_id))
    return render_template("carers/carer.html", form=form, household=household, carer=None)


@bp.route("/households/<id:household_id>/carers/<id:carer_id>/edit", methods=["GET", "POST"])
def edit_carer(household_id: int, carer_id: int):
    db = get_session()
    household, carer = services.get_carer(db, current_user, household_id, carer_id, log_view=request.method == "GET")
    status, stale = 200, False
    if request.method == "POST":
        form = CarerForm()
        _prepare_carer(form)
        if form.validate():
            try:
                services.update_carer(db, current_user, household_id, carer_id, form.version.data, _carer_values(form))
            except ValidationError as exc:
                field_error(form, exc)
            except StaleRecord:
                stale, status = True, 409
                form.version.data = str(carer.version)
            else:
                flash("Carer saved.", "success")
                return redirect(url_for("households.detail", household_id=household_id))
    else:
        form = CarerForm(obj=carer)
        _prepare_carer(form)
        form.gender.data = carer.gender or ""
    return render_template("carers/carer.html", form=form, household=household, carer=carer, stale=stale), status


# --------------------------------------------------------------------------- DBS checks


@bp.route("/households/<id:household_id>/dbs/new", methods=["GET", "POST"])
def new_dbs(household_id: int):
    db = get_session()
    household = services.household_for_form(db, current_user, household_id, log_view=request.method == "GET")
    form = DbsForm()
    if form.validate_on_submit():
        try:
            services.add_dbs(db, current_user, household_id, form.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("DBS check added.", "success")
            return redirect(url_for("households.detail", household_id=household_id, _anchor="dbs"))
    return render_template("carers/dbs.html", form=form, household=household, check=None)


@bp.route("/households/<id:household_id>/dbs/<id:dbs_id>/edit", methods=["GET", "POST"])
def edit_dbs(household_id: int, dbs_id: int):
    db = get_session()
    household, check = services.get_dbs(db, current_user, household_id, dbs_id, log_view=request.method == "GET")
    form = DbsForm() if request.method == "POST" else DbsForm(obj=check)
    if form.validate_on_submit():
        try:
            services.update_dbs(db, current_user, household_id, dbs_id, form.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("DBS check saved.", "success")
            return redirect(url_for("households.detail", household_id=household_id, _anchor="dbs"))
    return render_template("carers/dbs.html", form=form, household=household, check=check)


@bp.route("/households/<id:household_id>/dbs/<id:dbs_id>/remove", methods=["GET", "POST"])
def remove_dbs(household_id: int, dbs_id: int):
    db = get_session()
    household, check = services.get_dbs(db, current_user, household_id, dbs_id, log_view=request.method == "GET")
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_dbs(db, current_user, household_id, dbs_id)
        flash("DBS check removed.", "success")
        return redirect(url_for("households.detail", household_id=household_id, _anchor="dbs"))
    what = f"the DBS check for {check.adult_name} (renew by {check.renew_by.strftime('%d %B %Y')})"
    back = url_for("households.detail", household_id=household_id)
    return render_template("carers/confirm_remove.html", form=form, household=household, what=what, back=back)


# --------------------------------------------------------------------------- training


@bp.route("/households/<id:household_id>/carers/<id:carer_id>/training/new", methods=["GET", "POST"])
def new_training(household_id: int, carer_id: int):
    db = get_session()
    household, carer = services.get_carer(db, current_user, household_id, carer_id, log_view=request.method == "GET")
    form = TrainingForm()
    if form.validate_on_submit():
        try:
            services.add_training(db, current_user, household_id, carer_id, form.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Training record added.", "success")
            return redirect(url_for("households.detail", household_id=household_id, _anchor=f"carer-{carer_id}"))
    return render_template("carers/training.html", form=form, household=household, carer=carer, record=None)


@bp.route("/households/<id:household_id>/carers/<id:carer_id>/training/<id:training_id>/edit", methods=["GET", "POST"])
def edit_training(household_id: int, carer_id: int, training_id: int):
    db = get_session()
    household, carer, record = services.get_training(
        db, current_user, household_id, carer_id, training_id, log_view=request.method == "GET"
    )
    form = TrainingForm() if request.method == "POST" else TrainingForm(obj=record)
    if form.validate_on_submit():
        try:
            services.update_training(db, current_user, household_id, carer_id, training_id, form.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Training record saved.", "success")
            return redirect(url_for("households.detail", household_id=household_id, _anchor=f"carer-{carer_id}"))
    return render_template("carers/training.html", form=form, household=household, carer=carer, record=record)


@bp.route(
    "/households/<id:household_id>/carers/<id:carer_id>/training/<id:training_id>/remove", methods=["GET", "POST"]
)
def remove_training(household_id: int, carer_id: int, training_id: int):
    db = get_session()
    household, carer, record = services.get_training(
        db, current_user, household_id, carer_id, training_id, log_view=request.method == "GET"
    )
    form = ConfirmForm()
    if form.validate_on_submit():
        services.remove_training(db, current_user, household_id, carer_id, training_id)
        flash("Training record removed.", "success")
        return redirect(url_for("households.detail", household_id=household_id, _anchor=f"carer-{carer_id}"))
    what = f"{carer.name}'s training record for {record.course}"
    back = url_for("households.detail", household_id=household_id)
    return render_template("carers/confirm_remove.html", form=form, household=household, what=what, back=back)

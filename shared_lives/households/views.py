"""Households: lists, records, the coordinator's review of a carer's changes, and a carer's own household."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.carers.models import APPROVAL_STATUSES
from shared_lives.db import get_session
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.forms import field_error, page_number
from shared_lives.households import services
from shared_lives.households.forms import (
    MEMBER_ROWS,
    PET_ROWS,
    HouseholdForm,
    OwnHouseholdForm,
    ReviewedForm,
)
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS
from shared_lives.vocab.services import terms

bp = Blueprint("households", __name__)
#: Errors the service reports on the whole list of members or pets go beside the first row.
ROW_FIELDS = {"members": "member_1_name", "pets": "pet_1_kind"}


def _vocab() -> dict:
    db = get_session()
    return {kind: terms(db, kind) for kind in ("interest", "need", "language", "faith", "pet")}


def _prepare(form, vocab: dict) -> None:
    form.set_vocab(
        {
            "languages": vocab["language"],
            "interests": vocab["interest"],
            "cannot_offer": vocab["need"],
            "needs_can_meet": vocab["need"],
            "arrangement_types": ARRANGEMENT_TYPES,
            "faith": {"": "Not given", **vocab["faith"]},
        }
    )
    form.set_pet_choices(vocab["pet"])


def _values(form, names) -> dict:
    values = {n: form._fields[n].data for n in names if n in form._fields}
    values["members"] = form.members_data()
    values["pets"] = form.pets_data()
    return values


def _labels() -> dict:
    return {
        "arrangement_types": ARRANGEMENT_TYPES,
        "statuses": APPROVAL_STATUSES,
        "lifestyles": LIFESTYLES,
        "settings": SETTINGS,
        "genders": GENDERS,
    }


# --------------------------------------------------------------------------- lists


@bp.get("/households")
def index():
    """Households with search, filters and pagination."""
    args = {k: request.args.get(k, "")[:100] for k in ("q", "arrangement_type", "status", "area", "availability")}
    result = services.list_households(get_session(), current_user, page=page_number(), **args)
    return render_template(
        "households/index.html",
        result=result,
        args=args,
        list_statuses=services.LIST_STATUSES,
        availability=services.AVAILABILITY,
        **_labels(),
    )


# --------------------------------------------------------------------------- one household


@bp.get("/households/<id:household_id>")
def detail(household_id: int):
    data = services.household_detail(get_session(), current_user, household_id)
    return render_template(
        "households/detail.html",
        **data,
        reviewed_form=ReviewedForm(),
        can_write=services.can_write(current_user),
        **_labels(),
    )


@bp.route("/households/new", methods=["GET", "POST"])
def new():
    from shared_lives.auth.permissions import require

    require(current_user, "household:write")
    vocab = _vocab()
    form = HouseholdForm()
    _prepare(form, vocab)
    if request.method == "GET":
        form.lifestyle.data, form.setting.data = "mixed", "urban"
        form.age_min.data, form.age_max.data, form.bedrooms_spare.data = 18, 100, 0
    if form.validate_on_submit():
        try:
            household = services.create_household(get_session(), current_user, _values(form, services.STAFF_FIELDS))
        except ValidationError as exc:
            field_error(form, exc, ROW_FIELDS)
        else:
            flash(f"{household.name} added. Add its carers and DBS checks next.", "success")
            return redirect(url_for("households.detail", household_id=household.id))
    return render_template("households/edit.html", form=form, household=None, rows=_rows(form), member_rows=MEMBER_ROWS)


def _rows(form) -> dict:
    """How many member and pet rows to show: the filled ones and two blank ones."""

    def used(prefix, parts, n):
        last = 0
        for i in range(1, n + 1):
            if any(form[f"{prefix}_{i}_{p}"].data not in (None, "") or form[f"{prefix}_{i}_{p}"].errors for p in parts):
                last = i
        return min(n, last + 2)

    return {
        "members": used("member", ("name", "age", "relationship"), MEMBER_ROWS),
        "pets": used("pet", ("kind", "number"), PET_ROWS),
    }


@bp.route("/households/<id:household_id>/edit", methods=["GET", "POST"])
def edit(household_id: int):
    db = get_session()
    vocab = _vocab()
    status = 200
    stale = False
    if request.method == "POST":
        form = HouseholdForm()
        _prepare(form, vocab)
        household = None
        if form.validate():
            try:
                household = services.update_household(
                    db, current_user, household_id, form.version.data, _values(form, services.STAFF_FIELDS)
                )
            except ValidationError as exc:
                field_error(form, exc, ROW_FIELDS)
            except StaleRecord:
                stale, status = True, 409
            else:
                flash("Household saved.", "success")
                return redirect(url_for("households.detail", household_id=household.id))
        household = services.get_household_for_edit(db, current_user, household_id, log_view=False)
        if stale:
            form.version.data = str(household.version)
    else:
        household = services.get_household_for_edit(db, current_user, household_id)
        form = HouseholdForm(obj=household)
        _prepare(form, vocab)
        form.fill_rows(household)
        form.faith.data = household.faith or ""
    return (
        render_template(
            "households/edit.html",
            form=form,
            household=household,
            stale=stale,
            rows=_rows(form),
            member_rows=MEMBER_ROWS,
        ),
        status,
    )


@bp.post("/households/<id:household_id>/reviewed")
def reviewed(household_id: int):
    form = ReviewedForm()
    if form.validate_on_submit():
        services.mark_reviewed(get_session(), current_user, household_id)
        flash("Marked as reviewed.", "success")
    return redirect(url_for("households.detail", household_id=household_id))


# --------------------------------------------------------------------------- a carer's own household


@bp.get("/my-household")
def mine():
    data = services.own_household(get_session(), current_user)
    return render_template("households/mine.html", **data, **_labels())


@bp.route("/my-household/edit", methods=["GET", "POST"])
def edit_mine():
    db = get_session()
    vocab = _vocab()
    status, stale = 200, False
    if request.method == "POST":
        form = OwnHouseholdForm()
        _prepare(form, vocab)
        if form.validate():
            try:
                # Only the carer-editable fields are read, whatever else was posted.
                _household, reasons = services.update_own_household(
                    db, current_user, form.version.data, _values(form, services.OWN_FIELDS)
                )
            except ValidationError as exc:
                field_error(form, exc, ROW_FIELDS)
            except StaleRecord:
                stale, status = True, 409
            else:
                message = "Your changes are saved."
                if reasons:
                    message += " Your coordinator will review them because " + " and ".join(reasons) + "."
                flash(message, "success")
                return redirect(url_for("households.mine"))
        household = services.get_own_household_for_edit(db, current_user)
        if stale:
            form.version.data = str(household.version)
    else:
        household = services.get_own_household_for_edit(db, current_user)
        form = OwnHouseholdForm(obj=household)
        _prepare(form, vocab)
        form.fill_rows(household)
    return (
        render_template("households/edit_mine.html", form=form, household=household, stale=stale, rows=_rows(form)),
        status,
    )

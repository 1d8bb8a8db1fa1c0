"""People seeking support: list, record, add and edit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.auth.permissions import require
from shared_lives.db import get_session
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.forms import field_error, page_number
from shared_lives.matches import services as match_services
from shared_lives.people import models, services
from shared_lives.people.forms import PersonForm
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS
from shared_lives.vocab.services import terms

bp = Blueprint("people", __name__, url_prefix="/people")

OPTIONAL_CHOICES = ("gender", "carer_gender_personal_care", "faith", "setting")


def _prepare(form) -> None:
    db = get_session()
    form.set_vocab(
        {
            "needs": terms(db, "need"),
            "interests": terms(db, "interest"),
            "allergies": terms(db, "pet"),
            "languages": terms(db, "language"),
            "faith": {"": "Not given", **terms(db, "faith")},
        }
    )


def _values(form) -> dict:
    values = {n: form._fields[n].data for n in services.FIELDS}
    for name in OPTIONAL_CHOICES:
        values[name] = values[name] or None
    return values


def _labels() -> dict:
    return {
        "arrangement_types": ARRANGEMENT_TYPES,
        "statuses": models.PERSON_STATUSES,
        "genders": GENDERS,
        "lifestyles": LIFESTYLES,
        "settings": SETTINGS,
        "pet_prefs": models.PET_PREFERENCES,
        "smoking_prefs": models.SMOKING_PREFERENCES,
        "children_prefs": models.CHILDREN_PREFERENCES,
        "capacity": models.CAPACITY,
    }


@bp.get("")
def index():
    args = {k: request.args.get(k, "")[:100] for k in ("q", "arrangement_type", "status", "area")}
    result = services.list_people(get_session(), current_user, page=page_number(), **args)
    return render_template("people/index.html", result=result, args=args, **_labels())


@bp.get("/<id:person_id>")
def detail(person_id: int):
    db = get_session()
    data = services.person_detail(db, current_user, person_id)
    latest = match_services.person_capacity(db, person_id)  # assessments belong to the journey
    return render_template(
        "people/detail.html", **data, assessment=latest, can_write=services.can_write(current_user), **_labels()
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(current_user, "person:write")
    form = PersonForm()
    _prepare(form)
    if request.method == "GET":
        form.status.data, form.arrangement_type.data = "waiting", "live_in"
        form.pets.data, form.smoking.data, form.children.data, form.lifestyle.data = "ok", "no", "ok", "mixed"
        form.capacity.data, form.decision_maker.data, form.max_distance_km.data = "not_assessed", "person", 25
    if form.validate_on_submit():
        try:
            person = services.create_person(get_session(), current_user, _values(form))
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(f"{person.first_name} {person.last_name} added.", "success")
            return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/edit.html", form=form, person=None)


@bp.route("/<id:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int):
    db = get_session()
    status, stale = 200, False
    if request.method == "POST":
        form = PersonForm()
        _prepare(form)
        if form.validate():
            try:
                person = services.update_person(db, current_user, person_id, form.version.data, _values(form))
            except ValidationError as exc:
                field_error(form, exc)
            except StaleRecord:
                stale, status = True, 409
            else:
                flash("Record saved.", "success")
                return redirect(url_for("people.detail", person_id=person.id))
        person = services.get_person_for_edit(db, current_user, person_id)
        if stale:
            form.version.data = str(person.version)
    else:
        person = services.get_person_for_edit(db, current_user, person_id)
        form = PersonForm(obj=person)
        _prepare(form)
        for name in OPTIONAL_CHOICES:
            form[name].data = getattr(person, name) or ""
    who_decides = services.who_decides(person)
    return render_template("people/edit.html", form=form, person=person, stale=stale, who_decides=who_decides), status

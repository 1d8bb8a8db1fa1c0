"""The equality monitoring form on a person's record."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.db import get_session
from shared_lives.equality import services
from shared_lives.equality.forms import EqualityForm
from shared_lives.equality.models import FIELDS
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.forms import field_error

bp = Blueprint("equality", __name__)


@bp.route("/people/<id:person_id>/equality", methods=["GET", "POST"])
def record(person_id: int):
    db = get_session()
    form = EqualityForm()
    status = 200
    if request.method == "POST" and form.validate():
        values = {name: form._fields[name].data or None for name in FIELDS}
        try:
            services.record_equality(db, current_user, person_id, form.version.data, values)
        except ValidationError as exc:
            field_error(form, exc)
        except StaleRecord as exc:
            form.submit.errors = [str(exc)]
            status = 409
        else:
            flash("Equality monitoring answers saved.", "success")
            return redirect(url_for("people.detail", person_id=person_id))
    data = services.equality_form(db, current_user, person_id)
    if request.method == "GET":
        form.version.data = str(data["version"])
        if data["record"] is not None:
            for name in FIELDS:
                form._fields[name].data = getattr(data["record"], name) or ""
    return render_template("equality/form.html", form=form, **data), status

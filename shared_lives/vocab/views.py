"""Administrators see the controlled vocabularies and add terms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from shared_lives.db import get_session
from shared_lives.errors import ValidationError
from shared_lives.forms import field_error
from shared_lives.vocab import services
from shared_lives.vocab.forms import TermForm
from shared_lives.vocab.models import VOCABULARY_KINDS

bp = Blueprint("vocab", __name__, url_prefix="/vocabularies")


@bp.route("", methods=["GET", "POST"])
def index():
    db = get_session()
    vocabularies = services.all_terms(db, current_user)
    form = TermForm()
    if form.validate_on_submit():
        try:
            term = services.add_term(db, current_user, form.kind.data, form.label.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(f"“{term.label}” added to {VOCABULARY_KINDS[term.kind]}.", "success")
            return redirect(url_for("vocab.index"))
    return render_template("vocab/index.html", form=form, vocabularies=vocabularies, kinds=VOCABULARY_KINDS)

"""Administrators manage accounts: create, change role, deactivate and reactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlmodel import select

from shared_lives.admin.forms import ActiveForm, RoleForm, UserCreateForm
from shared_lives.audit.log import actor_of
from shared_lives.auth import services as auth_services
from shared_lives.auth.permissions import require
from shared_lives.db import get_session
from shared_lives.errors import ValidationError
from shared_lives.forms import field_error
from shared_lives.households.models import Household

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _household_choices():
    rows = get_session().exec(select(Household.id, Household.reference, Household.name).order_by(Household.name)).all()
    return {"": "Not a carer"} | {str(i): f"{name} ({ref})" for i, ref, name in rows}


@bp.get("/users")
def users():
    """All accounts, by role."""
    rows = auth_services.list_users(get_session(), current_user)
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account."""
    require(current_user, "user:manage")
    form = UserCreateForm()
    form.household_id.choices = _household_choices()
    if form.validate_on_submit():
        try:
            user = auth_services.create_user(
                get_session(),
                actor_of(current_user),
                form.email.data,
                form.name.data,
                form.role.data,
                form.password.data,
                form.household_id.data,
                temporary=True,
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(f"Account created for {user.name}.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """One account: its role and whether it is active."""
    db = get_session()
    account = auth_services.get_user(db, current_user, user_id)
    form = RoleForm(obj=None if account is None else account)
    form.household_id.choices = _household_choices()
    if form.validate_on_submit():
        try:
            auth_services.change_role(db, current_user, user_id, form.role.data, form.household_id.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Role changed. The account's sessions have ended.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/user.html", account=account, form=form, is_self=account.id == current_user.id)


@bp.route("/users/<id:user_id>/<any(deactivate, reactivate):change>", methods=["GET", "POST"])
def set_active(user_id: int, change: str):
    """Confirm, then deactivate or reactivate an account."""
    db = get_session()
    account = auth_services.get_user(db, current_user, user_id)
    if account.id == current_user.id:
        abort(403)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            auth_services.set_active(db, current_user, user_id, change == "reactivate")
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(f"Account {change}d.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/confirm_active.html", account=account, form=form, change=change)

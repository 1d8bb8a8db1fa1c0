"""Sign in, sign out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from shared_lives.auth import limiter
from shared_lives.auth import services as auth_services
from shared_lives.auth.forms import ChangePasswordForm, SignInForm
from shared_lives.db import get_session
from shared_lives.errors import ValidationError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_PER_ADDRESS"]


def _refused(_response) -> bool:
    # Only refused sign-ins count against an address: colleagues behind one office
    # address signing in correctly never use up its allowance.
    return g.get("sign_in_refused", False)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_refused)
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            user = auth_services.authenticate(
                db, form.email.data, form.password.data, request.remote_addr, current_app.config
            )
        except auth_services.SignInRefused as exc:
            g.sign_in_refused = True
            form.email.errors.append(str(exc))
            return render_template("auth/sign_in.html", form=form), 200
        signed_in = auth_services.start_session(db, user, request.remote_addr)
        next_url = _safe_next(request.args.get("next"))
        session.clear()  # a new session at sign-in: nothing carried over from before
        login_user(signed_in)
        session.permanent = True
        return redirect(next_url)
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    """End the session on the server and in the browser."""
    auth_services.end_session(get_session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change your own password; your other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            auth_services.change_password(
                get_session(), current_user._get_current_object(), form.current_password.data, form.new_password.data
            )
        except ValidationError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)

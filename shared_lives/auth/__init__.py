"""Sign-in: Flask-Login over server-side sessions, deny by default, throttled sign-in."""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user

from shared_lives.db import get_session

login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Endpoints that anyone may reach without signing in. Everything else needs sign-in.
PUBLIC_ENDPOINTS = frozenset({"auth.sign_in", "static", "assets_file", "main.health"})


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = None  # server-side sessions do this job
    limiter.init_app(app)

    @login_manager.user_loader
    def _load(token):
        from shared_lives.auth.services import load_session

        return load_session(get_session(), token, current_app.config)

    @app.before_request
    def _deny_by_default():
        if request.endpoint is None:
            return None  # 404/405 handlers answer
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if not current_user.is_authenticated:
            session.pop("_user_id", None)
            if request.method != "GET":
                abort(401 if request.accept_mimetypes.best == "application/json" else 403)
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return None

    from shared_lives.auth.views import bp

    app.register_blueprint(bp)

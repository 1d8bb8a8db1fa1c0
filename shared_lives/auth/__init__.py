"""Sign-in: Flask-Login over server-side sessions, deny by default, throttled sign-in."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user

from shared_lives.db import get_session

log = logging.getLogger(__name__)
login_manager = LoginManager()
# When the limits' store (Redis) cannot be reached, the limits are kept in this
# process instead (flask-limiter logs one warning), sign-in keeps working, and the
# store is tried again with a growing pause (up to 32 s) until it answers.
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)
#: Give up on an unreachable Redis quickly: a sign-in must not wait for it.
REDIS_TIMEOUT_SECONDS = 0.5

#: Endpoints that anyone may reach without signing in. Everything else needs sign-in.
PUBLIC_ENDPOINTS = frozenset({"auth.sign_in", "static", "assets_file", "main.health"})
#: All an account with a temporary password may reach until it chooses its own.
TEMPORARY_PASSWORD_ENDPOINTS = frozenset({"auth.change_password", "auth.sign_out"})


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = None  # server-side sessions do this job
    if uses_redis(app):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "retry": Retry(NoBackoff(), 0),  # the fallback is the retry
        }
    limiter.init_app(app)
    # The limiter is one object for every app in a process (tests make many): a new
    # app brings a new store, so an earlier store's outage must not carry over.
    limiter._storage_dead = False

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
        if current_user.must_change_password and request.endpoint not in TEMPORARY_PASSWORD_ENDPOINTS:
            if request.method != "GET":
                abort(403)
            return redirect(url_for("auth.change_password"))
        return None

    from shared_lives.auth.views import bp

    app.register_blueprint(bp)


def uses_redis(app: Flask | None = None) -> bool:
    """Whether rate limits are kept in Redis (several workers) rather than in memory."""
    uri = (app or current_app).config.get("RATELIMIT_STORAGE_URI") or ""
    return uri.startswith(("redis", "rediss", "valkey"))


def redis_answers() -> bool | None:
    """Whether the rate limits' Redis answers now; None when limits are kept in memory."""
    if not uses_redis():
        return None
    ok = limiter.storage.check()
    if not ok:
        log.warning("health: the rate limits' Redis does not answer")
    return ok


def retry_after_seconds() -> int:
    """Seconds until the sign-in limit this request broke lets its address try again."""
    current = limiter.current_limit
    if current is None:
        return 60
    try:
        return max(1, math.ceil(current.window.reset_time - time.time()))
    except Exception as exc:  # the store went away between the check and now
        log.warning("could not read the limit's reset time (%s)", type(exc).__name__)
        return int(current.limit.get_expiry())


def show_signed_out() -> None:
    """Draw the rest of this request as for a signed-out visitor (error pages).

    Sets Flask-Login's per-request user, so nothing loads the account again. The
    session cookie is untouched: the person is still signed in next time.
    """
    g._login_user = login_manager.anonymous_user()

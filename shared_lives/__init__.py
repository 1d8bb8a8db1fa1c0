"""Shared Lives Match: records, matching and the journey to an arrangement for Shared Lives schemes."""

from __future__ import annotations

import logging
import math
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask, make_response, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from shared_lives import db, security
from shared_lives.config import Config

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()
log = logging.getLogger(__name__)

#: Sent with a 503: a restart or failover is usually over within this many seconds.
RETRY_AFTER_SECONDS = 30
#: Posted fields never written back into a page (a 503 keeps the rest of a form).
SECRET_FIELD = re.compile(r"password|passphrase|secret", re.IGNORECASE)


def create_app(config: Config | dict | None = None) -> Flask:
    """Build the app. ``config`` is a Config, or a dict of overrides on top of the environment."""
    cfg = config.completed() if isinstance(config, Config) else Config.from_env(**(config or {}))
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.update({k: v for k, v in vars(cfg).items() if k != "extra"})
    app.config.update(cfg.extra)
    app.config["SHARED_LIVES_CONFIG"] = cfg
    if cfg.TRUSTED_PROXIES:
        n = cfg.TRUSTED_PROXIES
        # Only with proxies configured: otherwise any client could choose its address and scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.config.update(
        TESTING=cfg.ENV == "testing",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.SESSION_COOKIE_SECURE,
        SESSION_COOKIE_NAME="slm_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.SESSION_ABSOLUTE_HOURS),
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        RATELIMIT_STORAGE_URI=cfg.RATELIMIT_STORAGE_URI,
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    csrf.init_app(app)
    WTFormsHelpers(app)
    security.init_app(app)

    from shared_lives import auth, cli, views

    auth.init_app(app)
    views.register_blueprints(app)
    cli.init_app(app)
    _register_assets(app)
    _register_errors(app)
    _register_transaction(app)
    return app


def warm_up(app: Flask) -> int:
    """Compile every page template now, so no one's first page from a new worker waits for
    it (about 15 ms a template; gunicorn calls this as each worker starts). Returns how many."""
    names = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def _register_assets(app: Flask) -> None:
    assets = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets"

    @app.get("/assets/<path:filename>")
    def assets_file(filename):
        """GOV.UK Frontend's fonts and images, referred to by the compiled CSS."""
        return send_from_directory(assets, filename, max_age=86400)


def _register_transaction(app: Flask) -> None:
    @app.after_request
    def _commit(response):
        # One commit per request. Handled errors (4xx) still commit, so a failed
        # sign-in or a refused action leaves its audit entry; an exception (5xx)
        # rolls everything back in teardown. Registered last, so it runs before the
        # other after_request hooks: a failed commit still gets the security headers.
        try:
            db.commit_request_session(response.status_code < 500)
        except SQLAlchemyError as exc:
            if not db.is_unavailable(exc):
                raise
            # The page must not claim a save that did not happen (a redirect after a POST).
            return _unavailable_page(exc)
        return response


def _failure_page(template: str, status: int, **ctx):
    """A 5xx page that needs nothing from the database.

    The request's work is dropped and the page is drawn as for a signed-out
    visitor: loading the account, or a record the failed transaction expired,
    could raise again. The person stays signed in for their next request.
    """
    from shared_lives.auth import show_signed_out

    db.discard_request_session()
    show_signed_out()
    response = make_response(render_template(template, **ctx), status)
    response.headers["Cache-Control"] = "no-store"  # it may repeat what was typed
    return response


def _kept_input() -> dict | None:
    """What a POST sent, to show again with a 'Send again' button (passwords left out)."""
    if request.method != "POST" or not (request.form or request.files):
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if not SECRET_FIELD.search(name)]
    shown = [
        (name.replace("_", " ").replace("-", " ").capitalize(), value)
        for name, value in fields
        if name not in {"csrf_token", "submit"} and value.strip()
    ]
    return {
        "action": request.script_root + request.full_path.rstrip("?"),
        "fields": fields,
        "shown": shown,
        "withheld": any(SECRET_FIELD.search(name) for name in request.form),
        "files": any(f.filename for f in request.files.values()),
    }


def _unavailable_page(exc: BaseException):
    # The class name only: the message can hold SQL, and the SQL can hold personal data.
    cause = type(getattr(exc, "orig", None) or exc).__name__
    log.warning("503 for %s %s: the database is unavailable (%s)", request.method, request.endpoint, cause)
    response = _failure_page("errors/503.html", 503, kept=_kept_input(), posted=request.method == "POST")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _register_errors(app: Flask) -> None:
    from shared_lives.auth import retry_after_seconds
    from shared_lives.errors import NotFound, PermissionDenied

    def page(template, status, **ctx):
        return render_template(template, **ctx), status

    @app.errorhandler(PermissionDenied)
    def _denied(exc):
        from flask_login import current_user

        from shared_lives.audit.log import actor_of, audit

        session = db.get_session()
        session.rollback()
        audit(
            session,
            actor_of(current_user),
            "access.denied",
            outcome="denied",
            changes={"permission": exc.permission, "path": request.path[:200]},
        )
        return page("errors/403.html", 403)

    @app.errorhandler(NotFound)
    def _not_found_domain(exc):
        return page("errors/404.html", 404)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return page(
            "errors/400.html",
            400,
            reason="Your form expired or was sent from another site. Go back, reload the page and try again.",
        )

    for code in (400, 403, 404, 405, 413):

        def handler(exc, code=code):
            return page(f"errors/{code}.html" if code in (403, 404) else "errors/400.html", code)

        app.register_error_handler(code, handler)

    @app.errorhandler(429)
    def _too_many(exc):
        seconds = retry_after_seconds()
        response = make_response(render_template("errors/429.html", minutes=math.ceil(seconds / 60)), 429)
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(SQLAlchemyError)
    def _database_error(exc):
        if not db.is_unavailable(exc):
            raise exc  # a fault in the app: the 500 page
        return _unavailable_page(exc)

    @app.errorhandler(500)
    def _server_error(exc):
        original = getattr(exc, "original_exception", None)
        if original is not None and db.is_unavailable(original):
            return _unavailable_page(original)
        return _failure_page("errors/500.html", 500)

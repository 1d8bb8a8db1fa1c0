"""Shared Lives Match: records, matching and the journey to an arrangement for Shared Lives schemes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError, CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from shared_lives import db, security
from shared_lives.config import Config

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


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
        # rolls everything back in teardown.
        db.commit_request_session(response.status_code < 500)
        return response


def _register_errors(app: Flask) -> None:
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

    for code in (400, 403, 404, 405, 413, 429):

        def handler(exc, code=code):
            return page(f"errors/{code}.html" if code in (403, 404, 429) else "errors/400.html", code)

        app.register_error_handler(code, handler)

    @app.errorhandler(500)
    def _server_error(exc):
        return page("errors/500.html", 500)

"""Blueprint registration and the navigation each role sees."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from shared_lives.auth.permissions import ROLE_LABELS, has_permission

#: (label, endpoint, permission). An item shows when its endpoint exists and the role holds it.
NAVIGATION = [
    ("Home", "main.home", None),
    ("My household", "households.mine", "own_household:read"),
    ("People", "people.index", "person:read"),
    ("Households", "households.index", "household:read"),
    ("Proposals", "matches.index", "proposal:read"),
    ("Your proposals", "matches.index", "own_proposal:read"),
    ("Scheme-wide matches", "matches.scheme", "match:run"),
    ("Arrangements", "placements.index", "proposal:read"),
    ("Compliance", "carers.compliance", "compliance:read"),
    ("Scheme report", "reports.scheme", "report:read"),
    ("Audit log", "audit.index", "audit:read"),
    ("Exports", "exports.index", "export:read"),
    ("Import", "imports.index", "import:run"),
    ("Accounts", "admin.users", "user:manage"),
    ("Vocabularies", "vocab.index", "vocab:manage"),
]


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for label, endpoint, permission in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        if permission and not has_permission(current_user.role, permission):
            continue
        prefix = "/" if endpoint == "main.home" else None
        from flask import url_for

        href = url_for(endpoint)
        active = request.path == href if prefix else request.path.startswith(href)
        items.append({"text": label, "href": href, "active": active})
    return items


def register_blueprints(app: Flask) -> None:
    from shared_lives.households.models import Household
    from shared_lives.people.models import Person
    from shared_lives.records import RecordIdConverter, reference_for

    # Every id in a route is ``<id:...>``: past the column's range is 404, not a database error.
    app.url_map.converters["id"] = RecordIdConverter
    from shared_lives.admin.views import bp as admin_bp
    from shared_lives.audit.views import bp as audit_bp
    from shared_lives.carers.views import bp as carers_bp
    from shared_lives.equality.views import bp as equality_bp
    from shared_lives.exports.views import bp as exports_bp
    from shared_lives.households.views import bp as households_bp
    from shared_lives.imports.views import bp as imports_bp
    from shared_lives.main.views import bp as main_bp
    from shared_lives.matches.views import bp as matches_bp
    from shared_lives.people.views import bp as people_bp
    from shared_lives.placements.views import bp as placements_bp
    from shared_lives.reports.views import bp as reports_bp
    from shared_lives.vocab.views import bp as vocab_bp

    for bp in (
        main_bp,
        admin_bp,
        households_bp,
        carers_bp,
        people_bp,
        equality_bp,
        matches_bp,
        placements_bp,
        reports_bp,
        audit_bp,
        exports_bp,
        vocab_bp,
        imports_bp,
    ):
        app.register_blueprint(bp)

    @app.context_processor
    def _globals():
        return {
            "scheme_name": app.config["SCHEME_NAME"],
            "navigation": navigation_items(),
            "role_label": ROLE_LABELS.get(getattr(current_user, "role", None), ""),
            "role_labels": ROLE_LABELS,
            "can": lambda perm: current_user.is_authenticated and has_permission(current_user.role, perm),
            # Search hints say what a reference looks like, in the one format records makes.
            "reference_examples": {
                "person": reference_for(Person.reference_prefix, 42),
                "household": reference_for(Household.reference_prefix, 42),
            },
        }

"""Named permissions and the roles that hold them. Deny by default."""

from __future__ import annotations

from shared_lives.errors import PermissionDenied

ROLE_LABELS = {
    "admin": "Administrator",
    "manager": "Manager",
    "coordinator": "Coordinator",
    "carer": "Carer",
    "auditor": "Auditor",
}

_STAFF_RECORDS = {
    "household:read",
    "household:write",
    "person:read",
    "person:write",
    "compliance:read",
    "match:run",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"user:manage", "vocab:manage", "audit:read"}),
    "manager": frozenset(
        _STAFF_RECORDS
        | {"proposal:approve", "audit:read", "proposal:read", "person:subject_access"}
        | {"arrangement:write", "review:write"}
        | {"dashboard:read", "report:read", "equality:read", "equality:write"}
    ),
    "coordinator": frozenset(
        _STAFF_RECORDS
        | {"proposal:create", "proposal:read", "proposal:respond", "arrangement:write", "review:write"}
        # Coordinators record equality data but never read it back or see the reports.
        | {"dashboard:read", "equality:write"}
    ),
    "carer": frozenset({"own_household:read", "own_household:write", "own_proposal:read", "own_proposal:respond"}),
    "auditor": frozenset(
        {"household:read", "person:read", "compliance:read", "audit:read", "export:read", "proposal:read"}
        | {"report:read", "equality:read"}
    ),
}


def has_permission(role: str | None, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role or "", frozenset())


def require(user, permission: str) -> None:
    """Raise PermissionDenied unless ``user`` (signed in, active) holds ``permission``."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(permission)
    if not has_permission(user.role, permission):
        raise PermissionDenied(permission)

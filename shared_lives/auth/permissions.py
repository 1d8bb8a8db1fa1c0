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

_COORDINATOR = frozenset(
    _STAFF_RECORDS | {"proposal:create", "proposal:read", "proposal:respond", "arrangement:write", "review:write"}
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"user:manage", "vocab:manage", "audit:read"}),
    # Everything a coordinator can do, and approve proposals they did not make (four
    # eyes is checked where approval is decided, not by the role), and import records.
    "manager": _COORDINATOR
    | {"proposal:approve", "audit:read", "person:subject_access", "import:run"}
    | {"dashboard:read", "report:read", "equality:read", "equality:write"},
    # Coordinators record equality data but never read it back, and do not see the reports.
    "coordinator": _COORDINATOR | {"dashboard:read", "equality:write"},
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

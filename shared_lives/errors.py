"""Domain errors that services raise and views turn into messages or status codes."""


class DomainError(Exception):
    """A rule of the scheme stopped the action; the message is fit to show the user.

    ``codes`` name the rules that stopped it (reason codes, e.g. ``no_free_place``): the
    audit log records those, never the message, which may name the person.
    """

    def __init__(self, message: str = "", codes=()):
        super().__init__(message)
        self.codes = tuple(codes)


class PermissionDenied(DomainError):
    """The acting user lacks the named permission (403)."""

    def __init__(self, permission: str):
        super().__init__(f"You do not have permission to do this ({permission}).")
        self.permission = permission


class NotFound(DomainError):
    """The record does not exist, or the user may not know it exists (404)."""


class ValidationError(DomainError):
    """Input breaks a rule; ``field`` names the form field it belongs beside."""

    def __init__(self, message: str, field: str | None = None, codes=()):
        super().__init__(message, codes)
        self.field = field


class StaleRecord(DomainError):
    """Someone else saved the record after this form was opened (a version conflict)."""


class Conflict(DomainError):
    """The action lost a race for something scarce, such as a household's last place."""

"""The proposal state machine: every status and every allowed move, in one table.

::

    proposed --(an introduction is planned, or one side agrees)--> introductions
    introductions --(the other side agrees too)--> agreed
    agreed --(a manager who did not propose it approves; everything re-checked;
              a place taken atomically)--> active   (an Arrangement exists)
    proposed | introductions | agreed --(a side declines)--> declined
    proposed | introductions | agreed --(a side or the scheme withdraws)--> withdrawn

"suggested" is not a state of a row: suggestions are engine runs and never create a
Proposal. Approval and the start of the arrangement are one step, so there is no
"approved" status left standing without an arrangement. Services move a proposal
with :func:`move`; pages read labels, tag colours and "is it open?" from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_lives.errors import ValidationError


@dataclass(frozen=True)
class Status:
    label: str
    tag: str  # GOV.UK tag colour modifier ("" for the default)
    open: bool


STATUSES: dict[str, Status] = {
    "proposed": Status("Proposed", "govuk-tag--yellow", True),
    "introductions": Status("Introductions", "govuk-tag--yellow", True),
    "agreed": Status("Both sides agree", "govuk-tag--blue", True),
    "active": Status("Arrangement started", "govuk-tag--green", False),
    "declined": Status("Declined", "govuk-tag--grey", False),
    "withdrawn": Status("Withdrawn", "govuk-tag--grey", False),
}

#: (from, event) -> to. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("proposed", "introduction"): "introductions",
    ("introductions", "introduction"): "introductions",
    ("agreed", "introduction"): "agreed",
    ("proposed", "one_side_agrees"): "introductions",
    ("introductions", "one_side_agrees"): "introductions",
    ("proposed", "both_agree"): "agreed",
    ("introductions", "both_agree"): "agreed",
    ("agreed", "both_agree"): "agreed",  # an answer given again after records changed
    ("agreed", "approve"): "active",
    **{(s, "decline"): "declined" for s in ("proposed", "introductions", "agreed")},
    **{(s, "withdraw"): "withdrawn" for s in ("proposed", "introductions", "agreed")},
}

LABELS = {key: s.label for key, s in STATUSES.items()}
OPEN_STATUSES = tuple(key for key, s in STATUSES.items() if s.open)
#: The proposals list's filters: the open ones together, then each closed status.
FILTERS = {"open": "Open", **{key: s.label for key, s in STATUSES.items() if not s.open}, "all": "All"}


class InvalidTransition(ValidationError):
    """The proposal's status does not allow this step."""


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def move(status: str, event: str) -> str:
    """The status after ``event``, or InvalidTransition naming the current status."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        label = LABELS.get(status, status).lower()
        raise InvalidTransition(f"This proposal is {label} and can no longer change in this way", "decision") from None

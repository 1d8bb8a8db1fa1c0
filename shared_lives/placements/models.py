"""Arrangements: a person living with or supported by a household, once everyone agreed."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from shared_lives.timeutil import today, utcnow

ARRANGEMENT_STATUSES = {"active": "Active", "ended": "Ended"}
#: The arrangements list's filters.
ARRANGEMENT_FILTERS = {**ARRANGEMENT_STATUSES, "all": "All"}


class Arrangement(SQLModel, table=True):
    """A running or ended arrangement between a person and a household."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    arrangement_type: str = Field(max_length=20)
    status: str = Field(default="active", max_length=10, index=True)
    start_date: date
    end_date: date | None = None
    end_reason: str = Field(default="", max_length=500)
    end_planned: bool | None = None
    short_break_start: date | None = None
    short_break_end: date | None = None
    ended_by_id: int | None = Field(default=None, foreign_key="user.id")
    proposal_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def status_label(self) -> str:
        return ARRANGEMENT_STATUSES.get(self.status, self.status)


#: The one table of review labels (pages, home page, exports).
REVIEW_KINDS = {
    "first": "First review (4 to 6 weeks)",
    "interim": "Interim visit",
    "annual": "Annual review",
    "extra": "Extra review",
}


class Review(SQLModel, table=True):
    """A scheduled or completed review of an arrangement."""

    id: int | None = Field(default=None, primary_key=True)
    arrangement_id: int = Field(foreign_key="arrangement.id", index=True)
    kind: str = Field(max_length=10)
    due_on: date = Field(index=True)
    completed_on: date | None = None
    completed_by_id: int | None = Field(default=None, foreign_key="user.id")
    notes: str = Field(default="", max_length=2000)

    @property
    def label(self) -> str:
        return REVIEW_KINDS.get(self.kind, self.kind)

    @property
    def overdue(self) -> bool:
        """Still open after its due date."""
        return self.completed_on is None and self.due_on < today()

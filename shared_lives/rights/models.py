"""Subject access requests: when one came in, when it is due, and what was sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow

REQUEST_STATUSES = {
    "received": "Received: prepare the information",
    "prepared": "Prepared: review what is removed",
    "confirmed": "Checked: ready to release",
    "released": "Released",
}


class SubjectAccessRequest(SQLModel, table=True):
    """A person's request for their information (UK GDPR Article 15), answered within one month.

    ``redactions`` maps each passage about someone else (a key such as
    ``response:12:household_views``) to whether it is removed (true) or kept (false,
    because they agreed or it is reasonable): a manager's decision, never the text itself.
    ``released_sha256`` is the hash of the file that was sent.
    """

    __tablename__ = "subject_access_request"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    received_on: date
    due_on: date = Field(index=True)
    status: str = Field(default="received", max_length=12, index=True)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    prepared_at: datetime | None = None
    redactions: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    confirmed_by_id: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = None
    released_by_id: int | None = Field(default=None, foreign_key="user.id")
    released_at: datetime | None = None
    released_format: str = Field(default="", max_length=4)
    released_sha256: str = Field(default="", max_length=64)

"""An upload kept between the import's steps, and the scheme's own references of imported records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow


class ImportUpload(SQLModel, table=True):
    """A file between upload and confirm: its cells as text, and how its columns are mapped.

    Kept in the database (not the cookie, not one worker's disk) under a random token and
    tied to the user who uploaded it; removed when the import is confirmed and after a day.
    """

    __tablename__ = "import_upload"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=20)
    sha256: str = Field(max_length=64)
    headers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Every data row as a list of cell texts, in the file's order.
    rows: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: {column key: header position}
    mapping: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ImportedRecord(SQLModel, table=True):
    """Which record a scheme's own reference (from its spreadsheet) was imported as, so a
    second import of the same file updates that record instead of adding another."""

    __tablename__ = "imported_record"
    __table_args__ = (UniqueConstraint("kind", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    reference: str = Field(max_length=60)
    record_id: int = Field(index=True)

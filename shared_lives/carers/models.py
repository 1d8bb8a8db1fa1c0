"""Carers, the DBS checks of every adult in their household, and carers' training records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

APPROVAL_STATUSES = {
    "assessment": "In assessment",
    "approved": "Approved",
    "suspended": "Suspended",
    "withdrawn": "Withdrawn",
}
CARER_ROLES = {"main": "Main carer", "support": "Support carer"}


def _json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Carer(SQLModel, table=True):
    """An approved (or prospective) Shared Lives carer in a household."""

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    name: str = Field(max_length=120)
    role: str = Field(default="main", max_length=10)
    gender: str | None = Field(default=None, max_length=20)
    gives_personal_care: bool = True
    approval_status: str = Field(default="assessment", max_length=20, index=True)
    panel_date: date | None = None
    approval_expires: date | None = Field(default=None, index=True)
    probationary: bool = False
    terms_arrangement_types: list = _json_list()
    terms_max_people: int = 1
    terms_conditions: str = Field(default="", max_length=1000)
    skills: list = _json_list()
    version: int = 1


class DbsCheck(SQLModel, table=True):
    """A DBS check for one adult in a household."""

    __tablename__ = "dbs_check"

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    adult_name: str = Field(max_length=120)
    certificate_number: str = Field(default="", max_length=20)
    issued_on: date
    renew_by: date = Field(index=True)


class TrainingRecord(SQLModel, table=True):
    """A course a carer completed, and when it must be renewed."""

    __tablename__ = "training_record"

    id: int | None = Field(default=None, primary_key=True)
    carer_id: int = Field(foreign_key="carer.id", index=True)
    course: str = Field(max_length=80)
    completed_on: date
    renew_by: date | None = Field(default=None, index=True)

"""Carer households, their carers, DBS checks and training records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow

ARRANGEMENT_TYPES = {
    "live_in": "Live-in",
    "short_breaks": "Short breaks",
    "day_support": "Day support",
    "emergency": "Emergency",
}
LIFESTYLES = {"quiet": "Quiet", "mixed": "Mixed", "busy": "Busy"}
SETTINGS = {"urban": "Town or city", "suburban": "Suburban", "rural": "Countryside"}
APPROVAL_STATUSES = {
    "assessment": "In assessment",
    "approved": "Approved",
    "suspended": "Suspended",
    "withdrawn": "Withdrawn",
}
CARER_ROLES = {"main": "Main carer", "support": "Support carer"}
GENDERS = {"female": "Female", "male": "Male", "non_binary": "Non-binary", "other": "Other"}


def _json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Household(SQLModel, table=True):
    """A carer's home and everyone in it; the unit that is matched with a person."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(index=True, unique=True, max_length=20)
    name: str = Field(max_length=120, index=True)
    address_line: str = Field(default="", max_length=200)
    town: str = Field(default="", max_length=80, index=True)
    postcode: str = Field(max_length=10, index=True)
    easting: float | None = None
    northing: float | None = None
    local_authority: str | None = Field(default=None, max_length=12)
    bedrooms_spare: int = 0
    ground_floor_bedroom: bool = False
    accessible_bedroom: bool = False
    step_free: bool = False
    adapted_bathroom: bool = False
    #: [{"name": str, "age": int, "relationship": str}]
    members: list = _json_list()
    #: [{"kind": "dog", "number": 1}]
    pets: list = _json_list()
    smoking: bool = False
    languages: list = _json_list()
    faith: str | None = Field(default=None, max_length=60)
    cultural_practice: str = Field(default="", max_length=500)
    lifestyle: str = Field(default="mixed", max_length=10)
    setting: str = Field(default="urban", max_length=10)
    routines: str = Field(default="", max_length=1000)
    interests: list = _json_list()
    transport: str = Field(default="", max_length=200)
    arrangement_types: list = _json_list()
    availability: str = Field(default="", max_length=500)
    # The household's preferences about who they support.
    needs_can_meet: list = _json_list()
    age_min: int = 18
    age_max: int = 100
    cannot_offer: list = _json_list()
    #: A carer changed something that affects eligibility; a coordinator should review.
    needs_review: bool = False
    review_note: str = Field(default="", max_length=500)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


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

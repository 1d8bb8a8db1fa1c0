"""People seeking support, referred to the scheme."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import JSON, Column, Sequence
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow

PERSON_STATUSES = {
    "referred": "Referred",
    "waiting": "Waiting for a match",
    "matched": "In an arrangement",
    "closed": "Closed",
}
PET_PREFERENCES = {"no": "No pets", "ok": "Pets are fine", "likes": "Would like pets"}
SMOKING_PREFERENCES = {"no": "No smoking", "ok": "Smoking is fine"}
CHILDREN_PREFERENCES = {"no": "No children", "ok": "Children are fine", "likes": "Would like children"}
CAPACITY = {
    "has_capacity": "Has capacity for this decision",
    "lacks_capacity": "Lacks capacity for this decision",
    "not_assessed": "Not yet assessed",
}
#: The recorded capacity as ``rules.consent`` names it (who may decide is decided there:
#: ``WHO_DECIDES`` is the vocabulary of ``decision_maker``).
CAPACITY_STATE = {"has_capacity": "has", "lacks_capacity": "lacks", "not_assessed": "not_assessed"}


def _json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Person(SQLModel, table=True):
    """An adult referred to the scheme for support."""

    #: References look like ``P00042`` (``records.reference_for``); on PostgreSQL the
    #: numbers come from this sequence, made by a migration (``records.next_reference``).
    reference_prefix: ClassVar[str] = "P"
    reference_sequence: ClassVar[Sequence] = Sequence("person_reference_seq", metadata=SQLModel.metadata)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(index=True, unique=True, max_length=20)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80, index=True)
    date_of_birth: date | None = None
    gender: str | None = Field(default=None, max_length=20)
    status: str = Field(default="waiting", max_length=20, index=True)
    #: When the record was closed (after a death): retention counts from this date.
    closed_on: date | None = None
    # Referral
    referral_date: date | None = None
    referrer_name: str = Field(default="", max_length=120)
    referrer_organisation: str = Field(default="", max_length=120)
    arrangement_type: str = Field(default="live_in", max_length=20, index=True)
    # Needs and risks (health text: never copied into logs or audit changes)
    needs: list = _json_list()
    support_required: str = Field(default="", max_length=2000)
    risks: str = Field(default="", max_length=2000)
    risk_management: str = Field(default="", max_length=2000)
    interests: list = _json_list()
    allergies: list = _json_list()
    needs_step_free: bool = False
    needs_ground_floor: bool = False
    access_needs: str = Field(default="", max_length=500)
    # Preferences about the household
    pets: str = Field(default="ok", max_length=10)
    smoking: str = Field(default="no", max_length=10)
    children: str = Field(default="ok", max_length=10)
    carer_gender_personal_care: str | None = Field(default=None, max_length=20)
    faith: str | None = Field(default=None, max_length=60)
    faith_important: bool = False
    languages: list = _json_list()
    language_important: bool = False
    lifestyle: str = Field(default="mixed", max_length=10)
    setting: str | None = Field(default=None, max_length=10)
    # Where they want to live
    preferred_postcode: str = Field(default="", max_length=10)
    easting: float | None = None
    northing: float | None = None
    max_distance_km: int = 25
    # Who decides: a key of rules.consent.WHO_DECIDES, or UNCONFIRMED on a record from before
    # it was checked. The named someone is the attorney or deputy who decides, or an
    # advocate, relative or friend who helps (rules.consent.named_role).
    capacity: str = Field(default="not_assessed", max_length=20)
    decision_maker: str = Field(default="person", max_length=20)
    representative_name: str = Field(default="", max_length=120)
    representative_relationship: str = Field(default="", max_length=80)
    representative_contact: str = Field(default="", max_length=200)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

"""Carer households: the home, everyone in it, and what the household can offer."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, Column, Sequence
from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow


def _json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Household(SQLModel, table=True):
    """A carer's home and everyone in it; the unit that is matched with a person."""

    #: References look like ``HH00042`` (``records.reference_for``); on PostgreSQL the
    #: numbers come from this sequence, made by a migration (``records.next_reference``).
    reference_prefix: ClassVar[str] = "HH"
    reference_sequence: ClassVar[Sequence] = Sequence("household_reference_seq", metadata=SQLModel.metadata)

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

"""Equality monitoring of people seeking support, kept apart from everything else.

Nothing here is ever an input of the matching engine (``matches.adapter`` never reads
this table; ``tests/shared_lives/equality`` checks the engine's inputs hold none of it).
It is read only by the fairness report, by managers and auditors.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from shared_lives.timeutil import utcnow

PREFER_NOT = "prefer_not_to_say"
PREFER_NOT_LABEL = "Prefer not to say"

#: ONS 2021 Census ethnic groups (England and Wales): (high-level group, {code: label}).
ETHNIC_GROUPS = {
    "asian": (
        "Asian, Asian British or Asian Welsh",
        {
            "bangladeshi": "Bangladeshi",
            "chinese": "Chinese",
            "indian": "Indian",
            "pakistani": "Pakistani",
            "other_asian": "Any other Asian background",
        },
    ),
    "black": (
        "Black, Black British, Black Welsh, Caribbean or African",
        {
            "african": "African",
            "caribbean": "Caribbean",
            "other_black": "Any other Black, Black British or Caribbean background",
        },
    ),
    "mixed": (
        "Mixed or Multiple ethnic groups",
        {
            "white_and_asian": "White and Asian",
            "white_and_black_african": "White and Black African",
            "white_and_black_caribbean": "White and Black Caribbean",
            "other_mixed": "Any other Mixed or Multiple ethnic background",
        },
    ),
    "white": (
        "White",
        {
            "white_british": "English, Welsh, Scottish, Northern Irish or British",
            "irish": "Irish",
            "gypsy_or_irish_traveller": "Gypsy or Irish Traveller",
            "roma": "Roma",
            "other_white": "Any other White background",
        },
    ),
    "other": ("Other ethnic group", {"arab": "Arab", "any_other": "Any other ethnic group"}),
}
ETHNICITIES = {code: label for _, (_, terms) in ETHNIC_GROUPS.items() for code, label in terms.items()}
#: Each ethnicity's high-level group: reports use these, so fewer counts fall under 5.
ETHNIC_GROUP_OF = {code: group for group, (_, terms) in ETHNIC_GROUPS.items() for code in terms}
ETHNIC_GROUP_LABELS = {group: label for group, (label, _) in ETHNIC_GROUPS.items()}
#: ONS 2021 Census religion.
RELIGIONS = {
    "no_religion": "No religion",
    "christian": "Christian",
    "buddhist": "Buddhist",
    "hindu": "Hindu",
    "jewish": "Jewish",
    "muslim": "Muslim",
    "sikh": "Sikh",
    "other_religion": "Any other religion",
}
#: Equality Act 2010 disability, worded as the 2021 Census asks it.
DISABILITIES = {
    "limited_a_lot": "Yes, day-to-day activities limited a lot",
    "limited_a_little": "Yes, day-to-day activities limited a little",
    "not_disabled": "No",
}
SEXES = {"female": "Female", "male": "Male"}
SEXUAL_ORIENTATIONS = {
    "straight": "Straight or heterosexual",
    "gay_or_lesbian": "Gay or lesbian",
    "bisexual": "Bisexual",
    "other_orientation": "Another sexual orientation",
}
#: field -> (question, choices); every field also takes PREFER_NOT, and None when not asked.
FIELDS = {
    "ethnicity": ("What is their ethnic group?", ETHNICITIES),
    "religion": ("What is their religion?", RELIGIONS),
    "disability": ("Are they disabled under the Equality Act 2010?", DISABILITIES),
    "sex": ("What is their sex?", SEXES),
    "sexual_orientation": ("What is their sexual orientation?", SEXUAL_ORIENTATIONS),
}


#: Each field's name in reports and in the person's own copy of their information.
LABELS = {
    "ethnicity": "Ethnic group",
    "religion": "Religion",
    "disability": "Disability",
    "sex": "Sex",
    "sexual_orientation": "Sexual orientation",
}


def choices(field: str) -> dict[str, str]:
    """Every answer a field takes, "prefer not to say" last."""
    return {**FIELDS[field][1], PREFER_NOT: PREFER_NOT_LABEL}


class EqualityRecord(SQLModel, table=True):
    """One person's equality monitoring answers (None: not asked or not answered)."""

    __tablename__ = "equality_record"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True, index=True)
    ethnicity: str | None = Field(default=None, max_length=40)
    religion: str | None = Field(default=None, max_length=40)
    disability: str | None = Field(default=None, max_length=40)
    sex: str | None = Field(default=None, max_length=40)
    sexual_orientation: str | None = Field(default=None, max_length=40)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    version: int = 1

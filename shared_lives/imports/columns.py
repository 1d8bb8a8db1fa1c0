"""The columns of each kind of record a scheme imports and exports: one table per kind.

Each column names the service field it fills, how its cell is read (a kind of value),
what an empty cell means, the header the templates and exports use, other headers
schemes use for it (synonyms), and plain words for the column guide. The rules the
values must keep are the services' own (``clean_household``, ``clean_carer``,
``clean_dbs``, ``clean_training``, ``clean_person``); nothing here repeats them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from shared_lives.carers.models import APPROVAL_STATUSES, CARER_ROLES
from shared_lives.people.models import (
    CAPACITY,
    CHILDREN_PREFERENCES,
    PERSON_STATUSES,
    PET_PREFERENCES,
    SMOKING_PREFERENCES,
)
from shared_lives.rules.consent import WHO_DECIDES, WHO_DECIDES_SHORT
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS, training_courses
from shared_lives.vocab.services import terms

#: An empty cell leaves the field as it is (the form's default for a new record).
OMIT = object()


def _fixed(choices: dict) -> Callable[[Session], dict]:
    return lambda _session: choices


def _one_of(choices: dict) -> str:
    """``A, B or C.``: a fixed column's choices in words for the column guide."""
    labels = list(choices.values())
    return f"{', '.join(labels[:-1])} or {labels[-1]}."


def _vocab(kind: str) -> Callable[[Session], dict]:
    return lambda session: terms(session, kind)


def _courses(_session) -> dict:
    return {name: name for name in training_courses()}


@dataclass(frozen=True)
class Column:
    """One column of a spreadsheet and the service field it fills."""

    key: str
    header: str
    #: text, int, bool, date, choice, choices (several, separated by ;), members, pets, reference
    kind: str
    help: str
    example: str
    synonyms: tuple[str, ...] = ()
    #: {code: label} the cell may name (by code or label), for choice and choices columns
    choices: Callable[[Session], dict] | None = None
    #: other words a cell may use for a choice: {text: code}
    aliases: Callable[[], dict] | None = None
    #: the value an empty cell gives; OMIT leaves the field out
    blank: object = ""
    required: bool = False

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.header, self.key, *self.synonyms)}


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its columns and the words used for it on pages."""

    key: str
    label: str
    columns: tuple[Column, ...]
    about: str

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def normalise_header(text: str) -> str:
    """A header as compared: no accents, case, spaces or punctuation ("Post code:" -> "postcode")."""
    ascii_text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


YES_NO = "yes or no"


def _reference(header="Reference", **kw) -> Column:
    return Column(
        "reference",
        header,
        "reference",
        "The scheme's own reference for the record, as in your spreadsheet. Importing the same file again "
        "updates the records it made (matched by this reference) and never adds them twice. A reference "
        "this system gave (like HH00012) updates that record.",
        kw.pop("example", "HH-0042"),
        ("ref", "id", "scheme reference", "your reference", *kw.pop("synonyms", ())),
        blank="",
        required=True,
    )


def _household_reference(example="HH-0042") -> Column:
    return Column(
        "household_reference",
        "Household reference",
        "reference",
        "The reference of the household, as in the households file (import households first), "
        "or the reference this system gave it.",
        example,
        ("household ref", "household", "household id", "reference", "ref"),
        blank="",
        required=True,
    )


HOUSEHOLD_COLUMNS = (
    _reference(synonyms=("household reference", "household ref", "household id")),
    Column(
        "name",
        "Household name",
        "text",
        "What the household is called, like The Patel household.",
        "The Example household",
        ("name", "household", "household name", "family name"),
        required=True,
    ),
    Column(
        "address_line",
        "Address",
        "text",
        "The first line of the address.",
        "1 Example Street",
        ("address line", "address 1", "street", "address line 1"),
    ),
    Column("town", "Town", "text", "The town or city.", "Maidstone", ("city", "town or city")),
    Column(
        "postcode",
        "Postcode",
        "text",
        "A full UK postcode in Great Britain, like ME14 1XQ. It must be a real one: distances are worked out from it.",
        "ME14 1XQ",
        ("post code", "postal code", "zip"),
        required=True,
    ),
    Column(
        "bedrooms_spare",
        "Spare bedrooms",
        "int",
        "How many spare bedrooms, a whole number from 0 to 10.",
        "1",
        ("bedrooms", "spare rooms", "number of spare bedrooms"),
        blank=OMIT,
    ),
    Column(
        "ground_floor_bedroom",
        "Ground floor bedroom",
        "bool",
        f"Is there a bedroom on the ground floor: {YES_NO}.",
        "no",
        ("ground floor",),
        blank=OMIT,
    ),
    Column("accessible_bedroom", "Accessible bedroom", "bool", f"Is a bedroom accessible: {YES_NO}.", "no", blank=OMIT),
    Column(
        "step_free",
        "Step-free access",
        "bool",
        f"Can you get in without steps: {YES_NO}.",
        "yes",
        ("step free",),
        blank=OMIT,
    ),
    Column("adapted_bathroom", "Adapted bathroom", "bool", f"Is the bathroom adapted: {YES_NO}.", "no", blank=OMIT),
    Column(
        "members",
        "Members",
        "members",
        "Everyone who lives in the home, carers too: each as name (age, "
        "relationship), separated by semicolons. Up to 10.",
        "Alex Example (45, Main carer); Sam Example (12, Son)",
        ("household members", "family", "who lives there"),
        blank=[],
    ),
    Column(
        "pets",
        "Pets",
        "pets",
        "Each kind of pet with how many, like Dog (2); Cat (1). The kinds are the scheme's pet vocabulary.",
        "Dog (1)",
        ("animals",),
        choices=_vocab("pet"),
        blank=[],
    ),
    Column(
        "smoking",
        "Smoking",
        "bool",
        f"Does anyone smoke in the home: {YES_NO}.",
        "no",
        ("smoker", "smokers"),
        blank=OMIT,
    ),
    Column(
        "languages",
        "Languages",
        "choices",
        "Languages spoken at home, separated by semicolons.",
        "English; Welsh",
        ("languages spoken", "language"),
        choices=_vocab("language"),
        blank=[],
    ),
    Column(
        "faith",
        "Faith",
        "choice",
        "The household's faith, one of the scheme's faiths. Leave empty if not known.",
        "No religion",
        ("religion",),
        choices=_vocab("faith"),
        blank=None,
    ),
    Column(
        "cultural_practice",
        "Cultural practice",
        "text",
        "Faith and cultural practice, in your own words.",
        "",
        ("culture",),
    ),
    Column(
        "lifestyle", "Lifestyle", "choice", "Quiet, Mixed or Busy.", "Quiet", choices=_fixed(LIFESTYLES), blank=OMIT
    ),
    Column(
        "setting",
        "Setting",
        "choice",
        "Town or city, Suburban or Countryside.",
        "Town or city",
        ("area type", "location type"),
        choices=_fixed(SETTINGS),
        blank=OMIT,
    ),
    Column("routines", "Routines", "text", "The household's routines, in your own words.", "Early risers."),
    Column(
        "interests",
        "Interests",
        "choices",
        "The household's interests, separated by semicolons.",
        "Gardening; Music",
        ("hobbies",),
        choices=_vocab("interest"),
        blank=[],
    ),
    Column("transport", "Transport", "text", "How the household gets about.", "Car"),
    Column(
        "arrangement_types",
        "Arrangement types",
        "choices",
        "What the household offers: Live-in, Short breaks, Day support, Emergency; separated by semicolons.",
        "Live-in; Short breaks",
        ("arrangements", "types of arrangement", "offers"),
        choices=_fixed(ARRANGEMENT_TYPES),
        blank=[],
    ),
    Column(
        "availability",
        "Availability",
        "text",
        "When the household is free for short breaks, in your own words.",
        "",
        ("short break availability",),
    ),
    Column(
        "needs_can_meet",
        "Needs they can meet",
        "choices",
        "Needs the household can meet, from the scheme's needs vocabulary, separated by semicolons.",
        "Learning disability",
        ("needs can meet", "can meet"),
        choices=_vocab("need"),
        blank=[],
    ),
    Column(
        "age_min",
        "Youngest age",
        "int",
        "The youngest person the household would support, from 18.",
        "18",
        ("age from", "minimum age", "min age"),
        blank=OMIT,
    ),
    Column(
        "age_max",
        "Oldest age",
        "int",
        "The oldest person the household would support, up to 110.",
        "100",
        ("age to", "maximum age", "max age"),
        blank=OMIT,
    ),
    Column(
        "cannot_offer",
        "Cannot offer",
        "choices",
        "Needs the household cannot meet, separated by semicolons.",
        "",
        choices=_vocab("need"),
        blank=[],
    ),
)

CARER_COLUMNS = (
    _household_reference(),
    Column(
        "name",
        "Carer name",
        "text",
        "The carer's full name. Importing again updates the carer of this household with this name.",
        "Alex Example",
        ("name", "carer", "full name", "carers name"),
        required=True,
    ),
    Column(
        "role",
        "Role",
        "choice",
        "Main carer or Support carer.",
        "Main carer",
        ("carer role",),
        choices=_fixed(CARER_ROLES),
        blank=OMIT,
    ),
    Column(
        "gender",
        "Gender",
        "choice",
        "Female, Male, Non-binary or Other. Leave empty if not known.",
        "Female",
        ("sex",),
        choices=_fixed(GENDERS),
        blank=None,
    ),
    Column(
        "gives_personal_care",
        "Gives personal care",
        "bool",
        f"Does the carer give personal care: {YES_NO}.",
        "yes",
        ("personal care",),
        blank=OMIT,
    ),
    Column(
        "approval_status",
        "Approval status",
        "choice",
        "In assessment, Approved, Suspended or Withdrawn.",
        "Approved",
        ("status", "approval"),
        choices=_fixed(APPROVAL_STATUSES),
        blank=OMIT,
    ),
    Column(
        "panel_date",
        "Panel date",
        "date",
        "The date the panel approved the carer, like 31/01/2026. Needed for an approved carer.",
        "17/11/2025",
        ("approval date", "date approved", "approved on"),
        blank=None,
    ),
    Column(
        "approval_expires",
        "Approval expires",
        "date",
        "When the approval ends, after the panel date.",
        "17/11/2027",
        ("approval expiry", "approval end", "expiry date", "review date"),
        blank=None,
    ),
    Column(
        "probationary",
        "Probationary",
        "bool",
        f"Is the approval probationary (often the first year): {YES_NO}.",
        "no",
        ("probation",),
        blank=OMIT,
    ),
    Column(
        "terms_arrangement_types",
        "Terms: arrangement types",
        "choices",
        "The arrangement types the carer is approved for, separated by semicolons.",
        "Live-in; Short breaks",
        ("approved arrangement types", "approved for", "terms arrangement types"),
        choices=_fixed(ARRANGEMENT_TYPES),
        blank=[],
    ),
    Column(
        "terms_max_people",
        "Terms: most people at once",
        "int",
        "How many people the carer is approved to support at once, never above the scheme's limit.",
        "2",
        ("max people", "maximum people", "number approved for", "terms max people"),
        blank=OMIT,
    ),
    Column(
        "terms_conditions",
        "Terms: conditions",
        "text",
        "Any conditions of approval, in your own words.",
        "",
        ("conditions", "terms conditions"),
    ),
    Column(
        "skills",
        "Skills",
        "choices",
        "Skills and experience, from the scheme's needs vocabulary, separated by semicolons.",
        "Autism; Dementia",
        ("skills and experience", "experience"),
        choices=_vocab("need"),
        blank=[],
    ),
)

DBS_COLUMNS = (
    _household_reference(),
    Column(
        "adult_name",
        "Adult's name",
        "text",
        "The full name of the adult in the household the check is for. "
        "Importing again updates the check for this adult with the same date of issue.",
        "Alex Example",
        ("adult", "name", "full name", "adults name"),
        required=True,
    ),
    Column(
        "certificate_number",
        "Certificate number",
        "text",
        "The DBS certificate number: numbers only.",
        "001234567890",
        ("dbs number", "certificate", "certificate no", "dbs certificate number"),
    ),
    Column(
        "issued_on",
        "Date of issue",
        "date",
        "The date on the certificate, like 31/01/2026.",
        "09/09/2024",
        ("issued", "issue date", "date issued", "dbs date", "issued on"),
        blank=None,
        required=True,
    ),
    Column(
        "renew_by",
        "Renewal date",
        "date",
        "When the check must be renewed, after the date of issue.",
        "09/09/2027",
        ("renew by", "renewal", "expires", "expiry date", "expiry"),
        blank=None,
        required=True,
    ),
)

TRAINING_COLUMNS = (
    _household_reference(),
    Column(
        "carer_name",
        "Carer name",
        "text",
        "The carer's full name, as in the carers file.",
        "Alex Example",
        ("carer", "name", "full name"),
        required=True,
    ),
    Column(
        "course",
        "Course",
        "choice",
        "The course, one of the scheme's courses (see the list below).",
        "First aid",
        ("training", "course name", "training course"),
        choices=_courses,
        blank="",
        required=True,
    ),
    Column(
        "completed_on",
        "Date completed",
        "date",
        "The date the carer completed the course, like 31/01/2026. "
        "Importing again updates the record of this course on this date.",
        "11/10/2025",
        ("completed", "completion date", "date", "completed on"),
        blank=None,
        required=True,
    ),
    Column(
        "renew_by",
        "Renewal date",
        "date",
        "When the course must be renewed. Leave empty to use the course's cycle.",
        "11/10/2028",
        ("renew by", "renewal", "expires", "expiry date", "expiry"),
        blank=None,
    ),
)

PERSON_COLUMNS = (
    _reference(example="REF-1001", synonyms=("person reference", "client reference", "client id", "person id")),
    Column(
        "first_name",
        "First name",
        "text",
        "The person's first name.",
        "Jo",
        ("forename", "given name", "first names"),
        required=True,
    ),
    Column(
        "last_name",
        "Last name",
        "text",
        "The person's last name.",
        "Example",
        ("surname", "family name"),
        required=True,
    ),
    Column(
        "date_of_birth",
        "Date of birth",
        "date",
        "Like 31/01/1980. The person must be 18 or over.",
        "15/01/1976",
        ("dob", "birth date", "born"),
        blank=None,
    ),
    Column(
        "gender",
        "Gender",
        "choice",
        "Female, Male, Non-binary or Other. Leave empty if not known.",
        "Male",
        ("sex",),
        choices=_fixed(GENDERS),
        blank=None,
    ),
    Column(
        "status",
        "Status",
        "choice",
        "Referred, Waiting for a match, In an arrangement or Closed.",
        "Waiting for a match",
        ("referral status",),
        choices=_fixed(PERSON_STATUSES),
        blank=OMIT,
    ),
    Column(
        "referral_date",
        "Referral date",
        "date",
        "The date of the referral, today or earlier.",
        "01/05/2026",
        ("referred on", "date referred", "date of referral"),
        blank=None,
    ),
    Column(
        "referrer_name",
        "Referrer",
        "text",
        "Who referred the person.",
        "A Social Worker",
        ("referred by", "referrer name"),
    ),
    Column(
        "referrer_organisation",
        "Referrer's organisation",
        "text",
        "The referrer's team or organisation.",
        "Community learning disability team",
        ("organisation", "team", "referrer organisation"),
    ),
    Column(
        "arrangement_type",
        "Arrangement type sought",
        "choice",
        "Live-in, Short breaks, Day support or Emergency.",
        "Short breaks",
        ("arrangement type", "arrangement", "type of arrangement"),
        choices=_fixed(ARRANGEMENT_TYPES),
        blank=OMIT,
    ),
    Column(
        "needs",
        "Needs",
        "choices",
        "The person's needs, from the scheme's needs vocabulary, separated by semicolons.",
        "Learning disability",
        ("needs", "support needs"),
        choices=_vocab("need"),
        blank=[],
    ),
    Column(
        "support_required",
        "Support required",
        "text",
        "The support the person needs, in your own words.",
        "Support with daily routines.",
        ("support",),
    ),
    Column("risks", "Risks", "text", "Risks, in your own words.", ""),
    Column("risk_management", "How risks are managed", "text", "How the risks are managed.", "", ("risk management",)),
    Column(
        "interests",
        "Interests",
        "choices",
        "The person's interests, separated by semicolons.",
        "Music; Films",
        ("hobbies",),
        choices=_vocab("interest"),
        blank=[],
    ),
    Column(
        "allergies",
        "Allergies (animals)",
        "choices",
        "Animals the person is allergic to, from the scheme's pet vocabulary, separated by semicolons.",
        "",
        ("allergies", "allergic to"),
        choices=_vocab("pet"),
        blank=[],
    ),
    Column(
        "needs_step_free", "Needs step-free access", "bool", f"{YES_NO.capitalize()}.", "no", ("step free",), blank=OMIT
    ),
    Column(
        "needs_ground_floor",
        "Needs a ground floor bedroom",
        "bool",
        f"{YES_NO.capitalize()}.",
        "no",
        ("ground floor",),
        blank=OMIT,
    ),
    Column("access_needs", "Access needs", "text", "Other access needs, in your own words.", ""),
    Column(
        "pets",
        "Pets",
        "choice",
        "No pets, Pets are fine or Would like pets.",
        "Pets are fine",
        ("pets preference",),
        choices=_fixed(PET_PREFERENCES),
        blank=OMIT,
    ),
    Column(
        "smoking",
        "Smoking",
        "choice",
        "No smoking or Smoking is fine.",
        "No smoking",
        ("smoking preference",),
        choices=_fixed(SMOKING_PREFERENCES),
        blank=OMIT,
    ),
    Column(
        "children",
        "Children",
        "choice",
        "No children, Children are fine or Would like children.",
        "Children are fine",
        ("children preference",),
        choices=_fixed(CHILDREN_PREFERENCES),
        blank=OMIT,
    ),
    Column(
        "carer_gender_personal_care",
        "Carer's gender for personal care",
        "choice",
        "Only if the person asked for it: Female, Male, Non-binary or Other. Leave empty otherwise.",
        "",
        ("carer gender",),
        choices=_fixed(GENDERS),
        blank=None,
    ),
    Column(
        "faith",
        "Faith",
        "choice",
        "The person's faith, one of the scheme's faiths. Leave empty if not known.",
        "",
        ("religion",),
        choices=_vocab("faith"),
        blank=None,
    ),
    Column(
        "faith_important",
        "Faith is important",
        "bool",
        f"Does the person want a household of their faith: {YES_NO}.",
        "no",
        blank=OMIT,
    ),
    Column(
        "languages",
        "Languages",
        "choices",
        "Languages the person speaks, separated by semicolons.",
        "English",
        ("language",),
        choices=_vocab("language"),
        blank=[],
    ),
    Column(
        "language_important",
        "Language is important",
        "bool",
        f"Does the person want a household that speaks their language: {YES_NO}.",
        "no",
        blank=OMIT,
    ),
    Column(
        "lifestyle", "Lifestyle", "choice", "Quiet, Mixed or Busy.", "Quiet", choices=_fixed(LIFESTYLES), blank=OMIT
    ),
    Column(
        "setting",
        "Setting",
        "choice",
        "Town or city, Suburban or Countryside. Leave empty for any.",
        "",
        choices=_fixed(SETTINGS),
        blank=None,
    ),
    Column(
        "preferred_postcode",
        "Preferred postcode",
        "text",
        "Where the person wants to live: a full UK postcode in Great Britain.",
        "ME10 3QY",
        ("postcode", "post code"),
        required=True,
    ),
    Column(
        "max_distance_km",
        "Furthest distance (km)",
        "int",
        "How far from the postcode, in kilometres, 1 to 500.",
        "20",
        ("max distance", "distance", "max distance km"),
        blank=OMIT,
    ),
    Column(
        "capacity",
        "Capacity for this decision",
        "choice",
        "Has capacity for this decision, Lacks capacity for this decision or Not yet assessed.",
        "Has capacity for this decision",
        ("capacity",),
        choices=_fixed(CAPACITY),
        blank=OMIT,
    ),
    Column(
        "decision_maker",
        "Who decides",
        "choice",
        f"{_one_of(WHO_DECIDES)} (or, shorter, The person, Attorney, Deputy or Best interests). An attorney, "
        "a deputy or a best-interests decision only when the person lacks capacity for this decision; an "
        "advocate, a relative or a friend may help, but never decides.",
        WHO_DECIDES["person"],
        ("decision maker",),
        choices=_fixed(WHO_DECIDES),
        aliases=lambda: WHO_DECIDES_SHORT,
        blank=OMIT,
    ),
    Column(
        "representative_name",
        "Attorney, deputy, advocate or supporter's name",
        "text",
        "Needed when an attorney or a deputy decides; otherwise anyone who helps the person decide.",
        "",
        ("representative's name", "representative", "advocate", "attorney", "deputy"),
    ),
    Column(
        "representative_relationship",
        "Their relationship or role",
        "text",
        "How they know the person, for example: mother, independent advocate.",
        "",
        ("representative's relationship",),
    ),
    Column(
        "representative_contact",
        "Their contact details",
        "text",
        "How to contact them.",
        "",
        ("representative's contact details", "representative contact"),
    ),
)

KINDS: dict[str, RecordKind] = {
    "households": RecordKind(
        "households",
        "Households",
        HOUSEHOLD_COLUMNS,
        "One row for each carer household: the home, everyone in it, its pets, and who it can support.",
    ),
    "carers": RecordKind(
        "carers",
        "Carers",
        CARER_COLUMNS,
        "One row for each carer: their approval and its terms, and their skills. Import households first.",
    ),
    "dbs": RecordKind(
        "dbs",
        "DBS checks",
        DBS_COLUMNS,
        "One row for each DBS check of an adult in a household. Import households first.",
    ),
    "training": RecordKind(
        "training",
        "Training records",
        TRAINING_COLUMNS,
        "One row for each course a carer completed. Import households and carers first.",
    ),
    "people": RecordKind(
        "people",
        "People seeking support",
        PERSON_COLUMNS,
        "One row for each person referred to the scheme.",
    ),
}

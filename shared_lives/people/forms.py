"""The person form (GOV.UK style)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from shared_lives.forms import (
    GovDateField,
    VersionedForm,
    area_field,
    bool_field,
    checkboxes_field,
    int_field,
    text_field,
)
from shared_lives.people.models import (
    CAPACITY,
    CHILDREN_PREFERENCES,
    PERSON_STATUSES,
    PET_PREFERENCES,
    SMOKING_PREFERENCES,
)
from shared_lives.rules.consent import WHO_DECIDES, WHO_DECIDES_HINT
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES, GENDERS, LIFESTYLES, SETTINGS


def _radios(label, choices, message):
    return RadioField(label, choices=choices, widget=GovRadioInput(), validators=[InputRequired(message)])


class PersonForm(VersionedForm):
    first_name = text_field("First name", 80, required=True)
    last_name = text_field("Last name", 80, required=True)
    date_of_birth = GovDateField("Date of birth", validators=[Optional()], description="For example, 27 3 1985")
    gender = SelectField("Gender", choices={"": "Not given", **GENDERS}, widget=GovSelect(), default="")
    status = SelectField(
        "Status", choices=PERSON_STATUSES, widget=GovSelect(), validators=[InputRequired("Select a status")]
    )
    referral_date = GovDateField("Referral date", validators=[Optional()])
    referrer_name = text_field("Referrer's name", 120)
    referrer_organisation = text_field("Referrer's organisation", 120)
    arrangement_type = _radios("Arrangement type sought", ARRANGEMENT_TYPES, "Select the arrangement type sought")
    needs = checkboxes_field("Needs")
    support_required = area_field("Support required", 2000)
    risks = area_field("Risks", 2000)
    risk_management = area_field("How the risks are managed", 2000)
    interests = checkboxes_field("Interests")
    allergies = checkboxes_field("Allergic to these animals")
    needs_step_free = bool_field("Needs step-free access")
    needs_ground_floor = bool_field("Needs a ground-floor bedroom")
    access_needs = area_field("Other access needs", 500)
    pets = _radios("Pets in the household", PET_PREFERENCES, "Select a preference about pets")
    smoking = _radios("Smoking in the household", SMOKING_PREFERENCES, "Select a preference about smoking")
    children = _radios("Children in the household", CHILDREN_PREFERENCES, "Select a preference about children")
    carer_gender_personal_care = SelectField(
        "Gender of the carer for personal care",
        choices={"": "No preference", **GENDERS},
        widget=GovSelect(),
        default="",
        description="Only if the person asked for it",
    )
    faith = SelectField("Faith", choices={"": "Not given"}, widget=GovSelect(), default="")
    faith_important = bool_field("A household of the same faith matters to them")
    languages = checkboxes_field("Languages")
    language_important = bool_field("A household that speaks their language matters to them")
    lifestyle = _radios("Home life they would like", LIFESTYLES, "Select quiet, mixed or busy")
    setting = SelectField(
        "Where they would like to live", choices={"": "No preference", **SETTINGS}, widget=GovSelect(), default=""
    )
    preferred_postcode = StringField(
        "Postcode of the place they want to live near",
        [InputRequired("Enter a postcode"), Length(max=10, message="Enter a real postcode, like SW1A 1AA")],
        widget=GovTextInput(),
        render_kw={"params": {"classes": "govuk-input--width-10"}},
    )
    max_distance_km = int_field(
        "How far they would go, in kilometres", 1, 500, render_kw={"params": {"classes": "govuk-input--width-4"}}
    )
    capacity = _radios("Capacity for this decision", CAPACITY, "Select the person's capacity for this decision")
    #: Only who the Mental Capacity Act lets decide: a record holding anything else
    #: (``rules.consent.UNCONFIRMED``) shows no choice made, so it is chosen again.
    decision_maker = RadioField(
        "Who decides",
        choices=WHO_DECIDES,
        widget=GovRadioInput(),
        validators=[InputRequired("Select who decides")],
        description=WHO_DECIDES_HINT,
    )
    representative_name = text_field(
        "Name of their attorney, deputy, advocate or supporter",
        120,
        description="An attorney or a deputy decides when the person lacks capacity; an advocate, a relative or a "
        "friend helps the person decide",
    )
    representative_relationship = text_field(
        "Their relationship to the person, or role", 80, description="For example: mother, independent advocate"
    )
    representative_contact = text_field("Their contact details", 200, description="Phone number or email address")
    submit = SubmitField("Save", widget=GovSubmitInput())

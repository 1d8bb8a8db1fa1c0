"""Household, carer, DBS and training forms (GOV.UK style)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from shared_lives.forms import GovDateField
from shared_lives.households.models import (
    APPROVAL_STATUSES,
    CARER_ROLES,
    GENDERS,
    LIFESTYLES,
    SETTINGS,
)
from shared_lives.households.services import MAX_MEMBERS, MAX_PETS

MEMBER_ROWS = 8
PET_ROWS = 4
assert MEMBER_ROWS <= MAX_MEMBERS and PET_ROWS <= MAX_PETS


class GovIntegerField(IntegerField):
    """A whole number with a GOV.UK message instead of WTForms' default."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("widget", GovTextInput())
        self.number_message = kw.pop("number_message", None)
        super().__init__(label, validators, **kw)

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        raw = str(valuelist[0]).strip()
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 9:
            self.data = None
            raise ValueError(self.number_message or f"{self.label.text} must be a whole number, like 2")
        self.data = int(raw)


def _int(label, lo, hi, required=True, **kw):
    validators = [InputRequired(f"Enter {label.lower()}")] if required else [Optional()]
    validators.append(NumberRange(lo, hi, f"{label} must be between {lo} and {hi}"))
    return GovIntegerField(label, validators, **kw)


def _text(label, max_len, required=False, **kw):
    validators = [InputRequired(f"Enter {label.lower()}")] if required else [Optional()]
    validators.insert(0, Length(max=max_len, message=f"{label} must be {max_len} characters or fewer"))
    return StringField(label, validators, widget=GovTextInput(), **kw)


def _area(label, max_len, **kw):
    return TextAreaField(
        label,
        [Length(max=max_len, message=f"{label} must be {max_len} characters or fewer")],
        widget=GovCharacterCount(),
        render_kw={"params": {"maxlength": max_len}},
        **kw,
    )


def _checkboxes(label, **kw):
    return SelectMultipleField(label, choices={}, widget=GovCheckboxesInput(), **kw)


def _bool(label, **kw):
    return BooleanField(label, widget=GovCheckboxInput(), **kw)


class VersionedForm(FlaskForm):
    version = HiddenField()

    def set_vocab(self, vocab: dict) -> None:
        """Fill the vocabulary choices: {field name: {code: label}}."""
        for name, choices in vocab.items():
            if name in self._fields:
                self._fields[name].choices = choices


class RowsMixin:
    """Members and pets as a fixed number of rows. A blank row is ignored; clearing a row removes it."""

    def validate_rows(self) -> bool:
        ok = True
        for i in range(1, MEMBER_ROWS + 1):
            name, age, rel = (self[f"member_{i}_{p}"] for p in ("name", "age", "relationship"))
            if name.errors or age.errors or rel.errors:
                ok = False
                continue
            filled = bool((name.data or "").strip() or age.data is not None or (rel.data or "").strip())
            if filled and not (name.data or "").strip():
                name.errors = [*name.errors, f"Enter member {i}'s name, or clear the row"]
                ok = False
            if filled and age.data is None:
                age.errors = [*age.errors, f"Enter member {i}'s age"]
                ok = False
        for i in range(1, PET_ROWS + 1):
            kind, number = self[f"pet_{i}_kind"], self[f"pet_{i}_number"]
            if kind.errors or number.errors:
                ok = False
                continue
            if kind.data and number.data is None:
                number.errors = [*number.errors, "Enter how many"]
                ok = False
            if number.data is not None and not kind.data:
                kind.errors = [*kind.errors, "Select the kind of pet, or clear the number"]
                ok = False
        return ok

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return self.validate_rows() and ok

    def members_data(self) -> list[dict]:
        out = []
        for i in range(1, MEMBER_ROWS + 1):
            name = (self[f"member_{i}_name"].data or "").strip()
            if name:
                out.append(
                    {
                        "name": name,
                        "age": self[f"member_{i}_age"].data,
                        "relationship": (self[f"member_{i}_relationship"].data or "").strip(),
                    }
                )
        return out

    def pets_data(self) -> list[dict]:
        out = []
        for i in range(1, PET_ROWS + 1):
            kind = self[f"pet_{i}_kind"].data
            if kind:
                out.append({"kind": kind, "number": self[f"pet_{i}_number"].data})
        return out

    def fill_rows(self, household) -> None:
        for i, m in enumerate((household.members or [])[:MEMBER_ROWS], start=1):
            self[f"member_{i}_name"].data = m.get("name", "")
            self[f"member_{i}_age"].data = m.get("age")
            self[f"member_{i}_relationship"].data = m.get("relationship", "")
        for i, p in enumerate((household.pets or [])[:PET_ROWS], start=1):
            self[f"pet_{i}_kind"].data = p.get("kind", "")
            self[f"pet_{i}_number"].data = p.get("number")

    def set_pet_choices(self, pets: dict) -> None:
        for i in range(1, PET_ROWS + 1):
            self[f"pet_{i}_kind"].choices = {"": "No pet", **pets}


def _add_rows(cls):
    for i in range(1, MEMBER_ROWS + 1):
        setattr(cls, f"member_{i}_name", _text("Name", 120))
        setattr(
            cls,
            f"member_{i}_age",
            _int("Age", 0, 120, required=False, render_kw={"params": {"classes": "govuk-input--width-3"}}),
        )
        setattr(cls, f"member_{i}_relationship", _text("Relationship", 60, description="For example, partner or son"))
    for i in range(1, PET_ROWS + 1):
        setattr(
            cls, f"pet_{i}_kind", SelectField("Kind of pet", choices={"": "No pet"}, widget=GovSelect(), default="")
        )
        setattr(
            cls,
            f"pet_{i}_number",
            _int("How many", 1, 20, required=False, render_kw={"params": {"classes": "govuk-input--width-3"}}),
        )
    return cls


class _OwnFieldsForm(RowsMixin, VersionedForm):
    smoking = _bool("Someone smokes in the home")
    languages = _checkboxes("Languages spoken at home")
    lifestyle = RadioField("Home life", choices=LIFESTYLES, widget=GovRadioInput())
    setting = RadioField("Where the home is", choices=SETTINGS, widget=GovRadioInput())
    routines = _area("Routines", 1000, description="For example, early risers, dinner together at six")
    interests = _checkboxes("Interests")
    transport = _text("Transport", 200, description="For example, car and bus pass")
    availability = _area("Availability for short breaks", 500, description="Dates or times you can offer")
    age_min = _int("Youngest age you would support", 18, 110)
    age_max = _int("Oldest age you would support", 18, 110)
    cannot_offer = _checkboxes("Support you cannot offer")

    def validate_age_max(self, field):
        if self.age_min.data is not None and field.data is not None and field.data < self.age_min.data:
            raise ValidationError("Oldest age must be the same as or more than the youngest age")


@_add_rows
class OwnHouseholdForm(_OwnFieldsForm):
    """What a carer may change about their own household. Nothing else is on this form."""

    submit = SubmitField("Save changes", widget=GovSubmitInput())


@_add_rows
class HouseholdForm(_OwnFieldsForm):
    """The scheme's full household record, for coordinators and managers."""

    name = _text("Household name", 120, required=True, description="For example, The Baldwin household")
    address_line = _text("Address", 200)
    town = _text("Town", 80)
    postcode = StringField(
        "Postcode",
        [InputRequired("Enter a postcode"), Length(max=10, message="Enter a real postcode, like SW1A 1AA")],
        widget=GovTextInput(),
        render_kw={"params": {"classes": "govuk-input--width-10", "autocomplete": "postal-code"}},
    )
    bedrooms_spare = _int("Spare bedrooms", 0, 10, render_kw={"params": {"classes": "govuk-input--width-3"}})
    ground_floor_bedroom = _bool("A bedroom on the ground floor")
    accessible_bedroom = _bool("An accessible bedroom")
    step_free = _bool("Step-free access")
    adapted_bathroom = _bool("An adapted bathroom")
    faith = SelectField("Faith", choices={"": "Not given"}, widget=GovSelect(), default="")
    cultural_practice = _area("Faith and cultural practice", 500)
    arrangement_types = _checkboxes("Arrangement types offered")
    needs_can_meet = _checkboxes("Needs the household can meet")
    submit = SubmitField("Save household", widget=GovSubmitInput())


class CarerForm(VersionedForm):
    name = _text("Full name", 120, required=True)
    role = RadioField("Role", choices=CARER_ROLES, widget=GovRadioInput(), validators=[InputRequired("Select a role")])
    gender = SelectField("Gender", choices={"": "Not given", **GENDERS}, widget=GovSelect(), default="")
    gives_personal_care = _bool("Gives personal care")
    approval_status = SelectField(
        "Approval status", choices=APPROVAL_STATUSES, widget=GovSelect(), validators=[InputRequired("Select a status")]
    )
    panel_date = GovDateField("Panel date", validators=[Optional()])
    approval_expires = GovDateField("Approval expires", validators=[Optional()])
    probationary = _bool("First year (probationary)")
    terms_arrangement_types = _checkboxes("Approved for these arrangement types")
    terms_max_people = _int(
        "Most people supported at once", 1, 3, render_kw={"params": {"classes": "govuk-input--width-3"}}
    )
    terms_conditions = _area("Conditions of approval", 1000)
    skills = _checkboxes("Skills and experience")
    submit = SubmitField("Save carer", widget=GovSubmitInput())

    def validate_terms_max_people(self, field):
        from flask import current_app

        limit = int(current_app.config.get("SCHEME_MAX_PEOPLE", 3))
        if field.data is not None and field.data > limit:
            raise ValidationError(f"The most people a household can support at once is {limit} in this scheme")


class DbsForm(FlaskForm):
    adult_name = _text("Adult's full name", 120, required=True)
    certificate_number = _text("Certificate number", 20, render_kw={"params": {"classes": "govuk-input--width-20"}})
    issued_on = GovDateField("Date of issue", validators=[InputRequired("Enter the date of issue")])
    renew_by = GovDateField("Renew by", validators=[InputRequired("Enter the renewal date")])
    submit = SubmitField("Save DBS check", widget=GovSubmitInput())


class TrainingForm(FlaskForm):
    course = _text("Course", 80, required=True, description="For example, First aid or Safeguarding adults")
    completed_on = GovDateField("Date completed", validators=[InputRequired("Enter the date completed")])
    renew_by = GovDateField("Renew by", validators=[Optional()], description="Leave blank if it does not expire")
    submit = SubmitField("Save training record", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    confirm = _bool("Yes, remove it")
    submit = SubmitField("Remove", widget=GovSubmitInput())

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError("Confirm that you want to remove it")


class ReviewedForm(FlaskForm):
    submit = SubmitField("Mark as reviewed", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    """Not posted: only used to render the list filters."""

    class Meta:
        csrf = False

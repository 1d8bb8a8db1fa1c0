"""Household forms (GOV.UK style): the scheme's record, and the fields a carer may change."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from shared_lives.forms import VersionedForm, area_field, bool_field, checkboxes_field, int_field, text_field
from shared_lives.households.services import MAX_MEMBERS, MAX_PETS
from shared_lives.vocab.fixed import LIFESTYLES, SETTINGS

MEMBER_ROWS = 8
PET_ROWS = 4
assert MEMBER_ROWS <= MAX_MEMBERS and PET_ROWS <= MAX_PETS


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
        setattr(cls, f"member_{i}_name", text_field("Name", 120))
        setattr(
            cls,
            f"member_{i}_age",
            int_field("Age", 0, 120, required=False, render_kw={"params": {"classes": "govuk-input--width-3"}}),
        )
        setattr(
            cls, f"member_{i}_relationship", text_field("Relationship", 60, description="For example, partner or son")
        )
    for i in range(1, PET_ROWS + 1):
        setattr(
            cls, f"pet_{i}_kind", SelectField("Kind of pet", choices={"": "No pet"}, widget=GovSelect(), default="")
        )
        setattr(
            cls,
            f"pet_{i}_number",
            int_field("How many", 1, 20, required=False, render_kw={"params": {"classes": "govuk-input--width-3"}}),
        )
    return cls


class _OwnFieldsForm(RowsMixin, VersionedForm):
    smoking = bool_field("Someone smokes in the home")
    languages = checkboxes_field("Languages spoken at home")
    lifestyle = RadioField("Home life", choices=LIFESTYLES, widget=GovRadioInput())
    setting = RadioField("Where the home is", choices=SETTINGS, widget=GovRadioInput())
    routines = area_field("Routines", 1000, description="For example, early risers, dinner together at six")
    interests = checkboxes_field("Interests")
    transport = text_field("Transport", 200, description="For example, car and bus pass")
    availability = area_field("Availability for short breaks", 500, description="Dates or times you can offer")
    age_min = int_field("Youngest age you would support", 18, 110)
    age_max = int_field("Oldest age you would support", 18, 110)
    cannot_offer = checkboxes_field("Support you cannot offer")

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

    name = text_field("Household name", 120, required=True, description="For example, The Baldwin household")
    address_line = text_field("Address", 200)
    town = text_field("Town", 80)
    postcode = StringField(
        "Postcode",
        [InputRequired("Enter a postcode"), Length(max=10, message="Enter a real postcode, like SW1A 1AA")],
        widget=GovTextInput(),
        render_kw={"params": {"classes": "govuk-input--width-10", "autocomplete": "postal-code"}},
    )
    bedrooms_spare = int_field("Spare bedrooms", 0, 10, render_kw={"params": {"classes": "govuk-input--width-3"}})
    ground_floor_bedroom = bool_field("A bedroom on the ground floor")
    accessible_bedroom = bool_field("An accessible bedroom")
    step_free = bool_field("Step-free access")
    adapted_bathroom = bool_field("An adapted bathroom")
    faith = SelectField("Faith", choices={"": "Not given"}, widget=GovSelect(), default="")
    cultural_practice = area_field("Faith and cultural practice", 500)
    arrangement_types = checkboxes_field("Arrangement types offered")
    needs_can_meet = checkboxes_field("Needs the household can meet")
    submit = SubmitField("Save household", widget=GovSubmitInput())


class ReviewedForm(FlaskForm):
    submit = SubmitField("Mark as reviewed", widget=GovSubmitInput())

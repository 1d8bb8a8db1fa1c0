"""Carer, DBS check and training forms (GOV.UK style)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from shared_lives.carers.models import APPROVAL_STATUSES, CARER_ROLES
from shared_lives.forms import (
    GovDateField,
    VersionedForm,
    area_field,
    bool_field,
    checkboxes_field,
    int_field,
    text_field,
)
from shared_lives.rules.eligibility import scheme_max_people
from shared_lives.vocab.fixed import GENDERS, training_courses


class CarerForm(VersionedForm):
    name = text_field("Full name", 120, required=True)
    role = RadioField("Role", choices=CARER_ROLES, widget=GovRadioInput(), validators=[InputRequired("Select a role")])
    gender = SelectField("Gender", choices={"": "Not given", **GENDERS}, widget=GovSelect(), default="")
    gives_personal_care = bool_field("Gives personal care")
    approval_status = SelectField(
        "Approval status", choices=APPROVAL_STATUSES, widget=GovSelect(), validators=[InputRequired("Select a status")]
    )
    panel_date = GovDateField("Panel date", validators=[Optional()])
    approval_expires = GovDateField("Approval expires", validators=[Optional()])
    probationary = bool_field("First year (probationary)")
    terms_arrangement_types = checkboxes_field("Approved for these arrangement types")
    terms_max_people = int_field(
        "Most people supported at once", 1, 3, render_kw={"params": {"classes": "govuk-input--width-3"}}
    )
    terms_conditions = area_field("Conditions of approval", 1000)
    skills = checkboxes_field("Skills and experience")
    submit = SubmitField("Save carer", widget=GovSubmitInput())

    def validate_terms_max_people(self, field):
        limit = scheme_max_people()
        if field.data is not None and field.data > limit:
            raise ValidationError(f"The most people a household can support at once is {limit} in this scheme")


class DbsForm(FlaskForm):
    adult_name = text_field("Adult's full name", 120, required=True)
    certificate_number = text_field(
        "Certificate number", 20, render_kw={"params": {"classes": "govuk-input--width-20"}}
    )
    issued_on = GovDateField("Date of issue", validators=[InputRequired("Enter the date of issue")])
    renew_by = GovDateField("Renew by", validators=[InputRequired("Enter the renewal date")])
    submit = SubmitField("Save DBS check", widget=GovSubmitInput())


class TrainingForm(FlaskForm):
    course = SelectField(
        "Course",
        choices={},
        widget=GovSelect(),
        validators=[InputRequired("Select the course")],
        description="Courses marked (mandatory) must be in date before the household can be offered an arrangement",
    )
    completed_on = GovDateField("Date completed", validators=[InputRequired("Enter the date completed")])
    renew_by = GovDateField(
        "Renew by",
        validators=[Optional()],
        description="Leave blank to use the course's usual cycle (for example, 3 years for first aid)",
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.course.choices = {
            "": "Select a course",
            **{name: f"{name} (mandatory)" if c["mandatory"] else name for name, c in training_courses().items()},
        }

    submit = SubmitField("Save training record", widget=GovSubmitInput())

"""Account management forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from shared_lives.auth.permissions import ROLE_LABELS
from shared_lives.records import whole_number


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    # -1 is never an id: the service answers "select a household that exists"
    return whole_number(value) or -1


class UserCreateForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    # No role is chosen for the administrator: an account gets only the access asked for.
    role = SelectField(
        "Role",
        choices={"": "Choose a role"} | ROLE_LABELS,
        widget=GovSelect(),
        validators=[DataRequired("Select a role")],
    )
    household_id = SelectField(
        "Household (carers only)",
        coerce=_optional_int,
        widget=GovSelect(),
        validate_choice=False,
        description="A carer account sees and edits this household alone.",
    )
    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        description="8 characters or more. Give it to the person safely; they must change it when they first sign in.",
        validators=[
            DataRequired("Enter a temporary password"),
            Length(max=128, message="Password must be 128 characters or fewer"),
        ],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_LABELS, widget=GovSelect(), validators=[DataRequired("Select a role")])
    household_id = SelectField(
        "Household (carers only)", coerce=_optional_int, widget=GovSelect(), validate_choice=False
    )
    submit = SubmitField("Change role", widget=GovSubmitInput())


class ActiveForm(FlaskForm):
    confirm = BooleanField(
        "I understand this account's sessions end at once",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that you want to do this")],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput(), render_kw={"params": {"classes": "govuk-button--warning"}})

"""Subject access forms: logging a request, and the buttons that move it on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from shared_lives.forms import GovDateField


class ReceivedForm(FlaskForm):
    received_on = GovDateField(
        "Date the request was received", validators=[InputRequired("Enter the date the request was received")]
    )
    submit = SubmitField("Log the request", widget=GovSubmitInput())


class StepForm(FlaskForm):
    """A button that moves the request on (prepare, confirm, release): the CSRF token only."""

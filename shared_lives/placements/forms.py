"""Arrangement ending and review forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from shared_lives.forms import GovDateField
from shared_lives.placements.services import END_DECIDED_BY, END_REASONS, NEW_MATCH_ANSWERS


class EndForm(FlaskForm):
    end_date = GovDateField("Date the arrangement ended", validators=[InputRequired("Enter the end date")])
    reason = SelectField(
        "Why it ended",
        choices={"": "Choose a reason"} | END_REASONS,
        widget=GovSelect(),
        validators=[InputRequired("Choose why the arrangement ended")],
    )
    wants_new_match = RadioField(
        "Does the person want a new match?", choices=NEW_MATCH_ANSWERS, widget=GovRadioInput(), validators=[Optional()]
    )
    decided_by = RadioField(
        "Who decided", choices=END_DECIDED_BY, widget=GovRadioInput(), validators=[InputRequired("Choose who decided")]
    )
    planned = RadioField(
        "Was the ending planned?",
        choices={"yes": "Planned", "no": "Unplanned"},
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether it was planned")],
    )
    note = TextAreaField("Anything else", widget=GovCharacterCount(), validators=[Optional(), Length(max=300)])
    submit = SubmitField("End the arrangement", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    completed_on = GovDateField("Date of the review", validators=[InputRequired("Enter the date of the review")])
    notes = TextAreaField("Notes", widget=GovCharacterCount(), validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record the review", widget=GovSubmitInput())


class ExtraReviewForm(FlaskForm):
    due_on = GovDateField("Date the review is due", validators=[InputRequired("Enter the date the review is due")])
    submit = SubmitField("Schedule the review", widget=GovSubmitInput())

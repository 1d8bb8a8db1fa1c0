"""Journey forms: propose, respond, introductions, approve, withdraw."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from shared_lives.forms import GovDateField
from shared_lives.matches.models import CLOSE_REASONS, INTRODUCTION_KINDS
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

PERSON_GIVERS = {
    "person": "The person",
    "representative": "Their representative",
    "advocate": "Their advocate",
    "best_interests": "A best-interests decision (give the decision-maker's name)",
}
DECISIONS = {"agree": "Agrees", "decline": "Declines", "withdraw": "Withdraws an earlier agreement"}
REASON_CHOICES = {"": "Only if declining or withdrawing"} | CLOSE_REASONS


class ProposeForm(FlaskForm):
    person_id = HiddenField()
    household_id = HiddenField()
    engine_run_id = HiddenField()
    arrangement_type = RadioField(
        "Arrangement type",
        choices=ARRANGEMENT_TYPES,
        widget=GovRadioInput(),
        validators=[InputRequired("Select an arrangement type")],
    )
    short_break_start = GovDateField("Short break starts", validators=[Optional()])
    short_break_end = GovDateField("Short break ends", validators=[Optional()])
    rationale = TextAreaField(
        "Why you are proposing this match",
        widget=GovCharacterCount(),
        validators=[InputRequired("Enter why you are proposing this match"), Length(max=2000)],
    )
    submit = SubmitField("Propose this match", widget=GovSubmitInput())


class PersonResponseForm(FlaskForm):
    version = HiddenField()
    decision = RadioField(
        "The person's answer", choices=DECISIONS, widget=GovRadioInput(), validators=[InputRequired("Choose an answer")]
    )
    given_by = RadioField(
        "Who gave the answer",
        choices=PERSON_GIVERS,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who gave the answer")],
    )
    given_by_name = StringField(
        "Name of who gave the answer (or the decision-maker)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of who gave the answer"), Length(max=120)],
    )
    how_checked = TextAreaField(
        "How the answer was checked",
        widget=GovCharacterCount(),
        validators=[InputRequired("Enter how the answer was checked"), Length(max=500)],
    )
    reason = SelectField("Reason (no blame)", choices=REASON_CHOICES, widget=GovSelect(), validators=[Optional()])
    note = TextAreaField("Anything else", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Record the answer", widget=GovSubmitInput())


class HouseholdResponseForm(FlaskForm):
    version = HiddenField()
    decision = RadioField(
        "The household's answer",
        choices=DECISIONS,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose an answer")],
    )
    given_by_name = StringField(
        "Name of the carer who answered",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of the carer"), Length(max=120)],
    )
    household_views = TextAreaField(
        "Views of other household members", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)]
    )
    reason = SelectField("Reason (no blame)", choices=REASON_CHOICES, widget=GovSelect(), validators=[Optional()])
    note = TextAreaField("Anything else", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Record the answer", widget=GovSubmitInput())


class IntroductionForm(FlaskForm):
    kind = RadioField(
        "Kind of meeting",
        choices=INTRODUCTION_KINDS,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose the kind of meeting")],
    )
    planned_for = GovDateField("Date of the meeting", validators=[InputRequired("Enter the date of the meeting")])
    status = RadioField(
        "Has it happened?",
        choices={"planned": "Planned", "completed": "It has happened", "cancelled": "Cancelled"},
        widget=GovRadioInput(),
        default="planned",
        validators=[InputRequired("Choose whether the meeting has happened")],
    )
    person_feedback = TextAreaField(
        "The person's feedback", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)]
    )
    carer_feedback = TextAreaField(
        "The household's feedback", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())


class ApproveForm(FlaskForm):
    version = HiddenField()
    start_date = GovDateField("Date the arrangement starts", validators=[InputRequired("Enter the start date")])
    submit = SubmitField("Approve and start the arrangement", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = SelectField(
        "Reason (no blame)",
        choices={"": "Choose a reason"} | CLOSE_REASONS,
        widget=GovSelect(),
        validators=[InputRequired("Choose a reason")],
    )
    note = TextAreaField("Anything else", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Withdraw the proposal", widget=GovSubmitInput())

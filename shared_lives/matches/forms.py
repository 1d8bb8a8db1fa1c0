"""Journey forms: propose, capacity, respond, liberty, introductions, approve, withdraw."""

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
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from shared_lives.forms import GovDateField
from shared_lives.matches.models import CLOSE_REASONS, INTRODUCTION_KINDS, INTRODUCTION_STATUSES
from shared_lives.rules.consent import ASSESSMENT_OUTCOMES, AUTHORITY_KINDS, CONSULTED, DECIDERS
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

SUPPORTS = {
    "easy_read_used": "The easy-read page was used",
    "advocate_present": "An advocate was there",
    "supporter_present": "A friend, relative or supporter was there",
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
    """The person's side. Who may decide is checked by the service (``rules.consent``)."""

    version = HiddenField()
    decision = RadioField(
        "The answer", choices=DECISIONS, widget=GovRadioInput(), validators=[InputRequired("Choose an answer")]
    )
    given_by = RadioField(
        "Who gave the answer",
        choices=DECIDERS,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who gave the answer")],
    )
    given_by_name = StringField(
        "Their name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the name of who gave the answer"), Length(max=120)],
    )
    person_views = TextAreaField(
        "The person's own views, wishes and feelings",
        widget=GovCharacterCount(),
        validators=[InputRequired("Record the person's own views, whoever decides"), Length(max=2000)],
    )
    how_checked = TextAreaField(
        "How they reached their answer", widget=GovCharacterCount(), validators=[Length(max=500)]
    )
    supports = SelectMultipleField(
        "What helped them decide", choices=SUPPORTS, widget=GovCheckboxesInput(), validators=[Optional()]
    )
    authority_kind = SelectField(
        "Kind of authority",
        choices={"": "Choose the kind of authority"} | AUTHORITY_KINDS,
        widget=GovSelect(),
        validators=[Optional()],
    )
    authority_reference = StringField(
        "Reference number of the authority", widget=GovTextInput(), validators=[Optional(), Length(max=60)]
    )
    authority_seen_on = GovDateField("Date you saw the authority", validators=[Optional()])
    authority_registered = BooleanField(
        "The Lasting Power of Attorney is registered with the Office of the Public Guardian",
        widget=GovCheckboxInput(),
    )
    authority_covers_residence = BooleanField(
        "The authority covers decisions about where the person lives", widget=GovCheckboxInput()
    )
    bi_maker_role = StringField("The decision-maker's role", widget=GovTextInput(), validators=[Length(max=120)])
    bi_consulted = SelectMultipleField(
        "Who was consulted", choices=CONSULTED, widget=GovCheckboxesInput(), validators=[Optional()]
    )
    bi_wishes = TextAreaField(
        "The person's past and present wishes, feelings, beliefs and values",
        widget=GovCharacterCount(),
        validators=[Length(max=2000)],
    )
    bi_less_restrictive = TextAreaField(
        "Less restrictive options considered", widget=GovCharacterCount(), validators=[Length(max=2000)]
    )
    reason = SelectField("Reason (no blame)", choices=REASON_CHOICES, widget=GovSelect(), validators=[Optional()])
    note = TextAreaField("Anything else", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Record the answer", widget=GovSubmitInput())

    def consent(self) -> dict:
        """The fields of ``rules.consent.Answer`` beyond who, what and how."""
        supports = set(self.supports.data or ())
        return {
            "person_views": self.person_views.data or "",
            **{key: key in supports for key in SUPPORTS},
            "authority_kind": self.authority_kind.data or "",
            "authority_reference": self.authority_reference.data or "",
            "authority_seen_on": self.authority_seen_on.data,
            "authority_registered": bool(self.authority_registered.data),
            "authority_covers_residence": bool(self.authority_covers_residence.data),
            "bi_maker_role": self.bi_maker_role.data or "",
            "bi_consulted": tuple(self.bi_consulted.data or ()),
            "bi_wishes": self.bi_wishes.data or "",
            "bi_less_restrictive": self.bi_less_restrictive.data or "",
        }


class CapacityForm(FlaskForm):
    decision = StringField(
        "The decision assessed",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the decision the assessment was about"), Length(max=300)],
    )
    outcome = RadioField(
        "What the assessment found",
        choices=ASSESSMENT_OUTCOMES,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose what the assessment found")],
    )
    assessed_on = GovDateField("Date of the assessment", validators=[InputRequired("Enter the date of the assessment")])
    assessor_name = StringField(
        "Who assessed", widget=GovTextInput(), validators=[InputRequired("Enter who assessed"), Length(max=120)]
    )
    assessor_role = StringField(
        "Their role",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the assessor's role, for example social worker"), Length(max=120)],
    )
    submit = SubmitField("Record the assessment", widget=GovSubmitInput())


class LibertyForm(FlaskForm):
    needed = RadioField(
        "May the live-in support plan deprive the person of their liberty?",
        choices={"yes": "Yes: a Court of Protection authorisation is needed", "no": "No"},
        widget=GovRadioInput(),
        validators=[InputRequired("Choose whether the plan may deprive them of their liberty")],
    )
    reference = StringField(
        "Court of Protection authorisation reference", widget=GovTextInput(), validators=[Optional(), Length(max=60)]
    )
    expires_on = GovDateField("Date the authorisation expires", validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


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


class CarerAnswerForm(HouseholdResponseForm):
    """The same answer, in the carer's own words, when the carer gives it."""

    decision = RadioField(
        "Your answer",
        choices={
            "agree": "Yes, we would like to go ahead",
            "decline": "No, thank you",
            "withdraw": "We have changed our mind",
        },
        widget=GovRadioInput(),
        validators=[InputRequired("Choose your answer")],
    )
    given_by_name = StringField(
        "Your name", widget=GovTextInput(), validators=[InputRequired("Enter your name"), Length(max=120)]
    )
    household_views = TextAreaField(
        "Who else in your home has a view?",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=1000)],
    )
    reason = SelectField(
        "If you are saying no, why? (no one is blamed)",
        choices={"": "Only if you are saying no"} | CLOSE_REASONS,
        widget=GovSelect(),
        validators=[Optional()],
    )
    note = TextAreaField(
        "Anything else you want us to know", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000)]
    )
    submit = SubmitField("Send your answer", widget=GovSubmitInput())


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
        choices=INTRODUCTION_STATUSES,
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

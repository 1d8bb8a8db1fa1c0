"""Adding a term to a controlled vocabulary."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from shared_lives.vocab.models import VOCABULARY_KINDS


class TermForm(FlaskForm):
    kind = SelectField(
        "Vocabulary", choices=VOCABULARY_KINDS, widget=GovSelect(), validators=[InputRequired("Select a vocabulary")]
    )
    label = StringField(
        "New term",
        widget=GovTextInput(),
        description="As people should read it, for example Bird watching",
        validators=[
            InputRequired("Enter the term"),
            Length(max=120, message="The term must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Add term", widget=GovSubmitInput())

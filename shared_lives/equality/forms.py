"""The equality monitoring form: one select per question, each with "prefer not to say"."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField

from shared_lives.equality.models import FIELDS, choices
from shared_lives.forms import VersionedForm

NOT_ASKED = "Not asked or not answered"


def _field(name: str) -> SelectField:
    # The service checks the code; a crafted value gets its message beside the field.
    return SelectField(
        FIELDS[name][0], choices={"": NOT_ASKED, **choices(name)}, widget=GovSelect(), validate_choice=False
    )


class EqualityForm(VersionedForm):
    ethnicity = _field("ethnicity")
    religion = _field("religion")
    disability = _field("disability")
    sex = _field("sex")
    sexual_orientation = _field("sexual_orientation")
    submit = SubmitField("Save", widget=GovSubmitInput())

"""Form pieces every area shares: GOV.UK fields that never crash on odd input, the
versioned-form base, and putting a service's message beside its field."""

from __future__ import annotations

from datetime import date, datetime

from flask import request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from shared_lives.records import whole_number


class SafeGovDateInput(GovDateInput):
    """GOV.UK day/month/year inputs. Upstream unpacks exactly three raw values and
    raises on a crafted POST with fewer or more; this pads or trims them first."""

    def map_gov_params(self, field, **kwargs):
        raw = field.raw_data
        if raw is not None and len(raw) != 3:
            field.raw_data = [*raw, "", "", ""][:3]
        try:
            return super().map_gov_params(field, **kwargs)
        finally:
            field.raw_data = raw


class GovDateField(DateField):
    """A date entered as day, month and year, with GOV.UK-style error messages.

    ``label`` is used in messages, e.g. "Date of birth must include a year".
    """

    widget = SafeGovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [str(v).strip() for v in valuelist]
        if len(parts) != 3 or not any(parts):
            self.data = None
            if any(parts):
                raise ValueError(f"{self.label.text} must be a real date")
            return
        names = ("a day", "a month", "a year")
        missing = [n for n, p in zip(names, parts, strict=True) if not p]
        if missing:
            self.data = None
            raise ValueError(f"{self.label.text} must include {' and '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2007")
        try:
            self.data = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2007") from None
        if not date(1900, 1, 1) <= self.data <= date(2100, 12, 31):
            self.data = None
            raise ValueError(f"{self.label.text} must be between 1900 and 2100")


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


def int_field(label, lo, hi, required=True, **kw):
    validators = [InputRequired(f"Enter {label.lower()}")] if required else [Optional()]
    validators.append(NumberRange(lo, hi, f"{label} must be between {lo} and {hi}"))
    return GovIntegerField(label, validators, **kw)


def text_field(label, max_len, required=False, **kw):
    validators = [InputRequired(f"Enter {label.lower()}")] if required else [Optional()]
    validators.insert(0, Length(max=max_len, message=f"{label} must be {max_len} characters or fewer"))
    return StringField(label, validators, widget=GovTextInput(), **kw)


def area_field(label, max_len, **kw):
    return TextAreaField(
        label,
        [Length(max=max_len, message=f"{label} must be {max_len} characters or fewer")],
        widget=GovCharacterCount(),
        render_kw={"params": {"maxlength": max_len}},
        **kw,
    )


def checkboxes_field(label, **kw):
    return SelectMultipleField(label, choices={}, widget=GovCheckboxesInput(), **kw)


def bool_field(label, **kw):
    return BooleanField(label, widget=GovCheckboxInput(), **kw)


class VersionedForm(FlaskForm):
    """A record's form, carrying the version it was opened at (see ``records.versioned_update``)."""

    version = HiddenField()

    def set_vocab(self, vocab: dict) -> None:
        """Fill the vocabulary choices: {field name: {code: label}}."""
        for name, choices in vocab.items():
            if name in self._fields:
                self._fields[name].choices = choices


def field_error(form, exc: Exception, aliases: dict | None = None) -> None:
    """Put a service's message beside its field (or the nearest one on the form); a refusal with
    several problems (``exc.problems``, each with ``field`` and ``message``) puts each beside its own."""
    problems = getattr(exc, "problems", None) or [(getattr(exc, "field", None), str(exc))]
    for problem in problems:
        name, message = (problem.field, problem.message) if hasattr(problem, "message") else problem
        name = (aliases or {}).get(name or "", name or "")
        field = form._fields.get(name) or form._fields.get("submit")
        field.errors = [*field.errors, message]


def page_number() -> int:
    """The ``page`` query parameter: a whole number from 1, anything else is page 1."""
    return whole_number(request.args.get("page")) or 1


class ConfirmForm(FlaskForm):
    confirm = bool_field("Yes, remove it")
    submit = SubmitField("Remove", widget=GovSubmitInput())

    def validate_confirm(self, field):
        if not field.data:
            raise FieldError("Confirm that you want to remove it")

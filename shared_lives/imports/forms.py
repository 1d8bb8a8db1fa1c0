"""The import's forms: upload, column mapping and confirm (GOV.UK style)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import ValidationError as FieldError

from shared_lives.imports.columns import KINDS, RecordKind

NOT_IN_FILE = "Not in the file"


def _file_field(label: str):
    return FileField(
        label,
        widget=GovFileInput(),
        render_kw={"params": {"hint": {"text": "A CSV or XLSX file smaller than 10 MB, with a header row."}}},
    )


def _check_file(field) -> None:
    if not field.data or not getattr(field.data, "filename", ""):
        raise FieldError("Select a CSV or XLSX file")


class UploadForm(FlaskForm):
    kind = RadioField(
        "What does the file hold?",
        choices={k.key: k.label for k in KINDS.values()},
        widget=GovRadioInput(),
        validators=[InputRequired("Select what the file holds")],
    )
    file = _file_field("Upload a file")
    submit = SubmitField("Upload and continue", widget=GovSubmitInput())

    def validate_file(self, field):
        _check_file(field)


class ReplaceForm(FlaskForm):
    file = _file_field("Upload a corrected file")
    submit = SubmitField("Upload the corrected file", widget=GovSubmitInput())

    def validate_file(self, field):
        _check_file(field)


class ConfirmForm(FlaskForm):
    submit = SubmitField("Import these records", widget=GovSubmitInput())


def mapping_form(kind: RecordKind, headers: list[str], mapping: dict, formdata=None) -> FlaskForm:
    """One select for each column of the kind, listing the file's headers; chosen as mapped."""

    class MappingForm(FlaskForm):
        submit = SubmitField("Save and check the rows", widget=GovSubmitInput())

    choices = {"": NOT_IN_FILE, **{str(i): h or f"Column {i + 1} (no header)" for i, h in enumerate(headers)}}
    for column in kind.columns:
        label = column.header + ("" if column.required else " (optional)")
        setattr(MappingForm, column.key, SelectField(label, choices=choices, widget=GovSelect(), default=""))
    form = MappingForm(formdata=formdata)
    if formdata is None:
        for column in kind.columns:
            position = mapping.get(column.key)
            form[column.key].data = "" if position is None else str(position)
    return form

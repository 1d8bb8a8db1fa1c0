"""Import pages: upload, map columns, preview, confirm; templates, the column guide and exports."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from shared_lives.auth.permissions import require
from shared_lives.db import get_session
from shared_lives.errors import StaleRecord, ValidationError
from shared_lives.forms import field_error
from shared_lives.imports import services
from shared_lives.imports.columns import KINDS
from shared_lives.imports.forms import ConfirmForm, ReplaceForm, UploadForm, mapping_form
from shared_lives.imports.sheets import MAX_BYTES, MAX_ROWS, csv_bytes, xlsx_bytes

bp = Blueprint("imports", __name__, url_prefix="/imports")
TOO_LARGE = "The file must be smaller than 10 MB"
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _allow_uploads():
    # The app refuses bodies over 2 MB; an import may be up to 10 MB, with room for the form around it.
    if request.blueprint == bp.name:
        request.max_content_length = MAX_BYTES + 64 * 1024


@bp.record_once
def _first_before_request(state):
    # First in line: the CSRF check, itself a before_request hook, reads the form.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)


def _read(upload) -> tuple[str, bytes]:
    """The file's name and bytes; a large upload is spooled to a temporary file, closed at once."""
    try:
        return upload.filename or "", upload.read(MAX_BYTES + 1)
    finally:
        upload.close()


def _index(form, status=200):
    require(current_user, services.PERMISSION)
    return render_template("imports/index.html", form=form, kinds=KINDS, max_rows=MAX_ROWS), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    form = UploadForm(formdata=None)
    form.file.errors = [TOO_LARGE]
    return _index(form, 413)


@bp.route("", methods=["GET", "POST"])
def index():
    form = UploadForm()
    if form.validate_on_submit():
        try:
            token = services.start_upload(get_session(), current_user, form.kind.data, *_read(form.file.data)).token
        except ValidationError as exc:
            field_error(form, exc)
        else:
            return redirect(url_for(".mapping", token=token))
    return _index(form, 400 if form.errors else 200)


@bp.route("/<token>/columns", methods=["GET", "POST"])
def mapping(token):
    db = get_session()
    upload = services.get_upload(db, current_user, token)
    kind = KINDS[upload.kind]
    form = mapping_form(
        kind, upload.headers, upload.mapping, formdata=request.form if request.method == "POST" else None
    )
    if request.method == "POST" and form.validate():
        chosen = {c.key: form[c.key].data for c in kind.columns}
        try:
            services.save_mapping(db, current_user, token, chosen)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            return redirect(url_for(".preview", token=token))
    unused = services.unused_headers(upload)
    return render_template(
        "imports/mapping.html", form=form, upload=upload, kind=kind, unused=unused
    ), 400 if form.errors else 200


@bp.get("/<token>/preview")
def preview(token):
    result = services.preview(get_session(), current_user, token)
    return render_template("imports/preview.html", **result, confirm_form=ConfirmForm(), replace_form=ReplaceForm())


@bp.post("/<token>/replace")
def replace(token):
    db = get_session()
    old = services.get_upload(db, current_user, token)
    form = ReplaceForm()
    if form.validate_on_submit():
        try:
            new = services.replace_upload(db, current_user, token, *_read(form.file.data))
        except ValidationError as exc:
            field_error(form, exc)
        else:
            return redirect(url_for(".preview", token=new.token))
    result = services.preview(db, current_user, old.token)
    return render_template(
        "imports/preview.html", **result, confirm_form=ConfirmForm(), replace_form=form, form=form
    ), 400


@bp.post("/<token>/confirm")
def confirm(token):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for(".preview", token=token))
    try:
        summary = services.confirm(get_session(), current_user, token)
    except (ValidationError, StaleRecord) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".preview", token=token))
    flash(
        f"Imported {KINDS[summary.kind].label.lower()}: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged.",
        "success",
    )
    return redirect(url_for(".index"))


@bp.get("/guide/<kind>")
def guide(kind):
    return render_template("imports/guide.html", **services.column_guide(get_session(), current_user, kind))


def _download(name: str, fmt: str, title: str, headers: list[str], rows: list[list]) -> Response:
    body = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(title, headers, rows)
    return Response(body, mimetype=MEDIA[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.get("/template/<kind>.<fmt>")
def template(kind, fmt):
    require(current_user, services.PERMISSION)
    if fmt not in MEDIA:
        fmt = ""
    record_kind = services.kind_of(kind if fmt else "")
    return _download(
        f"{kind}-template", fmt, record_kind.label, record_kind.headers, services.template_rows(record_kind)
    )


@bp.get("/export/<kind>.<fmt>")
def export(kind, fmt):
    if fmt not in MEDIA:
        kind = ""
    record_kind, rows = services.export(get_session(), current_user, kind)
    return _download(f"{kind}-export", fmt, record_kind.label, record_kind.headers, rows)

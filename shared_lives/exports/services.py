"""Exports of placement histories (auditors only): CSV, JSON and a tagged PDF, streamed and audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

from flask import render_template
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.exports.history import COLUMNS, EVENT_LABELS, STATUSES, HistoryFilter, events, upcoming_reviews
from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.records import whole_number
from shared_lives.timeutil import utcnow

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json", "pdf": "application/pdf"}
#: A PDF is built in memory; larger histories are exported as CSV or JSON, or narrowed.
PDF_MAX_EVENTS = 5000
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | float:
    """A cell a spreadsheet will never run: text starting with = + - @ tab or CR gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(_DANGEROUS) or text.lstrip(" \n").startswith(_DANGEROUS):
        return "'" + text
    return text


def csv_text(rows) -> str:
    """Rows as CSV text (CRLF line ends), every cell neutralised: the reports' CSV exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def parse_filters(session: Session, args) -> tuple[HistoryFilter, dict, dict]:
    """(filter, errors by field, the cleaned args to echo back) from the export form's query string."""
    errors: dict = {}
    raw = {k: (args.get(k) or "").strip()[:40] for k in ("date_from", "date_to", "person", "household", "status")}

    def day(name):
        if not raw[name]:
            return None
        try:
            return date.fromisoformat(raw[name])
        except ValueError:
            errors[name] = "Enter a real date, like 2026-03-31"
            return None

    def ref(name, model):
        value = raw[name]
        if not value:
            return None
        number = whole_number(value)
        found = (
            session.get(model, number)
            if number is not None
            else session.exec(select(model).where(model.reference == value.upper())).first()
        )
        if found is None:
            errors[name] = f"No {name} has the reference {value}"
            return None
        return found.id

    f = HistoryFilter(
        date_from=day("date_from"),
        date_to=day("date_to"),
        person_id=ref("person", Person),
        household_id=ref("household", Household),
        status=raw["status"] or None,
    )
    if f.status and f.status not in STATUSES:
        errors["status"] = "Select a status from the list"
    if f.date_from and f.date_to and f.date_to < f.date_from:
        errors["date_to"] = "The end date must be the same as or after the start date"
    return f, errors, {k: v for k, v in raw.items() if v}


def filename(fmt: str) -> str:
    return f"placement-history-{utcnow().strftime('%Y%m%d-%H%M%S')}.{fmt}"


def start_export(session: Session, user, fmt: str, f: HistoryFilter) -> str:
    """Check the auditor may export, audit the export, and give the download's file name."""
    require(user, "export:read")
    name = filename(fmt)
    audit(
        session,
        actor_of(user),
        "export.placement_history",
        changes={"format": fmt, "filters": f.describe(), "file": name},
        person_id=f.person_id,
        household_id=f.household_id,
    )
    return name


def _read_session(engine: Engine) -> Session:
    # A read-only snapshot that never holds SQLite's write lock while the download streams.
    return Session(engine.execution_options(sqlite_begin="DEFERRED"))


def csv_chunks(engine: Engine, f: HistoryFilter, rows_per_chunk: int = 500) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with _read_session(engine) as session:
        for n, event in enumerate(events(session, f), start=1):
            writer.writerow([neutralise(event[c]) for c in COLUMNS])
            if n % rows_per_chunk == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def json_chunks(engine: Engine, f: HistoryFilter, rows_per_chunk: int = 500) -> Iterator[str]:
    """The events in order, then the reviews still to come, apart (they have not happened)."""
    head = {"generated_at": utcnow().isoformat(timespec="seconds"), "filters": f.describe(), "columns": COLUMNS}
    yield json.dumps(head)[:-1] + ', "events": [\n'
    parts: list[str] = []
    first = True
    with _read_session(engine) as session:
        for event in events(session, f):
            parts.append(("" if first else ",\n") + json.dumps(event, ensure_ascii=False))
            first = False
            if len(parts) >= rows_per_chunk:
                yield "".join(parts)
                parts = []
        upcoming = upcoming_reviews(session, f)
    yield "".join(parts) + '\n], "upcoming_reviews": ' + json.dumps(upcoming, ensure_ascii=False) + "}\n"


def render_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1) of an HTML report."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def history_pdf(engine: Engine, f: HistoryFilter, scheme_name: str) -> bytes | None:
    """The history as a tagged PDF, or None when it has more than PDF_MAX_EVENTS events."""
    from shared_lives.auth.permissions import ROLE_LABELS
    from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

    with _read_session(engine) as session:
        rows = []
        for event in events(session, f):
            rows.append(event)
            if len(rows) > PDF_MAX_EVENTS:
                return None
        upcoming = upcoming_reviews(session, f)
    html = render_template(
        "exports/history_pdf.html",
        events=rows,
        upcoming=upcoming,
        labels=EVENT_LABELS,
        statuses=STATUSES,
        roles=ROLE_LABELS,
        types=ARRANGEMENT_TYPES,
        filters=f.describe(),
        generated_at=utcnow(),
        scheme_name=scheme_name,
    )
    return render_pdf(html)

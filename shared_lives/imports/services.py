"""Importing a scheme's spreadsheets, and exporting records in the same columns.

The steps: upload (kept server-side under a random token, tied to its user), map columns,
preview (every row checked by the record services' own cleaners, each problem at its
row and column), confirm (every row written through the same services, in one savepoint:
all or nothing). The command line runs the same check and write on a file.

The audit log gets one entry for each step and, from the services, one per record; it
never gets a cell's text (only the kind, counts and the file's SHA-256).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, delete, select

from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.carers import services as carers
from shared_lives.carers.models import Carer, DbsCheck, TrainingRecord
from shared_lives.errors import NotFound, StaleRecord, ValidationError
from shared_lives.households import services as households
from shared_lives.households.models import Household
from shared_lives.imports.columns import KINDS, OMIT, Column, RecordKind, normalise_header
from shared_lives.imports.models import ImportedRecord, ImportUpload
from shared_lives.imports.sheets import MAX_ROWS, Sheet, SheetError, parse_date, read_sheet
from shared_lives.people import services as people
from shared_lives.people.models import Person
from shared_lives.records import changed_fields
from shared_lives.timeutil import utcnow
from shared_lives.vocab.services import steady_terms

PERMISSION = "import:run"
#: An upload not confirmed within this time is removed.
KEEP_UPLOADS = timedelta(hours=24)
#: The preview lists this many problems; the count says how many there are in all.
SHOWN_PROBLEMS = 500


@dataclass
class Problem:
    """Something wrong with one cell (``column`` set), one row, or the file (``line`` 0)."""

    line: int
    column: str | None
    message: str


@dataclass
class RowCheck:
    """One data row checked: what it would do, to which record, with which values."""

    line: int
    action: str = "create"  # create, update or unchanged
    values: dict = field(default_factory=dict)
    reference: str = ""
    household_id: int | None = None
    carer_id: int | None = None
    record_id: int | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Checked:
    kind: RecordKind
    rows: list[RowCheck]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.problems)


@dataclass
class Summary:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    written: bool = False
    problems: list[Problem] = field(default_factory=list)


class ImportRefused(ValidationError):
    """Rows have problems, so nothing was written; ``checked`` holds them."""

    def __init__(self, checked: Checked):
        n = checked.refused
        super().__init__(
            f"Nothing was imported: {n} {'row has a problem' if n == 1 else 'rows have problems'}. "
            "Correct the file and upload it again.",
            "file",
        )
        self.checked = checked


def kind_of(key: str) -> RecordKind:
    if key not in KINDS:
        raise NotFound("No such kind of record")
    return KINDS[key]


# --------------------------------------------------------------------------- mapping


def auto_mapping(kind: RecordKind, headers: list[str]) -> dict[str, int]:
    """{column key: header position}: exact headers first, then keys and synonyms; each used once."""
    normalised = [normalise_header(h) for h in headers]
    mapping: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for column in kind.columns:
            if column.key in mapping:
                continue
            names = {normalise_header(column.header)} if exact else column.names()
            for i, h in enumerate(normalised):
                if h and i not in taken and h in names:
                    mapping[column.key] = i
                    taken.add(i)
                    break
    return mapping


def check_mapping(kind: RecordKind, headers: list[str], mapping: dict) -> dict[str, int]:
    """A mapping the user chose, checked: positions exist, none used twice, required columns mapped."""
    out: dict[str, int] = {}
    used: dict[int, str] = {}
    for column in kind.columns:
        raw = mapping.get(column.key)
        if raw in (None, ""):
            if column.required:
                raise ValidationError(f"Choose the column that holds {column.header.lower()}", column.key)
            continue
        try:
            position = int(raw)
        except (TypeError, ValueError):
            raise ValidationError("Choose a column from the list", column.key) from None
        if not 0 <= position < len(headers):
            raise ValidationError("Choose a column from the list", column.key)
        if position in used:
            other = kind.column(used[position]).header
            raise ValidationError(f"The column “{headers[position]}” is already chosen for {other}", column.key)
        used[position] = column.key
        out[column.key] = position
    return out


# --------------------------------------------------------------------------- cells to values


class CellError(ValueError):
    pass


@dataclass
class Vocab:
    """A column's terms: what a cell may say (code or label, any case) and the code it means."""

    codes: dict[str, str]
    labels: dict[str, str]

    @classmethod
    def of(cls, choices: dict, aliases: dict | None = None) -> Vocab:
        codes = {_words(text): code for text, code in (aliases or {}).items() if code in choices}
        for code, label in choices.items():
            codes[_words(code)] = code
            codes[_words(code.replace("_", " "))] = code
            codes[_words(label)] = code
        return cls(codes, dict(choices))

    @classmethod
    def of_column(cls, column: Column, session: Session) -> Vocab:
        return cls.of(column.choices(session), column.aliases() if column.aliases else None)

    def code(self, text: str, column: Column) -> str:
        found = self.codes.get(_words(text))
        if found is not None:
            return found
        message = f"“{text[:60]}” is not one of the scheme's terms for {column.header.lower()}"
        labels = {_words(label): label for label in self.labels.values()}
        close = difflib.get_close_matches(_words(text), list(labels), n=1, cutoff=0.6)
        raise CellError(f"{message}. Did you mean “{labels[close[0]]}”?" if close else message)


def _words(text: str) -> str:
    return " ".join(str(text).casefold().split())


_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0"}
_MEMBER = re.compile(r"(.*?)\s*\(\s*([^,()]*?)\s*(?:,\s*(.*?)\s*)?\)")
_PET = re.compile(r"(.*?)\s*(?:\(\s*(\d+)\s*\)|[x×:]\s*(\d+)|\s(\d+))?")


def _whole(text: str):
    """A whole number from a cell, or the text itself so the service gives its own message."""
    t = text.strip()
    if re.fullmatch(r"-?\d{1,9}(\.0+)?", t):
        return int(float(t))
    return t


def cell_value(column: Column, text: str, vocab: Vocab | None):
    """The value a service expects for a cell's text; OMIT for an empty cell that leaves the field alone."""
    text = text.strip()
    if not text:
        return column.blank
    if column.kind in ("text", "reference"):
        return text
    if column.kind == "int":
        return _whole(text)
    if column.kind == "bool":
        word = text.casefold()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise CellError(f"Enter yes or no for {column.header.lower()}")
    if column.kind == "date":
        found = parse_date(text)
        if found is None:
            raise CellError(f"{column.header} must be a real date, like 31/01/2026")
        return found
    if column.kind == "choice":
        return vocab.code(text, column)
    if column.kind == "choices":
        return [vocab.code(part, column) for part in text.split(";") if part.strip()]
    if column.kind == "members":
        members = []
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            m = _MEMBER.fullmatch(part)
            if m is None:
                raise CellError("Write each member as name (age, relationship), like Sam Example (12, Son)")
            members.append({"name": m[1], "age": _whole(m[2]), "relationship": m[3] or ""})
        return members
    if column.kind == "pets":
        pets = []
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            m = _PET.fullmatch(part)
            number = next((int(n) for n in (m[2], m[3], m[4]) if n), 1) if m else 1
            pets.append({"kind": vocab.code(m[1] if m else part, column), "number": number})
        return pets
    raise AssertionError(column.kind)


def cell_text(column: Column, value, vocab: Vocab | None):
    """The cell an export writes for a record's value: the inverse of ``cell_value``."""
    if value is None:
        return ""
    if column.kind == "bool":
        return "yes" if value else "no"
    if column.kind == "date":
        return value.strftime("%d/%m/%Y")
    if column.kind == "choice":
        return vocab.labels.get(value, value)
    if column.kind == "choices":
        return "; ".join(vocab.labels.get(v, v) for v in value)
    if column.kind == "members":
        return "; ".join(
            f"{m['name']} ({m['age']}, {m['relationship']})" if m.get("relationship") else f"{m['name']} ({m['age']})"
            for m in value
        )
    if column.kind == "pets":
        return "; ".join(f"{vocab.labels.get(p['kind'], p['kind'])} ({p['number']})" for p in value)
    return value


# --------------------------------------------------------------------------- checking rows


def _column_of(kind: RecordKind, field_name: str | None) -> str | None:
    """The column a service's field error belongs to."""
    if not field_name:
        return None
    if field_name.startswith("member_"):
        return "members"
    if field_name.startswith("pet_"):
        return "pets"
    if field_name == "preferred_postcode" or any(c.key == field_name for c in kind.columns):
        return field_name
    return None


class _Context:
    """What checking a batch needs once, not once a row: vocabularies and existing records' keys."""

    def __init__(self, session: Session, kind: RecordKind):
        self.session = session
        self.kind = kind
        self.vocab = {c.key: Vocab.of_column(c, session) for c in kind.columns if c.choices}
        self.seen: dict[tuple, int] = {}
        if kind.key in ("households", "carers", "dbs", "training"):
            self.households = _references(session, "households", Household)
        if kind.key == "people":
            self.people = _references(session, "people", Person)
        if kind.key in ("carers", "training"):
            self.carers = {(c.household_id, _words(c.name)): c for c in session.exec(select(Carer)).all()}
        if kind.key == "dbs":
            self.dbs = {
                (d.household_id, _words(d.adult_name), d.issued_on): d for d in session.exec(select(DbsCheck)).all()
            }
        if kind.key == "training":
            self.training = {
                (t.carer_id, t.course, t.completed_on): t for t in session.exec(select(TrainingRecord)).all()
            }


def _references(session: Session, kind: str, model) -> dict[str, int]:
    """Reference -> record id: this system's own references, and the scheme's references it imported."""
    refs = {ref.casefold(): rid for rid, ref in session.exec(select(model.id, model.reference)).all()}
    for ref, rid in session.exec(
        select(ImportedRecord.reference, ImportedRecord.record_id).where(ImportedRecord.kind == kind)
    ).all():
        refs[ref.casefold()] = rid
    return refs


def _clean_collecting(
    clean: Callable[[dict], dict],
    values: dict,
    row: RowCheck,
    kind: RecordKind,
    alone: Callable[[dict], dict] | None = None,
) -> dict | None:
    """The service's cleaner on the whole row; when it refuses, field by field so every problem
    shows (with ``alone`` when given: a cleaner that leaves rules across fields to the whole row)."""
    try:
        return clean(values)
    except ValidationError as exc:
        first = exc
    found = []
    for name, value in values.items():
        try:
            (alone or clean)({name: value})
        except ValidationError as exc:
            found.append(Problem(row.line, _column_of(kind, exc.field), str(exc)))
    if not found:  # a rule across fields (youngest age above oldest, say)
        found.append(Problem(row.line, _column_of(kind, first.field), str(first)))
    row.problems += found
    return None


def _duplicate(ctx: _Context, row: RowCheck, key: tuple, column: str, what: str) -> bool:
    if key in ctx.seen:
        row.problems.append(Problem(row.line, column, f"Row {ctx.seen[key]} already has this {what}"))
        return True
    ctx.seen[key] = row.line
    return False


def _household(ctx: _Context, row: RowCheck, ref: str) -> int | None:
    hid = ctx.households.get(ref.casefold()) if ref else None
    if ref and hid is None:
        row.problems.append(
            Problem(row.line, "household_reference", "No household has this reference: import the households first")
        )
    return hid


def _check_households(ctx: _Context, row: RowCheck, ref: str) -> None:
    if ref and _duplicate(ctx, row, ("ref", ref.casefold()), "reference", "reference"):
        return
    row.record_id = ctx.households.get(ref.casefold()) if ref else None
    fields = households.STAFF_FIELDS
    clean = _clean_collecting(lambda v: households.clean_household(ctx.session, v, fields), row.values, row, ctx.kind)
    _set_action(ctx.session, row, Household, clean)


def _check_people(ctx: _Context, row: RowCheck, ref: str) -> None:
    if ref and _duplicate(ctx, row, ("ref", ref.casefold()), "reference", "reference"):
        return
    row.record_id = ctx.people.get(ref.casefold()) if ref else None
    current = ctx.session.get(Person, row.record_id) if row.record_id else Person()
    clean = _clean_collecting(
        lambda v: people.clean_person(ctx.session, v, current),
        row.values,
        row,
        ctx.kind,
        alone=lambda v: people.clean_person(ctx.session, v),
    )
    _set_action(ctx.session, row, Person, clean)


def _check_carers(ctx: _Context, row: RowCheck, ref: str) -> None:
    row.household_id = _household(ctx, row, ref)
    name = row.values.get("name")
    if row.household_id and isinstance(name, str) and name:
        if _duplicate(ctx, row, (row.household_id, _words(name)), "name", "carer in this household"):
            return
        existing = ctx.carers.get((row.household_id, _words(name)))
        row.record_id = existing.id if existing else None
    clean = _clean_collecting(lambda v: carers.clean_carer(ctx.session, v), row.values, row, ctx.kind)
    _set_action(ctx.session, row, Carer, clean)


def _check_dbs(ctx: _Context, row: RowCheck, ref: str) -> None:
    row.household_id = _household(ctx, row, ref)
    if row.problems:
        return
    try:
        clean = carers.clean_dbs(row.values)
    except ValidationError as exc:
        row.problems.append(Problem(row.line, _column_of(ctx.kind, exc.field), str(exc)))
        return
    key = (row.household_id, _words(clean["adult_name"]), clean["issued_on"])
    if _duplicate(ctx, row, key, "adult_name", "adult's check with this date of issue"):
        return
    existing = ctx.dbs.get(key)
    row.record_id = existing.id if existing else None
    _set_action(ctx.session, row, DbsCheck, clean)


def _check_training(ctx: _Context, row: RowCheck, ref: str) -> None:
    row.household_id = _household(ctx, row, ref)
    name = row.values.pop("carer_name", "")
    if row.household_id:
        carer = ctx.carers.get((row.household_id, _words(name or "")))
        if carer is None:
            row.problems.append(
                Problem(row.line, "carer_name", "No carer of this household has this name: import the carers first")
            )
        else:
            row.carer_id = carer.id
    if row.problems:
        return
    try:
        clean = carers.clean_training(row.values)
    except ValidationError as exc:
        row.problems.append(Problem(row.line, _column_of(ctx.kind, exc.field), str(exc)))
        return
    key = (row.carer_id, clean["course"], clean["completed_on"])
    if _duplicate(ctx, row, key, "course", "course completed on this date"):
        return
    existing = ctx.training.get(key)
    row.record_id = existing.id if existing else None
    _set_action(ctx.session, row, TrainingRecord, clean)


def _set_action(session: Session, row: RowCheck, model, clean: dict | None) -> None:
    if clean is None or row.record_id is None:
        return
    existing = session.get(model, row.record_id)
    changes = changed_fields(existing, clean)
    row.action = "update" if changes else "unchanged"


_CHECKS = {
    "households": _check_households,
    "people": _check_people,
    "carers": _check_carers,
    "dbs": _check_dbs,
    "training": _check_training,
}


def check_rows(session: Session, kind: RecordKind, sheet: Sheet, mapping: dict[str, int]) -> Checked:
    """Every row checked with the record services' own rules; nothing is written."""
    with steady_terms(session):
        ctx = _Context(session, kind)
        return Checked(kind, [_check_row(ctx, mapping, line, cells) for line, cells in sheet.rows])


def _check_row(ctx: _Context, mapping: dict[str, int], line: int, cells: list[str]) -> RowCheck:
    row = RowCheck(line)
    for column in ctx.kind.columns:
        position = mapping.get(column.key)
        if position is None:
            continue
        text = cells[position] if position < len(cells) else ""
        try:
            value = cell_value(column, text, ctx.vocab.get(column.key))
        except CellError as exc:
            row.problems.append(Problem(line, column.key, str(exc)))
            continue
        if column.kind == "reference":
            row.reference = value
            if not value:
                row.problems.append(Problem(line, column.key, f"Enter the {column.header.lower()}"))
        elif value is not OMIT:
            row.values[column.key] = value
    _CHECKS[ctx.kind.key](ctx, row, row.reference)
    return row


# --------------------------------------------------------------------------- writing rows


def _write_row(session: Session, user, kind: str, row: RowCheck) -> None:
    v = row.values
    if kind == "households":
        if row.record_id is None:
            record = households.create_household(session, user, v)
            session.add(ImportedRecord(kind=kind, reference=row.reference, record_id=record.id))
        else:
            version = session.get(Household, row.record_id).version
            households.update_household(session, user, row.record_id, version, v)
    elif kind == "people":
        if row.record_id is None:
            record = people.create_person(session, user, v)
            session.add(ImportedRecord(kind=kind, reference=row.reference, record_id=record.id))
        else:
            version = session.get(Person, row.record_id).version
            people.update_person(session, user, row.record_id, version, v)
    elif kind == "carers":
        if row.record_id is None:
            carers.create_carer(session, user, row.household_id, v)
        else:
            version = session.get(Carer, row.record_id).version
            carers.update_carer(session, user, row.household_id, row.record_id, version, v)
    elif kind == "dbs":
        if row.record_id is None:
            carers.add_dbs(session, user, row.household_id, v)
        else:
            carers.update_dbs(session, user, row.household_id, row.record_id, v)
    elif kind == "training":
        if row.record_id is None:
            carers.add_training(session, user, row.household_id, row.carer_id, v)
        else:
            carers.update_training(session, user, row.household_id, row.carer_id, row.record_id, v)


def write_rows(session: Session, user, checked: Checked, progress: Callable[[int], None] | None = None) -> Summary:
    """Write every row through the record services, all or nothing (one savepoint).

    Raises ImportRefused, writing nothing, if any row has a problem; a service that
    refuses a row while writing rolls the whole batch back too.
    """
    require(user, PERMISSION)
    summary = Summary(checked.kind.key, refused=checked.refused, problems=checked.problems)
    if checked.refused:
        raise ImportRefused(checked)
    with session.begin_nested(), steady_terms(session):
        for row in checked.rows:
            if row.action != "unchanged":
                _write_row(session, user, checked.kind.key, row)
            if progress:
                progress(1)
    summary.created = checked.count("create")
    summary.updated = checked.count("update")
    summary.unchanged = checked.count("unchanged")
    summary.written = True
    return summary


def _audit_run(session: Session, user, action: str, kind: str, digest: str, summary: Summary | None, rows: int):
    changes = {"kind": kind, "items": rows, "sha256": digest}
    if summary is not None:
        changes["count"] = summary.created + summary.updated
    audit(session, actor_of(user), action, "import", None, changes=changes)


# --------------------------------------------------------------------------- the web's steps


def _cleanup(session: Session, user) -> None:
    """Remove uploads past their day, and this user's earlier unconfirmed uploads of any age."""
    session.exec(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - KEEP_UPLOADS))
    session.exec(delete(ImportUpload).where(ImportUpload.user_id == user.id))


def _keep(session: Session, user, kind: RecordKind, filename: str, data: bytes) -> ImportUpload:
    sheet = read_sheet(data, filename, MAX_ROWS)
    found = auto_mapping(kind, sheet.headers)
    if not found:
        raise SheetError(
            "The first row must be a header row naming the columns, like "
            + ", ".join(c.header for c in kind.columns[:3])
        )
    _cleanup(session, user)
    upload = ImportUpload(
        token=secrets.token_urlsafe(24),
        user_id=user.id,
        kind=kind.key,
        sha256=hashlib.sha256(data).hexdigest(),
        headers=sheet.headers,
        rows=[[line, cells] for line, cells in sheet.rows],
        mapping=found,
    )
    session.add(upload)
    session.flush()
    _audit_run(session, user, "import.upload", kind.key, upload.sha256, None, len(sheet.rows))
    return upload


def start_upload(session: Session, user, kind_key: str, filename: str, data: bytes) -> ImportUpload:
    """Read an uploaded file and keep its cells for the next steps; raise SheetError on a bad file."""
    require(user, PERMISSION)
    return _keep(session, user, kind_of(kind_key), filename, data)


def replace_upload(session: Session, user, token: str, filename: str, data: bytes) -> ImportUpload:
    """A corrected file in place of an upload: same kind, and the same mapping when its headers are the same."""
    old = get_upload(session, user, token)
    headers, mapping = list(old.headers), dict(old.mapping)
    new = _keep(session, user, KINDS[old.kind], filename, data)
    if new.headers == headers:
        new.mapping = mapping
        session.add(new)
        session.flush()
    return new


def get_upload(session: Session, user, token: str) -> ImportUpload:
    """The user's own upload; anyone else's, or one past its day, is not found."""
    require(user, PERMISSION)
    token = str(token or "")[:64]
    upload = session.exec(select(ImportUpload).where(ImportUpload.token == token)).first()
    if upload is None or upload.user_id != user.id or upload.created_at < utcnow() - KEEP_UPLOADS:
        raise NotFound("No such upload")
    return upload


def save_mapping(session: Session, user, token: str, chosen: dict) -> ImportUpload:
    upload = get_upload(session, user, token)
    upload.mapping = check_mapping(KINDS[upload.kind], upload.headers, chosen)
    session.add(upload)
    session.flush()
    audit(
        session,
        actor_of(user),
        "import.mapping",
        "import",
        None,
        changes={"kind": upload.kind, "fields": sorted(upload.mapping)},
    )
    return upload


def unused_headers(upload: ImportUpload) -> list[str]:
    """The file's headers that no column is mapped to: what would be left out."""
    used = set(upload.mapping.values())
    return [h or f"Column {i + 1} (no header)" for i, h in enumerate(upload.headers) if i not in used]


def _sheet(upload: ImportUpload) -> Sheet:
    return Sheet(upload.headers, [(line, cells) for line, cells in upload.rows])


def preview(session: Session, user, token: str) -> dict:
    """What confirming would do, row by row, and every problem at its row and column."""
    upload = get_upload(session, user, token)
    kind = KINDS[upload.kind]
    checked = check_rows(session, kind, _sheet(upload), upload.mapping)
    _audit_run(session, user, "import.preview", kind.key, upload.sha256, None, len(upload.rows))
    cells = {line: cells for line, cells in upload.rows}
    problems = [
        {
            "line": p.line,
            "column": kind.column(p.column).header if p.column else "",
            "text": _cell(cells[p.line], upload.mapping.get(p.column)) if p.column else "",
            "message": p.message,
        }
        for p in checked.problems[:SHOWN_PROBLEMS]
    ]
    return {
        "upload": upload,
        "kind": kind,
        "checked": checked,
        "problems": problems,
        "total_problems": len(checked.problems),
        "counts": {a: checked.count(a) for a in ("create", "update", "unchanged")},
        "sample": [
            {"line": r.line, "action": r.action, "reference": r.reference, "ok": not r.problems}
            for r in checked.rows[:20]
        ],
    }


def _cell(cells: list[str], position: int | None) -> str:
    if position is None or position >= len(cells):
        return ""
    return cells[position][:200]


def confirm(session: Session, user, token: str) -> Summary:
    """Check every row again (records may have changed since the preview) and write them all, or none."""
    upload = get_upload(session, user, token)
    kind = KINDS[upload.kind]
    checked = check_rows(session, kind, _sheet(upload), upload.mapping)
    try:
        summary = write_rows(session, user, checked)
    except (ValidationError, StaleRecord):
        # The savepoint is gone with every row of the batch; the refusal itself is kept.
        _audit_run(session, user, "import.refused", kind.key, upload.sha256, None, len(upload.rows))
        raise
    _audit_run(session, user, "import.run", kind.key, upload.sha256, summary, len(upload.rows))
    session.delete(upload)
    session.flush()
    return summary


# --------------------------------------------------------------------------- command line


def check_file(session: Session, user, kind_key: str, filename: str, data: bytes) -> tuple[Checked, str]:
    """The command line's check of a whole file (no row limit), its columns matched by their headers."""
    require(user, PERMISSION)
    kind = kind_of(kind_key)
    sheet = read_sheet(data, filename, max_rows=None, max_bytes=None)
    mapping = auto_mapping(kind, sheet.headers)
    check_mapping(kind, sheet.headers, mapping)
    return check_rows(session, kind, sheet, mapping), hashlib.sha256(data).hexdigest()


def write_checked(
    session: Session, user, checked: Checked, digest: str, progress: Callable[[int], None] | None = None
) -> Summary:
    """Write a checked file (all or nothing) and audit the import; the caller commits."""
    summary = write_rows(session, user, checked, progress)
    _audit_run(session, user, "import.run", checked.kind.key, digest, summary, len(checked.rows))
    return summary


def dry_run_summary(checked: Checked) -> Summary:
    """What writing would do: counts of rows to create, update, leave and refuse."""
    return Summary(
        checked.kind.key,
        created=checked.count("create"),
        updated=checked.count("update"),
        unchanged=checked.count("unchanged"),
        refused=checked.refused,
        problems=checked.problems,
    )


def import_file(session: Session, user, kind_key: str, filename: str, data: bytes, dry_run: bool = False) -> Summary:
    """Check a file and, unless ``dry_run`` or a row is refused, write it all. The caller commits."""
    checked, digest = check_file(session, user, kind_key, filename, data)
    if dry_run or checked.refused:
        return dry_run_summary(checked)
    return write_checked(session, user, checked, digest)


# --------------------------------------------------------------------------- exports and templates


def _export_reference(refs: dict[int, str], record) -> str:
    return refs.get(record.id) or record.reference


def _imported_refs(session: Session, kind: str) -> dict[int, str]:
    rows = session.exec(
        select(ImportedRecord.record_id, ImportedRecord.reference)
        .where(ImportedRecord.kind == kind)
        .order_by(ImportedRecord.id)
    ).all()
    return dict(rows)


def export_rows(session: Session, kind: RecordKind) -> list[list]:
    """Every record of a kind as rows in the import's own columns (the round trip's first half)."""
    vocab = {c.key: Vocab.of_column(c, session) for c in kind.columns if c.choices}
    refs_by_id = _imported_refs(session, "households")
    household_refs = {
        hid: refs_by_id.get(hid) or ref for hid, ref in session.exec(select(Household.id, Household.reference)).all()
    }

    def row(values: dict) -> list:
        return [
            cell_text(c, values.get(c.key), vocab.get(c.key)) if c.kind != "reference" else values[c.key]
            for c in kind.columns
        ]

    out = []
    if kind.key == "households":
        for h in session.exec(select(Household).order_by(Household.id)).all():
            out.append(row({**h.model_dump(), "reference": household_refs[h.id]}))
    elif kind.key == "people":
        refs = _imported_refs(session, "people")
        for p in session.exec(select(Person).order_by(Person.id)).all():
            out.append(row({**p.model_dump(), "reference": _export_reference(refs, p)}))
    elif kind.key == "carers":
        for c in session.exec(select(Carer).order_by(Carer.household_id, Carer.id)).all():
            out.append(row({**c.model_dump(), "household_reference": household_refs[c.household_id]}))
    elif kind.key == "dbs":
        for d in session.exec(select(DbsCheck).order_by(DbsCheck.household_id, DbsCheck.id)).all():
            out.append(row({**d.model_dump(), "household_reference": household_refs[d.household_id]}))
    elif kind.key == "training":
        names = {c.id: (c.household_id, c.name) for c in session.exec(select(Carer)).all()}
        for t in session.exec(select(TrainingRecord).order_by(TrainingRecord.carer_id, TrainingRecord.id)).all():
            hid, name = names[t.carer_id]
            out.append(row({**t.model_dump(), "household_reference": household_refs[hid], "carer_name": name}))
    return out


def export(session: Session, user, kind_key: str) -> tuple[RecordKind, list[list]]:
    """A kind's records for download, audited (kind and count, never the contents)."""
    require(user, PERMISSION)
    kind = kind_of(kind_key)
    rows = export_rows(session, kind)
    audit(session, actor_of(user), "import.export", "import", None, changes={"kind": kind.key, "count": len(rows)})
    return kind, rows


def template_rows(kind: RecordKind) -> list[list]:
    """The one synthetic example row of a kind's template."""
    return [[c.example for c in kind.columns]]


def column_guide(session: Session, user, kind_key: str) -> dict:
    """A kind's columns in plain words, with the terms each vocabulary column accepts."""
    require(user, PERMISSION)
    kind = kind_of(kind_key)
    return {
        "kind": kind,
        "terms": {c.key: list(c.choices(session).values()) for c in kind.columns if c.choices},
    }

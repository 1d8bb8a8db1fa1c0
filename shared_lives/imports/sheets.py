"""Reading a spreadsheet's cells as text (CSV or XLSX), reading UK dates, and writing files back.

A cell is only ever text here: formulas are read as the values the spreadsheet saved
(``data_only``), never evaluated, and text starting with = + - @ stays text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared_lives.errors import ValidationError
from shared_lives.exports.services import neutralise

MAX_BYTES = 10 * 1024 * 1024
#: Rows a browser upload may have: confirming checks and writes them all in one request, which
#: must end well within the worker timeout (30 s). The command line has no limit.
MAX_ROWS = 5_000
MAX_COLUMNS = 200
#: Excel counts days from 30 December 1899 (its 1900 leap-year bug folded in).
SERIAL_EPOCH = date(1899, 12, 30)
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4})")
_SERIAL = re.compile(r"\d{1,5}(?:\.0+)?")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    """A file's header row and its data rows: (spreadsheet row number, cell texts)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


class SheetError(ValidationError):
    """The file as a whole cannot be read; the message says why, for the upload field."""

    def __init__(self, message: str):
        super().__init__(message, "file")


def parse_date(text: str) -> date | None:
    """A date as people type it in the UK, or a spreadsheet's date serial; None if it is not one.

    >>> parse_date("31/01/2026"), parse_date("31 Jan 2026"), parse_date("2026-01-31"), parse_date("46053")
    (datetime.date(2026, 1, 31), datetime.date(2026, 1, 31), datetime.date(2026, 1, 31), datetime.date(2026, 1, 31))
    >>> parse_date("01/31/2026") is None
    True
    """
    text = " ".join(str(text).strip().lower().split())
    found = None
    try:
        if m := _NUMERIC.fullmatch(text):
            found = date(int(m[3]), int(m[2]), int(m[1]))
        elif m := _ISO.fullmatch(text):
            found = date(int(m[1]), int(m[2]), int(m[3]))
        elif (m := _WORDS.fullmatch(text)) and m[2] in _MONTHS:
            found = date(int(m[3]), _MONTHS[m[2]], int(m[1]))
        elif _SERIAL.fullmatch(text) and int(float(text)) > 0:
            found = SERIAL_EPOCH + timedelta(days=int(float(text)))
    except (ValueError, OverflowError):
        return None
    if found is None or not EARLIEST <= found <= LATEST:
        return None
    return found


def unneutralise(text: str) -> str:
    """Undo the export's guard: a leading ' put before = + - @ is taken off again."""
    if text.startswith("'") and text[1:].lstrip(" \n").startswith(_DANGEROUS):
        return text[1:]
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unneutralise(str(value).replace("\x00", ""))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte order mark), else Windows-1252, the two a spreadsheet saves."""
    if b"\x00" in data[:4096]:
        raise SheetError("The file must be a CSV or XLSX spreadsheet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SheetError("The file must be a CSV or XLSX spreadsheet saved as UTF-8 or Windows text") from None


def _csv_rows(data: bytes):
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise SheetError("The file must be a CSV or XLSX spreadsheet") from None


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetError("The file must be a CSV or XLSX spreadsheet") from None
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise SheetError("The XLSX file could not be opened. Save it again from your spreadsheet and retry") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    finally:
        book.close()


def read_sheet(data: bytes, filename: str, max_rows: int | None = MAX_ROWS, max_bytes: int | None = MAX_BYTES) -> Sheet:
    """The header row and data rows of a CSV or XLSX file, every cell as text; raise SheetError.

    The command line passes no limits: large files are what it is for.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise SheetError("The file must be smaller than 10 MB")
    name = (filename or "").lower()
    if not data:
        raise SheetError("The file is empty")
    if name.endswith(".xlsx") and data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")) and data[:4] != b"PK\x03\x04":
        rows = _csv_rows(data)
    elif name.endswith(".xls"):
        raise SheetError("Old Excel files (.xls) cannot be read: save it as CSV or XLSX")
    else:
        raise SheetError("The file must be a CSV or XLSX spreadsheet")
    headers: list[str] | None = None
    out: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in list(raw)[:MAX_COLUMNS]]
        if headers is None:
            headers = [c.strip() for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            if not headers:
                raise SheetError("The first row must be a header row naming the columns, like Reference, Postcode")
            continue
        # Cells past the last header have no column to go to.
        cells = cells[: len(headers)]
        while cells and not cells[-1]:
            cells.pop()
        if not any(c.strip() for c in cells):
            continue
        out.append((number, cells))
        if max_rows is not None and len(out) > max_rows:
            raise SheetError(
                f"The file has more than {max_rows:,} rows. Split it into smaller files, or import it with the "
                "command line (flask import)"
            )
    if headers is None:
        raise SheetError("The file is empty")
    return Sheet(headers, out)


# --------------------------------------------------------------------------- writing


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """A CSV file (UTF-8 with a byte order mark, so Excel reads it as UTF-8); cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: list[str], rows: list[list]) -> bytes:
    """An XLSX workbook of one sheet; every cell is text or a number, never a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

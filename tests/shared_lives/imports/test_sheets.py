"""Reading spreadsheets: UK dates and date serials, encodings, formulas as values, limits."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from shared_lives.imports.sheets import SheetError, csv_bytes, parse_date, read_sheet, xlsx_bytes


@pytest.mark.parametrize(
    "text",
    [
        "31/01/2026",
        "31/1/2026",
        "31-01-2026",
        "31.01.2026",
        "31 Jan 2026",
        "31 January 2026",
        "31-Jan-2026",
        "31st January 2026",
        "2026-01-31",
        "46053",
        "46053.0",
        " 31/01/2026 ",
    ],
)
def test_dates_as_people_in_the_uk_type_them_and_as_spreadsheet_serials(text):
    assert parse_date(text) == date(2026, 1, 31)


@pytest.mark.parametrize(
    "text",
    ["01/31/2026", "31/02/2026", "31/01/26", "Jo Example", "tomorrow", "0", "99999999", "31 Foo 2026", "1/1/1850"],
)
def test_what_is_not_a_date_is_none(text):
    assert parse_date(text) is None


def test_utf8_with_and_without_bom_and_windows_1252_read_the_same():
    text = "Reference,Household name\r\nLEG-1,The Zoë Ó'Brien household – café\r\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("cp1252")):
        sheet = read_sheet(data, "households.csv")
        assert sheet.headers == ["Reference", "Household name"]
        assert sheet.rows == [(2, ["LEG-1", "The Zoë Ó'Brien household – café"])]


def test_semicolon_separated_csv_and_blank_rows_keep_the_spreadsheets_row_numbers():
    sheet = read_sheet(b"Reference;Town\r\n\r\nLEG-1;Maidstone\r\n;\r\nLEG-2;Rochester\r\n", "h.csv")
    assert sheet.rows == [(3, ["LEG-1", "Maidstone"]), (5, ["LEG-2", "Rochester"])]


def _xlsx_with_cached_formula() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Reference", "Spare bedrooms", "Panel date", "Note"])
    sheet.append(["LEG-1", "=1+1", datetime(2026, 1, 31), '=HYPERLINK("http://x.example")'])
    sheet["D2"].data_type = "s"  # typed text, as a cell formatted as text keeps it
    buffer = io.BytesIO()
    book.save(buffer)
    # A spreadsheet saves a formula with the value it last worked out; openpyxl writes none, so add it.
    src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(
                    b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"
                )
                assert b"<v>2</v>" in data
            dst.writestr(item, data)
    return out.getvalue()


def test_xlsx_formulas_are_read_as_their_values_and_dates_as_dates():
    sheet = read_sheet(_xlsx_with_cached_formula(), "households.xlsx")
    assert sheet.rows == [(2, ["LEG-1", "2", "2026-01-31", '=HYPERLINK("http://x.example")'])]


def test_written_files_neutralise_formula_like_cells_and_read_back_as_the_same_text():
    rows = [["=1+1", "+44 1234", "-risers", "@car", "plain", 3]]
    data = csv_bytes(["A", "B", "C", "D", "E", "F"], rows)
    assert data.startswith(b"\xef\xbb\xbf") and b"'=1+1,'+44 1234,'-risers,'@car,plain,3" in data
    assert read_sheet(data, "x.csv").rows == [(2, ["=1+1", "+44 1234", "-risers", "@car", "plain", "3"])]
    book = xlsx_bytes("Sheet", ["A", "B", "C", "D", "E", "F"], rows)
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml")
    assert read_sheet(book, "x.xlsx").rows == [(2, ["=1+1", "+44 1234", "-risers", "@car", "plain", "3"])]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"x" * (10 * 1024 * 1024 + 1), "big.csv", "The file must be smaller than 10 MB"),
        (b"%PDF-1.7", "a.pdf", "The file must be a CSV or XLSX spreadsheet"),
        (b"Reference\x00\x01", "a.csv", "The file must be a CSV or XLSX spreadsheet"),
        (b"PK\x03\x04", "a.csv", "The file must be a CSV or XLSX spreadsheet"),
        (b"Reference", "a.xls", "Old Excel files (.xls) cannot be read: save it as CSV or XLSX"),
        (b"\r\n\r\n", "a.csv", "The first row must be a header row"),
        (b"Ref\r\n" + b"1\r\n" * 5_001, "a.csv", "The file has more than 5,000 rows"),
    ],
)
def test_bad_files_are_refused_with_a_message(data, name, message):
    with pytest.raises(SheetError) as caught:
        read_sheet(data, name)
    assert str(caught.value).startswith(message) and caught.value.field == "file"


def test_the_command_line_has_no_row_or_size_limit():
    assert len(read_sheet(b"Ref\r\n" + b"1\r\n" * 20_001, "a.csv", max_rows=None, max_bytes=None).rows) == 20_001

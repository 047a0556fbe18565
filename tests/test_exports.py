"""CSV and XLSX list exports: typed cells, Excel-friendly encoding, no formula injection."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl

from compliance.exports import csv_bytes, write_csv, write_xlsx, xlsx_bytes

HEADER = ["asset_id", "note", "offset", "due_on", "recorded_at", "active"]
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A2)", "\tx", "\rx"]


def rows():
    return [
        ["XRF-01", text, -2, dt.date(2024, 3, 31), dt.datetime(2024, 3, 31, 9, 30), True]
        for text in HOSTILE
    ]


def read_csv(data):
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_formulas_but_not_numbers():
    table = read_csv(csv_bytes(HEADER, rows()))
    assert table[0] == HEADER
    assert [row[1] for row in table[1:]] == ["'" + text for text in HOSTILE]
    assert {row[2] for row in table[1:]} == {"-2"}
    assert table[1][3:] == ["2024-03-31", "2024-03-31 09:30:00", "yes"]


def test_csv_keeps_ordinary_text_and_accents_and_empty_cells():
    table = read_csv(csv_bytes(["name", "email"], [["Zoë O'Neil", None], ["a-b", "x@y.example"]]))
    assert table[1:] == [["Zoë O'Neil", ""], ["a-b", "x@y.example"]]


def test_csv_streams_to_a_file_object_from_an_iterator():
    out = io.BytesIO()
    write_csv(out, ["n"], ([n] for n in range(3)))
    assert out.getvalue() == b"\xef\xbb\xbfn\r\n0\r\n1\r\n2\r\n"


def test_xlsx_neutralises_text_and_keeps_numbers_and_dates_typed():
    data = xlsx_bytes(HEADER, rows(), sheet_title="Equipment: overdue")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Equipment  overdue"
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    body = list(sheet.iter_rows(min_row=2))
    assert [row[1].value for row in body] == ["'" + text for text in HOSTILE]
    assert all(row[1].data_type == "s" for row in body)
    negative = body[0][2]
    assert negative.value == -2 and negative.data_type == "n"
    assert body[0][3].value == dt.datetime(2024, 3, 31) and body[0][3].is_date
    assert body[0][4].value == dt.datetime(2024, 3, 31, 9, 30)
    assert body[0][5].value == "yes"
    workbook.close()


def test_xlsx_handles_aware_datetimes_decimals_and_control_characters():
    out = io.BytesIO()
    aware = dt.datetime(2024, 3, 31, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    write_xlsx(out, ["at", "value", "text"], [[aware, Decimal("0.25"), "bell\x07ringer"]])
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    at, value, text = (cell.value for cell in workbook.worksheets[0][2])
    assert at == dt.datetime(2024, 3, 31, 9, 30)
    assert value == 0.25
    assert text == "bellringer"
    workbook.close()


def test_xlsx_streams_many_rows_from_a_generator():
    data = xlsx_bytes(["n"], ([n] for n in range(5000)))
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert sum(1 for _ in workbook.worksheets[0].iter_rows(min_row=2)) == 5000
    workbook.close()

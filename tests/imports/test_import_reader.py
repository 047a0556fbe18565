"""Reading CSV and XLSX import files: encodings, numbering, limits, refusals."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from compliance.imports import ReadError, read_table, read_upload


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read_error(path, **limits):
    with pytest.raises(ReadError) as caught:
        read_table(path, **limits)
    return str(caught.value.problem)


def test_csv_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text('id,name\n1,"Ada\nLovelace"\n\n,\n2,Grace\n\n\n', encoding="utf-8")
    table = read_table(path)
    assert table.header == ("id", "name")
    # the quoted line break keeps Ada on row 2; blank rows 3-4 are skipped but still counted
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("1", "Ada\nLovelace")),
        (5, ("2", "Grace")),
    ]


def test_csv_with_a_bom_reads_the_same(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_bytes("id,name\n1,Zoë\n".encode())
    bom = tmp_path / "bom.csv"
    bom.write_bytes("id,name\n1,Zoë\n".encode("utf-8-sig"))
    assert read_table(plain).rows == read_table(bom).rows
    assert read_table(bom).header == ("id", "name")


def test_csv_saved_by_a_european_excel_uses_semicolons(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text('id;roles\n1;"Analyst;Technician"\n', encoding="utf-8")
    assert read_table(path).rows[0].cells == ("1", "Analyst;Technician")


def test_csv_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes("id,name\n1,Ada\n2,Jos\u00e9\n".encode("cp1252"))
    assert read_error(path) == (
        f"{path}:3: line 3 is not UTF-8 text (byte 0xE9); save the file as "
        '"CSV UTF-8 (comma delimited)" and import it again'
    )


def test_broken_csv_quoting_names_the_line(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text('id,name\n1,"Ada" x\n', encoding="utf-8")
    assert read_error(path).startswith(f"{path}:2: is not valid CSV here:")


def test_xlsx_keeps_dates_and_whole_numbers(tmp_path):
    path = write_xlsx(
        tmp_path / "staff.xlsx",
        [["employee_id", "hired_on"], [1042, dt.date(2024, 3, 31)], [None, None], [7.0, None]],
    )
    table = read_table(path)
    assert table.header == ("employee_id", "hired_on")
    assert [row.number for row in table.rows] == [2, 4]
    assert table.rows[0].cells == (1042, dt.datetime(2024, 3, 31, 0, 0))


def test_xlsx_reads_the_first_worksheet_not_the_active_one(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id"])
    workbook.active.append(["first"])
    other = workbook.create_sheet("Notes")
    other.append(["not this"])
    workbook.active = 1
    workbook.save(tmp_path / "book.xlsx")
    assert read_table(tmp_path / "book.xlsx").rows[0].cells == ("first",)


def test_trailing_formatted_but_empty_xlsx_rows_are_ignored(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id"])
    sheet.append(["A1"])
    for row in range(3, 200):
        sheet.cell(row=row, column=1).number_format = "0.00"
        sheet.cell(row=row, column=2).value = ""
    workbook.save(tmp_path / "book.xlsx")
    assert len(read_table(tmp_path / "book.xlsx").rows) == 1


def test_other_extensions_are_refused(tmp_path):
    path = tmp_path / "staff.xls"
    path.write_bytes(b"whatever")
    assert read_error(path) == f'{path}: has ".xls"; import files must be .csv or .xlsx'


def test_a_fake_xlsx_is_refused(tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_text("id,name\n", encoding="utf-8")
    assert "is not a valid .xlsx file" in read_error(path)


def test_an_xlsx_that_unpacks_far_beyond_its_size_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * 3_000_000 + b"</sst>")
    assert path.stat().st_size < 20_000
    assert read_error(path, max_bytes=200_000) == (
        f"{path}: unpacks to 2.86 MB, more than the limit of 1.91 MB; refused as unsafe"
    )


def test_an_empty_file_says_where_the_header_goes(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"")
    assert read_error(path) == f"{path}:1: row 1 must hold the column names, but it is empty"


def test_size_limit(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(b"id\n" + b"1\n" * 2000)
    assert read_error(path, max_bytes=1024) == (
        f"{path}: is larger than the import limit of 1 KB; split it into smaller files"
    )
    assert len(read_table(path, max_bytes=5000).rows) == 2000


def test_row_limit(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("id\n" + "".join(f"{n}\n" for n in range(11)), encoding="utf-8")
    assert read_error(path, max_rows=10) == (
        f"{path}:12: the file has more than 10 data rows, the import limit; split it into "
        "smaller files"
    )
    assert len(read_table(path, max_rows=11).rows) == 11


def test_xlsx_row_limit(tmp_path):
    path = write_xlsx(tmp_path / "staff.xlsx", [["id"], *[[n] for n in range(5)]])
    assert read_error(path, max_rows=4).startswith(f"{path}:6: the file has more than 4 data rows")


def test_upload_from_bytes_or_stream(tmp_path):
    data = b"id,name\n1,Ada\n"
    assert read_upload(data, "staff.csv").rows[0].cells == ("1", "Ada")
    table = read_upload(io.BytesIO(data), "C:\\Users\\qm\\staff.csv")
    assert table.name == "staff.csv"
    assert table.rows[0].cells == ("1", "Ada")


def test_upload_stream_is_read_no_further_than_the_limit():
    stream = io.BytesIO(b"id\n" + b"1\n" * 10_000)
    with pytest.raises(ReadError, match="larger than the import limit"):
        read_upload(stream, "staff.csv", max_bytes=100)
    assert stream.tell() == 101

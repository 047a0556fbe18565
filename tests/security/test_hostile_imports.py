"""Property tests: no import crashes on hostile spreadsheets, from the command line or the web.

Covers the documents manifest (`flask documents import`) and every ImportKind registered in
compliance.imports.registry.KINDS (each gets `flask import NAME FILE` and /imports/NAME), so
an import added later is fuzzed without touching this file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.imports.registry import KINDS
from tests.factories import make_docx
from tests.security.fuzz import FUZZ, PAYLOADS, csv_bytes, date_like, filename, value

pytestmark = pytest.mark.requirement("REQ-SEC-01")

MANIFEST_COLUMNS = [
    "number",
    "title",
    "type",
    "revision",
    "effective_on",
    "review_interval_months",
    "file",
    "clauses",
    "approved_by",
]


def _crashed(result) -> bool:
    """A clean refusal exits 1 through sys.exit; anything else is a crash."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


@pytest.fixture
def approver(make_user):
    return make_user("quality_manager", email="qm@lab.test")


@pytest.fixture
def manifest_folder(tmp_path):
    (tmp_path / "good.docx").write_bytes(make_docx("Imported", ("Body.",)))
    (tmp_path / "not-a-docx.docx").write_bytes(b"PK\x03\x04 this is not really a zip")
    (tmp_path / "sub").mkdir()
    return tmp_path


row = st.fixed_dictionaries(
    {
        "number": st.one_of(st.sampled_from(["QP-IMP-01", "qp imp 2", ""]), value),
        "title": value,
        "type": st.one_of(st.sampled_from(["procedure", "form", "quality_manual"]), value),
        "revision": st.one_of(st.sampled_from(["A", "B", "1", "ZZZZ"]), value),
        "effective_on": date_like,
        "review_interval_months": value,
        "file": st.one_of(
            st.sampled_from(
                ["good.docx", "not-a-docx.docx", "missing.docx", "../../../../etc/passwd"]
                + ["sub", "/etc/hostname", "good.docx/../good.docx"]
            ),
            filename,
        ),
        "clauses": st.one_of(st.sampled_from(["8.3 8.3.2", "99.9", "8.3;;7.11"]), value),
        "approved_by": st.one_of(st.sampled_from(["qm@lab.test", "nobody@lab.test"]), value),
    }
)


@FUZZ
@given(rows=st.lists(row, max_size=5), extra_header=st.sampled_from([[], ["extra"], ["file"]]))
def test_documents_manifest_import(app, approver, manifest_folder, rows, extra_header):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_COLUMNS + extra_header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    manifest = manifest_folder / "manifest.csv"
    manifest.write_text(out.getvalue(), encoding="utf-8")
    for args in (["--dry-run"], []):
        result = app.test_cli_runner().invoke(args=["documents", "import", str(manifest), *args])
        assert not _crashed(result), result.output
        assert result.exit_code in (0, 1)


@FUZZ
@given(data=csv_bytes(MANIFEST_COLUMNS), date_format=st.sampled_from([None, "%d/%m/%Y", "%Q"]))
def test_documents_manifest_import_of_arbitrary_bytes(app, manifest_folder, data, date_format):
    manifest = manifest_folder / "manifest.csv"
    manifest.write_bytes(data)
    args = ["documents", "import", str(manifest), "--dry-run"]
    if date_format:
        args += ["--date-format", date_format]
    result = app.test_cli_runner().invoke(args=args)
    assert not _crashed(result), result.output


@pytest.fixture
def importer(app, make_user, auth):
    """Someone who may run every import, signed in; CSRF off so the bytes reach the views."""
    app.config["WTF_CSRF_ENABLED"] = False
    user = make_user("admin", "quality_manager", "staff")
    auth.login(user.email)
    return user


def _kinds():
    kinds = sorted(KINDS.values(), key=lambda kind: kind.name)
    assert kinds, "no import is registered: nothing to fuzz"
    return kinds


@settings(FUZZ, max_examples=10)
@given(data=st.data(), name=filename, as_xlsx=st.booleans())
def test_every_registered_import_through_the_web_and_the_cli(
    client, importer, tmp_path, data, name, as_xlsx
):
    for kind in _kinds():
        body = data.draw(csv_bytes(kind.columns.split(",")), label=kind.name)
        upload_name = Path(name).stem + (".xlsx" if as_xlsx else ".csv")
        page = client.post(
            f"/imports/{kind.name}",
            data={"file": (io.BytesIO(body), upload_name), "date_format": ""},
            content_type="multipart/form-data",
        )
        page.close()
        assert page.status_code < 500, (kind.name, page.status_code)
        sheet = tmp_path / ("sheet.xlsx" if as_xlsx else "sheet.csv")
        sheet.write_bytes(body)
        result = client.application.test_cli_runner().invoke(
            args=["import", kind.name, str(sheet), "--dry-run"]
        )
        assert not _crashed(result), (kind.name, result.output)


@FUZZ
@given(
    pick=st.integers(0, 50),
    sha=st.one_of(st.sampled_from(["0" * 64, "g" * 64, ""]), value),
    stored_name=value,
    date_format=st.one_of(st.sampled_from(PAYLOADS), value),
)
def test_import_confirmation_with_forged_fields(
    client, importer, pick, sha, stored_name, date_format
):
    kinds = _kinds()
    name = kinds[pick % len(kinds)].name
    answer = client.post(
        f"/imports/{name}/confirm",
        data={"sha256": sha, "filename": stored_name, "date_format": date_format},
    )
    answer.close()
    assert answer.status_code < 500

"""The validation record: its mapping stays true to the tests, and it is built from a run."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import docx
import pytest

from compliance.validation.__main__ import main
from compliance.validation.report import build_docx, evaluate
from compliance.validation.requirements import BY_ID, REQUIREMENTS

pytestmark = pytest.mark.requirement("REQ-VAL-01")
ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"requirement\(((?:\s*\"REQ-[A-Z]+-\d+\",?\s*)+)\)")


def _marked_ids() -> dict[str, set[str]]:
    """Requirement ids used in markers anywhere under tests/, with the files using them."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        for match in MARKER.finditer(path.read_text(errors="replace")):
            for requirement_id in re.findall(r"REQ-[A-Z]+-\d+", match.group(1)):
                found.setdefault(requirement_id, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_listed_test_exists():
    missing = []
    for requirement in REQUIREMENTS:
        for entry in requirement.tests:
            path, _, name = entry.partition("::")
            source = ROOT / path
            if not source.is_file():
                missing.append(f"{requirement.id}: no file {path}")
            elif name and not re.search(rf"^def {re.escape(name)}\(", source.read_text(), re.M):
                missing.append(f"{requirement.id}: no test {name} in {path}")
    assert not missing, "\n".join(missing)


def test_every_requirement_has_evidence_and_every_marker_a_requirement():
    marked = _marked_ids()
    unknown = {i: files for i, files in marked.items() if i not in BY_ID}
    assert not unknown, f"markers name requirements missing from the table: {unknown}"
    unproven = [r.id for r in REQUIREMENTS if not r.tests and r.id not in marked]
    assert not unproven, f"requirements with no test at all: {unproven}"
    assert len({r.id for r in REQUIREMENTS}) == len(REQUIREMENTS)


def _results(tests: list[dict]) -> dict:
    return {
        "started_at": "2026-01-05T10:00:00+00:00",
        "finished_at": "2026-01-05T10:09:00+00:00",
        "environment": {"commit": "abc123", "postgresql": True, "python": "3.11"},
        "tests": tests,
    }


def _test(nodeid: str, outcome: str, *requirements: str, reason: str = "") -> dict:
    return {
        "nodeid": nodeid,
        "outcome": outcome,
        "requirements": list(requirements),
        "duration": 0.5,
        "reason": reason,
    }


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_record_shows_each_requirement_with_its_tests_and_results():
    tests = [
        _test("tests/x.py::test_backup[sqlite]", "passed", "REQ-REL-06"),
        _test("tests/x.py::test_backup[postgresql]", "failed", "REQ-REL-06"),
        _test("tests/x.py::test_refusal", "passed", "REQ-REL-07"),
        _test("tests/x.py::test_nul", "xfailed", "REQ-REL-07", reason="known bug: NUL"),
        _test("tests/audit/test_trail.py::test_verify_names_an_edited_row[sqlite]", "passed"),
    ]
    validation = evaluate(_results(tests))
    status = {e.requirement.id: e.status for e in validation.evidence}
    assert status["REQ-REL-06"] == "FAILED"
    assert status["REQ-REL-07"] == "met, with known issues"
    assert status["REQ-AUD-02"] == "met"  # through the table, without a marker
    assert status["REQ-DOC-01"] == "NO TESTS"
    assert not validation.ok
    text = _text(build_docx(validation, lab_name="Meridian"))
    for expected in ("Software validation record", "7.11.2", "REQ-REL-06", "FAILED", "abc123"):
        assert expected in text
    assert "known bug: NUL" in text and "tests/x.py::test_backup[postgresql]" in text
    assert "Approved by" in text


def test_the_command_writes_the_record_and_is_strict_on_request(tmp_path, capsys):
    results = tmp_path / "results.json"
    everything = [
        _test(f"tests/generated.py::test_{r.id.lower().replace('-', '_')}", "passed", r.id)
        for r in REQUIREMENTS
    ]
    results.write_text(json.dumps(_results(everything)))
    out = tmp_path / "record.docx"
    # The table still names tests that this synthetic run did not have: strict refuses.
    assert main(["--results", str(results), "--out", str(out), "--strict"]) == 1
    assert "matches no test of this run" in capsys.readouterr().err
    assert out.exists()
    assert main(["--results", str(results), "--out", str(out)]) == 0
    assert main(["--results", str(tmp_path / "missing.json"), "--out", str(out)]) == 1


def test_the_plugin_records_outcomes_and_markers(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers = requirement(*ids): evidence\n")
    (tmp_path / "test_sample.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.requirement("REQ-REL-06", "REQ-REL-07")
            @pytest.mark.parametrize("n", [1, 2])
            def test_ok(n):
                assert n

            @pytest.mark.requirement("REQ-REL-05")
            def test_bad():
                assert False

            def test_skipped():
                pytest.skip("no browser")

            @pytest.mark.xfail(strict=True, reason="known bug")
            def test_known():
                assert False

            @pytest.fixture
            def broken():
                raise RuntimeError("setup")

            def test_error(broken):
                pass
            """
        )
    )
    out = tmp_path / "results.json"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "compliance.validation.plugin", f"--validation-results={out}",
            "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"), str(tmp_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},  # not CI's recorder
    )  # fmt: skip
    results = json.loads(out.read_text())
    outcomes = {t["nodeid"].split("::")[1]: t for t in results["tests"]}
    assert outcomes["test_ok[1]"]["outcome"] == "passed"
    assert outcomes["test_ok[2]"]["requirements"] == ["REQ-REL-06", "REQ-REL-07"]
    assert outcomes["test_bad"]["outcome"] == "failed"
    assert outcomes["test_skipped"]["outcome"] == "skipped"
    assert "no browser" in outcomes["test_skipped"]["reason"]
    assert outcomes["test_known"]["outcome"] == "xfailed"
    assert outcomes["test_known"]["reason"] == "known bug"
    assert outcomes["test_error"]["outcome"] == "error"
    assert results["exit_status"] == 1 and results["environment"]["python"]

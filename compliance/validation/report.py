"""The software validation record (ISO/IEC 17025 clause 7.11.2) as a .docx: each requirement
the application claims, the tests that prove it and their result in one recorded run."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.shared import Pt, RGBColor

from compliance.validation.requirements import REQUIREMENTS, Requirement, listed_for, matches

BAD = ("failed", "error", "xpassed")
SHOWN = {
    "passed": "passed",
    "failed": "FAILED",
    "error": "ERROR",
    "skipped": "skipped",
    "xfailed": "known issue (xfail)",
    "xpassed": "XPASS: known issue fixed?",
    "not run": "not run",
}
RED, GREEN, AMBER = RGBColor(0xB0, 0x00, 0x20), RGBColor(0x1B, 0x6E, 0x20), RGBColor(0x9A, 0x60, 0)


@dataclass
class Evidence:
    requirement: Requirement
    tests: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        outcomes = Counter(test["outcome"] for test in self.tests)
        if any(outcomes[o] for o in BAD):
            return "FAILED"
        if not outcomes["passed"]:
            return "NOT PROVEN" if self.tests else "NO TESTS"
        if outcomes["xfailed"]:
            return "met, with known issues"
        return "met"


@dataclass
class Validation:
    results: dict
    evidence: list[Evidence]
    unknown_ids: dict[str, list[str]]  # marker ids that are not in the table -> tests
    stale: list[tuple[str, str]]  # (requirement, table entry) matching no test in the run

    @property
    def ok(self) -> bool:
        return (
            all(e.status.startswith("met") for e in self.evidence)
            and not self.unknown_ids
            and not self.stale
        )

    def problems(self) -> list[str]:
        lines = [
            f"{e.requirement.id}: {e.status}"
            for e in self.evidence
            if not e.status.startswith("met")
        ]
        lines += [
            f"unknown requirement {i} marked on {', '.join(t)}" for i, t in self.unknown_ids.items()
        ]
        lines += [f"{r}: {entry} matches no test of this run" for r, entry in self.stale]
        return lines


def evaluate(results: dict) -> Validation:
    tests = results["tests"]
    by_requirement: dict[str, list[dict]] = {r.id: [] for r in REQUIREMENTS}
    unknown: dict[str, list[str]] = {}
    for test in tests:
        for requirement_id in sorted(set(test["requirements"]) | set(listed_for(test["nodeid"]))):
            if requirement_id in by_requirement:
                by_requirement[requirement_id].append(test)
            else:
                unknown.setdefault(requirement_id, []).append(test["nodeid"])
    nodeids = [test["nodeid"] for test in tests]
    stale = [
        (requirement.id, pattern)
        for requirement in REQUIREMENTS
        for pattern in requirement.tests
        if not any(matches(pattern, nodeid) for nodeid in nodeids)
    ]
    evidence = [Evidence(r, by_requirement[r.id]) for r in REQUIREMENTS]
    return Validation(results, evidence, unknown, stale)


def load_results(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


# --- the document ---------------------------------------------------------------------------


def _cell(cell, text: str, *, bold: bool = False, color: RGBColor | None = None) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _table(document, header: list[str], rows: list[list[str]], *, status_column: int | None = None):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell(cell, text, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            color = None
            if index == status_column:
                color = (
                    GREEN
                    if text.startswith(("met", "passed"))
                    else (
                        AMBER
                        if text.startswith(("known", "met, with", "skipped", "not run"))
                        else RED
                    )
                )
            _cell(cell, text, color=color)
    return table


def build_docx(validation: Validation, *, lab_name: str = "") -> bytes:
    results, env = validation.results, validation.results.get("environment", {})
    document = docx.Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10)
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    document.sections[0].footer.paragraphs[
        0
    ].text = (
        f"Software validation record · commit {env.get('commit', 'unknown')[:12]} · made {made}"
    )
    document.add_heading("Software validation record", level=0)
    document.add_paragraph(
        f"{lab_name + ' · ' if lab_name else ''}ISO/IEC 17025 compliance application, "
        f"version {env.get('application_version', 'unknown')}"
    )
    document.add_paragraph(
        "ISO/IEC 17025:2017 clause 7.11.2 asks the laboratory to validate the software it uses "
        "for the management of data before use. This record lists every requirement the "
        "application claims (from its specification: the foundation, document control, and "
        "reliability and security work), the automated tests that prove each one, and the "
        "result of each test in the run recorded below. A requirement is met when at least one "
        "of its tests passed and none failed."
    )

    document.add_heading("The run", level=1)
    counts = Counter(test["outcome"] for test in results["tests"])
    databases = "SQLite and PostgreSQL" if env.get("postgresql") else "SQLite only"
    _table(
        document,
        ["Item", "Value"],
        [
            ["Started", results.get("started_at", "")],
            ["Finished", results.get("finished_at", "")],
            ["Commit", env.get("commit", "unknown")],
            ["Python / platform", f"{env.get('python', '')} / {env.get('platform', '')}"],
            ["Databases", databases],
            ["Browser tests required", "yes" if env.get("require_browser") else "no"],
            ["Continuous integration", "yes" if env.get("ci") else "no"],
            [
                "Tests",
                ", ".join(f"{n} {SHOWN.get(o, o)}" for o, n in sorted(counts.items()))
                + f" ({sum(counts.values())} in all)",
            ],
        ],
    )

    document.add_heading("Summary", level=1)
    met = sum(1 for e in validation.evidence if e.status.startswith("met"))
    document.add_paragraph(f"{met} of {len(validation.evidence)} requirements met in this run.")
    _table(
        document,
        ["Requirement", "Title", "Issue", "Clause", "Tests passed", "Result"],
        [
            [
                e.requirement.id,
                e.requirement.title,
                ", ".join(f"#{i}" for i in e.requirement.issues),
                e.requirement.clauses,
                f"{sum(t['outcome'] == 'passed' for t in e.tests)} / {len(e.tests)}",
                e.status,
            ]
            for e in validation.evidence
        ],
        status_column=5,
    )

    document.add_heading("Requirements and their evidence", level=1)
    for e in validation.evidence:
        document.add_heading(f"{e.requirement.id} · {e.requirement.title}: {e.status}", level=2)
        document.add_paragraph(e.requirement.statement)
        if e.tests:
            _table(
                document,
                ["Test", "Result", "Seconds"],
                [
                    [t["nodeid"], SHOWN.get(t["outcome"], t["outcome"]), f"{t['duration']:.2f}"]
                    for t in e.tests
                ],  # fmt: skip
                status_column=1,
            )
        else:
            document.add_paragraph("No test of this run proves this requirement.")

    known = [t for t in results["tests"] if t["outcome"] == "xfailed"]
    document.add_heading("Known issues", level=1)
    if known:
        document.add_paragraph(
            "Tests that record a known defect (expected to fail until it is fixed; a fix makes "
            "them fail loudly so that the record is updated):"
        )
        _table(document, ["Test", "Defect"], [[t["nodeid"], t.get("reason", "")] for t in known])
    else:
        document.add_paragraph("None.")
    if validation.problems():
        document.add_heading("Problems with this record", level=1)
        for line in validation.problems():
            document.add_paragraph(line, style="List Bullet")
    unmapped = [
        t for t in results["tests"] if not t["requirements"] and not listed_for(t["nodeid"])
    ]
    document.add_paragraph(
        f"{len(unmapped)} further tests of this run are not cited for a requirement here; they "
        "test supporting code and the other domains of the application."
    )

    document.add_heading("Review and approval", level=1)
    _table(
        document,
        ["Role", "Name", "Signature", "Date"],
        [["Prepared by", "", "", ""], ["Reviewed by", "", "", ""], ["Approved by", "", "", ""]],
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

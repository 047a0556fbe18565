"""Readiness figures: findings grouped by clause and chapter, and the planned assessment date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from compliance.audit.services import record
from compliance.clauses.catalogue_iso17025 import BY_NUMBER
from compliance.extensions import db
from compliance.gaps.engine import Evaluation
from compliance.gaps.findings import Finding, Severity
from compliance.gaps.rules import requirement_clauses
from compliance.settings import LabSetting

ASSESSMENT_KEY = "assessment_on"
CHAPTERS = ("4", "5", "6", "7", "8")


def assessment_date() -> dt.date | None:
    setting = db.session.get(LabSetting, ASSESSMENT_KEY)
    return dt.date.fromisoformat(setting.value) if setting else None


def set_assessment_date(day: dt.date, *, by) -> None:
    setting = db.session.get(LabSetting, ASSESSMENT_KEY)
    old = setting.value if setting else None
    if setting is None:
        db.session.add(LabSetting(key=ASSESSMENT_KEY, value=day.isoformat()))
    else:
        setting.value = day.isoformat()
    db.session.flush()
    record(
        "lab.assessment_date",
        entity_type="lab_setting",
        entity_key=ASSESSMENT_KEY,
        actor=by,
        changes={"assessment_on": [old, day.isoformat()]},
    )


def two_level(clause: str) -> str:
    """ "8.3.2 b" -> "8.3"; "5" -> "5"."""
    parts = clause.split(" ")[0].split(".")
    return ".".join(parts[:2])


@dataclass
class ChapterReadiness:
    chapter: str
    title: str
    clauses: int
    clear: int

    @property
    def percent(self) -> int:
        return round(100 * self.clear / self.clauses) if self.clauses else 100


def by_chapter(evaluation: Evaluation) -> list[ChapterReadiness]:
    """Share of each chapter's clauses with no open blocker or warning."""
    troubled = {two_level(f.clause) for f in evaluation.open if f.severity != Severity.INFO}
    clauses = requirement_clauses()
    rows = []
    for chapter in CHAPTERS:
        numbers = [n for n in clauses if n.split(".")[0] == chapter]
        clear = sum(1 for n in numbers if n not in troubled)
        rows.append(ChapterReadiness(chapter, BY_NUMBER[chapter].title, len(numbers), clear))
    return rows


def by_clause(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[two_level(finding.clause)].append(finding)
    return dict(sorted(grouped.items(), key=lambda kv: [int(p) for p in kv[0].split(".")]))

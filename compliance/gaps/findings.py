"""What a rule returns: one finding names the rule, the clause, the exact record and the fix."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    BLOCKER = "blocker"  # would be a nonconformity at the assessment
    WARNING = "warning"  # will become one soon, or weakens the evidence
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"blocker": 0, "warning": 1, "info": 2}[self.value]


@dataclass
class Finding:
    rule: str
    clause: str
    severity: Severity
    subject_type: str  # document, person, equipment, method, provider, clause
    subject_key: str  # its natural key: document number, e-mail/employee id, asset id, ...
    message: str
    due_on: dt.date | None = None
    href: str | None = None  # the page where the fixing action is taken
    detail: str = ""  # distinguishes several findings of one rule on one subject
    accepted: bool = False
    accepted_reason: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """Stable identity across evaluations: what an acceptance or a snapshot refers to."""
        return ":".join(filter(None, [self.rule, self.subject_type, self.subject_key, self.detail]))

    @property
    def chapter(self) -> str:
        return self.clause.split(".")[0].split(" ")[0]

    def stored(self) -> list:
        """What a rule found, as JSON (before acceptances are applied); see from_stored."""
        due = self.due_on.isoformat() if self.due_on else None
        return [
            self.rule,
            self.clause,
            self.severity.value,
            self.subject_type,
            self.subject_key,
            self.message,
            due,
            self.href,
            self.detail,
            self.extra,
        ]

    @classmethod
    def from_stored(cls, row: list) -> Finding:
        rule, clause, severity, subject_type, subject_key, message, due, href, detail, extra = row
        due_on = dt.date.fromisoformat(due) if due else None
        return cls(
            rule,
            clause,
            Severity(severity),
            subject_type,
            subject_key,
            message,
            due_on,
            href,
            detail,
            extra=dict(extra),
        )

    def as_json(self) -> dict:
        data = {
            "rule": self.rule,
            "clause": self.clause,
            "severity": self.severity.value,
            "subject": {"type": self.subject_type, "key": self.subject_key},
            "message": self.message,
            "due_on": self.due_on.isoformat() if self.due_on else None,
        }
        if self.accepted:
            data["accepted"] = True
            data["accepted_reason"] = self.accepted_reason
        return data

"""Run every rule as of a date; apply accepted findings; keep daily snapshots for trends."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from compliance import collector
from compliance.audit.services import record
from compliance.clauses.evidence import within
from compliance.dates import lab_today
from compliance.db import utcnow
from compliance.extensions import db
from compliance.gaps.findings import Finding, Severity
from compliance.gaps.models import FindingAcceptance, GapSnapshot
from compliance.gaps.rules import RULES, GapContext
from compliance.stored.results import Recipe, stored_many


class GapError(ValueError):
    pass


@dataclass
class Evaluation:
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if not f.accepted]

    def summary(self) -> dict[str, int]:
        counts = Counter(f.severity.value for f in self.open)
        return {s.value: counts.get(s.value, 0) for s in Severity}

    def as_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "findings": [f.as_json() for f in self.findings],
            "summary": self.summary(),
        }


def evaluate(as_of: dt.date | None = None, *, concerning: str | None = None) -> Evaluation:
    """All findings as of the date (default today), worst and soonest first; with `concerning`,
    only those on that clause or its sub-clauses (running only the rules that can name them)."""
    today = lab_today()
    ctx = GapContext(
        as_of=as_of or today, today=today, warning_days=current_app.config["GAP_WARNING_DAYS"]
    )
    rules = RULES.values()
    if concerning is not None:
        rules = [
            r for r in rules if r.clauses is None or any(within(c, concerning) for c in r.clauses)
        ]
    with collector.paused():
        findings = [finding for found in _rule_findings(list(rules), ctx) for finding in found]
        # The shared reads go while the collector is still off, freed by reference counting;
        # left alive, its first young collection would walk them all (about 100 ms of a cold
        # evaluation at scale 40).
        ctx.forget()
    if concerning is not None:
        findings = [f for f in findings if within(f.clause, concerning)]
    accepted = {
        a.ident: a
        for a in db.session.scalars(
            select(FindingAcceptance).where(FindingAcceptance.revoked_at.is_(None))
        )
    }
    for finding in findings:
        if acceptance := accepted.get(finding.ident):
            finding.accepted, finding.accepted_reason = True, acceptance.reason
            finding.extra["acceptance_id"] = acceptance.id
    findings.sort(
        key=lambda f: (f.accepted, f.severity.rank, f.due_on or dt.date.max, f.rule, f.ident)
    )
    return Evaluation(ctx.as_of, findings)


def _rule_findings(rules, ctx: GapContext) -> list[list[Finding]]:
    """Each rule's findings, reused while none of the tables the rule read has changed (a
    document edit recomputes the document rules, not the training matrix)."""
    inputs = {"as_of": ctx.as_of.isoformat(), "warning_days": ctx.warning_days}
    return stored_many(
        [
            Recipe(
                f"gap rule {r.rule_id}",
                inputs,
                compute=lambda r=r: list(r(ctx)),
                dump=lambda found: [f.stored() for f in found],
                load=lambda rows: [Finding.from_stored(row) for row in rows],
            )
            for r in rules
        ]
    )


def accept(ident: str, rule: str, *, by, reason: str) -> FindingAcceptance:
    """Accept a finding as not applicable; it stays listed, marked accepted, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise GapError("Say why the finding does not apply.")
    if rule not in RULES:
        raise GapError(f"Unknown rule {rule}.")
    if db.session.scalar(
        select(FindingAcceptance.id).where(
            FindingAcceptance.ident == ident, FindingAcceptance.revoked_at.is_(None)
        )
    ):
        raise GapError("That finding is already accepted.")
    acceptance = FindingAcceptance(ident=ident, rule=rule, reason=reason, accepted_by_id=by.id)
    db.session.add(acceptance)
    db.session.flush()
    record(
        "finding.accepted",
        entity_type="finding",
        entity_key=ident,
        actor=by,
        changes={"accepted": [False, True]},
        reason=reason,
    )
    return acceptance


def revoke(acceptance: FindingAcceptance, *, by, reason: str) -> None:
    if acceptance.revoked_at is not None:
        raise GapError("That acceptance was already revoked.")
    acceptance.revoked_at = utcnow()
    db.session.flush()
    record(
        "finding.acceptance_revoked",
        entity_type="finding",
        entity_key=acceptance.ident,
        actor=by,
        changes={"accepted": [True, False]},
        reason=reason,
    )


def snapshot(evaluation: Evaluation) -> None:
    """Keep today's findings (as of today) once a day, for "what changed since last week"."""
    today = lab_today()
    if evaluation.as_of != today:
        return
    data = {f.ident: [f.severity.value, f.rule, f.message] for f in evaluation.open}
    existing = db.session.get(GapSnapshot, today)
    if existing is None:
        db.session.add(GapSnapshot(taken_on=today, findings=data))
    else:
        existing.findings = data
    db.session.flush()


def keep_daily_snapshot(evaluation: Evaluation) -> None:
    """Today's snapshot from the evaluation in hand when it is as of today; otherwise a second
    evaluation only when today has no snapshot yet (readiness pages look ahead to the
    assessment date: one extra evaluation a day, not one per view)."""
    if evaluation.as_of == lab_today():
        snapshot(evaluation)
    elif db.session.get(GapSnapshot, lab_today()) is None:
        snapshot(evaluate(lab_today()))


@dataclass
class Changes:
    since: dt.date | None
    new: list[Finding]
    resolved: list[tuple[str, str, str]]  # (ident, rule, message) gone since then


def changes_since(evaluation: Evaluation, days: int = 7) -> Changes:
    """Compare with the newest snapshot at least `days` old."""
    cutoff = lab_today() - dt.timedelta(days=days)
    base = db.session.scalar(
        select(GapSnapshot)
        .where(GapSnapshot.taken_on <= cutoff)
        .order_by(GapSnapshot.taken_on.desc())
        .limit(1)
    )
    if base is None:
        return Changes(None, [], [])
    current = {f.ident: f for f in evaluation.open}
    new = [f for ident, f in current.items() if ident not in base.findings]
    resolved = [(ident, v[1], v[2]) for ident, v in base.findings.items() if ident not in current]
    return Changes(base.taken_on, new, resolved)

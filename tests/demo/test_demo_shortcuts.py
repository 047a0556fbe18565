"""The shortcuts that keep the gap engine and the clause pages fast at scale give the same answers
as the long way round, on the demo lab (the richest data we have): declared clauses are the only
ones yielded, coverage read early equals coverage read in full, a clause page's capped evidence
is a true prefix, the training rules' required cells are the matrix's."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from compliance.clauses.evidence import (
    SOURCES,
    clauses_with_evidence,
    evidence_by_clause,
    evidence_for_clause,
)
from compliance.clauses.source import declared_clauses
from compliance.extensions import db
from compliance.gaps.engine import evaluate
from compliance.gaps.rules import RULES, GapContext
from compliance.personnel.matrix import build_matrix, required_cells
from compliance.personnel.models import Person

DAY = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
AS_OF = DAY.date()


@pytest.fixture
def demo(app):
    with time_machine.travel(DAY, tick=True):
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        with app.test_request_context():
            yield


def test_declared_clauses_are_the_only_ones_sources_and_rules_yield(demo):
    declared_sources = [s for s in SOURCES if declared_clauses(s) is not None]
    assert len(declared_sources) >= 10
    for source in declared_sources:
        yielded = {item.clause for item in source(AS_OF)}
        assert yielded <= declared_clauses(source), source.__name__

    ctx = GapContext(as_of=AS_OF, today=AS_OF, warning_days=30)
    fired = set()
    for rule_id, rule in RULES.items():
        clauses = {finding.clause for finding in rule(ctx)}
        if rule.clauses is not None:
            assert clauses <= rule.clauses, rule_id
            fired |= {rule_id} if clauses else set()
    # The demo plants findings for most rules, so the check above is not vacuous.
    assert len(fired) >= 10


def test_coverage_read_early_equals_coverage_read_in_full(demo):
    full = {clause for clause, items in evidence_by_clause(AS_OF).items() if items}
    assert clauses_with_evidence(AS_OF) == full
    assert {"6.4.7", "6.2.5", "8.3"} & full  # real evidence, not two empty sets


def test_clause_page_evidence_is_capped_per_kind_and_says_so(demo):
    everything = evidence_by_clause(AS_OF)
    under_6_4 = [
        item for clause, items in everything.items() if clause.startswith("6.4") for item in items
    ]
    capped = evidence_for_clause("6.4", AS_OF, limit=1)
    per_kind = {}
    for item in capped.items:
        per_kind[(item.clause, item.kind)] = per_kind.get((item.clause, item.kind), 0) + 1
    assert per_kind and max(per_kind.values()) == 1
    assert all(item in under_6_4 for item in capped.items)
    counts = {}
    for item in under_6_4:
        counts[(item.clause, item.kind)] = counts.get((item.clause, item.kind), 0) + 1
    assert capped.truncated == {key for key, n in counts.items() if n > 1}
    assert ("6.4.7", "calibration") in capped.truncated

    uncapped = evidence_for_clause("6.4", AS_OF, limit=10_000)
    assert sorted(uncapped.items, key=repr) == sorted(under_6_4, key=repr)
    assert not uncapped.truncated
    # A clause outside the sources' declared clauses gets nothing from them.
    assert all(item.kind != "calibration" for item in evidence_for_clause("8.3", AS_OF).items)


def test_evaluation_concerning_a_clause_equals_the_full_one_filtered(demo):
    full = evaluate(AS_OF)
    for number in ("6.4", "6.2", "8.3", "7.7"):
        expected = [
            f.ident
            for f in full.findings
            if f.clause == number or f.clause.startswith((number + ".", number + " "))
        ]
        assert [f.ident for f in evaluate(AS_OF, concerning=number).findings] == expected
    assert any(f.clause.startswith("6.4") for f in full.findings)


def test_required_cells_are_the_required_cells_of_the_matrix(demo):
    people = db.session.scalars(select(Person).order_by(Person.name)).all()
    matrix = build_matrix(people, as_of=AS_OF)
    expected = [
        (row.person.id, column.id, cell)
        for row in matrix.rows
        for column, cell in zip(matrix.columns, row.cells, strict=True)
        if cell.required
    ]
    got = [
        (row.person.id, column.id, cell)
        for row, column, cell in required_cells(people, as_of=AS_OF)
    ]
    assert got == expected
    assert len(expected) > len(people)

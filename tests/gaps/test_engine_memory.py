"""A cold evaluation's shared reads are let go before the cyclic collector resumes, so it
never walks them (about 100 ms at scale 40, see compliance/collector.py)."""

import gc
import weakref

import pytest

from compliance.gaps import engine


class SharedRead:
    """Stands for what several rules read once (every training record's evidence, ...)."""


@pytest.fixture
def probe_rules(monkeypatch):
    """Replace the rule set with the rules a test registers here."""
    rules = {}
    monkeypatch.setattr(engine, "RULES", rules)

    def register(rule_id, function):
        function.rule_id, function.clauses = rule_id, None
        rules[rule_id] = function

    return register


@pytest.fixture
def resumes(monkeypatch):
    """Each time the collector is resumed, call the function given and keep its answer."""
    real_enable, seen, probes = gc.enable, [], []

    def enable():
        seen.extend(probe() for probe in probes)
        real_enable()

    monkeypatch.setattr(gc, "enable", enable)
    return probes, seen


def test_shared_reads_are_freed_while_the_collector_is_still_paused(app, probe_rules, resumes):
    kept, during = {}, []

    def probe(ctx):
        kept["read"] = weakref.ref(ctx.memo("probe shared read", SharedRead))
        during.append(gc.isenabled())
        return iter(())

    def second(ctx):
        during.append(kept["read"]() is ctx.memo("probe shared read", SharedRead))
        return iter(())

    probe_rules("TEST-PROBE", probe)
    probe_rules("TEST-PROBE-2", second)
    probes, alive_at_resume = resumes
    probes.append(lambda: kept["read"]() is not None)
    with app.test_request_context():
        engine.evaluate()
    assert during == [False, True]  # computed without the collector, read once, shared
    assert alive_at_resume == [False]
    assert gc.isenabled()


def test_a_failing_rule_still_resumes_the_collector(app, probe_rules):
    def failing(ctx):
        raise RuntimeError("rule failed")

    probe_rules("TEST-FAILING", failing)
    with app.test_request_context(), pytest.raises(RuntimeError, match="rule failed"):
        engine.evaluate()
    assert gc.isenabled()

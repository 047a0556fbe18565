"""Stored results on a database whose writes really commit (the other suites run inside one
rolled-back transaction, where every result is computed in the request's own session): a commit
bumps exactly the tables it wrote, a stored result is reused until one of the tables it read
changes, a request's own uncommitted writes are never hidden, and the gap engine reuses the
rules a change cannot concern while giving the same findings as computing everything."""

import datetime as dt
import gc
import threading
import time

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload

from compliance import create_app
from compliance.documents import services as documents
from compliance.documents.models import Document
from compliance.equipment import services as equipment
from compliance.equipment.models import Equipment
from compliance.extensions import db
from compliance.gaps import engine as gap_engine
from compliance.gaps.models import GapSnapshot
from compliance.gaps.rules import RULES
from compliance.scope.models import Method
from compliance.settings import LabSetting
from compliance.stored import versions
from compliance.stored.models import StoredResult
from compliance.stored.results import Recipe, stored, stored_many
from compliance.users.models import User
from tests.conftest import fresh_database

DAY = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committed_url(request, tmp_path_factory):
    """A database of this module's own, with the demo lab, where commits are real."""
    with fresh_database(request.param, tmp_path_factory) as url:
        app = _app(url, tmp_path_factory.mktemp("demo-instance"))
        with time_machine.travel(DAY, tick=True):
            result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            db.engine.dispose()
        yield url


def _app(url, instance):
    return create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "COMPLIANCE_ENV": "testing",
            "TESTING": True,
            "SERVER_NAME": "lab.test",
        }
    )


@pytest.fixture
def app(committed_url, tmp_path):
    app = _app(committed_url, tmp_path / "instance")
    with time_machine.travel(DAY, tick=True):
        yield app
    with app.app_context():
        db.engine.dispose()


def _changed(before: dict, after: dict) -> set[str]:
    return {t for t in after if after[t] != before.get(t, 0)}


def _probe(value: str) -> None:
    setting = db.session.get(LabSetting, "probe")
    if setting is None:
        db.session.add(LabSetting(key="probe", value=value))
    else:
        setting.value = value


def test_a_commit_bumps_what_it_wrote_and_a_rollback_bumps_nothing(app):
    with app.app_context():
        before = versions.current(db.session)
        db.session.add(LabSetting(key="bump-test", value="1"))
        db.session.commit()
        after = versions.current(db.session)
        assert _changed(before, after) == {"lab_settings"}  # a new row: the table's rows
        assert after["lab_settings"] == before.get("lab_settings", 0) + 1

        db.session.get(LabSetting, "bump-test").value = "rolled back"
        db.session.flush()
        db.session.rollback()
        assert versions.current(db.session) == after
        db.session.rollback()  # outside a request every transaction takes SQLite's write lock

        # Core statements on a connection of their own (imports, the generator) count too; an
        # UPDATE changes the columns it sets, not which rows exist.
        with db.engine.begin() as conn:
            stmt = update(LabSetting).where(LabSetting.key == "bump-test").values(value="core")
            conn.execute(stmt)
        assert _changed(after, versions.current(db.session)) == {"lab_settings.value"}


def test_reading_names_every_table_a_computation_touched(app):
    with app.app_context(), versions.reading() as tables:
        document = db.session.scalars(select(Document).limit(1)).one()
        assert document.owner.name  # a lazy load is a read too
    assert {"documents", "documents.number", "users", "users.name"} <= tables
    assert not {key.split(".")[0] for key in tables} & versions.UNVERSIONED


def test_a_stored_result_is_reused_until_a_table_it_read_changes(app):
    calls = []

    def read_probe():
        calls.append(1)
        return db.session.get(LabSetting, "probe").value

    recipe = Recipe("probe", {}, read_probe)

    def ask():
        with app.test_request_context():
            return stored(recipe)

    with app.app_context():
        _probe("one")
        db.session.commit()
    assert (ask(), ask(), len(calls)) == ("one", "one", 1)

    with app.app_context():  # a table the result did not read
        db.session.add(GapSnapshot(taken_on=dt.date(2001, 1, 1), findings={}))
        db.session.commit()
    assert (ask(), len(calls)) == ("one", 1)

    with app.app_context():
        _probe("two")
        db.session.commit()
    assert (ask(), ask(), len(calls)) == ("two", "two", 2)

    # This request's own uncommitted change shows, and is not stored for anyone else.
    with app.test_request_context():
        _probe("three")
        db.session.flush()
        assert stored(recipe) == "three"
        db.session.rollback()
    assert (ask(), len(calls)) == ("two", 3)


def test_an_edit_moves_no_result_that_reads_only_the_version_counters_name(app):
    """Every ORM update moves the record's optimistic-lock counter (`version`); a result that
    reads methods whole (their `version` among the columns) and documents' numbers must not
    be recomputed when a document's review interval is edited."""
    calls = []

    def procedures():
        calls.append(1)
        stmt = (
            select(Method, Document.number)
            .join(Document, Document.id == Method.procedure_id)
            .options(lazyload("*"))
            .order_by(Method.code)
        )
        return [[method.code, number] for method, number in db.session.execute(stmt)]

    recipe = Recipe("method procedures", {}, procedures)

    def ask():
        with app.test_request_context():
            return stored(recipe)

    first = ask()
    assert first and (ask(), len(calls)) == (first, 1)
    with app.app_context():
        document = db.session.scalars(
            select(Document).where(Document.id.in_(select(Method.procedure_id)))
        ).first()
        document.review_interval_months += 1
        document_id = document.id
        db.session.commit()
    assert (ask(), len(calls)) == (first, 1)
    with app.app_context():  # the number itself: recomputed
        document = db.session.get(Document, document_id)
        document.number += "-X"
        db.session.commit()
    assert len(ask()) == len(first) and len(calls) == 2


def test_a_request_that_read_first_stores_when_it_is_over(app, backend_of):
    """On SQLite a request that has read holds a snapshot: committing the result at once
    would make its own later write fail, so the result is stored at the end."""
    recipe = Recipe("users", {}, lambda: db.session.scalar(select(func.count(User.id))))
    with app.test_request_context():
        assert db.session.scalar(select(func.count(Document.id)))  # the request has read
        assert stored(recipe) > 0
        pending = g.get("stored_pending", {})
        assert bool(pending) == (backend_of(app) == "sqlite")
        _probe("written after")  # would raise "database is locked" had we committed
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(StoredResult.name == "users")) == 1


# Single flight is PostgreSQL's (an advisory lock per result): no SQLite run to skip.
@pytest.mark.parametrize("committed_url", ["postgresql"], indirect=True)
def test_workers_asking_at_once_compute_a_result_once_on_postgresql(app, backend_of):
    """After an edit, every worker serving a dashboard finds the result stale: on PostgreSQL
    the first computes it and the others wait for it and take what it stored."""
    assert backend_of(app) == "postgresql"
    calls, started = [], threading.Event()

    def slow_count():
        calls.append(1)
        started.set()
        time.sleep(0.5)  # long enough for the other workers to arrive while it runs
        return db.session.scalar(select(func.count(User.id)))

    recipe = Recipe("slow users", {"run": len(calls)}, slow_count)
    answers = []

    def worker():
        with app.test_request_context():
            answers.append(stored(recipe))

    first = threading.Thread(target=worker)
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=worker) for _ in range(3)]
    for thread in others:
        thread.start()
    for thread in (first, *others):
        thread.join(20)
    assert len(answers) == 4 and len(set(answers)) == 1 and answers[0] > 0
    assert len(calls) == 1


def test_batches_asked_for_in_any_order_compute_each_result_once(app, backend_of):
    """A cold gap evaluation asks for twenty results at once: two workers asking for the same
    results in opposite orders neither deadlock nor compute one twice (PostgreSQL), and on
    either database each result notes only what its own computation read."""
    calls: list[str] = []

    def slowly(name, count):
        def compute():
            calls.append(name)
            time.sleep(0.3)
            return db.session.scalar(count)

        return compute

    users = Recipe("batch users", {}, slowly("users", select(func.count(User.id))))
    methods = Recipe("batch methods", {}, slowly("methods", select(func.count(Method.id))))
    answers = []

    def worker(recipes):
        with app.test_request_context():
            answers.append(dict(zip([r.name for r in recipes], stored_many(recipes), strict=True)))

    threads = [
        threading.Thread(target=worker, args=(order,))
        for order in ([users, methods], [methods, users])
    ]
    if backend_of(app) != "postgresql":
        threads = threads[:1]  # SQLite has no single flight: one worker shows the batch
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(answers) == len(threads) and sorted(calls) == ["methods", "users"]
    assert answers[0]["batch users"] > 0 and answers[0]["batch methods"] > 0
    with app.app_context():
        noted = dict(
            db.session.execute(
                select(StoredResult.name, StoredResult.tables).where(
                    StoredResult.name.in_(["batch users", "batch methods"])
                )
            ).all()
        )
    assert {key.split(".")[0] for key in noted["batch users"]} == {"users"}
    assert {key.split(".")[0] for key in noted["batch methods"]} == {"methods"}


def test_a_batch_computes_without_the_cyclic_collector_and_restores_it(app):
    """The collector would walk a cold evaluation's shared reads over and over; it is paused
    while the batch computes and running again afterwards, even when a computation fails."""
    seen = []

    def compute():
        seen.append(gc.isenabled())
        return db.session.scalar(select(func.count(User.id)))

    def failing():
        raise RuntimeError("rule failed")

    assert gc.isenabled()
    with app.test_request_context():
        assert stored(Recipe("collector probe", {}, compute)) > 0
    assert seen == [False] and gc.isenabled()
    with app.test_request_context(), pytest.raises(RuntimeError, match="rule failed"):
        stored(Recipe("collector failure", {}, failing))
    assert gc.isenabled()


@pytest.fixture
def backend_of():
    def backend(app):
        return (
            "postgresql"
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres")
            else "sqlite"
        )

    return backend


@pytest.fixture
def counted_rules(monkeypatch):
    """RULES with a call count each."""
    calls: dict[str, int] = {}
    for rule_id, rule in list(RULES.items()):

        def counting(ctx, rule=rule, rule_id=rule_id):
            calls[rule_id] = calls.get(rule_id, 0) + 1
            return rule(ctx)

        counting.rule_id, counting.clauses = rule.rule_id, rule.clauses
        monkeypatch.setitem(RULES, rule_id, counting)
    return calls


def test_the_engine_recomputes_only_the_rules_a_change_concerns(app, counted_rules):
    as_of = DAY.date() + dt.timedelta(days=30)

    def evaluate(use_stored=True):
        app.config["STORED_RESULTS"] = use_stored
        with app.test_request_context():
            return gap_engine.evaluate(as_of).as_json()

    def recomputed(action):
        counted_rules.clear()
        result = action()
        return result, set(counted_rules)

    full, ran = recomputed(lambda: evaluate(False))
    assert ran == set(RULES) and len(full["findings"]) > 10
    assert recomputed(evaluate)[0] == full  # first time: computed and stored
    again, ran = recomputed(evaluate)
    assert (again, ran) == (full, set())

    with app.app_context():  # an equipment change
        item = db.session.scalars(select(Equipment).where(Equipment.status == "in_service")).first()
        qm = db.session.scalars(select(User).where(User.email.like("dana%"))).one()
        equipment.change_status(item, "out_of_service", by=qm, reason="dropped")
        db.session.commit()
    after, ran = recomputed(evaluate)
    assert {"CAL-OVERDUE", "CAL-MISSING", "METHOD-EQUIPMENT"} <= ran
    assert not {"DOC-REVIEW-OVERDUE", "DOC-NOT-APPROVED", "MR-OVERDUE"} & ran
    assert after == evaluate(False)

    with app.app_context():  # a register edit: the document rules, not the equipment ones
        document = db.session.scalars(select(Document).order_by(Document.id)).first()
        qm = db.session.scalars(select(User).where(User.email.like("dana%"))).one()
        documents.update_document(
            document,
            by=qm,
            title=document.title,
            owner=document.owner,
            review_interval_months=1,
            clauses=document.clauses,
            audiences=document.audiences,
            reason="shorter interval",
        )
        db.session.commit()
    after, ran = recomputed(evaluate)
    # Only the review rule reads review intervals: the other document rules, the training
    # rules and the clause evidence read numbers, titles and states, and no rule reads the
    # ORM's version counter that every edit moves.
    assert ran == {"DOC-REVIEW-OVERDUE"}
    assert after == evaluate(False)


def test_the_dashboards_training_figures_follow_a_recorded_training(app):
    """A stored dashboard figure changes the moment a training is recorded, to what computing
    it afresh gives."""
    from compliance.personnel import services as personnel
    from compliance.personnel.matrix import CellStatus, required_cells
    from compliance.personnel.models import Person, TrainingItem

    today = DAY.date()

    def totals(use_stored=True):
        app.config["STORED_RESULTS"] = use_stored
        with app.test_request_context():
            return personnel.training_totals(today)

    before = totals()
    assert before == totals(False)
    with app.app_context():
        active = Person.active_on_clause(today)
        people = db.session.scalars(select(Person).where(active)).all()
        gaps = (CellStatus.MISSING, CellStatus.EXPIRED, CellStatus.DUE)
        person, item_id, status = next(
            (row.person, column.id, cell.status)
            for row, column, cell in required_cells(people, as_of=today)
            if cell.status in gaps and column.document_id is None
        )
        qm = db.session.scalars(select(User).where(User.email.like("dana%"))).one()
        personnel.record_training(
            person, db.session.get(TrainingItem, item_id), completed_on=today, by=qm
        )
        db.session.commit()
    after = totals()
    assert after[status] == before[status] - 1
    assert after[CellStatus.CURRENT] == before[CellStatus.CURRENT] + 1
    assert after == totals(False)

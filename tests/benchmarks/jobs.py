"""The heavy jobs, each run in a child process of its own so that its peak memory is its own:
`python -m tests.benchmarks.jobs JOB --targets JSON [...]` (DATABASE_URL and INSTANCE_PATH from
the environment) prints one JSON line: rows of {"name", "p50_ms", "p95_ms", "queries", "peak_mb"}.
"""

from __future__ import annotations

import argparse
import io
import json
import time
import uuid
from pathlib import Path

from compliance import create_app
from compliance.extensions import db
from tests.benchmarks.accounts import Targets
from tests.benchmarks.measure import (
    QueryCounter,
    Sample,
    csrf_token,
    peak_rss_mb,
    reset_peak_rss,
)
from tests.benchmarks.pages import signed_in_client

JOBS = ("upload", "gap_report", "evidence_package")


def _row(name: str, sample: Sample, peak: bool = True) -> dict:
    row = {
        "name": name,
        "p50_ms": round(sample.p50, 1),
        "p95_ms": round(sample.p95, 1),
        "queries": max(sample.queries),
    }
    if peak:
        row["peak_mb"] = round(peak_rss_mb(), 1)
    return row


def _timed(sample: Sample, engine, call):
    with QueryCounter(engine) as counter:
        started = time.perf_counter()
        result = call()
        sample.times_ms.append((time.perf_counter() - started) * 1000)
    sample.queries.append(counter.count)
    return result


def _new_document(app, qm_email: str) -> int:
    from compliance.documents import services
    from compliance.users.models import User

    with app.app_context():
        qm = db.session.scalar(db.select(User).where(User.email == qm_email))
        document = services.create_document(
            number=f"TM-BENCH-{uuid.uuid4().hex[:8].upper()}",
            title="Long procedure (benchmark)",
            doc_type="procedure",
            owner=qm,
            review_interval_months=24,
            clauses=["7.2"],
            audiences=[],
            label_scheme="letters",
            by=qm,
        )
        db.session.commit()
        return document.id


def upload(
    app, engine, targets: Targets, *, iterations: int, warmup: int, procedure: Path
) -> list[dict]:
    """Upload through the revision form (validate, store, extract text), open the revision
    (render to sanitised HTML), then download it (controlled-copy stamping)."""
    client = signed_in_client(app, targets.qm_email)
    data = procedure.read_bytes()
    store, render, total, stamp = Sample(), Sample(), Sample(), Sample()
    for n in range(warmup + iterations):
        if n == warmup:
            store, render, total, stamp = Sample(), Sample(), Sample(), Sample()
            reset_peak_rss()
        document_id = _new_document(app, targets.qm_email)
        path = f"/documents/{document_id}/revisions/new"
        form = {
            "csrf_token": csrf_token(client.get(path).text),
            "change_summary": "Benchmark upload",
            "file": (io.BytesIO(data), "long-procedure.docx"),
        }
        response = _timed(store, engine, lambda path=path, form=form: client.post(path, data=form))
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/revisions/" not in location:
            raise RuntimeError(f"upload refused: {response.status_code} {response.text[:300]}")
        revision = location.rstrip("/").rsplit("/", 1)[-1]
        opened = _timed(
            render, engine, lambda revision=revision: client.get(f"/revisions/{revision}")
        )
        if opened.status_code != 200:
            raise RuntimeError(f"revision page answered {opened.status_code}")
        total.times_ms.append(store.times_ms[-1] + render.times_ms[-1])
        total.queries.append(store.queries[-1] + render.queries[-1])
        copy = _timed(
            stamp, engine, lambda revision=revision: client.get(f"/revisions/{revision}/download")
        )
        if copy.status_code != 200 or not copy.data.startswith(b"PK"):
            raise RuntimeError(f"download answered {copy.status_code}")
    pages = procedure.stem.rsplit("-", 1)[-1]
    return [
        _row(f"procedure_{pages}p_upload_to_render", total),
        _row(f"procedure_{pages}p_upload_validate_extract", store, peak=False),
        _row(f"procedure_{pages}p_render_html", render, peak=False),
        _row(f"procedure_{pages}p_controlled_copy_stamp", stamp),
    ]


def gap_report(app, engine, targets: Targets, *, iterations: int, warmup: int, **_) -> list[dict]:
    client = signed_in_client(app, targets.qm_email)
    sample = Sample()
    for n in range(warmup + iterations):
        if n == warmup:
            sample = Sample()
            reset_peak_rss()
        response = _timed(sample, engine, lambda: client.get("/reports/gaps.docx"))
        if response.status_code != 200 or not response.data.startswith(b"PK"):
            raise RuntimeError(f"gap report answered {response.status_code}")
    return [_row("pre_assessment_gap_report_docx", sample)]


def evidence_package(
    app, engine, targets: Targets, *, iterations: int, warmup: int, **_
) -> list[dict]:
    """Read the ZIP as a browser would, chunk by chunk, never holding it whole."""
    client = signed_in_client(app, targets.qm_email)
    sample = Sample()

    def download():
        response = client.get("/reports/evidence-package.zip", buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        if response.status_code != 200 or size < 22:
            raise RuntimeError(f"evidence package answered {response.status_code}")

    for n in range(warmup + iterations):
        if n == warmup:
            sample = Sample()
            reset_peak_rss()
        _timed(sample, engine, download)
    return [_row("evidence_package_zip", sample)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=JOBS)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--procedure", type=Path)
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        engine = db.engine
    job = globals()[args.job]
    rows = job(
        app,
        engine,
        Targets(**json.loads(args.targets)),
        iterations=args.iterations,
        warmup=args.warmup,
        procedure=args.procedure,
    )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()

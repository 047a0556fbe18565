"""A small run of the benchmark (tests/benchmarks) on SQLite: the harness works end to end and
bench.json has the shape issue 9 asks for, every figure a number."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = {"name", "scale", "db", "p50_ms", "p95_ms", "queries", "floor_ratio", "peak_mb"}
LOAD_EXTRAS = {"p99_ms", "rps", "requests", "errors", "workers"}
PAGES = {
    "floor",
    "dashboard",
    "readiness_dashboard",
    "document_register_search",
    "document_with_history",
    "training_matrix_job_role",
    "equipment_overdue",
    "clause_6_4_evidence",
    "master_list_auditor",
}
JOBS = {
    "gap_evaluation",
    "gap_evaluation_after_edit",
    "gap_evaluation_cold",
    "procedure_3p_upload_to_render",
    "procedure_3p_upload_validate_extract",
    "procedure_3p_render_html",
    "procedure_3p_controlled_copy_stamp",
    "pre_assessment_gap_report_docx",
    "evidence_package_zip",
}


@pytest.mark.slow
def test_a_tiny_benchmark_run_writes_bench_json(tmp_path):
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "-m",
        "tests.benchmarks",
        *("--scales", "0.1", "--dbs", "sqlite", "--iterations", "2", "--warmup", "1"),
        *("--gap-iterations", "1", "--job-iterations", "1", "--job-warmup", "0"),
        *("--procedure-pages", "3", "--no-load", "--out", str(out), "--work", str(tmp_path)),
    ]
    env = {**os.environ, "BENCH_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    bench = json.loads(out.read_text())
    assert set(bench) == {"machine", "results"}
    assert bench["machine"]["cpus"] >= 1 and bench["machine"]["python"]
    results = {row["name"]: row for row in bench["results"]}
    assert set(results) == PAGES | JOBS
    for row in bench["results"]:
        assert set(row) <= SCHEMA, row
        assert (row["scale"], row["db"]) == (0.1, "sqlite")
        for key in set(row) - {"name", "db"}:
            assert isinstance(row[key], int | float) and row[key] >= 0, row
        assert row["p50_ms"] > 0 and row["p95_ms"] >= row["p50_ms"], row
        assert row["queries"] > 0, row
    for name in PAGES:
        assert results[name]["floor_ratio"] > 0
        assert "peak_mb" not in results[name]
    assert results["floor"]["floor_ratio"] == 1.0
    assert "floor_ratio" not in results["gap_evaluation"]
    for name in ("procedure_3p_upload_to_render", "evidence_package_zip"):
        assert results[name]["peak_mb"] > 0
    assert "name" in done.stdout and "floor_ratio" in done.stdout  # the printed table

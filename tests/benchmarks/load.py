"""The load test: gunicorn with several workers on the working copy, driven by locust headless
over loopback for a bounded time; the figures come from locust's aggregated CSV row.

Users arrive at SIGN_INS_PER_S, as a lab's staff start their day, not all in one second: a
sign-in is an Argon2 verification (about 0.2 CPU-s, by design). Locust's statistics are reset
once all users are in, so the throughput and percentiles are those of the steady mixed
workload at full concurrency; the sign-ins are reported apart (signin_p50_ms, signin_p95_ms)
and a failed sign-in still counts as an error."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.benchmarks.accounts import Targets
from tests.benchmarks.datasets import ROOT, Dataset
from tests.benchmarks.measure import BENCH_PASSWORD

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SIGN_INS_PER_S = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def run_load(
    dataset: Dataset,
    targets: Targets,
    *,
    users: int,
    run_time: int,
    workers: int | None,
    out_dir: Path,
) -> dict:
    """Throughput, latency percentiles and errors of `run_time` seconds of the mixed workload
    once all `users` are signed in; `workers` None: the gunicorn config's default (from the
    CPU count)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**dataset.env(), "HOST": "127.0.0.1", "PORT": str(port), "GUNICORN_ACCESS_LOG": ""}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    with open(out_dir / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, server)
        locust_env = {
            **os.environ,
            "BENCH_TARGETS": json.dumps(targets.as_json()),
            "BENCH_PASSWORD": BENCH_PASSWORD,
            "BENCH_SIGNIN_OUT": str(out_dir / "signins.json"),
        }
        ramp = -(-users // SIGN_INS_PER_S)
        with open(out_dir / "locust.log", "wb") as log:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(SIGN_INS_PER_S),
                    "--reset-stats",
                    "--run-time",
                    f"{ramp + run_time}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    url,
                    "--csv",
                    str(out_dir / "locust"),
                    "--only-summary",
                    "--exit-code-on-error",
                    "0",
                ],
                env=locust_env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=ramp + run_time + 180,
                check=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return _aggregated(
        out_dir / "locust_stats.csv",
        workers_from=out_dir / "gunicorn.log",
        signins_from=out_dir / "signins.json",
    )


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1) if values else 0.0


def _aggregated(stats: Path, *, workers_from: Path, signins_from: Path) -> dict:
    with open(stats, newline="") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    total = rows["Aggregated"]
    booted = workers_from.read_text(errors="replace").count("Booting worker")
    signins = json.loads(signins_from.read_text())
    signin_ms = [s["ms"] for s in signins]
    failed_signins = sum(not s["ok"] for s in signins)
    return {
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]) + failed_signins,
        "rps": round(_number(total["Requests/s"]), 1),
        "p50_ms": _number(total["50%"]),
        "p95_ms": _number(total["95%"]),
        "p99_ms": _number(total["99%"]),
        "workers": booted,
        "signins": len(signins),
        "signin_p50_ms": _percentile(signin_ms, 0.5),
        "signin_p95_ms": _percentile(signin_ms, 0.95),
        "per_name": {
            name: {"p95_ms": _number(row["95%"]), "errors": int(row["Failure Count"])}
            for name, row in rows.items()
            if name != "Aggregated"
        },
    }

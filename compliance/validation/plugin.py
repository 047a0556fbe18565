"""A pytest plugin that records each test's outcome and requirement markers for the report.

Load it with `-p compliance.validation.plugin --validation-results PATH` (CI sets both through
PYTEST_ADDOPTS so that `make test` itself produces the evidence).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

FORMAT = "compliance-test-results/1"


def pytest_addoption(parser):
    parser.addoption(
        "--validation-results",
        default=None,
        help="write each test's outcome and requirement markers to this JSON file",
    )


def pytest_configure(config):
    path = config.getoption("--validation-results")
    if path:
        config.pluginmanager.register(Recorder(Path(path)), "validation-recorder")


class Recorder:
    def __init__(self, path: Path):
        self.path = path
        self.started = dt.datetime.now(dt.UTC)
        self.tests: dict[str, dict] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            ids = [str(i) for mark in item.iter_markers("requirement") for i in mark.args]
            self.tests[item.nodeid] = {
                "nodeid": item.nodeid,
                "requirements": sorted(set(ids)),
                "outcome": "not run",
                "duration": 0.0,
                "reason": "",
            }

    def pytest_runtest_logreport(self, report):
        test = self.tests.setdefault(
            report.nodeid,
            {"nodeid": report.nodeid, "requirements": [], "outcome": "not run", "duration": 0.0},
        )
        test["duration"] += report.duration
        xfail = getattr(report, "wasxfail", None)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if xfail is not None:
                test["outcome"] = "xfailed" if report.skipped else "xpassed"
                test["reason"] = xfail
            elif report.skipped:
                test["outcome"] = "skipped"
                test["reason"] = _skip_reason(report)
            elif report.failed:
                test["outcome"] = "failed" if report.when == "call" else "error"
            else:
                test["outcome"] = "passed"
        elif report.when == "teardown" and report.failed:
            test["outcome"] = "error"

    def pytest_sessionfinish(self, session, exitstatus):
        finished = dt.datetime.now(dt.UTC)
        results = {
            "format": FORMAT,
            "started_at": self.started.isoformat(),
            "finished_at": finished.isoformat(),
            "exit_status": int(exitstatus),
            "args": list(session.config.invocation_params.args),
            "environment": _environment(),
            "tests": sorted(self.tests.values(), key=lambda t: t["nodeid"]),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(results, indent=1))


def _skip_reason(report) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2])
    return str(report.longrepr or "")


def _environment() -> dict:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607  (git from PATH, fixed arguments)
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    from importlib import metadata

    try:
        version = metadata.version("compliance")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "application_version": version,
        "commit": commit or "unknown",
        "postgresql": bool(os.environ.get("TEST_DATABASE_URL")),
        "require_postgres": os.environ.get("REQUIRE_POSTGRES") == "1",
        "require_browser": os.environ.get("REQUIRE_BROWSER") == "1",
        "ci": os.environ.get("CI") == "true",
    }

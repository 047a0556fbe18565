"""The load test's simulated lab user (run by tests/benchmarks/load.py, not by pytest): signs in
as the QM, reads the benchmarked pages and now and then edits a register entry through the real
form with its CSRF token (a write with an audit entry).

Locust's statistics are reset once every user has signed in (load.py), so each user's own
sign-in is timed here and written to BENCH_SIGNIN_OUT when the run ends."""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

TARGETS = json.loads(os.environ["BENCH_TARGETS"])
PASSWORD = os.environ["BENCH_PASSWORD"]
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_serial = itertools.count()
_signins: list[dict] = []


@events.quitting.add_listener
def _write_signins(environment, **_kwargs):
    with open(os.environ["BENCH_SIGNIN_OUT"], "w") as fh:
        json.dump(_signins, fh)


class EditForm(HTMLParser):
    """The values a browser would submit from the page's edit form (not the sign-out form)."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("method", "").lower() == "post" and "logout" not in a.get(
                "action", ""
            )
        elif not self._in_form or "name" not in a and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.values[-1]
            self.values[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class LabUser(HttpUser):
    # Think time between pages; real users pause longer, so this is heavier than a real day.
    wait_time = between(0.5, 2.0)

    def on_start(self):
        serial = next(_serial)
        ids = TARGETS["edit_document_ids"]
        self.document_id = ids[serial % len(ids)]
        started = time.perf_counter()
        token = CSRF_RE.search(self.client.get("/login", name="/login").text).group(1)
        data = {"email": TARGETS["qm_email"], "password": PASSWORD, "csrf_token": token}
        with self.client.post(
            "/login", data=data, allow_redirects=False, catch_response=True, name="/login POST"
        ) as response:
            signed_in = response.status_code == 302 and "/login" not in response.headers.get(
                "Location", ""
            )
            if not signed_in:
                response.failure(f"sign-in failed: {response.status_code}")
        _signins.append({"ms": (time.perf_counter() - started) * 1000, "ok": signed_in})

    def _get(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or "/login" in response.url:
                response.failure(f"{response.status_code} at {response.url}")

    @task(3)
    def dashboard(self):
        self._get("/", "dashboard")

    @task(2)
    def readiness(self):
        self._get("/readiness", "readiness_dashboard")

    @task(2)
    def register_search(self):
        self._get("/documents/?q=calibration", "document_register_search")

    @task(2)
    def document(self):
        self._get(f"/documents/{TARGETS['document_id']}", "document_with_history")

    @task(2)
    def matrix(self):
        self._get(f"/personnel/matrix?job_role={TARGETS['job_role_id']}", "training_matrix")

    @task(2)
    def equipment(self):
        self._get("/equipment/?due=overdue", "equipment_overdue")

    @task(1)
    def clause(self):
        self._get("/clauses/6.4", "clause_6_4_evidence")

    @task(2)
    def edit_document(self):
        path = f"/documents/{self.document_id}/edit"
        page = self.client.get(path, name="/documents/[id]/edit")
        form = EditForm()
        form.feed(page.text)
        values = [(k, v) for k, v in form.values if k not in ("review_interval_months", "reason")]
        months = dict(form.values).get("review_interval_months", "24")
        values += [
            ("review_interval_months", "36" if months == "24" else "24"),
            ("reason", "Load test edit"),
        ]
        with self.client.post(
            path,
            data=values,
            allow_redirects=False,
            catch_response=True,
            name="/documents/[id]/edit POST",
        ) as response:
            if response.status_code != 302:
                response.failure(f"edit answered {response.status_code}")

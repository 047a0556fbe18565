"""Page latency and SQL statement counts through the Flask test client, signed in as the QM
(and as an auditor for the master list), each as a ratio to the floor page measured alongside."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from tests.benchmarks.accounts import Targets
from tests.benchmarks.measure import BENCH_PASSWORD, Sample, csrf_token, repeat

FLOOR = "floor"
SEARCH_TERM = "calibration"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # "qm" | "auditor"


def pages(targets: Targets) -> list[Page]:
    return [
        # The base layout with no data: every other figure is also read against it.
        Page(FLOOR, "/account/password", "qm"),
        Page("dashboard", "/", "qm"),
        Page("readiness_dashboard", "/readiness", "qm"),
        Page("document_register_search", f"/documents/?q={SEARCH_TERM}", "qm"),
        Page("document_with_history", f"/documents/{targets.document_id}", "qm"),
        Page("training_matrix_job_role", f"/personnel/matrix?job_role={targets.job_role_id}", "qm"),
        Page("equipment_overdue", "/equipment/?due=overdue", "qm"),
        Page("clause_6_4_evidence", "/clauses/6.4", "qm"),
        Page("master_list_auditor", "/documents/", "auditor"),
    ]


def signed_in_client(app: Flask, email: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"could not sign in as {email} (status {response.status_code})")
    return client


def measure_pages(
    app: Flask, engine, targets: Targets, *, iterations: int, warmup: int, profile_dir=None
) -> dict[str, Sample]:
    """Each page's sample; raises when a page does not answer 200.

    Call outside an app context: each request pushes its own, as in production, so Flask-Login's
    user and the CSRF token do not leak between the QM's and the auditor's requests."""
    clients = {
        "qm": signed_in_client(app, targets.qm_email),
        "auditor": signed_in_client(app, targets.auditor_email),
    }
    samples = {}
    for page in pages(targets):
        client = clients[page.who]

        def get(page=page, client=client):
            response = client.get(page.path)
            if response.status_code != 200:
                raise RuntimeError(f"{page.name}: {page.path} answered {response.status_code}")

        samples[page.name] = repeat(get, engine, iterations=iterations, warmup=warmup)
        if profile_dir is not None:
            _profile(get, profile_dir / f"{page.name}.txt")
    return samples


def _profile(call, path) -> None:
    """One more request under pyinstrument, its call tree kept as text for the report."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    call()
    profiler.stop()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))

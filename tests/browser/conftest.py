"""Browser harness: the app served by a real server process, driven by Debian's chromium."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from tests.conftest import fresh_database

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium reaches for the (closed) network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A deadline only: on a busy CI machine the server starts while `demo load` seeds beside it.
STARTUP_SECONDS = 60
RUNNING_ON = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
# Reported as a console error, so a journey's "no console errors" check also catches CSP trouble.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked}`);
});
"""


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _browser_missing() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install playwright)"
    return None


# --- the live server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    log_path: Path
    # The server's environment (database, instance folder), for commands run against it.
    env: dict = field(default_factory=dict, repr=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """`python ARGS` in the server's environment (e.g. a seeding module); fails loudly."""
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "compliance", *args]


def _wait_until_serving(server: subprocess.Popen, log_path: Path) -> str:
    """The server's URL once /healthz answers; port 0 lets the server pick a free port itself."""
    deadline = time.monotonic() + STARTUP_SECONDS
    url = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        if url is None:
            match = RUNNING_ON.search(log_path.read_text(errors="replace"))
            url = match.group(1) if match else None
        if url is not None:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    pytest.fail(f"the live server did not answer /healthz:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory) -> Iterator[LiveServer]:
    """The app in its own `flask run` process, on a fresh demo-lab database of this backend."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    with fresh_database(backend, tmp_path_factory) as url:
        instance = tmp_path_factory.mktemp(f"live-{backend}")
        env = {
            **os.environ,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
            "COMPLIANCE_ENV": "testing",
            "FLASK_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
        log_path = instance / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                _flask("run", "--host", "127.0.0.1", "--port", "0", "--no-reload"),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            # Seeding while the server starts: it needs the data only once a test signs in.
            demo = subprocess.run(
                _flask("demo", "load"),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if demo.returncode != 0:
                pytest.fail(f"flask demo load failed:\n{demo.stdout}{demo.stderr}")
            yield LiveServer(_wait_until_serving(server, log_path), log_path, env)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless; skipped when absent unless REQUIRE_BROWSER=1 (CI)."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What the page reported: console errors, uncaught exceptions, and every response."""

    problems: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url") or "?"
        # Chromium probes /favicon.ico by itself; the app declares no icon, so that 404 is not
        # something a page did.
        if message.type == "error" and urlparse(where).path != "/favicon.ico":
            self.problems.append(f"console error at {where}: {message.text}")

    def request_failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a page's pending loads (a script, the icon)
        # because the journey moved on to the next page; a missing file is a 404 response.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def responses_to(self, pattern: str) -> list[tuple[str, int]]:
        return [(url, status) for url, status in self.responses if re.search(pattern, url)]


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _new_context(browser, live_server) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url)
    # Generous: CI runs on two cores while the server hashes passwords at production cost.
    context.set_default_timeout(20_000)
    return context


def _watched_page(context, page_log: PageLog) -> Page:
    page = context.new_page()
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", page_log.console)
    page.on("pageerror", lambda error: page_log.problems.append(f"page error: {error}"))
    page.on("requestfailed", page_log.request_failed)
    page.on("response", lambda response: page_log.responses.append((response.url, response.status)))
    return page


@pytest.fixture
def context(browser, live_server) -> Iterator[BrowserContext]:
    context = _new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def other_page(browser, live_server, page_log) -> Iterator[Page]:
    """A second person's page in a browser context of their own (own cookies, own session),
    reporting into the same page log."""
    context = _new_context(browser, live_server)
    yield _watched_page(context, page_log)
    context.close()


@pytest.fixture
def page(context, page_log, backend, request) -> Iterator[Page]:
    """A fresh page; its last state is kept as test-artifacts/screenshots/<test>-<backend>.png."""
    page = _watched_page(context, page_log)
    yield page
    if not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{request.node.originalname}-{backend}.png"
        page.screenshot(path=SCREENSHOTS / name, full_page=True)

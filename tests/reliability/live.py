"""A real server process on loopback that tests can kill and restart, and a plain HTTP client."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CSRF_RE
from tests.reliability.instances import AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]
RUNNING_ON = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")
STARTUP_SECONDS = 60  # a deadline only; a slow CI machine must not fail a healthy start


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "compliance", *args]


class LiveApp:
    """`flask run` on loopback against one database and instance folder."""

    def __init__(self, database_url: str, instance: Path, name: str = "server"):
        self.database_url = database_url
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.starts = 0

    @property
    def env(self) -> dict:
        return {
            **os.environ,
            "INSTANCE_PATH": str(self.instance),
            "DATABASE_URL": self.database_url,
            "COMPLIANCE_ENV": "testing",
            "AUDIT_HMAC_KEY": AUDIT_KEY,
            "FLASK_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }

    def log_path(self, start: int | None = None) -> Path:
        return self.instance / f"{self.name}-{self.starts if start is None else start}.log"

    def logs(self) -> str:
        return "".join(
            self.log_path(n).read_text(errors="replace")
            for n in range(1, self.starts + 1)
            if self.log_path(n).exists()
        )

    def flask(self, *args: str, input: str | None = None, check: bool = True):
        result = subprocess.run(
            flask_command(*args),
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def start(self) -> str:
        self.starts += 1
        with self.log_path().open("wb") as log:
            self.process = subprocess.Popen(
                flask_command("run", "--host", "127.0.0.1", "--port", "0", "--no-reload"),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = self._wait_until_serving()
        return self.url

    def _wait_until_serving(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        url = None
        while time.monotonic() < deadline and self.process.poll() is None:
            if url is None:
                match = RUNNING_ON.search(self.log_path().read_text(errors="replace"))
                url = match.group(1) if match else None
            if url is not None:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                        if response.status == 200:
                            return url
                except (urllib.error.URLError, ConnectionError):
                    pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"{self.name} did not start:\n{self.logs()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


class NoToken(AssertionError):
    """The page that should hold the form came back without its CSRF token."""


@dataclass
class Reply:
    status: int
    location: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A cookie-keeping HTTP client that does not follow redirects (a 302 is the answer)."""

    def __init__(self, base_url: str, timeout: float = 30):
        self.base_url = base_url
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> Reply:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(response.status, response.headers.get("Location", ""), _text(response))
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers.get("Location", ""), _text(error))

    def get(self, path: str) -> Reply:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict, *, form_page: str | None = None) -> Reply:
        """POST with the CSRF token of the page the form lives on."""
        token = self.token(form_page or path)
        body = urllib.parse.urlencode({"csrf_token": token, **data}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body, method="POST"))

    def token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_RE.search(page.text)
        if not match:
            raise NoToken(f"no CSRF token on {path} ({page.status}):\n{page.text[:500]}")
        return match.group(1)

    def login(self, email: str, password: str) -> None:
        reply = self.post("/login", {"email": email, "password": password})
        if reply.status != 302:
            raise AssertionError(f"sign-in as {email} failed: {reply.status}\n{reply.text[:500]}")


def _text(response) -> str:
    return response.read().decode("utf-8", "replace")

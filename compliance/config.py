"""Settings from the environment; SQLite under the instance folder by default."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
# How long a process waits for a peer that created an instance secret to write it.
SECRET_WAIT_SECONDS = 5.0


def default_instance_path() -> Path:
    """instance/ in the checkout when run from one, else instance/ under the working directory."""
    if (CHECKOUT / "pyproject.toml").exists():
        return CHECKOUT / "instance"
    return Path.cwd() / "instance"


def instance_secret(instance_path: Path, name: str, nbytes: int = 32) -> str:
    """A random secret generated once and kept under the instance folder (mode 0600).

    Several processes can start on a fresh instance folder at once (gunicorn workers, a server
    and `demo load`): all of them must end up reading the one secret that was kept.
    """
    path = instance_path / name
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        _keep_first(path, secrets.token_hex(nbytes))
    return _written(path)


def _written(path: Path) -> str:
    deadline = time.monotonic() + SECRET_WAIT_SECONDS
    while not (content := path.read_text().strip()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} is empty: delete it and start again")
        time.sleep(0.01)
    return content


def _keep_first(path: Path, content: str) -> None:
    """Write `content` to `path` unless another process has: written whole to a private file
    and hard-linked into place, the link fails for all but the first, and nobody reads a
    half-written file."""
    fd, candidate = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links (some network shares)
            _create_exclusively(path, content)
    finally:
        os.unlink(candidate)


def _create_exclusively(path: Path, content: str) -> None:
    """The first process creates the file and writes it; the others read it once it is written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(content)


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// both mean psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(env=None, *, overrides: dict | None = None) -> dict:
    """Build the config mapping; secrets missing from the environment are generated once.

    `overrides` win over the environment (tests pass INSTANCE_PATH, DATABASE_URL, ...).
    """
    overrides = overrides or {}
    env = {**(os.environ if env is None else env), **{k: str(v) for k, v in overrides.items()}}
    instance_path = Path(env.get("INSTANCE_PATH") or default_instance_path()).resolve()
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'compliance.sqlite'}"
    )
    production = env.get("COMPLIANCE_ENV", "production") == "production"
    return {
        "INSTANCE_PATH": str(instance_path),
        "PRODUCTION": production,
        "DEBUG": _bool(env.get("FLASK_DEBUG")),
        "SECRET_KEY": env.get("SECRET_KEY") or instance_secret(instance_path, "secret_key"),
        "AUDIT_HMAC_KEY": env.get("AUDIT_HMAC_KEY")
        or instance_secret(instance_path, "audit_hmac_key"),
        "AUDIT_ANCHOR_PATH": env.get("AUDIT_ANCHOR_PATH")
        or str(instance_path / "audit_anchor.json"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": _int(env.get("SQLITE_BUSY_TIMEOUT_MS"), 30_000),
        # Reuse computed results while the tables they read are unchanged (compliance.stored);
        # STORED_RESULTS=0 computes everything on every request.
        "STORED_RESULTS": env.get("STORED_RESULTS", "1") != "0",
        # Python collects its youngest generation every 700 allocations by default; a page
        # that loads ten thousand rows then spends a third of its time collecting (0: leave
        # Python's default).
        "GC_GEN0_THRESHOLD": _int(env.get("GC_GEN0_THRESHOLD"), 10_000),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE")),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
        "PROXY_COUNT": _int(env.get("PROXY_COUNT"), 0),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE")),
        "PREFERRED_URL_SCHEME": env.get("PREFERRED_URL_SCHEME", "http"),
        # How the app is reached, for links built outside a request (CLI, e-mail, labels).
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "WTF_CSRF_TIME_LIMIT": _int(env.get("WTF_CSRF_TIME_LIMIT"), 8 * 3600),
        "LOGIN_MAX_FAILURES": _int(env.get("LOGIN_MAX_FAILURES"), 5),
        "LOGIN_LOCKOUT_MINUTES": _int(env.get("LOGIN_LOCKOUT_MINUTES"), 15),
        "PASSWORD_MIN_LENGTH": 12,
        "PER_PAGE": _int(env.get("PER_PAGE"), 25),
        "LAB_TIMEZONE": env.get("LAB_TIMEZONE", "UTC"),
        "LAB_NAME": env.get("LAB_NAME", "Meridian Component Test Laboratory"),
        # Document control (issue 3): acknowledgement grace period and the review look-ahead.
        "ACK_DUE_DAYS": _int(env.get("ACK_DUE_DAYS"), 14),
        "REVIEW_DUE_WINDOW_DAYS": _int(env.get("REVIEW_DUE_WINDOW_DAYS"), 60),
        # Gap engine: how far past the as-of date a "due soon" warning looks.
        "GAP_WARNING_DAYS": _int(env.get("GAP_WARNING_DAYS"), 30),
        "MAX_CONTENT_LENGTH": _int(env.get("MAX_UPLOAD_MB"), 25) * 1024 * 1024 + 64 * 1024,
        "UPLOAD_MAX_BYTES": _int(env.get("MAX_UPLOAD_MB"), 25) * 1024 * 1024,
        # Mail, with Flask-Mail's names (reminders issue).
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int(env.get("MAIL_PORT"), 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "compliance@localhost"),
    } | overrides

"""Benchmark databases: generated once per (scale, seed, migration head, generator source) and
cached; each run works on a throwaway copy, because pages and jobs write (due revisions made
effective, auditor page views, uploads, the load test's edits)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "compliance" / "demo" / "generate"
PG_BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def cache_root() -> Path:
    return Path(os.environ.get("BENCH_CACHE") or ROOT / "instance" / "bench-cache")


def migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return "+".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def generator_available() -> bool:
    """`flask demo generate` exists (another engineer is writing it; until then: `demo load`)."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "compliance", "demo", "generate", "--help"],
        capture_output=True,
        text=True,
        env=_env(instance=cache_root() / "probe"),
        cwd=ROOT,
        check=False,
    )
    return result.returncode == 0


def _source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.rglob("*.py")) if GENERATOR.is_dir() else []:
        digest.update(path.read_bytes())
    if not GENERATOR.is_dir():
        digest.update((ROOT / "compliance" / "demo" / "loader.py").read_bytes())
    return digest.hexdigest()[:8]


def postgres_available(base_url: str = PG_BASE_URL) -> bool:
    import socket

    url = make_url(base_url)
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 5432), 1).close()
    except OSError:
        return False
    return True


@dataclass
class Dataset:
    """A working copy: its URL and instance folder (secrets, audit anchor)."""

    db: str  # "sqlite" | "postgresql"
    scale: float
    url: str
    instance: Path
    kind: str  # "generated" | "demo"
    _drop: str | None = None  # PostgreSQL database to drop afterwards

    def env(self) -> dict[str, str]:
        return _env(instance=self.instance, url=self.url)

    def discard(self) -> None:
        if self._drop:
            _drop_database(self._drop)
        shutil.rmtree(self.instance.parent, ignore_errors=True)


def _env(*, instance: Path, url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "INSTANCE_PATH": str(instance), "COMPLIANCE_ENV": "production"}
    env.pop("FLASK_DEBUG", None)
    if url:
        env["DATABASE_URL"] = url
    return env


def _flask(env: dict[str, str], *args: str, quiet: bool = False) -> None:
    command = [sys.executable, "-m", "flask", "--app", "compliance", *args]
    output = subprocess.DEVNULL if quiet else None
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=output)


def _scale_tag(scale: float) -> str:
    return f"{scale:g}".replace(".", "p")


def _admin(base_url: str):
    return create_engine(
        make_url(base_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


def _drop_database(name: str, base_url: str = PG_BASE_URL) -> None:
    engine = _admin(base_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _pg_url(name: str, base_url: str = PG_BASE_URL) -> str:
    url = make_url(base_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _populate(env: dict[str, str], *, scale: float, seed: int, generated: bool) -> None:
    _flask(env, "db", "upgrade", quiet=True)
    if generated:
        _flask(env, "demo", "generate", "--scale", f"{scale:g}", "--seed", str(seed))
    else:
        _flask(env, "demo", "load", quiet=True)


def prepare(db: str, scale: float, seed: int, *, generated: bool, log=print) -> Dataset:
    """A fresh working copy of the cached dataset, generating the cache entry when missing."""
    kind = "generated" if generated else "demo"
    key = f"{kind}-s{_scale_tag(scale)}-seed{seed}-{migration_head()}-{_source_hash()}"
    cached = cache_root() / f"{db}-{key}"
    work = cache_root() / "work" / uuid.uuid4().hex[:10]
    if db == "sqlite":
        if not (cached / "complete").exists():
            log(f"  generating {kind} dataset, scale {scale:g}, SQLite (cached as {cached.name})")
            _fresh(cached)
            env = _env(instance=cached / "instance", url=_sqlite_url(cached))
            _populate(env, scale=scale, seed=seed, generated=generated)
            (cached / "complete").touch()
        shutil.copytree(cached, work)
        return Dataset(db, scale, _sqlite_url(work), work / "instance", kind)
    name = f"bench_{key}".lower().replace("-", "_").replace("+", "_")[:60]
    if not (cached / "complete").exists() or not _database_exists(name):
        log(f"  generating {kind} dataset, scale {scale:g}, PostgreSQL (cached as {name})")
        _fresh(cached)
        building = f"{name[:50]}_tmp"
        _drop_database(building)
        _create_database(building)
        env = _env(instance=cached / "instance", url=_pg_url(building))
        _populate(env, scale=scale, seed=seed, generated=generated)
        _drop_database(name)
        _execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        (cached / "complete").touch()
    copy = f"bench_work_{uuid.uuid4().hex[:10]}"
    # A file-level copy of the cached database: seconds, where regenerating takes minutes.
    _execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    shutil.copytree(cached, work)
    return Dataset(db, scale, _pg_url(copy), work / "instance", kind, _drop=copy)


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "instance").mkdir(parents=True)


def _sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.sqlite'}"


def _execute(sql: str) -> None:
    engine = _admin(PG_BASE_URL)
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _create_database(name: str) -> None:
    _execute(f'CREATE DATABASE "{name}"')


def _database_exists(name: str) -> bool:
    engine = _admin(PG_BASE_URL)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
    engine.dispose()
    return bool(found)

"""Timing and SQL statement counting shared by the page and job measurements."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event

CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
BENCH_PASSWORD = "Bench-mark-password-2026"


class QueryCounter:
    """SQL statements sent through `engine` while active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _listen(self, *args) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._listen)


@dataclass
class Sample:
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation past the slowest sample)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def repeat(call: Callable[[], None], engine, *, iterations: int, warmup: int) -> Sample:
    """Run `call` warmup times untimed, then iterations times timed and counted."""
    for _ in range(warmup):
        call()
    sample = Sample()
    for _ in range(iterations):
        with QueryCounter(engine) as counter:
            started = time.perf_counter()
            call()
            sample.times_ms.append((time.perf_counter() - started) * 1000)
        sample.queries.append(counter.count)
    return sample


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def reset_peak_rss() -> None:
    """Start a new resident-set high-water mark (Linux 4.0+), so that a job's peak is not the
    sign-in's Argon2 buffer or a warm-up's; elsewhere the peak stays process-wide."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark since the last reset, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

"""The generator's working state: the plan (scale, sites), pre-allocated ids, rows per table,
the audit journal, and helpers for dates and timestamps relative to the lab's today."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

BASE = {"people": 50, "equipment": 250, "documents": 75, "methods": 8}
HISTORY_YEARS = 5


@dataclass
class Site:
    index: int  # 1-based
    code: str  # "S01"
    name: str
    single: bool  # the only site: natural keys carry no site prefix

    def key(self, text: str) -> str:
        """A natural key (document number, asset id, method code) unique across sites."""
        return text if self.single else f"{self.code}-{text}"

    def label(self, text: str) -> str:
        """A display name (job role) unique across sites."""
        return text if self.single else f"{text} ({self.name})"


@dataclass
class Login:
    id: int
    name: str
    email: str

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass
class Context:
    scale: float
    seed: int
    today: dt.date
    rng: random.Random = field(init=False)
    sites: list[Site] = field(default_factory=list)
    rows: dict = field(default_factory=lambda: defaultdict(list))  # Table -> [row dicts]
    journal: list = field(default_factory=list)  # audit events, see event()
    _ids: dict = field(default_factory=lambda: defaultdict(lambda: itertools.count(1)))

    def __post_init__(self):
        self.rng = random.Random(self.seed)  # noqa: S311  (made-up data, not secrets)
        count = max(1, round(self.scale))
        names = [*_site_names(count)]
        self.sites = [
            Site(i, f"S{i:02d}", names[i - 1], single=count == 1) for i in range(1, count + 1)
        ]

    def per_site(self, what: str, minimum: int = 1) -> int:
        """How many of `what` each site gets: the base lab times scale, spread over the sites."""
        return max(minimum, round(BASE[what] * self.scale / len(self.sites)))

    # --- rows ---------------------------------------------------------------------------------

    def add(self, model, /, **values) -> int | None:
        """Queue one row; assigns the next id when the table has an integer `id` key."""
        table = model.__table__
        if "id" in table.c and "id" not in values:
            values["id"] = next(self._ids[table.name])
        self.rows[table].append(values)
        return values.get("id")

    # --- time ---------------------------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        """The first day of the lab's recorded history."""
        return self.today - dt.timedelta(days=365 * HISTORY_YEARS)

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def stamp(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        """A working-hours moment on `day` (never later than yesterday: history, not future)."""
        day = min(day, self.today - dt.timedelta(days=1))
        hour = hour if hour is not None else self.rng.randint(8, 16)
        return dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)), dt.UTC)

    # --- the audit trail ----------------------------------------------------------------------

    def event(
        self,
        at: dt.datetime,
        action: str,
        entity_type: str,
        entity_key: str,
        actor: Login | None = None,
        changes: dict | None = None,
        reason: str | None = None,
    ) -> None:
        """An audit entry for a record created; `changes` are new values ({field: value})."""
        self.journal.append(
            (
                at,
                len(self.journal),
                actor,
                action,
                entity_type,
                str(entity_key),
                _created(changes or {}),
                reason,
            )
        )


def _created(values: dict) -> dict:
    """{field: [None, value]} as audit.services.diff({}, values) gives it for the value types
    used here (str, int, bool, date, datetime, list of str), without its generality's cost."""
    return {
        key: [None, value.isoformat() if isinstance(value, dt.date) else value]
        for key, value in sorted(values.items())
        if value is not None
    }


def _site_names(count: int):
    from compliance.demo.generate.content import SITE_NAMES

    for i in range(count):
        base = SITE_NAMES[i % len(SITE_NAMES)]
        yield base if i < len(SITE_NAMES) else f"{base} {math.floor(i / len(SITE_NAMES)) + 1}"

"""The lab's calendar: today in the lab's time zone, and month arithmetic for intervals."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context


def lab_today() -> dt.date:
    """Today's date where the lab is (LAB_TIMEZONE, default UTC)."""
    zone = current_app.config.get("LAB_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return dt.datetime.now(ZoneInfo(zone)).date()


@functools.lru_cache(maxsize=1 << 16)
def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, clamped to month end (31 Jan + 1 = 28/29 Feb).
    Cached: relativedelta costs 10 µs, and a large lab's registers repeat the same few
    thousand (date, interval) pairs on every page that shows due dates."""
    return day + relativedelta(months=months)

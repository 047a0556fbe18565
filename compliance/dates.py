"""The lab's calendar: today in the lab's time zone, and month arithmetic for intervals."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context


def lab_today() -> dt.date:
    """Today's date where the lab is (LAB_TIMEZONE, default UTC)."""
    zone = current_app.config.get("LAB_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return dt.datetime.now(ZoneInfo(zone)).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of the month `months` later, clamped to month end (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)

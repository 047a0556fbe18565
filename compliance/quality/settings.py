"""The lab's planned intervals for internal audits and management reviews (8.8, 8.9).

Settings with 12-month defaults; a lab with another plan sets INTERNAL_AUDIT_INTERVAL_MONTHS or
MANAGEMENT_REVIEW_INTERVAL_MONTHS in the app config. PT intervals are per method
(`Method.pt_interval_months`).
"""

from __future__ import annotations

from flask import current_app

DEFAULT_INTERVAL_MONTHS = 12


def _months(key: str) -> int:
    value = int(current_app.config.get(key) or DEFAULT_INTERVAL_MONTHS)
    if not 1 <= value <= 60:
        raise ValueError(f"{key} must be between 1 and 60 months, not {value}")
    return value


def internal_audit_interval_months() -> int:
    """Every requirement is audited, and some audit completed, within this many months."""
    return _months("INTERNAL_AUDIT_INTERVAL_MONTHS")


def management_review_interval_months() -> int:
    return _months("MANAGEMENT_REVIEW_INTERVAL_MONTHS")

"""Proficiency testing's part of method readiness: PT current, last result acted upon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for

from compliance.proficiency.models import PTResult
from compliance.proficiency.services import pt_status
from compliance.scope.models import Method
from compliance.scope.readiness import BLOCKER, WARNING, Reason, readiness_check


@readiness_check("proficiency")
def proficiency_check(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    found: dict[int, list[Reason]] = {}
    plan_href = url_for("proficiency.index")
    for row in pt_status(methods, as_of, warning_days=0):
        method, last = row.method, row.last
        reasons = found.setdefault(method.id, [])
        if row.state == "not planned":
            reasons.append(
                Reason(
                    "proficiency",
                    f"No PT/ILC interval is planned for {method.code}: set one on the PT plan, "
                    "or record why no scheme exists and how validity is assured otherwise.",
                    WARNING,
                    plan_href,
                )
            )
        elif row.state == "overdue":
            since = (
                f"the last round was {last.display} on {last.performed_on.isoformat()}"
                if last
                else f"no round since it joined the scope on {method.scope_start.isoformat()}"
            )
            reasons.append(
                Reason(
                    "proficiency",
                    f"PT for {method.code} was due on {row.due_on.isoformat()} ({since}): "
                    "take part in the next round.",
                    BLOCKER,
                    plan_href,
                )
            )
        if last is None:
            continue
        event_href = url_for("proficiency.show", event_id=last.id)
        nc = last.nonconformity
        if last.result == PTResult.UNSATISFACTORY.value and (nc is None or not nc.is_closed):
            reasons.append(
                Reason(
                    "proficiency",
                    f"The latest PT ({last.display}, {last.performed_on.isoformat()}) was "
                    "unsatisfactory and "
                    + (f"{nc.reference} is still open" if nc else "no nonconformity is open")
                    + ": close it before relying on the method.",
                    BLOCKER,
                    event_href,
                )
            )
        elif last.result == PTResult.QUESTIONABLE.value:
            reasons.append(
                Reason(
                    "proficiency",
                    f"The latest PT ({last.display}, {last.performed_on.isoformat()}) was "
                    "questionable: record the review of the trend.",
                    WARNING,
                    event_href,
                )
            )
    return found

"""The personnel part of a method's readiness (6.2.5, 6.2.6): is someone authorized for it on
the date, trained on the current revision of its procedure and currently competent?
Registered with the scope's readiness checks; a handful of queries for any number of methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for

from compliance.personnel.services import current_authorizations, unmet_requirements
from compliance.scope.models import Method
from compliance.scope.readiness import BLOCKER, WARNING, Reason, readiness_check

# A sole analyst leaving within this many days of the date is worth a warning now.
LEAVING_WARNING_DAYS = 90


@readiness_check("personnel")
def personnel_ready(methods: Sequence[Method], as_of: dt.date) -> dict[int, list[Reason]]:
    in_scope = [m for m in methods if m.is_in_scope]
    if not in_scope:
        return {}
    authorized = current_authorizations([m.id for m in in_scope], as_of)
    pairs = [(a.person, a.method) for group in authorized.values() for a in group]
    unmet = unmet_requirements(pairs, as_of)
    found: dict[int, list[Reason]] = {}
    for method in in_scope:
        href = url_for("personnel.matrix", method=method.id)
        people = authorized.get(method.id, [])
        reasons = found.setdefault(method.id, [])
        if not people:
            reasons.append(
                Reason(
                    "personnel",
                    f"Nobody is authorized for {method.code} on {as_of.isoformat()}: authorize a "
                    "trained, competent analyst (6.2.6).",
                    BLOCKER,
                    url_for("personnel.methods"),
                )
            )
            continue
        lacking = [(a, unmet[(a.person_id, a.method_id)]) for a in people]
        lacking = [(a, gaps) for a, gaps in lacking if gaps]
        qualified = len(people) - len(lacking)
        for authorization, gaps in lacking:
            reasons.append(
                Reason(
                    "personnel",
                    f"{authorization.person.name} is authorized for {method.code} but: "
                    f"{'; '.join(gaps)} (6.2.5).",
                    BLOCKER if qualified == 0 else WARNING,
                    href,
                )
            )
        if len(people) == 1 and people[0].person.left_on is not None:
            left_on = people[0].person.left_on
            if left_on <= as_of + dt.timedelta(days=LEAVING_WARNING_DAYS):
                reasons.append(
                    Reason(
                        "personnel",
                        f"{people[0].person.name}, the only analyst authorized for {method.code}, "
                        f"leaves on {left_on.isoformat()}: train and authorize another.",
                        WARNING,
                        url_for("personnel.methods"),
                    )
                )
    return found

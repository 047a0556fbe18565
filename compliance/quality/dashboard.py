"""The quality-system cards on the dashboard: one's own corrective actions, and for the quality
manager what is late across the registers."""

from __future__ import annotations

import datetime as dt

from flask import url_for

from compliance.capa.services import actions_for, overdue_actions
from compliance.permissions import Permission
from compliance.proficiency.services import pt_overdue_codes


def dashboard_cards(principal, today: dt.date) -> list[dict]:
    """Card fields (title, value, note, href, tone) for the person's dashboard."""
    cards = []
    if principal.can(Permission.QUALITY_REPORT):
        mine = actions_for(principal.user)
        late = sum(1 for a in mine if a.due_on < today)
        cards.append(
            {
                "title": "My corrective actions",
                "value": str(len(mine)),
                "note": f"{late} overdue" if late else "none overdue",
                "href": url_for("capa.my_actions"),
                "tone": "danger" if late else ("warning" if mine else "success"),
            }
        )
    if principal.can(Permission.QUALITY_MANAGE):
        late_actions = overdue_actions(today)
        pt_late = pt_overdue_codes(today)
        cards.append(
            {
                "title": "Corrective actions overdue",
                "value": str(len(late_actions)),
                "note": "across all open nonconformities",
                "href": url_for("capa.index"),
                "tone": "danger" if late_actions else "success",
            }
        )
        cards.append(
            {
                "title": "PT overdue",
                "value": str(len(pt_late)),
                "note": ", ".join(pt_late) or "every method within its interval",
                "href": url_for("proficiency.index"),
                "tone": "danger" if pt_late else "success",
            }
        )
    return cards

"""The quality-system overview: where each record stands, one card per register."""

from __future__ import annotations

from flask import Blueprint, render_template

from compliance.audits.services import programme_status
from compliance.capa.services import nonconformities, overdue_actions
from compliance.complaints.services import complaints
from compliance.dates import add_months, lab_today
from compliance.permissions import Permission, requires
from compliance.proficiency.services import pt_plan
from compliance.quality.rules import auditable_clauses
from compliance.quality.settings import management_review_interval_months
from compliance.reviews.services import last_final_review
from compliance.risks.services import register

bp = Blueprint("quality", __name__, url_prefix="/quality")


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    today = lab_today()
    last_review = last_final_review(today)
    review_due = (
        add_months(last_review.held_on, management_review_interval_months())
        if last_review
        else None
    )
    return render_template(
        "quality/index.html",
        today=today,
        pt=pt_plan(today),
        programme=programme_status(today, auditable_clauses()),
        clauses=auditable_clauses(),
        review_due=review_due,
        open_ncs=nonconformities(status="open"),
        late_actions=overdue_actions(today),
        open_complaints=[c for c in complaints() if not c.is_resolved],
        risks=register(),
    )

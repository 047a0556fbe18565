"""The dashboard each role lands on, and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from compliance.extensions import db
from compliance.main import dashboard
from compliance.permissions import Permission, public, requires

bp = Blueprint("main", __name__)


@bp.route("/")
@requires(Permission.DASHBOARD_VIEW)
def index():
    from compliance.documents.services import make_due_revisions_effective

    if make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    return render_template("main/dashboard.html", board=dashboard.for_current_user())


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}

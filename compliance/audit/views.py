"""Browse, filter and export the audit trail (admins, quality managers, auditors)."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy import select

from compliance.audit.models import AuditEntry, PageView
from compliance.exports import iter_csv
from compliance.extensions import db
from compliance.pagination import paginate, paginate_rows
from compliance.permissions import Permission, requires
from compliance.users.models import User
from compliance.web import record_id

bp = Blueprint("audit", __name__, url_prefix="/audit")
access_bp = Blueprint("access", __name__, url_prefix="/access-log")

CSV_COLUMNS = [
    "seq",
    "occurred_at",
    "actor",
    "action",
    "entity_type",
    "entity_key",
    "changes",
    "reason",
    "hash",
]


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def filtered_entries():
    """The trail filtered by the query string, newest first."""
    args = request.args
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if entity_type := args.get("entity_type", "").strip():
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_key := args.get("entity_key", "").strip():
        stmt = stmt.where(AuditEntry.entity_key == entity_key)
    if action := args.get("action", "").strip():
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if actor := args.get("actor", "").strip():
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{actor}%"))
    if since := _date_arg("from"):
        stmt = stmt.where(AuditEntry.occurred_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until := _date_arg("to"):
        stmt = stmt.where(
            AuditEntry.occurred_at
            < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return stmt


@bp.route("/")
@requires(Permission.AUDIT_VIEW)
def index():
    entity_types = db.session.scalars(
        select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
    ).all()
    return render_template(
        "audit/index.html", page=paginate(filtered_entries()), entity_types=entity_types
    )


@bp.route("/export.csv")
@requires(Permission.AUDIT_VIEW)
def export_csv():
    stmt = filtered_entries().execution_options(yield_per=1000)

    def rows():
        for e in db.session.scalars(stmt):
            yield [
                e.seq,
                e.occurred_at.isoformat(),
                e.actor_label,
                e.action,
                e.entity_type,
                e.entity_key,
                json.dumps(e.changes, ensure_ascii=False, sort_keys=True),
                e.reason or "",
                e.hash,
            ]

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%MZ")
    return Response(
        stream_with_context(iter_csv(CSV_COLUMNS, rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"'},
    )


@access_bp.route("/")
@requires(Permission.ACCESS_LOG_VIEW)
def page_views():
    """What auditors looked at, newest first."""
    stmt = (
        select(PageView, User)
        .join(User, User.id == PageView.user_id)
        .order_by(PageView.viewed_at.desc(), PageView.id.desc())
    )
    if user_id := request.args.get("user", type=record_id):
        stmt = stmt.where(PageView.user_id == user_id)
    return render_template("audit/page_views.html", page=paginate_rows(stmt))

"""Download the reports and the evidence package."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, render_template, request, send_file

from compliance.dates import lab_today
from compliance.gaps import readiness
from compliance.permissions import Permission, requires
from compliance.reports import builders
from compliance.reports.package import build_package

bp = Blueprint("reports", __name__, url_prefix="/reports")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _as_of() -> dt.date:
    try:
        return dt.date.fromisoformat(request.args.get("as_of", ""))
    except ValueError:
        return readiness.assessment_date() or lab_today()


def _docx(data: bytes, name: str) -> Response:
    return Response(
        data, mimetype=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/")
@requires(Permission.REPORTS_VIEW)
def index():
    return render_template("reports/index.html", as_of=_as_of(), index_limit=builders.INDEX_LIMIT)


@bp.route("/gaps.docx")
@requires(Permission.GAPS_VIEW)
def gap_report():
    as_of = _as_of()
    data = builders.gap_report(as_of, current_app.config["LAB_NAME"])
    return _docx(data, f"pre-assessment-gaps-{as_of}.docx")


@bp.route("/evidence-index.docx")
@requires(Permission.REPORTS_VIEW)
def evidence_index():
    as_of = _as_of()
    return _docx(
        builders.evidence_index(as_of, current_app.config["LAB_NAME"]),
        f"evidence-index-{as_of}.docx",
    )


@bp.route("/master-list.docx")
@requires(Permission.REPORTS_VIEW)
def master_list():
    return _docx(
        builders.master_document_list(current_app.config["LAB_NAME"]),
        f"master-list-of-documents-{lab_today()}.docx",
    )


@bp.route("/evidence-package.zip")
@requires(Permission.REPORTS_VIEW)
def evidence_package():
    as_of = _as_of()
    spool = build_package(as_of, current_app.config["LAB_NAME"])
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"evidence-package-{as_of}.zip",
    )

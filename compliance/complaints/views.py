"""The complaint log and each complaint's handling."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from compliance.complaints import services
from compliance.complaints.forms import ComplaintForm, InvestigationForm, ResolveForm
from compliance.complaints.models import Complaint, ComplaintStatus
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission, requires
from compliance.quality.forms import RiskLevelForm, chosen, method_choices
from compliance.quality.web import commit_or_report, flash_errors
from compliance.scope.models import Method

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


def _complaint(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id) or abort(404)
    if not services.can_view(current_user, complaint):
        abort(403)
    return complaint


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    status = request.args.get("status", "")
    if status not in {s.value for s in ComplaintStatus}:
        status = ""
    return render_template(
        "complaints/index.html", complaints=services.complaints(status=status), status=status
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_REPORT)
def create():
    form = ComplaintForm()
    form.method_id.choices = method_choices(optional=True)
    if request.method == "GET":
        form.received_on.data = lab_today()
    if form.validate_on_submit():
        complaint = commit_or_report(
            lambda: services.log_complaint(
                by=current_user,
                received_on=form.received_on.data,
                complainant=form.complainant.data,
                contact=form.contact.data or "",
                description=form.description.data,
                method=chosen(Method, form.method_id.data),
            ),
            "Complaint logged; the quality manager will investigate.",
        )
        if complaint:
            return redirect(url_for("complaints.show", complaint_id=complaint.id))
    return render_template("complaints/form.html", form=form), 422 if form.errors else 200


@bp.route("/<int:complaint_id>")
@requires(Permission.DASHBOARD_VIEW)
def show(complaint_id: int):
    complaint = _complaint(complaint_id)
    return render_template(
        "complaints/show.html",
        complaint=complaint,
        investigation_form=InvestigationForm(investigation=complaint.investigation),
        resolve_form=ResolveForm(communicated_on=lab_today()),
        raise_form=RiskLevelForm(),
    )


@bp.route("/<int:complaint_id>/investigation", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def investigate(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = InvestigationForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.record_investigation(
                complaint, by=current_user, investigation=form.investigation.data
            ),
            "Investigation recorded.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("complaints.show", complaint_id=complaint.id))


@bp.route("/<int:complaint_id>/nonconformity", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def raise_nc(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = RiskLevelForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.raise_nonconformity(complaint, by=current_user, risk=form.risk.data),
            "Nonconformity opened from the complaint.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("complaints.show", complaint_id=complaint.id))


@bp.route("/<int:complaint_id>/resolve", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def resolve(complaint_id: int):
    complaint = _complaint(complaint_id)
    form = ResolveForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.resolve(
                complaint,
                by=current_user,
                is_upheld=form.is_upheld.data == "yes",
                outcome=form.outcome.data,
                communicated_on=form.communicated_on.data,
            ),
            "Complaint resolved.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("complaints.show", complaint_id=complaint.id))

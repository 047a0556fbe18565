"""Internal audit pages: the programme, planning, conducting, the .docx report."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from compliance.audits import services
from compliance.audits.forms import AuditPlanForm, CompleteForm, FindingForm, RaiseForm
from compliance.audits.models import AuditFinding, InternalAudit
from compliance.audits.report import audit_report
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.files.services import DOCX_MEDIA_TYPE
from compliance.permissions import Permission, requires
from compliance.quality.forms import ReasonForm, chosen, method_choices, user_choices
from compliance.quality.rules import auditable_clauses
from compliance.quality.web import commit_or_report, flash_errors
from compliance.scope.models import Method
from compliance.users.models import User

bp = Blueprint("audits", __name__, url_prefix="/audits")


def _audit(audit_id: int) -> InternalAudit:
    audit = db.session.get(InternalAudit, audit_id) or abort(404)
    if not services.can_view(current_user, audit):
        abort(403)
    return audit


def _conducted(audit_id: int) -> InternalAudit:
    audit = _audit(audit_id)
    if not services.can_conduct(current_user, audit):
        abort(403)
    return audit


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    today = lab_today()
    clauses = auditable_clauses()
    return render_template(
        "audits/index.html",
        audits=services.audits(),
        programme=services.programme_status(today, clauses),
        clauses=clauses,
        today=today,
    )


@bp.route("/mine")
@requires(Permission.AUDITS_CONDUCT)
def mine():
    return render_template("audits/mine.html", audits=services.audits_for(current_user.user))


def _plan_form(audit: InternalAudit | None) -> AuditPlanForm:
    form = AuditPlanForm(obj=audit)
    form.auditor_id.choices = user_choices()
    form.auditee_id.choices = user_choices(optional=True)
    form.method_ids.choices = method_choices()
    if request.method == "GET" and audit is not None:
        form.clauses.data = " ".join(audit.clauses)
        form.method_ids.data = [m.id for m in audit.methods]
        form.auditee_id.data = audit.auditee_id or 0
    return form


def _plan_values(form: AuditPlanForm) -> dict:
    return {
        "title": form.title.data,
        "planned_on": form.planned_on.data,
        "auditor": db.session.get(User, form.auditor_id.data),
        "auditee": chosen(User, form.auditee_id.data),
        "clauses": form.clauses.data or "",
        "methods": [m for m in (chosen(Method, i) for i in form.method_ids.data or []) if m],
    }


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def create():
    form = _plan_form(None)
    del form.reason
    if form.validate_on_submit():
        audit = commit_or_report(
            lambda: services.plan_audit(by=current_user, **_plan_values(form)),
            "Audit added to the programme.",
        )
        if audit:
            return redirect(url_for("audits.show", audit_id=audit.id))
    return render_template("audits/form.html", form=form, audit=None)


@bp.route("/<int:audit_id>/edit", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def edit(audit_id: int):
    audit = _audit(audit_id)
    form = _plan_form(audit)
    if form.validate_on_submit():
        done = commit_or_report(
            lambda: services.update_plan(
                audit, by=current_user, reason=form.reason.data or None, **_plan_values(form)
            ),
            "Audit plan updated.",
        )
        if done:
            return redirect(url_for("audits.show", audit_id=audit.id))
    return render_template("audits/form.html", form=form, audit=audit)


@bp.route("/<int:audit_id>")
@requires(Permission.DASHBOARD_VIEW)
def show(audit_id: int):
    audit = _audit(audit_id)
    return render_template(
        "audits/show.html",
        audit=audit,
        can_conduct=services.can_conduct(current_user, audit)
        and current_user.can(Permission.AUDITS_CONDUCT),
        finding_form=FindingForm(),
        complete_form=CompleteForm(performed_on=lab_today()),
        raise_form=RaiseForm(),
        cancel_form=ReasonForm(),
    )


@bp.route("/<int:audit_id>/findings", methods=["POST"])
@requires(Permission.AUDITS_CONDUCT)
def add_finding(audit_id: int):
    audit = _conducted(audit_id)
    form = FindingForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.add_finding(
                audit,
                by=current_user,
                kind=form.kind.data,
                clause_number=form.clause_number.data,
                description=form.description.data,
                evidence=form.evidence.data or "",
            ),
            "Finding recorded.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/findings/<int:finding_id>/nonconformity", methods=["POST"])
@requires(Permission.AUDITS_CONDUCT)
def raise_nc(finding_id: int):
    finding = db.session.get(AuditFinding, finding_id) or abort(404)
    _conducted(finding.audit_id)
    form = RaiseForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.raise_nonconformity(finding, by=current_user, risk=form.risk.data),
            "Nonconformity opened.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("audits.show", audit_id=finding.audit_id))


@bp.route("/<int:audit_id>/complete", methods=["POST"])
@requires(Permission.AUDITS_CONDUCT)
def complete(audit_id: int):
    audit = _conducted(audit_id)
    form = CompleteForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.complete(
                audit,
                by=current_user,
                performed_on=form.performed_on.data,
                summary=form.summary.data,
            ),
            "Audit completed; its report is final.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:audit_id>/cancel", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def cancel(audit_id: int):
    audit = _audit(audit_id)
    form = ReasonForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.cancel(audit, by=current_user, reason=form.reason.data),
            "Audit cancelled.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:audit_id>/report.docx")
@requires(Permission.DASHBOARD_VIEW)
def report(audit_id: int):
    audit = _audit(audit_id)
    data = audit_report(audit, current_app.config["LAB_NAME"])
    name = f"internal-audit-{audit.reference}.docx"
    return Response(
        data,
        mimetype=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

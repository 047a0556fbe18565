"""Nonconformity pages: the register, reporting, investigation, actions, effectiveness, closure."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from compliance.audits.models import AuditFinding
from compliance.capa import services
from compliance.capa.forms import (
    ActionForm,
    CompleteActionForm,
    EffectivenessForm,
    InvestigationForm,
    ReportForm,
)
from compliance.capa.models import CorrectiveAction, NCSource, NCStatus, Nonconformity
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission, requires
from compliance.quality.forms import SignatureForm, chosen, method_choices, user_choices
from compliance.quality.web import commit_or_report, flash_errors
from compliance.scope.models import Method
from compliance.signatures.services import signatures_for
from compliance.users.models import User

bp = Blueprint("capa", __name__)


def _nc(nc_id: int) -> Nonconformity:
    nc = db.session.get(Nonconformity, nc_id) or abort(404)
    if not services.can_view(current_user, nc):
        abort(403)
    return nc


def source_href(nc: Nonconformity) -> str | None:
    """The page of the record the nonconformity came from."""
    if nc.source_id is None:
        return None
    if nc.source == NCSource.PT.value:
        return url_for("proficiency.show", event_id=nc.source_id)
    if nc.source == NCSource.COMPLAINT.value:
        return url_for("complaints.show", complaint_id=nc.source_id)
    if nc.source == NCSource.AUDIT.value:
        audit_id = db.session.scalar(
            select(AuditFinding.audit_id).where(AuditFinding.id == nc.source_id)
        )
        return url_for("audits.show", audit_id=audit_id) if audit_id else None
    return None


@bp.route("/nonconformities/")
@requires(Permission.QUALITY_VIEW)
def index():
    status = request.args.get("status", NCStatus.OPEN.value)
    status = status if status in {s.value for s in NCStatus} or status == "" else "open"
    return render_template(
        "capa/index.html",
        ncs=services.nonconformities(status=status),
        status=status,
        overdue={a.id for a in services.overdue_actions(lab_today())},
        today=lab_today(),
    )


@bp.route("/nonconformities/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_REPORT)
def create():
    form = ReportForm()
    form.method_id.choices = method_choices(optional=True)
    if form.validate_on_submit():
        nc = commit_or_report(
            lambda: services.open_nonconformity(
                by=current_user,
                source=form.source.data,
                description=form.description.data,
                clause_number=form.clause_number.data or "",
                method=chosen(Method, form.method_id.data),
                risk=form.risk.data,
                immediate_correction=form.immediate_correction.data or "",
            ),
            "Nonconformity reported; the quality manager is now responsible for it.",
        )
        if nc:
            return redirect(url_for("capa.show", nc_id=nc.id))
    return render_template("capa/report.html", form=form), 422 if form.errors else 200


@bp.route("/nonconformities/<int:nc_id>")
@requires(Permission.DASHBOARD_VIEW)
def show(nc_id: int):
    nc = _nc(nc_id)
    action_form = ActionForm()
    action_form.owner_id.choices = user_choices()
    investigation = InvestigationForm(obj=nc)
    closure = signatures_for("nonconformity", [nc.id])[nc.id]
    return render_template(
        "capa/show.html",
        nc=nc,
        source_href=source_href(nc),
        investigation_form=investigation,
        action_form=action_form,
        complete_form=CompleteActionForm(),
        effectiveness_form=EffectivenessForm(),
        closure=closure,
        closure_sha256=services.closure_sha256(nc),
        problems=services.closure_problems(nc),
        today=lab_today(),
    )


@bp.route("/nonconformities/<int:nc_id>/investigation", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def investigate(nc_id: int):
    nc = _nc(nc_id)
    form = InvestigationForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.update_investigation(
                nc,
                by=current_user,
                description=form.description.data,
                clause_number=form.clause_number.data or "",
                risk=form.risk.data,
                immediate_correction=form.immediate_correction.data or "",
                root_cause=form.root_cause.data or "",
                reason=form.reason.data or None,
            ),
            "Investigation saved.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("capa.show", nc_id=nc.id))


@bp.route("/nonconformities/<int:nc_id>/actions", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def add_action(nc_id: int):
    nc = _nc(nc_id)
    form = ActionForm()
    form.owner_id.choices = user_choices()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.add_action(
                nc,
                by=current_user,
                description=form.description.data,
                owner=db.session.get(User, form.owner_id.data),
                due_on=form.due_on.data,
            ),
            "Corrective action added.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("capa.show", nc_id=nc.id))


@bp.route("/corrective-actions/<int:action_id>/complete", methods=["POST"])
@requires(Permission.QUALITY_REPORT)
def complete_action(action_id: int):
    action = db.session.get(CorrectiveAction, action_id) or abort(404)
    if action.owner_id != current_user.id and not current_user.can(Permission.QUALITY_MANAGE):
        abort(403)
    form = CompleteActionForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.complete_action(
                action, by=current_user, note=form.note.data, completed_on=form.completed_on.data
            ),
            "Action reported done.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("capa.show", nc_id=action.nonconformity_id))


@bp.route("/nonconformities/<int:nc_id>/effectiveness", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def record_effectiveness(nc_id: int):
    nc = _nc(nc_id)
    form = EffectivenessForm()
    if form.validate_on_submit():
        effective = form.is_effective.data == "yes"
        commit_or_report(
            lambda: services.record_effectiveness(
                nc,
                by=current_user,
                check=form.check.data,
                is_effective=effective,
                checked_on=form.checked_on.data,
            ),
            "Effectiveness check recorded."
            if effective
            else "Recorded as not effective: add further corrective action.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("capa.show", nc_id=nc.id))


@bp.route("/nonconformities/<int:nc_id>/close", methods=["POST"])
@requires(Permission.CAPA_CLOSE)
def close(nc_id: int):
    nc = _nc(nc_id)
    form = SignatureForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.close(
                nc, by=current_user, password=form.password.data, comment=form.comment.data
            ),
            f"{nc.reference} closed and signed.",
        )
    else:
        flash("Re-enter your password to sign the closure.", "danger")
    return redirect(url_for("capa.show", nc_id=nc.id))


@bp.route("/my-actions")
@requires(Permission.QUALITY_REPORT)
def my_actions():
    user = current_user.user
    return render_template(
        "capa/mine.html",
        actions=services.actions_for(user),
        reported=services.reported_by(user),
        today=lab_today(),
    )

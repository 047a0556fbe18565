"""The readiness dashboard: findings as of the planned assessment date, and what to do next."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.gaps import readiness
from compliance.gaps.engine import (
    GapError,
    accept,
    changes_since,
    evaluate,
    keep_daily_snapshot,
    revoke,
)
from compliance.gaps.forms import AcceptFindingForm, AssessmentDateForm, ReasonForm
from compliance.gaps.models import FindingAcceptance
from compliance.permissions import Permission, requires

bp = Blueprint("gaps", __name__)


def _as_of() -> dt.date:
    if value := request.args.get("as_of"):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            flash(f"'{value}' is not a date (YYYY-MM-DD); showing today instead.", "warning")
    return readiness.assessment_date() or lab_today()


@bp.route("/readiness")
@requires(Permission.GAPS_VIEW)
def index():
    as_of = _as_of()
    evaluation = evaluate(as_of)
    keep_daily_snapshot(evaluation)
    db.session.commit()
    actions = sorted(
        (f for f in evaluation.open), key=lambda f: (f.due_on or dt.date.max, f.severity.rank)
    )
    return render_template(
        "gaps/readiness.html",
        evaluation=evaluation,
        chapters=readiness.by_chapter(evaluation),
        grouped=readiness.by_clause(evaluation.findings),
        actions=actions,
        changes=changes_since(evaluation),
        assessment_on=readiness.assessment_date(),
        date_form=AssessmentDateForm(assessment_on=readiness.assessment_date()),
        accept_form=AcceptFindingForm(),
        today=lab_today(),
    )


@bp.route("/readiness/assessment-date", methods=["POST"])
@requires(Permission.GAPS_MANAGE)
def set_assessment_date():
    form = AssessmentDateForm()
    if form.validate_on_submit():
        readiness.set_assessment_date(form.assessment_on.data, by=current_user)
        db.session.commit()
        flash(f"Planned assessment date set to {form.assessment_on.data}.", "success")
    else:
        flash("Give the assessment date as YYYY-MM-DD.", "danger")
    return redirect(url_for("gaps.index"))


@bp.route("/findings/accept", methods=["POST"])
@requires(Permission.GAPS_MANAGE)
def accept_finding():
    form = AcceptFindingForm()
    if not form.validate_on_submit():
        flash("Say why the finding does not apply.", "danger")
    else:
        try:
            accept(form.ident.data, form.rule.data, by=current_user, reason=form.reason.data)
        except GapError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash("Finding accepted as not applicable; it stays listed as accepted.", "success")
    return redirect(request.referrer or url_for("gaps.index"))


@bp.route("/findings/acceptances/<int:acceptance_id>/revoke", methods=["POST"])
@requires(Permission.GAPS_MANAGE)
def revoke_acceptance(acceptance_id: int):
    acceptance = db.session.get(FindingAcceptance, acceptance_id) or abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            revoke(acceptance, by=current_user, reason=form.reason.data)
        except GapError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash("Acceptance revoked; the finding counts again.", "success")
    return redirect(url_for("gaps.index"))

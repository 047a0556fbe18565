"""The risk register pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission, requires
from compliance.quality.forms import ReasonForm, user_choices
from compliance.quality.web import commit_or_report, flash_errors
from compliance.risks import services
from compliance.risks.forms import RiskForm
from compliance.risks.models import Risk
from compliance.users.models import User

bp = Blueprint("risks", __name__, url_prefix="/risks")


def _risk(risk_id: int) -> Risk:
    return db.session.get(Risk, risk_id) or abort(404)


def _form(risk: Risk | None) -> RiskForm:
    form = RiskForm(obj=risk)
    form.owner_id.choices = user_choices()
    if request.method == "GET" and risk is not None:
        form.clauses.data = " ".join(c for c in risk.clauses if c not in ("8.5",))
    return form


def _fields(form: RiskForm) -> dict:
    return {
        "kind": form.kind.data,
        "category": form.category.data,
        "title": form.title.data,
        "description": form.description.data or "",
        "likelihood": form.likelihood.data,
        "impact": form.impact.data,
        "treatment": form.treatment.data or "",
        "owner": db.session.get(User, form.owner_id.data),
        "clauses": form.clauses.data or "",
        "next_review_on": form.next_review_on.data,
    }


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    include_closed = request.args.get("closed") == "1"
    return render_template(
        "risks/index.html",
        risks=services.register(include_closed=include_closed),
        include_closed=include_closed,
        today=lab_today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def create():
    form = _form(None)
    del form.reason
    if request.method == "GET":
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        risk = commit_or_report(
            lambda: services.create_risk(by=current_user, **_fields(form)),
            "Entered in the register.",
        )
        if risk:
            return redirect(url_for("risks.show", risk_id=risk.id))
    return render_template("risks/form.html", form=form, risk=None)


@bp.route("/<int:risk_id>")
@requires(Permission.QUALITY_VIEW)
def show(risk_id: int):
    return render_template("risks/show.html", risk=_risk(risk_id), close_form=ReasonForm())


@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def edit(risk_id: int):
    risk = _risk(risk_id)
    form = _form(risk)
    if form.validate_on_submit():
        done = commit_or_report(
            lambda: services.update_risk(
                risk, by=current_user, reason=form.reason.data or None, **_fields(form)
            ),
            "Reassessment saved.",
        )
        if done:
            return redirect(url_for("risks.show", risk_id=risk.id))
    return render_template("risks/form.html", form=form, risk=risk)


@bp.route("/<int:risk_id>/close", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def close(risk_id: int):
    risk = _risk(risk_id)
    form = ReasonForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.close_risk(risk, by=current_user, reason=form.reason.data),
            "Closed in the register.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("risks.show", risk_id=risk.id))

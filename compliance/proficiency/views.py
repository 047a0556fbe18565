"""The PT plan, PT rounds and their report files."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission, requires
from compliance.proficiency import services
from compliance.proficiency.forms import IntervalForm, PTEventForm
from compliance.proficiency.models import PTEvent
from compliance.quality.forms import method_choices
from compliance.quality.web import commit_or_report, flash_errors
from compliance.scope.models import Method
from compliance.scope.views import stored_file_response
from compliance.web import record_id

bp = Blueprint("proficiency", __name__, url_prefix="/pt")


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    today = lab_today()
    return render_template(
        "proficiency/index.html",
        plan=services.pt_plan(today),
        events=services.recent_events(),
        interval_form=IntervalForm(),
        today=today,
    )


@bp.route("/events/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def create():
    form = PTEventForm()
    form.method_id.choices = method_choices()
    if request.method == "GET":
        form.method_id.data = request.args.get("method_id", type=record_id)
        form.performed_on.data = lab_today()
    if form.validate_on_submit():
        method = db.session.get(Method, form.method_id.data) or abort(404)
        result = form.result.data
        if not result and form.z_score.data is None:
            form.result.errors = ["Choose a result, or give the z-score to grade it."]
        else:
            if not result:
                result = services.result_from_z(form.z_score.data).value
            upload = form.report.data
            data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1) if upload else None
            event = commit_or_report(
                lambda: services.record_event(
                    method,
                    by=current_user,
                    provider=form.provider.data,
                    scheme=form.scheme.data or "",
                    round=form.round.data,
                    performed_on=form.performed_on.data,
                    result=result,
                    z_score=form.z_score.data,
                    notes=form.notes.data or "",
                    report_data=data or None,
                    report_filename=getattr(upload, "filename", None),
                ),
                "PT round recorded"
                + (
                    "; the unsatisfactory result opened a nonconformity."
                    if result == "unsatisfactory"
                    else "."
                ),
            )
            if event:
                return redirect(url_for("proficiency.show", event_id=event.id))
    return render_template("proficiency/form.html", form=form), 422 if form.errors else 200


@bp.route("/events/<int:event_id>")
@requires(Permission.QUALITY_VIEW)
def show(event_id: int):
    event = db.session.get(PTEvent, event_id) or abort(404)
    return render_template("proficiency/show.html", event=event)


@bp.route("/events/<int:event_id>/report")
@requires(Permission.QUALITY_VIEW)
def report_file(event_id: int):
    event = db.session.get(PTEvent, event_id) or abort(404)
    if not event.report_sha256:
        abort(404)
    return stored_file_response(event.report_sha256)


@bp.route("/methods/<int:method_id>/interval", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def set_interval(method_id: int):
    method = db.session.get(Method, method_id) or abort(404)
    form = IntervalForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.set_interval(
                method, form.pt_interval_months.data, by=current_user, reason=form.reason.data
            ),
            f"PT interval of {method.code} saved.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("proficiency.index"))

"""Scope pages: the listing (and its printable form), method pages with readiness, editing."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from compliance.dates import lab_today
from compliance.documents.models import Document
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.permissions import Permission, requires
from compliance.proficiency.services import events_of
from compliance.quality.forms import chosen, document_choices
from compliance.quality.web import commit_or_report, flash_errors
from compliance.scope import imports as _imports  # noqa: F401  (registers `import methods`)
from compliance.scope import readiness, services
from compliance.scope.forms import (
    EquipmentRequirementForm,
    MethodForm,
    StatusForm,
    ValidationForm,
)
from compliance.scope.models import Method, MethodEquipmentRequirement, MethodValidation

bp = Blueprint("scope", __name__, url_prefix="/scope")


def _method(method_id: int) -> Method:
    return db.session.get(Method, method_id) or abort(404)


@bp.route("/")
@requires(Permission.SCOPE_VIEW)
def index():
    show_all = request.args.get("all") == "1"
    methods = services.scope_methods(include_all=show_all)
    today = lab_today()
    return render_template(
        "scope/index.html",
        methods=methods,
        readiness=readiness.assess(methods, today),
        today=today,
        show_all=show_all,
    )


@bp.route("/print")
@requires(Permission.SCOPE_VIEW)
def print_listing():
    """The scope as the accreditation certificate lists it, for printing or filing."""
    return render_template(
        "scope/print.html",
        methods=services.scope_methods(),
        lab_name=current_app.config["LAB_NAME"],
        today=lab_today(),
    )


@bp.route("/methods/<int:method_id>")
@requires(Permission.SCOPE_VIEW)
def show(method_id: int):
    method = _method(method_id)
    today = lab_today()
    return render_template(
        "scope/show.html",
        method=method,
        readiness=readiness.assess_one(method, today),
        validations=services.validations_of(method),
        pt_events=events_of(method),
        today=today,
        status_form=StatusForm(status=method.status),
        requirement_form=EquipmentRequirementForm(),
        validation_form=_validation_form(),
    )


def _validation_form() -> ValidationForm:
    form = ValidationForm()
    form.report_document_id.choices = document_choices()
    if request.method == "GET":
        form.performed_on.data = lab_today()
    return form


def _method_form(method: Method | None) -> MethodForm:
    form = MethodForm(obj=method)
    form.procedure_id.choices = document_choices()
    if request.method == "GET" and method is not None:
        form.procedure_id.data = method.procedure_id or 0
        form.version.data = str(method.version)
    return form


@bp.route("/methods/new", methods=["GET", "POST"])
@requires(Permission.SCOPE_MANAGE)
def create():
    form = _method_form(None)
    if form.validate_on_submit():
        method = commit_or_report(
            lambda: services.create_method(
                code=form.code.data,
                title=form.title.data,
                technique=form.technique.data or "",
                items_tested=form.items_tested.data or "",
                procedure=chosen(Document, form.procedure_id.data),
                pt_interval_months=form.pt_interval_months.data,
                in_scope_since=form.in_scope_since.data,
                notes=form.notes.data or "",
                by=current_user,
            ),
            "Method added to the scope.",
        )
        if method:
            return redirect(url_for("scope.show", method_id=method.id))
    return render_template("scope/form.html", form=form, method=None)


@bp.route("/methods/<int:method_id>/edit", methods=["GET", "POST"])
@requires(Permission.SCOPE_MANAGE)
def edit(method_id: int):
    method = _method(method_id)
    form = _method_form(method)
    del form.code
    if form.validate_on_submit():
        if form.version.data != str(method.version):
            flash(
                "This method was changed by someone else since you opened it; nothing was "
                "saved. Review the current values and try again.",
                "warning",
            )
            return redirect(url_for("scope.edit", method_id=method.id))
        done = commit_or_report(
            lambda: services.update_method(
                method,
                by=current_user,
                reason=form.reason.data or None,
                title=form.title.data,
                technique=form.technique.data or "",
                items_tested=form.items_tested.data or "",
                procedure=chosen(Document, form.procedure_id.data),
                pt_interval_months=form.pt_interval_months.data,
                in_scope_since=form.in_scope_since.data,
                notes=form.notes.data or "",
            ),
            "Method updated.",
        )
        if done:
            return redirect(url_for("scope.show", method_id=method.id))
    return render_template("scope/form.html", form=form, method=method)


@bp.route("/methods/<int:method_id>/status", methods=["POST"])
@requires(Permission.SCOPE_MANAGE)
def set_status(method_id: int):
    method = _method(method_id)
    form = StatusForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.set_status(
                method, status=form.status.data, reason=form.reason.data, by=current_user
            ),
            f"{method.code} is now {form.status.data.replace('_', ' ')}.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("scope.show", method_id=method.id))


@bp.route("/methods/<int:method_id>/equipment", methods=["POST"])
@requires(Permission.SCOPE_MANAGE)
def add_requirement(method_id: int):
    method = _method(method_id)
    form = EquipmentRequirementForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.add_equipment_requirement(
                method,
                by=current_user,
                asset_id=form.asset_id.data or None,
                equipment_type=form.equipment_type.data or None,
                min_count=form.min_count.data or 1,
                note=form.note.data or "",
            ),
            "Equipment requirement added.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("scope.show", method_id=method.id))


@bp.route("/requirements/<int:requirement_id>/remove", methods=["POST"])
@requires(Permission.SCOPE_MANAGE)
def remove_requirement(requirement_id: int):
    requirement = db.session.get(MethodEquipmentRequirement, requirement_id) or abort(404)
    method_id = requirement.method_id
    commit_or_report(
        lambda: services.remove_equipment_requirement(requirement, by=current_user),
        "Equipment requirement removed.",
    )
    return redirect(url_for("scope.show", method_id=method_id))


@bp.route("/methods/<int:method_id>/validations", methods=["POST"])
@requires(Permission.SCOPE_MANAGE)
def add_validation(method_id: int):
    method = _method(method_id)
    form = _validation_form()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1) if upload else None
        commit_or_report(
            lambda: services.record_validation(
                method,
                by=current_user,
                kind=form.kind.data,
                performed_on=form.performed_on.data,
                summary=form.summary.data,
                report_document=chosen(Document, form.report_document_id.data),
                file_data=data or None,
                filename=getattr(upload, "filename", None),
            ),
            f"{form.kind.data.capitalize()} recorded.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("scope.show", method_id=method.id))


@bp.route("/validations/<int:validation_id>/file")
@requires(Permission.SCOPE_VIEW)
def validation_file(validation_id: int):
    validation = db.session.get(MethodValidation, validation_id) or abort(404)
    if not validation.file_sha256:
        abort(404)
    return stored_file_response(validation.file_sha256)


def stored_file_response(sha256: str) -> Response:
    """The stored bytes as a download, under the name they arrived with."""
    stored = db.session.get(StoredFile, sha256) or abort(404)
    name = "".join(c if c.isalnum() or c in "-._" else "_" for c in stored.filename)
    return Response(
        stored.data,
        mimetype=stored.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

"""Equipment pages: register, item record, calibrations, checks, maintenance, providers, impact
assessments, labels and the calendar."""

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
from sqlalchemy import select

from compliance.dates import lab_today
from compliance.equipment import calendar, labels, register, services
from compliance.equipment import readiness as _readiness  # noqa: F401  (the scope's check)
from compliance.equipment.forms import (
    IN_HOUSE_CHOICE,
    AssessmentForm,
    CalibrationForm,
    CheckForm,
    CloseAssessmentForm,
    CorrectionForm,
    DueSoonForm,
    EquipmentForm,
    MaintenanceForm,
    ProviderForm,
    StatusForm,
)
from compliance.equipment.models import (
    CalibrationEvent,
    Equipment,
    ImpactAssessment,
    Provider,
    ProviderStatus,
)
from compliance.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.outcomes import commit_or_report
from compliance.pagination import paginate_rows
from compliance.permissions import Permission, requires
from compliance.scope.models import Method
from compliance.signatures.services import signatures_for
from compliance.uploads.errors import UploadRejected
from compliance.users.models import User
from compliance.web import record_id

bp = Blueprint("equipment", __name__)
REFUSALS = (services.EquipmentError, UploadRejected)
MAX_LABELS = 500


def _equipment(equipment_id: int) -> Equipment:
    return db.session.get(Equipment, equipment_id) or abort(404)


def _users() -> list[tuple[int, str]]:
    users = db.session.scalars(
        select(User).where(User.is_active.is_(True)).order_by(User.name)
    ).all()
    return [(u.id, u.name) for u in users]


def _methods() -> list[tuple[int, str]]:
    return [
        tuple(row)
        for row in db.session.execute(select(Method.id, Method.code).order_by(Method.code))
    ]


def _commit_or_report(action, success: str, *, what: str = "record") -> bool:
    return commit_or_report(action, success, refusals=REFUSALS, what=what)


def _flash_errors(form) -> None:
    for name, errors in form.errors.items():
        label = getattr(getattr(form, name, None), "label", None)
        for error in errors:
            flash(f"{label.text}: {error}" if label else error, "danger")


# --- the register ---------------------------------------------------------------------------


@bp.route("/equipment/")
@requires(Permission.EQUIPMENT_VIEW)
def index():
    filters = register.RegisterFilters.from_args(request.args)
    today, window = lab_today(), services.due_soon_days()
    page = paginate_rows(register.register_query(filters, today=today, window_days=window))
    rows = register.to_rows(page.items, today=today, window_days=window)
    return render_template(
        "equipment/index.html",
        page=page,
        rows=rows,
        filters=filters,
        due_filters=register.DUE_FILTERS,
        **_whereabouts_choices(filters),
        window=window,
        due_soon_form=DueSoonForm(days=window),
    )


@bp.route("/equipment/export")
@requires(Permission.EQUIPMENT_VIEW)
def export():
    """The filtered register as XLSX (default) or CSV (?format=csv)."""
    filters = register.RegisterFilters.from_args(request.args)
    rows = register.export_rows(filters, today=lab_today(), window_days=services.due_soon_days())
    stamp = lab_today().isoformat()
    if request.args.get("format") == "csv":
        data, media, extension = csv_bytes(register.EXPORT_HEADER, rows), CSV_MEDIA_TYPE, "csv"
    else:
        data = xlsx_bytes(register.EXPORT_HEADER, rows, sheet_title="Equipment")
        media, extension = XLSX_MEDIA_TYPE, "xlsx"
    return Response(
        data,
        mimetype=media,
        headers={"Content-Disposition": f'attachment; filename="equipment-{stamp}.{extension}"'},
    )


@bp.route("/equipment/settings", methods=["POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def settings():
    form = DueSoonForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.set_due_soon_days(form.days.data, by=current_user),
            f"Calibrations now show as due soon {form.days.data} days ahead.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.index"))


def _register_form(form: EquipmentForm) -> None:
    form.custodian_id.choices = [(0, "— none —"), *_users()]
    form.methods.choices = _methods()


def _register_fields(form: EquipmentForm) -> dict:
    chosen = set(form.methods.data or [])
    return {
        "description": form.description.data,
        "equipment_type": form.equipment_type.data or "",
        "manufacturer": form.manufacturer.data or "",
        "model": form.model.data or "",
        "serial_number": form.serial_number.data or "",
        "firmware_version": form.firmware_version.data or "",
        "location": form.location.data or "",
        "acceptance_criteria": form.acceptance_criteria.data or "",
        "custodian": db.session.get(User, form.custodian_id.data)
        if form.custodian_id.data
        else None,
        "calibration_required": form.calibration_required.data,
        "calibration_interval_months": form.calibration_interval_months.data,
        "check_interval_months": form.check_interval_months.data,
        "methods": [m for m in db.session.scalars(select(Method)) if m.id in chosen],
    }


@bp.route("/equipment/new", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def create():
    form = EquipmentForm()
    _register_form(form)
    del form.version, form.reason
    if form.validate_on_submit():
        try:
            equipment = services.create_equipment(
                asset_id=form.asset_id.data,
                status=form.status.data,
                by=current_user,
                **_register_fields(form),
            )
        except services.EquipmentError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"{equipment.asset_id} registered.", "success")
            return redirect(url_for("equipment.show", equipment_id=equipment.id))
    status = 422 if request.method == "POST" else 200
    return render_template("equipment/form.html", form=form, equipment=None), status


@bp.route("/equipment/<int:equipment_id>")
@requires(Permission.EQUIPMENT_VIEW)
def show(equipment_id: int):
    equipment = _equipment(equipment_id)
    today = lab_today()
    assessments = services.assessments_of(equipment)
    return render_template(
        "equipment/show.html",
        equipment=equipment,
        calibration=services.status_of(equipment, today=today),
        history=services.calibration_history(equipment),
        checks=services.checks_of(equipment),
        maintenance=services.maintenance_of(equipment),
        assessments=assessments,
        next_check_on=services.next_check_on(equipment),
        today=today,
        forms={
            "status": StatusForm(),
            "check": CheckForm(performed_on=today),
            "maintenance": MaintenanceForm(performed_on=today),
        },
    )


@bp.route("/equipment/<int:equipment_id>/edit", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def edit(equipment_id: int):
    equipment = _equipment(equipment_id)
    form = EquipmentForm(obj=equipment)
    _register_form(form)
    del form.asset_id, form.status
    if request.method == "GET":
        form.custodian_id.data = equipment.custodian_id or 0
        form.methods.data = [m.id for m in equipment.methods]
        form.version.data = str(equipment.version)
    if form.validate_on_submit():
        if form.version.data != str(equipment.version):
            flash(
                f"{equipment.asset_id} was changed by someone else since you opened it; nothing "
                "was saved. Review the current values and try again.",
                "warning",
            )
            return redirect(url_for("equipment.edit", equipment_id=equipment.id))
        ok = _commit_or_report(
            lambda: services.update_equipment(
                equipment,
                by=current_user,
                reason=form.reason.data or None,
                **_register_fields(form),
            ),
            "Register entry updated.",
        )
        if ok:
            return redirect(url_for("equipment.show", equipment_id=equipment.id))
    status = 422 if request.method == "POST" else 200
    return render_template("equipment/form.html", form=form, equipment=equipment), status


@bp.route("/equipment/<int:equipment_id>/status", methods=["POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def change_status(equipment_id: int):
    equipment = _equipment(equipment_id)
    form = StatusForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.change_status(
                equipment, form.status.data, by=current_user, reason=form.reason.data
            ),
            f"{equipment.asset_id} is now {form.status.data.replace('_', ' ')}.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.show", equipment_id=equipment.id))


# --- calibrations ---------------------------------------------------------------------------


def _provider_choices(current: Provider | None = None) -> list[tuple[int, str]]:
    providers = db.session.scalars(
        select(Provider)
        .where(Provider.status == ProviderStatus.APPROVED.value)
        .order_by(Provider.name)
    ).all()
    if current is not None and current not in providers:
        providers.append(current)
    return [(IN_HOUSE_CHOICE, "In-house"), *((p.id, p.name) for p in providers)]


def _calibration_input(form: CalibrationForm, *, certificate_sha256: str | None):
    provider = None
    if form.provider_id.data != IN_HOUSE_CHOICE:
        provider = db.session.get(Provider, form.provider_id.data)
        if provider is None:
            raise services.EquipmentError("Choose a provider from the list, or in-house.")
    return services.CalibrationInput(
        calibrated_on=form.calibrated_on.data,
        as_found=form.as_found.data,
        as_left=form.as_left.data,
        provider=provider,
        procedure=form.procedure.data or "",
        certificate_number=form.certificate_number.data or "",
        certificate_sha256=certificate_sha256,
        uncertainty=form.uncertainty.data or "",
        traceability=form.traceability.data or "",
        stated_due_on=form.stated_due_on.data,
        notes=form.notes.data or "",
    )


def _certificate(form: CalibrationForm) -> str | None:
    upload = form.certificate.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    return services.store_certificate(data, upload.filename)


@bp.route("/equipment/<int:equipment_id>/calibrations/new", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def new_calibration(equipment_id: int):
    equipment = _equipment(equipment_id)
    form = CalibrationForm()
    form.provider_id.choices = _provider_choices()
    if request.method == "GET":
        form.calibrated_on.data = lab_today()
    if form.validate_on_submit():
        try:
            event = services.record_calibration(
                equipment,
                _calibration_input(form, certificate_sha256=_certificate(form)),
                by=current_user,
            )
        except REFUSALS as error:
            db.session.rollback()
            form.certificate.errors = [*form.certificate.errors, str(error)]
            flash(str(error), "danger")
        else:
            db.session.commit()
            message = f"Calibration of {event.calibrated_on.isoformat()} recorded"
            if event.due_on:
                message += f"; next due {event.due_on.isoformat()}"
            if event.found_out_of_tolerance:
                message += ". Found out of tolerance: an impact assessment is open"
            flash(message + ".", "warning" if event.found_out_of_tolerance else "success")
            return redirect(url_for("equipment.show", equipment_id=equipment.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "equipment/calibration_form.html", form=form, equipment=equipment, event=None
    ), status


@bp.route("/calibrations/<int:calibration_id>/correct", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def correct_calibration(calibration_id: int):
    event = db.session.get(CalibrationEvent, calibration_id) or abort(404)
    form = CorrectionForm()
    form.provider_id.choices = _provider_choices(event.provider)
    if request.method == "GET":
        for name in (
            "calibrated_on",
            "procedure",
            "certificate_number",
            "as_found",
            "as_left",
            "uncertainty",
            "traceability",
            "stated_due_on",
            "notes",
        ):
            getattr(form, name).data = getattr(event, name)
        form.provider_id.data = event.provider_id or IN_HOUSE_CHOICE
    if form.validate_on_submit():
        try:
            corrected = services.correct_calibration(
                event,
                _calibration_input(form, certificate_sha256=_certificate(form)),
                reason=form.reason.data,
                by=current_user,
            )
        except REFUSALS as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(
                f"Calibration record {event.id} corrected by record {corrected.id}; both are kept.",
                "success",
            )
            return redirect(url_for("equipment.show", equipment_id=event.equipment_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "equipment/calibration_form.html", form=form, equipment=event.equipment, event=event
    ), status


@bp.route("/calibrations/<int:calibration_id>/certificate")
@requires(Permission.EQUIPMENT_VIEW)
def certificate(calibration_id: int):
    event = db.session.get(CalibrationEvent, calibration_id) or abort(404)
    stored = (
        db.session.get(StoredFile, event.certificate_sha256) if event.certificate_sha256 else None
    )
    if stored is None:
        abort(404)
    name = f"{event.equipment.asset_id}-{event.calibrated_on.isoformat()}-{stored.filename}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return Response(
        stored.data,
        mimetype=stored.media_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


# --- checks and maintenance -----------------------------------------------------------------


@bp.route("/equipment/<int:equipment_id>/checks", methods=["POST"])
@requires(Permission.EQUIPMENT_RECORD)
def record_check(equipment_id: int):
    equipment = _equipment(equipment_id)
    form = CheckForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.record_check(
                equipment,
                performed_on=form.performed_on.data,
                result=form.result.data,
                reference=form.reference.data,
                details=form.details.data or "",
                by=current_user,
            ),
            "Intermediate check recorded.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.show", equipment_id=equipment.id))


@bp.route("/equipment/<int:equipment_id>/maintenance", methods=["POST"])
@requires(Permission.EQUIPMENT_RECORD)
def record_maintenance(equipment_id: int):
    equipment = _equipment(equipment_id)
    form = MaintenanceForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.record_maintenance(
                equipment,
                kind=form.kind.data,
                performed_on=form.performed_on.data,
                description=form.description.data,
                performed_by=form.performed_by.data or "",
                by=current_user,
            ),
            "Maintenance record added.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.show", equipment_id=equipment.id))


# --- labels and the calendar ----------------------------------------------------------------


def _label_for(row: register.RegisterRow) -> labels.Label:
    item, calibration = row.equipment, row.calibration
    if calibration.do_not_use:
        status = calibration.label.upper()
    elif item.status != "in_service":
        status = (
            f"{item.status_label.upper()} - DO NOT USE"
            if item.status != "retired"
            else ("RETIRED - DO NOT USE")
        )
    else:
        status = "IN SERVICE" + ("" if item.calibration_required else " - CALIBRATION NOT REQUIRED")
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return labels.Label(
        asset_id=item.asset_id,
        description=item.description,
        last_calibrated_on=row.last_calibrated_on,
        due_on=calibration.due_on if item.calibration_required else None,
        status=status,
        do_not_use=calibration.do_not_use or item.status != "in_service",
        url=base + url_for("equipment.show", equipment_id=item.id, _external=False),
    )


def _label_rows(filters: register.RegisterFilters, ids: list[int] | None):
    today, window = lab_today(), services.due_soon_days()
    stmt = register.register_query(filters, today=today, window_days=window)
    if ids is not None:
        stmt = stmt.where(Equipment.id.in_(ids))
    result = db.session.execute(stmt.limit(MAX_LABELS)).all()
    return register.to_rows(result, today=today, window_days=window)


def _docx_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/equipment/<int:equipment_id>/label")
@requires(Permission.EQUIPMENT_VIEW)
def label(equipment_id: int):
    equipment = _equipment(equipment_id)
    rows = _label_rows(register.RegisterFilters(), [equipment.id])
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in equipment.asset_id)
    return _docx_response(labels.labels_docx([_label_for(r) for r in rows]), f"label-{safe}.docx")


@bp.route("/equipment/labels")
@requires(Permission.EQUIPMENT_VIEW)
def label_sheet():
    """A sheet of labels for the ticked items (?id=...), or for everything the filters match."""
    ids = request.args.getlist("id", type=record_id) or None
    rows = _label_rows(register.RegisterFilters.from_args(request.args), ids)
    if not rows:
        flash("No equipment matches: nothing to print.", "warning")
        return redirect(url_for("equipment.index", **request.args))
    data = labels.labels_docx(
        [_label_for(r) for r in rows],
        title=f"{current_app.config['LAB_NAME']} · equipment status labels · {lab_today()}",
    )
    return _docx_response(data, f"equipment-labels-{lab_today().isoformat()}.docx")


@bp.route("/equipment/calendar")
@requires(Permission.EQUIPMENT_VIEW)
def calendar_view():
    today = lab_today()
    year, month = calendar.parse_month(request.args.get("month"), today)
    where = register.RegisterFilters.from_args(request.args)  # its location and custodian
    view = calendar.month_view(year, month, today=today, where=where)
    # The list: everything overdue now, then what falls due in the month shown.
    listed = calendar.dues(view.last, today=today, where=where)
    listed = [d for d in listed if d.overdue or d.day >= view.first]
    return render_template(
        "equipment/calendar.html",
        view=view,
        listed=listed,
        today=today,
        filters=where,
        **_whereabouts_choices(where),
    )


def _whereabouts_choices(filters: register.RegisterFilters) -> dict:
    """The filter lists, and the custodian a link picked by id (shown by name)."""
    return {
        "choices": register.filter_choices(),
        "custodian": db.session.get(User, filters.custodian_id) if filters.custodian_id else None,
    }


# --- providers ------------------------------------------------------------------------------


@bp.route("/providers/")
@requires(Permission.EQUIPMENT_VIEW)
def providers():
    rows = db.session.scalars(select(Provider).order_by(Provider.name)).all()
    return render_template("equipment/providers.html", providers=rows, today=lab_today())


def _provider_fields(form: ProviderForm) -> dict:
    return {
        "name": form.name.data,
        "accreditation_body": form.accreditation_body.data or "",
        "accreditation_number": form.accreditation_number.data or "",
        "accreditation_expires_on": form.accreditation_expires_on.data,
        "scope": form.scope.data or "",
        "status": form.status.data,
        "evaluation_notes": form.evaluation_notes.data or "",
        "evaluated_on": form.evaluated_on.data,
    }


@bp.route("/providers/new", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def new_provider():
    form = ProviderForm()
    del form.version, form.reason
    if form.validate_on_submit():
        try:
            provider = services.create_provider(by=current_user, **_provider_fields(form))
        except services.EquipmentError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"{provider.name} added to the provider list.", "success")
            return redirect(url_for("equipment.provider", provider_id=provider.id))
    status = 422 if request.method == "POST" else 200
    return render_template("equipment/provider_form.html", form=form, provider=None), status


@bp.route("/providers/<int:provider_id>")
@requires(Permission.EQUIPMENT_VIEW)
def provider(provider_id: int):
    row = db.session.get(Provider, provider_id) or abort(404)
    events = db.session.scalars(
        select(CalibrationEvent)
        .where(CalibrationEvent.provider_id == row.id)
        .order_by(CalibrationEvent.calibrated_on.desc())
        .limit(200)
    ).all()
    return render_template(
        "equipment/provider.html", provider=row, events=events, today=lab_today()
    )


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def edit_provider(provider_id: int):
    row = db.session.get(Provider, provider_id) or abort(404)
    form = ProviderForm(obj=row)
    if request.method == "GET":
        form.version.data = str(row.version)
    if form.validate_on_submit():
        if form.version.data != str(row.version):
            flash(
                f"{row.name} was changed by someone else since you opened it; nothing was saved.",
                "warning",
            )
            return redirect(url_for("equipment.edit_provider", provider_id=row.id))
        ok = _commit_or_report(
            lambda: services.update_provider(
                row, by=current_user, reason=form.reason.data or None, **_provider_fields(form)
            ),
            "Provider updated.",
        )
        if ok:
            return redirect(url_for("equipment.provider", provider_id=row.id))
    status = 422 if request.method == "POST" else 200
    return render_template("equipment/provider_form.html", form=form, provider=row), status


# --- impact assessments ---------------------------------------------------------------------


def _assessment(impact_assessment_id: int) -> ImpactAssessment:
    return db.session.get(ImpactAssessment, impact_assessment_id) or abort(404)


@bp.route("/impact-assessments/")
@requires(Permission.EQUIPMENT_VIEW)
def assessments():
    rows = db.session.scalars(
        select(ImpactAssessment).order_by(
            ImpactAssessment.status.desc(), ImpactAssessment.opened_at.desc()
        )
    ).all()
    return render_template("equipment/assessments.html", assessments=rows)


@bp.route("/impact-assessments/<int:impact_assessment_id>")
@requires(Permission.EQUIPMENT_VIEW)
def assessment(impact_assessment_id: int):
    row = _assessment(impact_assessment_id)
    form = AssessmentForm(
        assessor_id=row.assessor_id or 0,
        period_start=row.period_start,
        methods=[m.id for m in row.methods],
        conclusion=row.conclusion,
        actions=row.actions,
        version=str(row.version),
    )
    form.assessor_id.choices = [(0, "— not yet assigned —"), *_users()]
    form.methods.choices = _methods()
    return render_template(
        "equipment/assessment.html",
        assessment=row,
        form=form,
        close_form=CloseAssessmentForm(),
        signatures=signatures_for("impact_assessment", [row.id])[row.id],
        content_sha256=services.assessment_content_sha256(row),
        corrected_by=row.calibration.superseded_by,
    )


@bp.route("/impact-assessments/<int:impact_assessment_id>/edit", methods=["POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def update_assessment(impact_assessment_id: int):
    row = _assessment(impact_assessment_id)
    form = AssessmentForm()
    form.assessor_id.choices = [(0, "— not yet assigned —"), *_users()]
    form.methods.choices = _methods()
    if form.validate_on_submit():
        if form.version.data != str(row.version):
            flash(
                f"{row.reference} was changed by someone else since you opened it; nothing was "
                "saved.",
                "warning",
            )
        else:
            chosen = set(form.methods.data or [])
            _commit_or_report(
                lambda: services.update_impact_assessment(
                    row,
                    by=current_user,
                    assessor=db.session.get(User, form.assessor_id.data)
                    if form.assessor_id.data
                    else None,
                    conclusion=form.conclusion.data or "",
                    actions=form.actions.data or "",
                    methods=[m for m in db.session.scalars(select(Method)) if m.id in chosen],
                    period_start=form.period_start.data,
                ),
                f"{row.reference} saved.",
            )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.assessment", impact_assessment_id=row.id))


@bp.route("/impact-assessments/<int:impact_assessment_id>/close", methods=["POST"])
@requires(Permission.EQUIPMENT_MANAGE)
def close_assessment(impact_assessment_id: int):
    row = _assessment(impact_assessment_id)
    form = CloseAssessmentForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.close_impact_assessment(
                row, by=current_user, password=form.password.data, comment=form.comment.data
            ),
            f"{row.reference} closed and signed.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("equipment.assessment", impact_assessment_id=row.id))

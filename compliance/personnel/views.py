"""Personnel pages: staff, job roles and requirements, training, competence, authorizations,
the training matrix and "my training"."""

from __future__ import annotations

import datetime as dt

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
from sqlalchemy.orm import lazyload

from compliance.dates import lab_today
from compliance.documents.models import Document
from compliance.documents.services import make_due_revisions_effective, open_tasks_for
from compliance.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, xlsx_bytes
from compliance.extensions import db
from compliance.files.models import StoredFile
from compliance.files.services import load_bytes
from compliance.outcomes import commit_or_report
from compliance.pagination import paginate
from compliance.permissions import Permission, requires
from compliance.personnel import matrix as training_matrix
from compliance.personnel import readiness as _readiness  # noqa: F401  (the scope's check)
from compliance.personnel import services
from compliance.personnel.forms import (
    AuthorizationForm,
    CompetenceForm,
    CorrectionForm,
    CourseForm,
    ItemForm,
    JobRoleForm,
    LeavingForm,
    PersonForm,
    ReasonForm,
    ReinstateForm,
    RequirementForm,
    TrainingForm,
)
from compliance.personnel.models import (
    Authorization,
    CompetenceAssessment,
    JobRole,
    Person,
    TrainingItem,
    TrainingRecord,
)
from compliance.scope.models import Method, MethodStatus
from compliance.signatures.services import SignatureError, signatures_for
from compliance.uploads.errors import UploadRejected
from compliance.web import record_id

bp = Blueprint("personnel", __name__, url_prefix="/personnel")
REFUSALS = (services.PersonnelError, UploadRejected)


def _get(model, ident: int):
    return db.session.get(model, ident) or abort(404)


def _as_of() -> dt.date:
    if value := request.args.get("as_of"):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            flash(f"'{value}' is not a date (YYYY-MM-DD); showing today instead.", "warning")
    return lab_today()


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


def _commit_or_report(action, success: str, *, what: str = "record") -> bool:
    return commit_or_report(action, success, refusals=REFUSALS, what=what)


def _evidence(form) -> str | None:
    upload = form.evidence.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    return services.store_evidence(data, upload.filename)


def _job_roles() -> list[JobRole]:
    return list(db.session.scalars(select(JobRole).order_by(JobRole.name)))


def _methods(in_scope_only: bool = False) -> list[Method]:
    """Methods for a choice list: codes and titles, not procedures or equipment."""
    stmt = (
        select(Method)
        .order_by(Method.code)
        .options(lazyload(Method.procedure), lazyload(Method.equipment_requirements))
    )
    if in_scope_only:
        stmt = stmt.where(Method.status == MethodStatus.IN_SCOPE.value)
    return list(db.session.scalars(stmt))


def _items() -> list[TrainingItem]:
    items = db.session.scalars(select(TrainingItem)).all()
    return sorted(items, key=lambda i: (i.is_document, i.label))


# --- staff ------------------------------------------------------------------------------------


@bp.route("/")
@requires(Permission.PERSONNEL_READ)
def index():
    as_of = lab_today()
    filters = training_matrix.MatrixFilters(
        job_role_id=request.args.get("job_role", type=record_id),
        q=request.args.get("q", "").strip(),
        include_left=request.args.get("include_left") == "1",
    )
    page = paginate(training_matrix.people_query(filters, as_of))
    grid = training_matrix.build_matrix(page.items, as_of=as_of)
    return render_template(
        "personnel/index.html",
        page=page,
        rows=grid.rows,
        filters=filters,
        job_roles=_job_roles(),
        today=as_of,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def create_person():
    form = PersonForm()
    roles = _job_roles()
    form.job_roles.choices = [(r.id, r.name) for r in roles]
    del form.reason, form.version
    if form.validate_on_submit():
        try:
            person = services.create_person(
                employee_id=form.employee_id.data,
                name=form.name.data,
                email=form.email.data,
                job_roles=[r for r in roles if r.id in (form.job_roles.data or [])],
                hired_on=form.hired_on.data,
                by=current_user,
            )
        except services.PersonnelError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"Staff record {person.employee_id} created.", "success")
            return redirect(url_for("personnel.show_person", person_id=person.id))
    return render_template("personnel/person_form.html", form=form, person=None)


@bp.route("/people/<int:person_id>")
@requires(Permission.PERSONNEL_READ)
def show_person(person_id: int):
    person = _get(Person, person_id)
    today = lab_today()
    authorizations = services.authorizations_of(person)
    return render_template(
        "personnel/person.html",
        person=person,
        today=today,
        statuses=services.person_matrix_row(person, today),
        history=services.training_history(person),
        competence=services.competence_history(person),
        authorizations=authorizations,
        signatures=signatures_for("authorization", [a.id for a in authorizations]),
        tasks=services.open_acknowledgements(person),
        forms={
            "leaving": LeavingForm(left_on=today),
            "reason": ReasonForm(),
            "reinstate": ReinstateForm(),
        },
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def edit_person(person_id: int):
    person = _get(Person, person_id)
    roles = _job_roles()
    form = PersonForm(obj=person)
    form.job_roles.choices = [(r.id, r.name) for r in roles]
    del form.employee_id
    if request.method == "GET":
        form.job_roles.data = [r.id for r in person.job_roles]
        form.version.data = str(person.version)
    if form.validate_on_submit():
        if form.version.data != str(person.version):
            flash(
                "This record was changed by someone else since you opened it; nothing was saved.",
                "warning",
            )
            return redirect(url_for("personnel.edit_person", person_id=person.id))
        ok = _commit_or_report(
            lambda: services.update_person(
                person,
                name=form.name.data,
                email=form.email.data,
                job_roles=[r for r in roles if r.id in (form.job_roles.data or [])],
                hired_on=form.hired_on.data,
                by=current_user,
                reason=form.reason.data or None,
            ),
            "Staff record updated.",
        )
        if ok:
            return redirect(url_for("personnel.show_person", person_id=person.id))
    return render_template("personnel/person_form.html", form=form, person=person)


@bp.route("/people/<int:person_id>/leaving", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def record_leaving(person_id: int):
    person = _get(Person, person_id)
    form = LeavingForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.record_leaving(
                person, left_on=form.left_on.data, reason=form.reason.data, by=current_user
            ),
            f"Leaving date {form.left_on.data} recorded for {person.name}.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.show_person", person_id=person.id))


@bp.route("/people/<int:person_id>/reinstate", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def reinstate_person(person_id: int):
    person = _get(Person, person_id)
    form = ReasonForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.reinstate_person(person, reason=form.reason.data, by=current_user),
            f"{person.name} is active again.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.show_person", person_id=person.id))


# --- training records -------------------------------------------------------------------------


def _training_form(form, person: Person):
    form.item_id.choices = [(i.id, f"{i.label} · {i.display_title}") for i in _items()]
    return form


@bp.route("/people/<int:person_id>/training/new", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def record_training(person_id: int):
    person = _get(Person, person_id)
    form = _training_form(TrainingForm(), person)
    if request.method == "GET":
        form.completed_on.data = lab_today()
        if item_id := request.args.get("item", type=record_id):
            form.item_id.data = item_id
    if form.validate_on_submit():
        item = _get(TrainingItem, form.item_id.data)
        ok = _commit_or_report(
            lambda: services.record_training(
                person,
                item,
                completed_on=form.completed_on.data,
                trainer=form.trainer.data,
                training_method=form.training_method.data,
                expires_on=form.expires_on.data,
                evidence_sha256=_evidence(form),
                notes=form.notes.data,
                by=current_user,
            ),
            f"Training on {item.label} recorded.",
        )
        if ok:
            return redirect(url_for("personnel.show_person", person_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "personnel/training_form.html", form=form, person=person, original=None
    ), status


@bp.route("/training/<int:record_id>/correct", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def correct_training(record_id: int):
    original = _get(TrainingRecord, record_id)
    person = original.person
    form = _training_form(CorrectionForm(obj=original), person)
    form.item_id.choices = [(original.item.id, original.item.label)]
    if request.method == "GET":
        form.item_id.data = original.training_item_id
    if form.validate_on_submit():
        ok = _commit_or_report(
            lambda: services.correct_training(
                original,
                reason=form.reason.data,
                completed_on=form.completed_on.data,
                trainer=form.trainer.data,
                training_method=form.training_method.data,
                expires_on=form.expires_on.data,
                evidence_sha256=_evidence(form),
                notes=form.notes.data,
                by=current_user,
            ),
            "Correction recorded; the original record is kept.",
        )
        if ok:
            return redirect(url_for("personnel.show_person", person_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "personnel/training_form.html", form=form, person=person, original=original
    ), status


def _send_evidence(sha256: str | None, name: str) -> Response:
    if not sha256:
        abort(404)
    stored = db.session.get(StoredFile, sha256) or abort(404)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        stored.media_type, "bin"
    )
    return Response(
        load_bytes(sha256),
        mimetype=stored.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


@bp.route("/training/<int:record_id>/evidence")
@requires(Permission.PERSONNEL_READ)
def training_evidence(record_id: int):
    training = _get(TrainingRecord, record_id)
    return _send_evidence(
        training.evidence_sha256, f"training-{training.person.employee_id}-{training.id}"
    )


# --- competence -------------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/competence/new", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def record_competence(person_id: int):
    person = _get(Person, person_id)
    form = CompetenceForm()
    form.method_id.choices = [(m.id, f"{m.code} · {m.title}") for m in _methods()]
    if request.method == "GET":
        form.assessed_on.data = lab_today()
        form.assessor.data = current_user.name
    if form.validate_on_submit():
        method = _get(Method, form.method_id.data)
        ok = _commit_or_report(
            lambda: services.record_competence(
                person,
                method,
                assessed_on=form.assessed_on.data,
                assessor=form.assessor.data,
                result=form.result.data,
                next_due_on=form.next_due_on.data,
                supervisor=form.supervisor.data,
                evidence_sha256=_evidence(form),
                notes=form.notes.data,
                by=current_user,
            ),
            f"Competence assessment on {method.code} recorded.",
        )
        if ok:
            return redirect(url_for("personnel.show_person", person_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("personnel/competence_form.html", form=form, person=person), status


@bp.route("/competence/<int:assessment_id>/evidence")
@requires(Permission.PERSONNEL_READ)
def competence_evidence(assessment_id: int):
    assessment = _get(CompetenceAssessment, assessment_id)
    return _send_evidence(
        assessment.evidence_sha256,
        f"competence-{assessment.person.employee_id}-{assessment.id}",
    )


# --- authorizations ---------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/authorizations/new", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_AUTHORIZE)
def authorize(person_id: int):
    person = _get(Person, person_id)
    form = AuthorizationForm()
    form.method_id.choices = [(m.id, f"{m.code} · {m.title}") for m in _methods(True)]
    today = lab_today()
    if request.method == "GET":
        form.authorized_on.data = today
        if method_id := request.args.get("method", type=record_id):
            form.method_id.data = method_id
    unmet: list[str] = []
    if form.validate_on_submit():
        method = _get(Method, form.method_id.data)
        try:
            services.authorize(
                person,
                method,
                authorized_on=form.authorized_on.data,
                expires_on=form.expires_on.data,
                by=current_user,
                password=form.password.data,
                override_reason=form.override_reason.data,
            )
        except services.AuthorizationRefused as error:
            db.session.rollback()
            unmet = error.unmet
            flash(str(error), "danger")
        except SignatureError as error:
            db.session.commit()  # keep the failed-password count
            flash(str(error), "danger")
        except services.PersonnelError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"{person.name} is authorized for {method.code}.", "success")
            return redirect(url_for("personnel.show_person", person_id=person.id))
    elif form.method_id.data and request.method == "GET":
        method = db.session.get(Method, form.method_id.data)
        if method is not None:
            unmet = services.qualification_gaps(person, method, today)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "personnel/authorization_form.html", form=form, person=person, unmet=unmet
    ), status


def _authorization_action(authorization_id: int, form_class, call, success: str):
    authorization = _get(Authorization, authorization_id)
    form = form_class()
    if form.validate_on_submit():
        _commit_or_report(lambda: call(authorization, form), success)
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.show_person", person_id=authorization.person_id))


@bp.route("/authorizations/<int:authorization_id>/suspend", methods=["POST"])
@requires(Permission.PERSONNEL_AUTHORIZE)
def suspend(authorization_id: int):
    return _authorization_action(
        authorization_id,
        ReasonForm,
        lambda a, form: services.suspend(a, reason=form.reason.data, by=current_user),
        "Authorization suspended.",
    )


@bp.route("/authorizations/<int:authorization_id>/withdraw", methods=["POST"])
@requires(Permission.PERSONNEL_AUTHORIZE)
def withdraw(authorization_id: int):
    return _authorization_action(
        authorization_id,
        ReasonForm,
        lambda a, form: services.withdraw(a, reason=form.reason.data, by=current_user),
        "Authorization withdrawn.",
    )


@bp.route("/authorizations/<int:authorization_id>/reinstate", methods=["POST"])
@requires(Permission.PERSONNEL_AUTHORIZE)
def reinstate(authorization_id: int):
    return _authorization_action(
        authorization_id,
        ReinstateForm,
        lambda a, form: services.reinstate(
            a,
            reason=form.reason.data,
            by=current_user,
            password=form.password.data,
            override_reason=form.override_reason.data,
        ),
        "Authorization reinstated.",
    )


@bp.route("/methods")
@requires(Permission.PERSONNEL_READ)
def methods():
    as_of = _as_of()
    return render_template(
        "personnel/methods.html", rows=services.methods_overview(as_of), as_of=as_of
    )


# --- job roles, training items, requirements --------------------------------------------------


@bp.route("/job-roles")
@requires(Permission.PERSONNEL_READ)
def job_roles():
    roles = _job_roles()
    return render_template(
        "personnel/job_roles.html",
        roles=roles,
        items=_items(),
        role_form=JobRoleForm(),
        course_form=CourseForm(),
    )


@bp.route("/job-roles/new", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def create_job_role():
    form = JobRoleForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.create_job_role(
                form.name.data, description=form.description.data or "", by=current_user
            ),
            f"Job role {form.name.data} created.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.job_roles"))


@bp.route("/courses/new", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def create_course():
    form = CourseForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.create_course(
                form.code.data,
                title=form.title.data,
                retrain_interval_months=form.retrain_interval_months.data,
                by=current_user,
            ),
            f"Course {form.code.data.upper()} created.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.job_roles"))


@bp.route("/job-roles/<int:job_role_id>")
@requires(Permission.PERSONNEL_READ)
def show_job_role(job_role_id: int):
    role = _get(JobRole, job_role_id)
    form = RequirementForm()
    required = {r.training_item_id for r in role.requirements}
    courses = [i for i in _items() if not i.is_document and i.id not in required]
    documents = db.session.scalars(select(Document).order_by(Document.number)).all()
    required_docs = {r.item.document_id for r in role.requirements if r.item.is_document}
    form.item.choices = [(f"item:{i.id}", f"Course {i.code} · {i.title}") for i in courses] + [
        (f"document:{d.id}", f"Document {d.number} · {d.title}")
        for d in documents
        if d.id not in required_docs
    ]
    holders = services.holders_of(role, lab_today())
    return render_template(
        "personnel/job_role.html",
        role=role,
        requirements=sorted(role.requirements, key=lambda r: (r.item.is_document, r.item.label)),
        holders=holders,
        form=form,
        reason_form=ReasonForm(),
    )


@bp.route("/job-roles/<int:job_role_id>/requirements", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def add_requirement(job_role_id: int):
    role = _get(JobRole, job_role_id)
    choice = request.form.get("item", "")
    kind, _, ident = choice.partition(":")
    try:
        ident = record_id(ident)
    except ValueError:
        ident = None  # also a number no id column holds ("²".isdigit() is True, too)
    form = RequirementForm()
    form.item.choices = [(choice, choice)]
    if form.validate_on_submit() and ident and kind in ("item", "document"):

        def add():
            if kind == "document":
                item = services.ensure_document_item(_get(Document, ident), by=current_user)
            else:
                item = _get(TrainingItem, ident)
            services.add_requirement(role, item, by=current_user)

        _commit_or_report(add, "Requirement added.")
    else:
        flash("Choose the training to require.", "danger")
    return redirect(url_for("personnel.show_job_role", job_role_id=role.id))


@bp.route("/job-roles/<int:job_role_id>/requirements/<int:item_id>/remove", methods=["POST"])
@requires(Permission.PERSONNEL_MANAGE)
def remove_requirement(job_role_id: int, item_id: int):
    role = _get(JobRole, job_role_id)
    item = _get(TrainingItem, item_id)
    form = ReasonForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.remove_requirement(
                role, item, by=current_user, reason=form.reason.data
            ),
            f"{role.name} no longer requires {item.label}.",
        )
    else:
        _flash_errors(form)
    return redirect(url_for("personnel.show_job_role", job_role_id=role.id))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Permission.PERSONNEL_MANAGE)
def edit_item(item_id: int):
    item = _get(TrainingItem, item_id)
    form = ItemForm(obj=item)
    if item.is_document:
        del form.title
    if form.validate_on_submit():
        ok = _commit_or_report(
            lambda: services.update_item(
                item,
                title=form.title.data if not item.is_document else None,
                retrain_interval_months=form.retrain_interval_months.data,
                by=current_user,
                reason=form.reason.data or None,
            ),
            f"{item.label} updated.",
        )
        if ok:
            return redirect(url_for("personnel.job_roles"))
    return render_template("personnel/item_form.html", form=form, item=item)


# --- the training matrix ----------------------------------------------------------------------


def _matrix_filters() -> training_matrix.MatrixFilters:
    return training_matrix.MatrixFilters(
        job_role_id=request.args.get("job_role", type=record_id),
        method_id=request.args.get("method", type=record_id),
        q=request.args.get("q", "").strip(),
        include_left=request.args.get("include_left") == "1",
    )


@bp.route("/matrix")
@requires(Permission.PERSONNEL_READ)
def matrix():
    if make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    as_of = _as_of()
    filters = _matrix_filters()
    page = paginate(training_matrix.people_query(filters, as_of))
    grid = training_matrix.build_matrix(
        page.items, as_of=as_of, columns=training_matrix.columns_for(filters)
    )
    method = db.session.get(Method, filters.method_id) if filters.method_id else None
    competence, authorized = {}, {}
    if method is not None:
        ids = [p.id for p in page.items]
        competence = services.latest_competence(ids, [method.id], as_of)
        for authorization in services.current_authorizations([method.id], as_of).get(method.id, []):
            authorized[authorization.person_id] = authorization
    return render_template(
        "personnel/matrix.html",
        page=page,
        grid=grid,
        filters=filters,
        method=method,
        competence=competence,
        authorized=authorized,
        job_roles=_job_roles(),
        methods=_methods(),
        as_of=as_of,
        statuses=list(training_matrix.CellStatus),
    )


@bp.route("/matrix.<any(xlsx, csv):fmt>")
@requires(Permission.PERSONNEL_READ)
def matrix_export(fmt: str):
    as_of = _as_of()
    filters = _matrix_filters()
    stmt = training_matrix.people_query(filters, as_of)
    people = db.session.scalars(stmt).all()
    grid = training_matrix.build_matrix(
        people,
        as_of=as_of,
        columns=training_matrix.columns_for(filters),
        person_ids=stmt.with_only_columns(Person.id).order_by(None),
    )
    header, rows = training_matrix.export_rows(grid)
    name = f"training-matrix-{as_of.isoformat()}.{fmt}"
    if fmt == "xlsx":
        body, mimetype = xlsx_bytes(header, rows, sheet_title="Training matrix"), XLSX_MEDIA_TYPE
    else:
        body, mimetype = csv_bytes(header, rows), CSV_MEDIA_TYPE
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- my training ------------------------------------------------------------------------------


@bp.route("/me")
@requires(Permission.TRAINING_SELF)
def my_training():
    if make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    today = lab_today()
    person = services.person_for_user(current_user.user)
    context = {"person": person, "today": today}
    if person is not None:
        context.update(
            statuses=services.person_matrix_row(person, today),
            history=services.training_history(person),
            competence=services.competence_history(person),
            authorizations=services.authorizations_of(person),
        )
    context["tasks"] = open_tasks_for(current_user.user)
    return render_template("personnel/me.html", **context)

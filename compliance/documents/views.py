"""Document control pages: register, revisions, signatures, reading, downloads, tasks."""

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
from compliance.db import utcnow
from compliance.documents import register, rendering, services, stamping
from compliance.documents.forms import (
    ActionForm,
    ApproveForm,
    CommentForm,
    DocumentForm,
    ReasonForm,
    ReplaceFileForm,
    RevisionUploadForm,
    SignatureForm,
)
from compliance.documents.models import AcknowledgementTask, Document, Revision, RevisionState
from compliance.documents.redline import redline
from compliance.extensions import db
from compliance.files.services import DOCX_MEDIA_TYPE, load_bytes
from compliance.outcomes import CHANGED_ELSEWHERE, commit_or_report
from compliance.pagination import paginate_rows
from compliance.permissions import Permission, requires
from compliance.signatures.services import signatures_for
from compliance.uploads.errors import UploadRejected
from compliance.users.models import User

bp = Blueprint("documents", __name__)
S = RevisionState
REFUSALS = (services.WorkflowError, UploadRejected)


def _document(document_id: int) -> Document:
    return db.session.get(Document, document_id) or abort(404)


def _revision(revision_id: int) -> Revision:
    revision = db.session.get(Revision, revision_id) or abort(404)
    if not register.can_view(current_user, revision):
        abort(403)
    return revision


def _owners() -> list[tuple[int, str]]:
    users = db.session.execute(
        select(User.id, User.name, User.email).where(User.is_active.is_(True)).order_by(User.name)
    )
    return [(id_, f"{name} ({email})") for id_, name, email in users]


def _id_arg(name: str) -> int | None:
    """A record id from the query string; a number no database column can hold means none."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None


def _commit_or_report(action, success: str, *, what: str = "record") -> bool:
    return commit_or_report(action, success, refusals=REFUSALS, what=what)


# --- register -------------------------------------------------------------------------------


@bp.route("/documents/")
@requires(Permission.DOCUMENTS_READ)
def index():
    if services.make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    args = request.args
    filters = register.RegisterFilters(
        q=args.get("q", "").strip(),
        doc_type=args.get("type", ""),
        status=args.get("status", ""),
        owner_id=_id_arg("owner"),
        clause=args.get("clause", "").strip(),
        review=args.get("review", ""),
        sort=args.get("sort", "number"),
    )
    # A text search reads every effective revision's text: count while paging.
    page = paginate_rows(
        register.register_query(filters), scanned_by=Document.id if filters.q else None
    )
    today = lab_today()
    window = current_app.config["REVIEW_DUE_WINDOW_DAYS"]
    rows = [(doc, rev, *register.review_status(doc, rev, today, window)) for doc, rev in page.items]
    return render_template(
        "documents/index.html", page=page, rows=rows, filters=filters, owners=_owners()
    )


@bp.route("/documents/new", methods=["GET", "POST"])
@requires(Permission.DOCUMENTS_EDIT)
def create():
    form = DocumentForm()
    form.owner_id.choices = _owners()
    if request.method == "GET":
        form.owner_id.data = current_user.id
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data)
        try:
            document = services.create_document(
                number=form.number.data,
                title=form.title.data,
                doc_type=form.doc_type.data,
                owner=owner,
                review_interval_months=form.review_interval_months.data,
                clauses=(form.clauses.data or "").split(),
                audiences=form.audiences.data,
                label_scheme=form.label_scheme.data,
                by=current_user,
            )
        except services.WorkflowError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(f"{document.number} registered. Upload its first revision.", "success")
            return redirect(url_for("documents.new_revision", document_id=document.id))
    return render_template("documents/form.html", form=form, document=None)


@bp.route("/documents/<int:document_id>")
@requires(Permission.DOCUMENTS_READ)
def show(document_id: int):
    if services.make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    document = _document(document_id)
    states = register.visible_states(current_user)
    revisions = [r for r in reversed(document.revisions) if r.state_enum in states]
    effective = services.current_revision(document)
    status, due = register.review_status(
        document, effective, lab_today(), current_app.config["REVIEW_DUE_WINDOW_DAYS"]
    )
    return render_template(
        "documents/show.html",
        document=document,
        revisions=revisions,
        effective=effective,
        signatures=signatures_for("revision", [r.id for r in revisions]),
        periodic=signatures_for("document", [document.id])[document.id],
        review_status=status,
        review_due=due,
        signature_form=SignatureForm(),
    )


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@requires(Permission.DOCUMENTS_EDIT)
def edit(document_id: int):
    document = _document(document_id)
    form = DocumentForm(obj=document)
    form.owner_id.choices = _owners()
    del form.number, form.label_scheme, form.doc_type
    if request.method == "GET":
        form.clauses.data = " ".join(document.clauses)
        form.audiences.data = document.audiences
        form.version.data = str(document.version)
    if form.validate_on_submit():
        if form.version.data != str(document.version):
            flash(CHANGED_ELSEWHERE.format(what="document"), "warning")
            return redirect(url_for("documents.edit", document_id=document.id))
        ok = _commit_or_report(
            lambda: services.update_document(
                document,
                by=current_user,
                title=form.title.data,
                owner=db.session.get(User, form.owner_id.data),
                review_interval_months=form.review_interval_months.data,
                clauses=(form.clauses.data or "").split(),
                audiences=form.audiences.data,
                reason=form.reason.data or None,
            ),
            "Register entry updated.",
            what="document",
        )
        if ok:
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/form.html", form=form, document=document)


@bp.route("/documents/<int:document_id>/periodic-review", methods=["POST"])
@requires(Permission.DOCUMENTS_APPROVE)
def periodic_review(document_id: int):
    document = _document(document_id)
    form = SignatureForm()
    if form.validate_on_submit():
        _commit_or_report(
            lambda: services.periodic_review(
                document, by=current_user, password=form.password.data, comment=form.comment.data
            ),
            "Signed: reviewed, no change needed. The review interval starts again today.",
        )
    else:
        flash("Re-enter your password to sign.", "danger")
    return redirect(url_for("documents.show", document_id=document.id))


# --- revisions ------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>/revisions/new", methods=["GET", "POST"])
@requires(Permission.DOCUMENTS_EDIT)
def new_revision(document_id: int):
    document = _document(document_id)
    form = RevisionUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            revision = services.add_revision(
                document,
                data=upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
                filename=upload.filename or "upload.docx",
                change_summary=form.change_summary.data,
                label=form.label.data or None,
                by=current_user,
            )
        except REFUSALS as error:
            db.session.rollback()
            form.file.errors.append(str(error))
            return render_template("documents/upload.html", form=form, document=document), 422
        db.session.commit()
        flash(f"Draft revision {revision.label} saved.", "success")
        return redirect(url_for("documents.revision", revision_id=revision.id))
    status = 422 if form.errors else 200
    return render_template("documents/upload.html", form=form, document=document), status


@bp.route("/revisions/<int:revision_id>")
@requires(Permission.DOCUMENTS_READ)
def revision(revision_id: int):
    rev = _revision(revision_id)
    data = load_bytes(rev.file_sha256)
    others = [
        r for r in rev.document.revisions if r.id != rev.id and register.can_view(current_user, r)
    ]
    task = db.session.scalar(
        select(AcknowledgementTask).where(
            AcknowledgementTask.revision_id == rev.id,
            AcknowledgementTask.user_id == current_user.id,
        )
    )
    return render_template(
        "documents/revision.html",
        revision=rev,
        html=rendering.render_html(data),
        signatures=signatures_for("revision", [rev.id])[rev.id],
        others=others,
        task=task,
        forms={
            "action": ActionForm(),
            "sign": SignatureForm(),
            "approve": ApproveForm(effective_on=lab_today()),
            "comment": CommentForm(),
            "reason": ReasonForm(),
            "replace": ReplaceFileForm(),
        },
    )


def _revision_action(revision_id: int, form_class, call, success: str):
    rev = _revision(revision_id)
    form = form_class()
    if form.validate_on_submit():
        _commit_or_report(lambda: call(rev, form), success)
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("documents.revision", revision_id=rev.id))


@bp.route("/revisions/<int:revision_id>/submit", methods=["POST"])
@requires(Permission.DOCUMENTS_EDIT)
def submit(revision_id: int):
    return _revision_action(
        revision_id,
        ActionForm,
        lambda rev, form: services.submit_for_review(rev, by=current_user),
        "Sent for review.",
    )


@bp.route("/revisions/<int:revision_id>/reject", methods=["POST"])
@requires(Permission.DOCUMENTS_REVIEW)
def reject(revision_id: int):
    return _revision_action(
        revision_id,
        CommentForm,
        lambda rev, form: services.reject(rev, by=current_user, comment=form.comment.data),
        "Sent back to draft with your comments.",
    )


@bp.route("/revisions/<int:revision_id>/review", methods=["POST"])
@requires(Permission.DOCUMENTS_REVIEW)
def sign_review(revision_id: int):
    return _revision_action(
        revision_id,
        SignatureForm,
        lambda rev, form: services.sign_review(
            rev, by=current_user, password=form.password.data, comment=form.comment.data
        ),
        "Review signed.",
    )


@bp.route("/revisions/<int:revision_id>/approve", methods=["POST"])
@requires(Permission.DOCUMENTS_APPROVE)
def approve(revision_id: int):
    return _revision_action(
        revision_id,
        ApproveForm,
        lambda rev, form: services.approve(
            rev,
            by=current_user,
            password=form.password.data,
            effective_on=form.effective_on.data,
            comment=form.comment.data,
        ),
        "Approved.",
    )


@bp.route("/revisions/<int:revision_id>/withdraw", methods=["POST"])
@requires(Permission.DOCUMENTS_APPROVE)
def withdraw(revision_id: int):
    return _revision_action(
        revision_id,
        ReasonForm,
        lambda rev, form: services.withdraw(rev, by=current_user, reason=form.reason.data),
        "Revision withdrawn.",
    )


@bp.route("/revisions/<int:revision_id>/file", methods=["POST"])
@requires(Permission.DOCUMENTS_EDIT)
def replace_file(revision_id: int):
    return _revision_action(
        revision_id,
        ReplaceFileForm,
        lambda rev, form: services.replace_draft_file(
            rev,
            data=form.file.data.read(current_app.config["UPLOAD_MAX_BYTES"] + 1),
            filename=form.file.data.filename or "upload.docx",
            by=current_user,
        ),
        "Draft file replaced.",
    )


@bp.route("/revisions/<int:revision_id>/download")
@requires(Permission.DOCUMENTS_READ)
def download(revision_id: int):
    """The original .docx stamped as a controlled copy (effective) or NOT FOR USE (others)."""
    rev = _revision(revision_id)
    approval = next(
        (
            s
            for s in signatures_for("revision", [rev.id])[rev.id]
            if s.meaning.startswith("approved")
        ),
        None,
    )
    now = utcnow()
    lines = stamping.controlled_copy_lines(
        number=rev.document.number,
        revision=rev.label,
        effective_on=rev.effective_on,
        approver=approval.printed_name if approval else None,
        downloader=current_user.name,
        downloaded_at=now,
        state=rev.state,
    )
    stamped = stamping.stamp_copy(load_bytes(rev.file_sha256), lines=lines)
    services.record_download(rev, by=current_user, state=rev.state)
    db.session.commit()
    name = f"{rev.document.number}-Rev{rev.label}-{rev.state}.docx".replace("/", "_")
    return Response(
        stamped,
        mimetype=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/revisions/<int:revision_id>/redline")
@requires(Permission.DOCUMENTS_READ)
def compare(revision_id: int):
    rev = _revision(revision_id)
    other_id = _id_arg("against")
    other = _revision(other_id) if other_id else None
    if other is None or other.document_id != rev.document_id:
        abort(404)
    older, newer = sorted([rev, other], key=lambda r: r.id)
    lines = redline(
        rendering.paragraphs(load_bytes(older.file_sha256)),
        rendering.paragraphs(load_bytes(newer.file_sha256)),
    )
    return render_template("documents/redline.html", older=older, newer=newer, lines=lines)


@bp.route("/revisions/<int:revision_id>/acknowledgements")
@requires(Permission.DOCUMENTS_EDIT)
def acknowledgements(revision_id: int):
    rev = _revision(revision_id)
    tasks = db.session.scalars(
        select(AcknowledgementTask)
        .where(AcknowledgementTask.revision_id == rev.id)
        .order_by(AcknowledgementTask.acknowledged_at.is_not(None), AcknowledgementTask.due_on)
    ).all()
    return render_template(
        "documents/acknowledgements.html", revision=rev, tasks=tasks, today=lab_today()
    )


# --- my tasks -------------------------------------------------------------------------------


@bp.route("/tasks")
@requires(Permission.DOCUMENTS_ACKNOWLEDGE)
def my_tasks():
    if services.make_due_revisions_effective():  # writes only when one came into effect
        db.session.commit()
    return render_template(
        "documents/tasks.html",
        tasks=services.open_tasks_for(current_user.user),
        today=lab_today(),
    )


@bp.route("/acknowledgements/<int:task_id>", methods=["POST"])
@requires(Permission.DOCUMENTS_ACKNOWLEDGE)
def acknowledge(task_id: int):
    task = db.session.get(AcknowledgementTask, task_id) or abort(404)
    if task.user_id != current_user.id:
        abort(403)
    form = SignatureForm()
    if form.validate_on_submit():
        done = _commit_or_report(
            lambda: services.acknowledge(task, by=current_user, password=form.password.data),
            f"Acknowledged {task.revision.display}: read and understood.",
        )
        if done:
            return redirect(url_for("documents.my_tasks"))
    else:
        flash("Re-enter your password to sign.", "danger")
    return redirect(url_for("documents.revision", revision_id=task.revision_id))

"""Upload a spreadsheet, preview every row and what would change, then confirm."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from compliance.audit.services import record
from compliance.extensions import db
from compliance.files.services import load_bytes, store_bytes
from compliance.imports.fields import check_date_format
from compliance.imports.forms import ImportConfirmForm, ImportUploadForm
from compliance.imports.registry import KINDS, run_upload
from compliance.permissions import Permission, requires

bp = Blueprint("imports", __name__, url_prefix="/imports")


def _kind(name: str):
    kind = KINDS.get(name) or abort(404)
    if not current_user.can(kind.permission):
        abort(403)
    return kind


@bp.route("/")
@requires(Permission.DASHBOARD_VIEW)
def index():
    kinds = sorted(
        (k for k in KINDS.values() if current_user.can(k.permission)), key=lambda k: k.order
    )
    return render_template("imports/index.html", kinds=kinds)


@bp.route("/<name>", methods=["GET", "POST"])
@requires(Permission.DASHBOARD_VIEW)
def upload(name: str):
    """Step 1 and 2: validate every row and show the preview; nothing is written yet."""
    kind = _kind(name)
    form = ImportUploadForm()
    if form.validate_on_submit():
        date_format = form.date_format.data or None
        try:
            if date_format:
                check_date_format(date_format)
        except ValueError as error:
            form.date_format.errors.append(str(error))
            return render_template("imports/upload.html", kind=kind, form=form), 422
        data = form.file.data.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
        filename = form.file.data.filename or f"{name}.csv"
        result = run_upload(
            kind,
            filename=filename,
            data=data,
            date_format=date_format,
            apply=False,
            by=current_user,
        )
        db.session.rollback()  # a preview writes nothing
        confirm = None
        if result.ok:
            # Keep the exact bytes so the confirmed import is the previewed one.
            stored = store_bytes(data, filename=filename, media_type="application/octet-stream")
            db.session.commit()
            confirm = ImportConfirmForm(
                sha256=stored.sha256, filename=filename, date_format=date_format or ""
            )
        return render_template("imports/preview.html", kind=kind, result=result, confirm=confirm), (
            200 if result.ok else 422
        )
    return render_template("imports/upload.html", kind=kind, form=form)


@bp.route("/<name>/confirm", methods=["POST"])
@requires(Permission.DASHBOARD_VIEW)
def confirm(name: str):
    """Step 3: run the previewed file for real, all rows or none."""
    kind = _kind(name)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash("The preview has expired; upload the file again.", "danger")
        return redirect(url_for("imports.upload", name=name))
    try:
        data = load_bytes(form.sha256.data)
    except LookupError:
        abort(404)
    result = run_upload(
        kind,
        filename=form.filename.data,
        data=data,
        date_format=form.date_format.data or None,
        apply=True,
        by=current_user,
    )
    if not result.ok:
        db.session.rollback()
        return render_template("imports/preview.html", kind=kind, result=result, confirm=None), 422
    record(
        "import.applied",
        entity_type="import",
        entity_key=kind.name,
        actor=current_user,
        changes={"file_sha256": [None, form.sha256.data], "summary": [None, result.summary_line()]},
    )
    db.session.commit()
    flash(result.summary_line(), "success")
    return redirect(url_for("imports.index"))

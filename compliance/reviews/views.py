"""Management review pages: the list, preparing and minuting a meeting, signing, minutes .docx."""

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

from compliance.dates import add_months, lab_today
from compliance.extensions import db
from compliance.files.services import DOCX_MEDIA_TYPE
from compliance.permissions import Permission, requires
from compliance.quality.forms import SignatureForm, user_choices
from compliance.quality.settings import management_review_interval_months
from compliance.quality.web import commit_or_report, flash_errors
from compliance.reviews import services
from compliance.reviews.forms import CreateReviewForm, MinutesForm, ReviewActionForm
from compliance.reviews.minutes import minutes
from compliance.reviews.models import ManagementReview, ReviewAction
from compliance.signatures.models import Signature
from compliance.users.models import User

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _review(review_id: int) -> ManagementReview:
    return db.session.get(ManagementReview, review_id) or abort(404)


@bp.route("/")
@requires(Permission.QUALITY_VIEW)
def index():
    today = lab_today()
    last = services.last_final_review(today)
    interval = management_review_interval_months()
    return render_template(
        "reviews/index.html",
        reviews=services.reviews(),
        last=last,
        due_on=add_months(last.held_on, interval) if last else None,
        interval=interval,
        today=today,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def create():
    form = CreateReviewForm()
    if request.method == "GET":
        form.held_on.data = lab_today()
    if form.validate_on_submit():
        review = commit_or_report(
            lambda: services.create_review(
                by=current_user, held_on=form.held_on.data, attendees=form.attendees.data or ""
            ),
            "Review created with the figures the app knows; minute the meeting next.",
        )
        if review:
            return redirect(url_for("reviews.show", review_id=review.id))
    return render_template("reviews/create.html", form=form)


@bp.route("/<int:review_id>")
@requires(Permission.QUALITY_VIEW)
def show(review_id: int):
    review = _review(review_id)
    action_form = ReviewActionForm()
    action_form.owner_id.choices = user_choices()
    return render_template(
        "reviews/show.html",
        review=review,
        titles={key: services.input_title(key) for key in services.INPUT_KEYS},
        signature=db.session.get(Signature, review.signature_id) if review.signature_id else None,
        problems=services.finalize_problems(review),
        action_form=action_form,
        today=lab_today(),
    )


@bp.route("/<int:review_id>/edit", methods=["GET", "POST"])
@requires(Permission.QUALITY_MANAGE)
def edit(review_id: int):
    review = _review(review_id)
    if review.is_final:
        flash(f"The minutes of {review.reference} are signed; they no longer change.", "warning")
        return redirect(url_for("reviews.show", review_id=review.id))
    form = MinutesForm(obj=review)
    if request.method == "GET":
        while form.inputs.entries:
            form.inputs.pop_entry()
        for row in review.inputs:
            form.inputs.append_entry(
                {"key": row.key, "is_covered": row.is_covered, "notes": row.notes}
            )
    if form.validate_on_submit():
        inputs = {
            entry.key.data: (entry.is_covered.data, entry.notes.data or "")
            for entry in form.inputs
            if entry.key.data in services.INPUT_KEYS
        }
        done = commit_or_report(
            lambda: services.update_review(
                review,
                by=current_user,
                held_on=form.held_on.data,
                attendees=form.attendees.data or "",
                decisions=form.decisions.data or "",
                inputs=inputs,
            ),
            "Minutes saved.",
        )
        if done:
            return redirect(url_for("reviews.show", review_id=review.id))
    figures = {row.key: row.figures for row in review.inputs}
    titles = {key: services.input_title(key) for key in services.INPUT_KEYS}
    return render_template(
        "reviews/edit.html", form=form, review=review, figures=figures, titles=titles
    )


@bp.route("/<int:review_id>/refresh", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def refresh(review_id: int):
    review = _review(review_id)
    commit_or_report(
        lambda: services.refresh_figures(review, by=current_user), "Figures recalculated."
    )
    return redirect(url_for("reviews.show", review_id=review.id))


@bp.route("/<int:review_id>/actions", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def add_action(review_id: int):
    review = _review(review_id)
    form = ReviewActionForm()
    form.owner_id.choices = user_choices()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.add_action(
                review,
                by=current_user,
                description=form.description.data,
                owner=db.session.get(User, form.owner_id.data),
                due_on=form.due_on.data,
            ),
            "Action added.",
        )
    else:
        flash_errors(form)
    return redirect(url_for("reviews.show", review_id=review.id))


@bp.route("/actions/<int:review_action_id>/done", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def complete_action(review_action_id: int):
    action = db.session.get(ReviewAction, review_action_id) or abort(404)
    commit_or_report(
        lambda: services.complete_action(action, by=current_user), "Action marked done."
    )
    return redirect(url_for("reviews.show", review_id=action.review_id))


@bp.route("/<int:review_id>/finalize", methods=["POST"])
@requires(Permission.QUALITY_MANAGE)
def finalize(review_id: int):
    review = _review(review_id)
    form = SignatureForm()
    if form.validate_on_submit():
        commit_or_report(
            lambda: services.finalize(review, by=current_user, password=form.password.data),
            "Minutes approved and signed.",
        )
    else:
        flash("Re-enter your password to sign the minutes.", "danger")
    return redirect(url_for("reviews.show", review_id=review.id))


@bp.route("/<int:review_id>/minutes.docx")
@requires(Permission.QUALITY_VIEW)
def minutes_docx(review_id: int):
    review = _review(review_id)
    signature = db.session.get(Signature, review.signature_id) if review.signature_id else None
    data = minutes(review, current_app.config["LAB_NAME"], signature)
    name = f"management-review-{review.reference}.docx"
    return Response(
        data,
        mimetype=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

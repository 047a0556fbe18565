"""The clause matrix and each clause's page: its requirement, current evidence, open findings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from compliance.clauses import links
from compliance.clauses.evidence import (
    PAGE_LIMIT,
    covered,
    evidence_counts,
    evidence_for_clause,
)
from compliance.clauses.models import Clause, ClauseLink
from compliance.dates import lab_today
from compliance.extensions import db
from compliance.gaps.forms import LinkEvidenceForm, ReasonForm
from compliance.permissions import Permission, requires

bp = Blueprint("clauses", __name__, url_prefix="/clauses")
STANDARD = "ISO17025"


@bp.route("/")
@requires(Permission.CLAUSES_VIEW)
def index():
    clauses = db.session.scalars(
        select(Clause).where(Clause.standard == STANDARD).order_by(Clause.position)
    ).all()
    counts = evidence_counts(lab_today())
    rows = [
        (clause, counts[clause.number], covered(clause.number, counts))
        for clause in clauses
        if " " not in clause.number  # lettered items show on their clause's page
    ]
    return render_template("clauses/index.html", rows=rows)


@bp.route("/<path:number>")
@requires(Permission.CLAUSES_VIEW)
def show(number: str):
    clause = db.session.scalar(
        select(Clause).where(Clause.standard == STANDARD, Clause.number == number)
    ) or abort(404)
    evidence = evidence_for_clause(clause.number, lab_today())
    children = db.session.scalars(
        select(Clause)
        .where(Clause.standard == STANDARD, Clause.parent_number == clause.number)
        .order_by(Clause.position)
    ).all()
    findings = []
    if current_user.can(Permission.GAPS_VIEW):
        from compliance.gaps.engine import evaluate

        findings = evaluate(concerning=clause.number).findings
    manual = db.session.scalars(
        select(ClauseLink).where(ClauseLink.clause_id == clause.id, ClauseLink.retired_at.is_(None))
    ).all()
    return render_template(
        "clauses/show.html",
        clause=clause,
        evidence=evidence,
        page_limit=PAGE_LIMIT,
        children=children,
        findings=findings,
        manual=manual,
        link_form=LinkEvidenceForm(),
        reason_form=ReasonForm(),
    )


@bp.route("/<path:number>/links", methods=["POST"])
@requires(Permission.GAPS_MANAGE)
def add_link(number: str):
    clause = db.session.scalar(
        select(Clause).where(Clause.standard == STANDARD, Clause.number == number)
    ) or abort(404)
    form = LinkEvidenceForm()
    if form.validate_on_submit():
        links.link(
            clause,
            record_type=form.record_type.data,
            record_key=form.record_key.data,
            note=form.note.data,
            by=current_user,
        )
        db.session.commit()
        flash("Evidence linked.", "success")
    else:
        flash("Give the record type, the record and a note.", "danger")
    return redirect(url_for("clauses.show", number=clause.number))


@bp.route("/links/<int:link_id>/retire", methods=["POST"])
@requires(Permission.GAPS_MANAGE)
def retire_link(link_id: int):
    link = db.session.get(ClauseLink, link_id) or abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            links.retire(link, by=current_user, reason=form.reason.data)
        except links.LinkError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash("Link retired.", "success")
    else:
        flash("Give a reason.", "danger")
    return redirect(url_for("clauses.show", number=link.clause.number))

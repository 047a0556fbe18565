"""Admin pages for accounts: list, create, edit roles and window, deactivate, reset password."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from compliance.extensions import db
from compliance.outcomes import CHANGED_ELSEWHERE, commit_or_report
from compliance.pagination import paginate
from compliance.permissions import Permission, requires
from compliance.users import services
from compliance.users.forms import CreateUserForm, EditUserForm, ReasonForm
from compliance.users.models import User
from compliance.users.passwords import WeakPassword

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value else None


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/")
@requires(Permission.USERS_MANAGE)
def index():
    q = request.args.get("q", "").strip()
    stmt = select(User).options(selectinload(User.role_rows)).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), User.name.ilike(like)))
    return render_template("users/index.html", page=paginate(stmt), q=q)


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.USERS_MANAGE)
def create():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                password=form.password.data,
                by=current_user,
                access_valid_from=_utc(form.access_valid_from.data),
                access_valid_until=_utc(form.access_valid_until.data),
                must_change_password=True,
            )
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "danger")
        except WeakPassword as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Account created for {user.email}.", "success")
            return redirect(url_for("users.show", user_id=user.id))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>")
@requires(Permission.USERS_MANAGE)
def show(user_id: int):
    user = _get_user(user_id)
    return render_template("users/show.html", user=user, reason_form=ReasonForm())


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Permission.USERS_MANAGE)
def edit(user_id: int):
    user = _get_user(user_id)
    form = EditUserForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.version.data = str(user.version)
        form.access_valid_from.data = user.access_valid_from
        form.access_valid_until.data = user.access_valid_until
    if form.validate_on_submit():
        if form.version.data != str(user.version):
            flash(CHANGED_ELSEWHERE.format(what="account"), "warning")
            return redirect(url_for("users.edit", user_id=user.id))
        # commit_or_report also catches a save overtaken after the check above (StaleDataError).
        ok = commit_or_report(
            lambda: services.update_user(
                user,
                by=current_user,
                name=form.name.data,
                roles=form.roles.data,
                access_valid_from=_utc(form.access_valid_from.data),
                access_valid_until=_utc(form.access_valid_until.data),
                reason=form.reason.data or None,
            ),
            "Account updated.",
            refusals=(services.AccountError,),
            what="account",
        )
        if ok:
            return redirect(url_for("users.show", user_id=user.id))
    return render_template("users/form.html", form=form, user=user)


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@requires(Permission.USERS_MANAGE)
def deactivate(user_id: int):
    return _with_reason(user_id, services.deactivate_user, "Account deactivated.")


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@requires(Permission.USERS_MANAGE)
def reactivate(user_id: int):
    return _with_reason(user_id, services.reactivate_user, "Account reactivated.")


def _with_reason(user_id: int, action, done: str):
    user = _get_user(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give a reason.", "danger")
        return redirect(url_for("users.show", user_id=user.id))
    try:
        action(user, by=current_user, reason=form.reason.data)
    except services.AccountError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@requires(Permission.USERS_MANAGE)
def reset_password(user_id: int):
    user = _get_user(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give a reason.", "danger")
        return redirect(url_for("users.show", user_id=user.id))
    temporary = services.reset_password(user, by=current_user, reason=form.reason.data)
    db.session.commit()
    # Shown once, never stored in clear; the user must change it at next sign-in.
    return render_template("users/temporary_password.html", user=user, temporary=temporary)

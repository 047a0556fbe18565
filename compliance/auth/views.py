"""Sign-in and sign-out with a fresh session id and CSRF token each time."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from compliance.extensions import db
from compliance.permissions import Permission, public, requires
from compliance.users import services
from compliance.users.passwords import WeakPassword

from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def _lockout_settings() -> dict:
    return {
        "max_failures": current_app.config["LOGIN_MAX_FAILURES"],
        "lockout": dt.timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"]),
    }


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, **_lockout_settings())
        except services.AuthError as error:
            db.session.commit()  # the failure count must persist
            flash(str(error), "danger")
            return render_template("auth/login.html", form=form), 200
        from compliance.users.models import SessionPrincipal

        # New server-side session id, and a new CSRF token: nothing from before sign-in survives.
        session.clear()
        row = services.start_session(
            user, remote_addr=request.remote_addr, user_agent=request.user_agent.string
        )
        db.session.commit()
        login_user(SessionPrincipal(user, row.id))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires(Permission.ACCOUNT_SELF)
def logout():
    services.end_session(current_user.session_id, reason="signed out")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.ACCOUNT_SELF)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user.user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep_session=current_user.session_id,
            )
        except services.AuthError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        except WeakPassword as error:
            db.session.rollback()
            form.new_password.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password was changed. Other sessions were signed out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)

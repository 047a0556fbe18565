"""Pages where a signed-in person creates, lists and revokes their API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from compliance.api import tokens
from compliance.api.forms import CreateTokenForm, RevokeForm
from compliance.api.models import ApiToken
from compliance.extensions import db
from compliance.permissions import Permission, requires

bp = Blueprint("api_tokens", __name__)


def _create_form() -> CreateTokenForm:
    form = CreateTokenForm()
    form.roles.choices = [(r.value, r.label) for r in sorted(current_user.user.roles)]
    if not form.is_submitted():
        form.roles.data = [r.value for r in current_user.user.roles]
    return form


def _index(form: CreateTokenForm):
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user.user),
        revoke_form=RevokeForm(),
    )


@bp.route("/account/api-tokens")
@requires(Permission.API_TOKENS)
def index():
    return _index(_create_form())


@bp.route("/account/api-tokens/new", methods=["POST"])
@requires(Permission.API_TOKENS)
def create():
    form = _create_form()
    if not form.validate_on_submit():
        return _index(form)
    try:
        token, secret = tokens.create_token(
            current_user.user,
            name=form.name.data,
            roles=form.roles.data,
            expires_in_days=None if form.expires.data == "never" else int(form.expires.data),
            by=current_user,
        )
    except tokens.TokenError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _index(form)
    db.session.commit()
    # Rendered, never flashed: a flashed secret would travel in the session cookie.
    return render_template("api/token_created.html", token=token, secret=secret)


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.API_TOKENS)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if RevokeForm().validate_on_submit():
        try:
            tokens.revoke_token(token, by=current_user)
        except tokens.TokenError as error:
            db.session.rollback()
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash(f"Token '{token.name}' revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.index"))

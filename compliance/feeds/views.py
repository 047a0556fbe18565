"""The calendar feed itself (opened by its secret URL) and the page that makes the URL."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.feeds import services
from compliance.feeds.ical import to_ical
from compliance.feeds.sources import events_for
from compliance.permissions import Permission, public, requires

bp = Blueprint("feeds", __name__)


def _settings(feed_url: str | None = None):
    return render_template(
        "feeds/calendar.html",
        feed=services.active_feed(current_user.user),
        feed_url=feed_url,
        form=FlaskForm(),
        lab_wide=current_user.can(Permission.CALENDAR_LAB),
    )


@bp.route("/account/calendar")
@requires(Permission.ACCOUNT_SELF)
def settings():
    return _settings()


@bp.route("/account/calendar/new", methods=["POST"])
@requires(Permission.ACCOUNT_SELF)
def create():
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("feeds.settings"))
    secret = services.create_feed(current_user.user, by=current_user)
    db.session.commit()
    # Shown on this page only: the lab keeps a digest of the secret, never the URL itself.
    return _settings(url_for("feeds.feed", feed_token=secret, _external=True))


@bp.route("/account/calendar/revoke", methods=["POST"])
@requires(Permission.ACCOUNT_SELF)
def revoke():
    if FlaskForm().validate_on_submit():
        if services.revoke_feed(current_user.user, by=current_user):
            db.session.commit()
            flash("Your calendar link no longer works.", "success")
        else:
            flash("You had no calendar link.", "info")
    return redirect(url_for("feeds.settings"))


@bp.route("/calendar/<feed_token>.ics")
@public  # the secret in the URL is the credential: calendar clients cannot sign in
def feed(feed_token: str):
    user = services.user_for_feed(feed_token)
    if user is None:
        abort(404)
    body = to_ical(f"{current_app.config['LAB_NAME']}: {user.name}", events_for(user, lab_today()))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="compliance.ics"',
            "Cache-Control": "private, no-store",
        },
    )

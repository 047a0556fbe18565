"""The page where a person chooses daily or weekly digests and sees what the next one holds."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from compliance.dates import lab_today
from compliance.extensions import db
from compliance.permissions import Permission, requires
from compliance.reminders import services
from compliance.reminders.collectors import DigestContext
from compliance.reminders.digest import build_digest
from compliance.reminders.forms import PreferenceForm
from compliance.reminders.recipients import recipient_for

bp = Blueprint("reminders", __name__)


@bp.route("/account/reminders", methods=["GET", "POST"])
@requires(Permission.ACCOUNT_SELF)
def settings():
    user = current_user.user
    preference = services.preference_for(user)
    form = PreferenceForm(obj=preference)
    if form.validate_on_submit():
        try:
            saved = services.set_preference(
                user, frequency=form.frequency.data, weekday=form.weekday.data
            )
        except services.PreferenceError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            described = services.describe(saved)
            db.session.commit()
            flash(f"Saved: your digest now comes {described}.", "success")
            return redirect(url_for("reminders.settings"))
    ctx = DigestContext(lab_today(), current_app.config["REVIEW_DUE_WINDOW_DAYS"])
    preview = build_digest(recipient_for(user), ctx, preference.frequency)
    return render_template(
        "reminders/settings.html",
        form=form,
        preference=preference,
        described=services.describe(preference),
        preview=preview,
        sends=services.recent_sends(user),
    )

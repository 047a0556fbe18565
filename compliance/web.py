"""Web wiring: blueprints, the signed-in principal, security headers and error pages."""

from __future__ import annotations

from flask import (
    Flask,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from compliance.db import utcnow
from compliance.extensions import db, login_manager
from compliance.permissions import Permission, Role

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Reachable while a password change is pending.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "static"}
# The largest id an integer column holds (PostgreSQL `integer`): a larger number names no record.
MAX_ID = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every route (create_app registers it as "int"): a number past MAX_ID
    matches no route, a 404, instead of reaching the database, which refuses it."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def record_id(value: str) -> int:
    """A record id from a query string, as `type=` for `request.args.get/getlist`: anything
    no id column can hold raises ValueError, so werkzeug answers the default (or drops it)."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(f"{value!r} is not a record id")
    return number


class NulCharacter(BadRequest):
    """PostgreSQL refuses NUL in text, and no field of ours has a use for one."""

    description = "The request contains a NUL character, which no field accepts."


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies get the Secure flag whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


def register_web(app: Flask) -> None:
    app.session_interface = SessionInterface()
    _register_input_checks(app)
    if app.config.get("PROXY_COUNT"):
        # Behind N trusted reverse proxies: believe their X-Forwarded-Proto/For/Host.
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    from compliance.audit.views import access_bp
    from compliance.audit.views import bp as audit_bp
    from compliance.auth.views import bp as auth_bp
    from compliance.clauses.views import bp as clauses_bp
    from compliance.documents.views import bp as documents_bp
    from compliance.gaps.views import bp as gaps_bp
    from compliance.imports.views import bp as imports_bp
    from compliance.main.views import bp as main_bp
    from compliance.reports.views import bp as reports_bp
    from compliance.users.views import bp as users_bp

    for bp in (main_bp, auth_bp, users_bp, audit_bp, documents_bp, imports_bp):
        app.register_blueprint(bp)
    for bp in (clauses_bp, gaps_bp, access_bp, reports_bp):
        app.register_blueprint(bp)
    from compliance.equipment.views import bp as equipment_bp

    app.register_blueprint(equipment_bp)
    # After equipment: readiness checks register on import, in the scope's reading order.
    from compliance.personnel.views import bp as personnel_bp

    app.register_blueprint(personnel_bp)
    _register_scope_and_quality(app)

    _register_login(app)
    _register_headers(app)
    _register_auditor_log(app)
    _register_errors(app)
    _register_reminders_feeds_and_api(app)
    app.jinja_env.globals.update(Role=Role, Permission=Permission)
    app.jinja_env.globals["page_url"] = page_url


def _register_reminders_feeds_and_api(app: Flask) -> None:
    """After the HTML error pages: the API answers its own errors in JSON (and is exempt from
    CSRF, being token-authenticated and read-only)."""
    from compliance.api.core import register_api
    from compliance.feeds.views import bp as feeds_bp
    from compliance.reminders.views import bp as reminders_bp

    app.register_blueprint(reminders_bp)
    app.register_blueprint(feeds_bp)
    register_api(app)


def _register_scope_and_quality(app: Flask) -> None:
    """The scope of accreditation and the quality-system records (issue 6)."""
    from compliance.audits.views import bp as audits_bp
    from compliance.capa.views import bp as capa_bp
    from compliance.complaints.views import bp as complaints_bp
    from compliance.proficiency.views import bp as proficiency_bp
    from compliance.quality.views import bp as quality_bp
    from compliance.reviews.views import bp as reviews_bp
    from compliance.risks.views import bp as risks_bp
    from compliance.scope.views import bp as scope_bp

    for bp in (scope_bp, quality_bp, proficiency_bp, audits_bp, reviews_bp, capa_bp):
        app.register_blueprint(bp)
    for bp in (complaints_bp, risks_bp):
        app.register_blueprint(bp)


def _register_input_checks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        """Before any view: a NUL anywhere a text is read from the request is a 400."""
        if any("\x00" in text for text in _request_texts()):
            raise NulCharacter()


def _request_texts():
    """The path, query-string and form names and values, and uploads' names. Not the uploaded
    bytes: binary files hold NULs legitimately."""
    yield request.path
    for fields in (request.args, request.form):
        for name, value in fields.items(multi=True):
            yield name
            yield value
    for name, upload in request.files.items(multi=True):
        yield name
        yield upload.filename or ""


def _register_login(app: Flask) -> None:
    from compliance.users.models import SessionPrincipal, active_session

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # Our own session ids already change at every sign-in; Flask-Login's "strong"
    # protection would add nothing but false alarms behind proxies.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_principal(session_id: str):
        row = active_session(session_id)
        if row is None:
            return None
        return SessionPrincipal(row.user, row.id)

    @app.before_request
    def enforce_account_state():
        if not current_user.is_authenticated:
            return None
        user = current_user.user
        now = utcnow()
        if not user.is_active or not user.within_access_window(now):
            from compliance.users.services import end_session

            end_session(current_user.session_id, reason="access ended")
            db.session.commit()
            logout_user()
            session.clear()
            flash(
                "Your access has ended (account deactivated or outside its access window).",
                "warning",
            )
            return redirect(url_for("auth.login"))
        if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            flash("Choose a new password before you continue.", "warning")
            return redirect(url_for("auth.change_password"))
        g.user = user
        return None


def _register_auditor_log(app: Flask) -> None:
    @app.after_request
    def log_auditor_page_view(response):
        """Every page an auditor opens is itself recorded (clause 7.11 evidence)."""
        if (
            request.method == "GET"
            and request.endpoint not in (None, "static")
            and current_user
            and current_user.is_authenticated
            and current_user.has_role(Role.AUDITOR)
        ):
            from compliance.audit.access import log_page_view

            log_page_view(current_user.user, request, response.status_code)
        return response


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and current_user.is_authenticated and request.endpoint != "static":
            # Override send_file's "no-cache": a signed-in page or download is never stored.
            headers["Cache-Control"] = "no-store"
        return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def stale_form(error):
        db.session.rollback()
        flash(
            "The form had expired or did not come from this site, so nothing was saved. "
            "Please try again.",
            "danger",
        )
        target = request.referrer if _same_origin(request.referrer) else request.path
        return redirect(target or url_for("main.index")), 303

    def page(code: int, title: str, message: str):
        def handler(error):
            db.session.rollback()
            # Our own refusals say what was wrong; werkzeug's generic ones get the page's text.
            shown = error.description if isinstance(error, NulCharacter) else message
            return render_template("error.html", code=code, title=title, message=shown), code

        return handler

    app.register_error_handler(
        400, page(400, "Bad request", "The request could not be understood.")
    )
    app.register_error_handler(
        403, page(403, "Not allowed", "You do not have access to this page.")
    )
    app.register_error_handler(404, page(404, "Not found", "There is no page at this address."))
    app.register_error_handler(
        405, page(405, "Not allowed", "This page does not accept that kind of request.")
    )
    app.register_error_handler(
        413, page(413, "Too large", "The upload is larger than this server accepts.")
    )
    app.register_error_handler(
        500,
        page(500, "Something went wrong", "The error was logged. Nothing was saved; try again."),
    )


def _same_origin(url: str | None) -> bool:
    if not url:
        return False
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.netloc == request.host and parsed.scheme in ("http", "https")


def page_url(page: int) -> str:
    """This list page's URL with its filters kept and another page number."""
    args = {**request.view_args, **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)

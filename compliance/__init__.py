"""ISO/IEC 17025 compliance backbone: create_app() builds the Flask application."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask

from compliance import config as config_module
from compliance.extensions import csrf, db, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent


def _asset_folder(name: str) -> str:
    """templates/ and static/ live at the top of the checkout and inside the installed package."""
    installed = PACKAGE_DIR / name
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / name)


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (tests use it)."""
    settings = config_module.from_environment(overrides=config or {})
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
    )
    app.config.update(settings)
    if app.config["GC_GEN0_THRESHOLD"]:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(app.config["GC_GEN0_THRESHOLD"], older, oldest)
    from compliance.web import BoundedIntegerConverter

    # Before any route is added: an <int:...> id past an integer column is a 404, not a 500.
    app.url_map.converters["int"] = BoundedIntegerConverter
    if app.config["PRODUCTION"] and (app.debug or app.config.get("DEBUG")):
        raise RuntimeError(
            "Refusing to start: debug mode is on in production. Unset FLASK_DEBUG, or set "
            "COMPLIANCE_ENV=development on a developer machine."
        )

    from compliance.stored.results import save_pending

    # Registered before the database: teardowns run in reverse, so this one runs after the
    # request's session is gone.
    app.teardown_appcontext(save_pending)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    login_manager.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from compliance.db import tune_sqlite

            tune_sqlite(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from compliance import models  # noqa: F401  (every table registered before migrations)
    from compliance.stored import versions

    with app.app_context():
        versions.install(
            db.engine,
            {t.name: frozenset(c.name for c in t.columns) for t in db.metadata.sorted_tables},
            versions.counter_columns(db.Model.registry),
        )
    from compliance.web import register_web

    register_web(app)

    from compliance.cli import register_cli

    register_cli(app)
    return app


def _migrations_dir() -> Path:
    installed = PACKAGE_DIR / "migrations"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "migrations"

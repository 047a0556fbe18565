"""The schema comes from migrations only, and they agree with the models both ways."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from compliance import create_app
from compliance.extensions import db
from tests.conftest import fresh_database


@pytest.fixture
def migrated_app(backend, tmp_path, tmp_path_factory):
    """A database of its own, built by `flask db upgrade`, dropped afterwards."""
    with fresh_database(backend, tmp_path_factory) as url:
        app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "COMPLIANCE_ENV": "testing"}
        )
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def _diff(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(migrated_app):
    assert _diff(migrated_app) == []


def test_downgrade_to_base_and_back(migrated_app):
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _diff(migrated_app) == []

"""Fixtures of the scope tests: a request context and the people who act."""

import pytest


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")

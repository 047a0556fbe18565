"""API fixtures: personal access tokens and a client that sends them."""

import pytest

from compliance.api import tokens
from compliance.extensions import db


@pytest.fixture
def token_for(app):
    """token_for(user) -> secret, acting with all the user's roles (or `roles=[...]`)."""

    def make(user, *, roles=None, expires_in_days=None, name="test token") -> str:
        _token, secret = tokens.create_token(
            user,
            name=name,
            roles=roles or [r.value for r in user.roles],
            expires_in_days=expires_in_days,
            by=user,
        )
        db.session.commit()
        return secret

    return make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}

"""Personal access tokens: create (shown once), revoke, and authenticate a request by one.

Secrets are random (240 bits), so a plain SHA-256 digest is enough at rest: nothing to guess.
The same helpers make the private calendar-feed tokens (compliance/feeds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from compliance.api.models import ApiToken
from compliance.audit.services import record
from compliance.db import utcnow
from compliance.extensions import db
from compliance.permissions import Permission, Role, permissions_for
from compliance.users.models import User

API_PREFIX = "cmp_"
EXPIRY_DAYS = (30, 90, 365)


class TokenError(ValueError):
    """A refused token action; the message is safe to show."""


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(30)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def create_token(
    user: User, *, name: str, roles, expires_in_days: int | None, by
) -> tuple[ApiToken, str]:
    """A new token for `user` acting with some of their roles; returns it and its secret, which
    is never stored. Raises TokenError on an empty name, a role the user lacks or a bad expiry."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise TokenError("Name the token (up to 100 characters), e.g. 'Monthly KPI export'.")
    try:
        chosen = frozenset(Role(r) for r in roles)
    except ValueError:
        raise TokenError("Unknown role chosen for the token.") from None
    if not chosen:
        raise TokenError("Choose at least one of your roles for the token to act with.")
    if not chosen <= user.roles:
        raise TokenError("A token can only act with roles you hold.")
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        raise TokenError(f"Choose an expiry of {', '.join(map(str, EXPIRY_DAYS))} days.")
    secret = new_secret(API_PREFIX)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_sha256=digest(secret),
        hint=secret[: len(API_PREFIX) + 4],
        roles=sorted(r.value for r in chosen),
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        entity_type="api_token",
        entity_key=token.id,
        actor=by,
        changes={
            "owner": [None, user.email],
            "name": [None, name],
            "roles": [None, token.roles],
            "expires_at": [None, token.expires_at],
        },
    )
    return token, secret


def revoke_token(token: ApiToken, *, by) -> None:
    """Revoke a token at once. Raises TokenError if it was already revoked."""
    if token.revoked_at is not None:
        raise TokenError(f"The token '{token.name}' was already revoked.")
    token.revoked_at = utcnow()
    db.session.flush()
    record(
        "api_token.revoked",
        entity_type="api_token",
        entity_key=token.id,
        actor=by,
        changes={"revoked_at": [None, token.revoked_at]},
        reason=f"'{token.name}' of {token.user.email}",
    )


class TokenPrincipal:
    """Who an API request acts as: the token's owner, limited to the token's roles that the
    owner still holds. Quacks like the session principal (can, has_role, user)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, token: ApiToken, user: User):
        self.token = token
        self.user = user
        self.roles = token.role_set & user.roles

    def get_id(self) -> None:
        return None  # never stored in a session

    def can(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def __getattr__(self, name):
        return getattr(self.user, name)


def authenticate(secret: str | None) -> TokenPrincipal | None:
    """The principal for a presented secret, or None when it is unknown, revoked, expired, or
    its owner is deactivated or outside their access window."""
    if not secret or not secret.startswith(API_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest(secret)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    user = token.user
    if not user.is_active or not user.within_access_window(now):
        return None
    return TokenPrincipal(token, user)

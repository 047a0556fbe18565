"""Personal access tokens: shown once, hashed at rest, scoped to the owner's roles, revocable,
audited."""

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select, update

from compliance.api import tokens
from compliance.api.models import ApiToken
from compliance.audit.models import AuditEntry
from compliance.db import utcnow
from compliance.extensions import db
from compliance.users import services as users
from compliance.users.models import User
from tests.api.conftest import bearer

SECRET_RE = re.compile(r'id="new-token">(cmp_[A-Za-z0-9_\-]+)<')


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_token_made_on_the_page_is_shown_once_and_stored_only_as_a_digest(client, auth, make_user):
    staff = make_user("staff")
    auth.login(staff.email)
    page = auth.post(
        "/account/api-tokens/new",
        {"name": "KPI export", "roles": ["staff"], "expires": "30"},
        form_page="/account/api-tokens",
    )
    assert page.status_code == 200
    secret = SECRET_RE.search(page.text).group(1)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == staff.id))
    assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {row.name, row.hint, row.token_sha256} and row.hint == secret[:8]
    assert row.roles == ["staff"]
    assert row.expires_at - row.created_at == dt.timedelta(days=30)
    # The list shows a hint, never the secret again.
    listing = client.get("/account/api-tokens").text
    assert "KPI export" in listing and row.hint in listing and secret not in listing
    assert client.get("/api/v1/documents", headers=bearer(secret)).status_code == 200
    (entry,) = _audit("api_token.created")
    assert entry.actor_id == staff.id and entry.changes["roles"] == [None, ["staff"]]


def test_revoking_on_the_page_stops_the_token_at_once_and_is_audited(
    client, auth, make_user, token_for
):
    staff = make_user("staff")
    secret = token_for(staff)
    assert client.get("/api/v1/documents", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == staff.id))
    auth.login(staff.email)
    response = auth.post(f"/account/api-tokens/{token.id}/revoke", form_page="/account/api-tokens")
    assert response.status_code == 302
    auth.logout()
    denied = client.get("/api/v1/documents", headers=bearer(secret))
    assert denied.status_code == 401 and denied.json["error"] == "Unauthorized"
    (entry,) = _audit("api_token.revoked")
    assert entry.entity_key == str(token.id) and entry.actor_id == staff.id


def test_nobody_revokes_someone_elses_token(client, auth, make_user, token_for):
    owner, other = make_user("staff"), make_user("staff")
    token_for(owner)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    auth.login(other.email)
    response = auth.post(f"/account/api-tokens/{token.id}/revoke", form_page="/account/api-tokens")
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_token_acts_only_with_the_roles_chosen(client, make_user, token_for):
    both = make_user("quality_manager", "staff")
    as_staff = token_for(both, roles=["staff"])
    as_qm = token_for(both, roles=["quality_manager"])
    assert client.get("/api/v1/findings", headers=bearer(as_staff)).status_code == 403
    assert client.get("/api/v1/findings", headers=bearer(as_qm)).status_code == 200
    response = client.get("/api/v1/documents", headers=bearer(as_staff))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # stateless: no session is started
    assert response.headers["Cache-Control"] == "no-store"


def test_a_token_never_grants_more_than_its_owner_holds_now(client, make_user, token_for):
    admin = make_user("admin")
    qm = make_user("quality_manager", "staff")
    secret = token_for(qm)
    assert client.get("/api/v1/findings", headers=bearer(secret)).status_code == 200
    users.update_user(
        qm, by=admin, name=qm.name, roles=["staff"], access_valid_from=None, access_valid_until=None
    )
    db.session.commit()
    refused = client.get("/api/v1/findings", headers=bearer(secret))
    assert refused.status_code == 403 and refused.json["error"] == "Forbidden"


def test_no_token_for_a_role_one_does_not_hold(app, make_user):
    staff = make_user("staff")
    with pytest.raises(tokens.TokenError, match="only act with roles you hold"):
        tokens.create_token(
            staff, name="x", roles=["quality_manager"], expires_in_days=None, by=staff
        )
    with pytest.raises(tokens.TokenError, match="Name the token"):
        tokens.create_token(staff, name="  ", roles=["staff"], expires_in_days=None, by=staff)
    with pytest.raises(tokens.TokenError, match="expiry"):
        tokens.create_token(staff, name="x", roles=["staff"], expires_in_days=7, by=staff)


def test_the_create_form_offers_only_ones_own_roles(client, auth, make_user):
    staff = make_user("staff")
    auth.login(staff.email)
    page = client.get("/account/api-tokens").text
    assert 'value="staff"' in page and 'value="quality_manager"' not in page
    forged = auth.post(
        "/account/api-tokens/new",
        {"name": "x", "roles": ["quality_manager"], "expires": "30"},
        form_page="/account/api-tokens",
    )
    assert forged.status_code == 200 and "not a valid choice" in forged.text
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == staff.id)) is None


def test_expired_tokens_and_ended_accounts_are_refused(client, make_user, token_for):
    admin = make_user("admin")
    staff = make_user("staff")
    expiring = token_for(staff, expires_in_days=30)
    lasting = token_for(staff)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.expires_at.is_not(None))
        .values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    assert client.get("/api/v1/documents", headers=bearer(expiring)).status_code == 401
    assert client.get("/api/v1/documents", headers=bearer(lasting)).status_code == 200
    users.deactivate_user(staff, by=admin, reason="left the lab")
    db.session.commit()
    assert client.get("/api/v1/documents", headers=bearer(lasting)).status_code == 401


def test_an_auditor_token_ends_with_the_access_window(client, make_user, token_for):
    auditor = make_user("auditor")
    secret = token_for(auditor)
    assert client.get("/api/v1/documents", headers=bearer(secret)).status_code == 200
    db.session.execute(
        update(User)
        .where(User.id == auditor.id)
        .values(access_valid_until=utcnow() - dt.timedelta(minutes=1))
    )
    db.session.commit()
    assert client.get("/api/v1/documents", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer cmp_" + "x" * 40],
)
def test_missing_or_unknown_tokens_answer_401_in_json(client, header):
    response = client.get("/api/v1/documents", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_browser_session_is_not_an_api_credential(client, auth, make_user):
    staff = make_user("staff")
    auth.login(staff.email)
    assert client.get("/documents/").status_code == 200
    assert client.get("/api/v1/documents").status_code == 401


def test_a_token_opens_no_html_page(client, make_user, token_for):
    secret = token_for(make_user("quality_manager"))
    page = client.get("/documents/", headers=bearer(secret))
    assert page.status_code == 302 and "/login" in page.headers["Location"]

"""Admin pages: create, edit roles and window, deactivate, reset password."""

from sqlalchemy import func, select

from compliance.audit.models import AuditEntry
from compliance.extensions import db
from compliance.users.models import User


def test_admin_creates_a_user_who_must_change_password(client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin.email)
    response = auth.post(
        "/admin/users/new",
        {
            "email": "New.Tech@Lab.test",
            "name": "New Tech",
            "roles": ["staff"],
            "password": "Solder-bridge-4417",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.tech@lab.test"))
    assert user.must_change_password and user.roles == {"staff"}
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.entity_key == user.email
        )
    )
    assert entry.actor_id == admin.id


def test_duplicate_email_and_missing_fields_are_named_and_nothing_written(client, auth, make_user):
    admin = make_user("admin")
    existing = make_user("staff")
    auth.login(admin.email)
    before = db.session.scalar(select(func.count()).select_from(User))
    dup = auth.post(
        "/admin/users/new",
        {
            "email": existing.email.upper(),
            "name": "Again",
            "roles": ["staff"],
            "password": "Solder-bridge-4417",
        },
    )
    assert "already exists" in dup.text
    missing = auth.post("/admin/users/new", {"email": "x@lab.test", "password": "short"})
    assert "This field is required." in missing.text or "Choose at least one role." in missing.text
    assert "at least 12 characters" in missing.text
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_edit_roles_with_stale_version_is_refused(client, auth, make_user):
    from compliance.users import services

    admin = make_user("admin")
    user = make_user("staff")
    auth.login(admin.email)
    form_page = client.get(f"/admin/users/{user.id}/edit")
    assert form_page.status_code == 200
    # Someone else changes the account after the form was opened.
    services.update_user(
        user,
        by=admin,
        name="Renamed",
        roles=["staff"],
        access_valid_from=None,
        access_valid_until=None,
    )
    db.session.commit()
    response = auth.post(
        f"/admin/users/{user.id}/edit",
        {"name": "Mine", "roles": ["staff", "quality_manager"], "version": "1"},
        follow_redirects=True,
    )
    assert "changed by someone else since you opened it" in response.text
    db.session.refresh(user)
    assert user.name == "Renamed" and user.roles == {"staff"}


def test_deactivate_needs_reason_and_keeps_the_record(client, auth, make_user):
    admin = make_user("admin")
    user = make_user("staff")
    auth.login(admin.email)
    page = f"/admin/users/{user.id}"
    refused = auth.post(
        f"/admin/users/{user.id}/deactivate", {}, form_page=page, follow_redirects=True
    )
    assert "Give a reason." in refused.text
    done = auth.post(
        f"/admin/users/{user.id}/deactivate",
        {"reason": "left"},
        form_page=page,
        follow_redirects=True,
    )
    assert "Account deactivated." in done.text
    db.session.refresh(user)
    assert user.is_active is False and db.session.get(User, user.id) is not None


def test_last_admin_cannot_be_removed(make_user):
    import pytest

    from compliance.users import services

    admin = make_user("admin")
    qm = make_user("quality_manager")
    with pytest.raises(services.AccountError, match="last active administrator"):
        services.update_user(
            admin,
            by=admin,
            name=admin.name,
            roles=["staff"],
            access_valid_from=None,
            access_valid_until=None,
        )
    with pytest.raises(services.AccountError, match="last active administrator"):
        services.deactivate_user(admin, by=qm, reason="oops")


def test_reset_password_shows_one_time_password_once(client, auth, make_user):
    admin = make_user("admin")
    user = make_user("staff")
    auth.login(admin.email)
    response = auth.post(
        f"/admin/users/{user.id}/reset-password",
        {"reason": "forgot"},
        form_page=f"/admin/users/{user.id}",
    )
    assert response.status_code == 200 and "One-time password" in response.text
    db.session.refresh(user)
    assert user.must_change_password


def test_auditor_needs_a_window_end(make_user):
    import pytest

    from compliance.users import services

    with pytest.raises(services.AccountError, match="access window"):
        services.create_user(
            email="a@lab.test",
            name="A Uditor",
            roles=["auditor"],
            password="Solder-bridge-4417",
            access_valid_until=None,
        )

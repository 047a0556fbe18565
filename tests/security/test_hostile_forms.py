"""Property tests: no form of the app answers hostile input with a server error.

The app runs with TESTING on, so an unhandled exception is raised here with its traceback
instead of becoming a 500 page; hypothesis then shrinks the input to the smallest that fails.
CSRF is off for these tests (it has its own) so that the input reaches the views. Each test
also runs every classic payload in every field at once (fuzz.sweep).
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.documents import services as documents
from compliance.documents.models import AcknowledgementTask
from compliance.extensions import db
from tests.factories import effective_document, make_docx
from tests.security.fuzz import (
    FUZZ,
    choices,
    date_like,
    file_bytes,
    filename,
    form,
    sweep,
    text,
    value,
)

pytestmark = pytest.mark.requirement("REQ-SEC-01")

LOGIN = {"email": value, "password": value}
NEW_USER = {
    "email": value,
    "name": value,
    "roles": choices,
    "password": value,
    "access_valid_from": date_like,
    "access_valid_until": date_like,
}
EDIT_USER = {
    "name": value,
    "roles": choices,
    "access_valid_from": date_like,
    "access_valid_until": date_like,
    "version": value,
    "reason": value,
}
PASSWORD_CHANGE = {"current_password": value, "new_password": value, "confirm": value}
REGISTER_ENTRY = {
    "number": value,
    "title": value,
    "doc_type": st.one_of(st.sampled_from(["procedure", "form", "policy"]), text),
    "owner_id": value,
    "review_interval_months": value,
    "label_scheme": st.one_of(st.sampled_from(["letters", "numbers"]), text),
    "clauses": value,
    "audiences": choices.map(lambda roles: [f"role:{r}" for r in roles]),
    "version": value,
    "reason": value,
}
SIGNATURE = {"password": value, "comment": value, "effective_on": date_like, "reason": value}
QUERY_KEYS = ["q", "type", "status", "owner", "clause", "sort", "page", "from", "to", "actor"]
QUERY_KEYS += ["entity_type", "entity_key", "action", "user"]
LIST_PAGES = ["/documents/", "/audit/", "/audit/export.csv", "/access-log/", "/admin/users/"]


@pytest.fixture
def fuzz_app(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _ok(response) -> None:
    response.close()
    assert response.status_code < 500, response.status_code


@pytest.fixture
def admin(fuzz_app, make_user, auth):
    user = make_user("admin")
    auth.login(user.email)
    return user


@pytest.fixture
def qm(fuzz_app, make_user, auth):
    user = make_user("quality_manager")
    auth.login(user.email)
    return user


@pytest.fixture
def document(qm):
    document, _ = effective_document(qm, number="QP-FUZZ-01")
    return document


@FUZZ
@given(body=form(**LOGIN))
@sweep({"body": LOGIN})
def test_login(fuzz_app, client, make_user, body):
    _ok(client.post("/login", data=body))
    _ok(client.post("/login", query_string={"next": body.get("email", "/")}, data=body))


@FUZZ
@given(body=form(**NEW_USER))
@sweep({"body": NEW_USER})
def test_admin_creates_users(client, admin, body):
    _ok(client.post("/admin/users/new", data=body))


@FUZZ
@given(
    body=form(**EDIT_USER),
    action=st.sampled_from(["edit", "deactivate", "reactivate", "reset-password"]),
)
@sweep({"body": EDIT_USER}, action="edit")
@sweep({"body": ["reason"]}, action="deactivate")
def test_admin_edits_accounts(client, admin, make_user, body, action):
    target = make_user("staff")
    _ok(client.post(f"/admin/users/{target.id}/{action}", data=body))


@FUZZ
@given(body=form(**PASSWORD_CHANGE))
@sweep({"body": PASSWORD_CHANGE})
def test_change_own_password(client, make_user, auth, fuzz_app, body):
    user = make_user("staff")
    auth.login(user.email)
    _ok(client.post("/account/password", data=body))


@FUZZ
@given(body=form(**REGISTER_ENTRY))
@sweep({"body": REGISTER_ENTRY})
def test_document_register_create_and_edit(client, document, body):
    _ok(client.post("/documents/new", data=body))
    _ok(client.post(f"/documents/{document.id}/edit", data=body))


@FUZZ
@given(
    data=file_bytes,
    name=filename,
    summary=value,
    label=st.one_of(st.sampled_from(["B", "C", "1", "AA", ""]), text),
)
@sweep({"summary": None, "label": None, "name": None}, data=make_docx("Swept"))
def test_revision_upload(client, qm, document, data, name, summary, label):
    response = client.post(
        f"/documents/{document.id}/revisions/new",
        data={"file": (io.BytesIO(data), name), "change_summary": summary, "label": label},
        content_type="multipart/form-data",
    )
    _ok(response)
    # An accepted draft blocks the next upload; withdraw it so that every example uploads.
    for revision in document.revisions:
        db.session.refresh(revision)
        if revision.state in ("draft", "in_review"):
            documents.withdraw(revision, by=qm, reason="fuzzing")
    db.session.commit()


@pytest.fixture
def revision_in_review(fuzz_app, make_user):
    owner = make_user("quality_manager")
    reader = make_user("staff")
    document, effective = effective_document(owner, number="QP-SIGN-01", audiences=["role:staff"])
    draft = documents.add_revision(
        document, data=make_docx("In review"), filename="r.docx", change_summary="x", by=owner
    )
    documents.submit_for_review(draft, by=owner)
    task = AcknowledgementTask(
        revision_id=effective.id, user_id=reader.id, due_on=effective.effective_on
    )
    db.session.add(task)
    db.session.commit()
    return {"document": document, "draft": draft, "task": task, "reader": reader}


@FUZZ
@given(
    action=st.sampled_from(["review", "approve", "reject", "withdraw", "submit", "file"]),
    body=form(**SIGNATURE),
    signer=st.sampled_from(["quality_manager", "staff"]),
)
@sweep({"body": SIGNATURE}, action="approve", signer="quality_manager")
def test_signature_forms(client, auth, make_user, revision_in_review, action, body, signer):
    user = make_user(signer)
    auth.login(user.email)
    draft = revision_in_review["draft"]
    _ok(client.post(f"/revisions/{draft.id}/{action}", data=body))
    _ok(client.post(f"/documents/{revision_in_review['document'].id}/periodic-review", data=body))
    auth.logout()


@FUZZ
@given(body=form(password=value))
@sweep({"body": ["password"]})
def test_acknowledgement_form(client, auth, revision_in_review, body):
    auth.login(revision_in_review["reader"].email)
    _ok(client.post(f"/acknowledgements/{revision_in_review['task'].id}", data=body))


# Numbers past what an id column holds get their own test (test_out_of_range_input).
SMALL = st.integers(-5, 10**6).map(str)
QUERY = {key: SMALL if key in ("page", "user") else value for key in QUERY_KEYS}
TEXT_KEYS = [key for key in QUERY_KEYS if key not in ("page", "user")]


@FUZZ
@given(params=form(**QUERY), path=st.sampled_from(LIST_PAGES))
@sweep({"params": TEXT_KEYS}, path="/documents/")
@sweep({"params": TEXT_KEYS}, path="/audit/")
@sweep({"params": TEXT_KEYS}, path="/audit/export.csv")
def test_list_filters_and_query_strings(client, fuzz_app, make_user, auth, params, path):
    user = make_user("quality_manager", "admin")
    auth.login(user.email)
    _ok(client.get(path, query_string=params))

"""Input that the database itself refuses: NUL characters and numbers beyond an id column.

Each case must end in a 4xx answer, never a server error. The cases marked xfail are known
bugs in shared code, kept here so that the fix turns them into failures to remove the mark
(strict xfail) and so that the validation report shows them.
"""

from __future__ import annotations

import pytest

from tests.security.fuzz import NUL_PAYLOADS

pytestmark = pytest.mark.requirement("REQ-SEC-01")
HUGE = "9" * 20  # beyond PostgreSQL integer and SQLite's 64-bit integer


def _known_bug(request, reason: str):
    request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture
def signed_in(app, client, auth, make_user):
    app.config["WTF_CSRF_ENABLED"] = False

    def sign_in(*roles):
        if roles:
            user = make_user(*roles)
            auth.login(user.email)
            return user
        return None

    return sign_in


def _answer(response) -> int:
    response.close()
    return response.status_code


NUL_FORMS = [
    ((), "/login", {"email": "{}", "password": "Some-password-123"}),
    (
        ("admin",),
        "/admin/users/new",
        {"email": "new@lab.test", "name": "{}", "roles": "staff", "password": "Long-enough-pass-9"},
    ),
    (
        ("quality_manager",),
        "/documents/new",
        {
            "number": "QP-NUL-01",
            "title": "{}",
            "doc_type": "form",
            "owner_id": "{me}",
            "review_interval_months": "12",
            "label_scheme": "letters",
        },
    ),
]
NUL_QUERIES = [
    (("admin",), "/admin/users/", "q"),
    (("quality_manager",), "/documents/", "q"),
    (("quality_manager",), "/audit/", "actor"),
]
# Fix: refuse NUL in request values in compliance/web.py (a before_request answering 400).
NUL_BUG = "known bug: a NUL character reaches PostgreSQL, which refuses it (HTTP 500)"


@pytest.mark.parametrize("roles, path, body", NUL_FORMS, ids=[c[1] for c in NUL_FORMS])
def test_nul_in_a_form_field(request, backend, client, signed_in, roles, path, body):
    if backend == "postgresql":
        _known_bug(request, NUL_BUG)
    me = signed_in(*roles)
    for payload in NUL_PAYLOADS:
        filled = {
            key: value.replace("{}", payload).replace("{me}", str(me.id) if me else "")
            for key, value in body.items()
        }
        assert _answer(client.post(path, data=filled)) < 500


@pytest.mark.parametrize("roles, path, key", NUL_QUERIES, ids=[c[1] for c in NUL_QUERIES])
def test_nul_in_a_query_string(request, backend, client, signed_in, roles, path, key):
    if backend == "postgresql":
        _known_bug(request, NUL_BUG)
    signed_in(*roles)
    for payload in NUL_PAYLOADS:
        assert _answer(client.get(path, query_string={key: payload})) < 500


# Fix: a bounded int converter (max=2**31-1) registered before the blueprints (web.py).
ROUTE_ID_BUG = "known bug: an id past the column's range in the path is a 500, not a 404"


@pytest.mark.parametrize(
    "path", ["/documents/{}", "/revisions/{}", "/revisions/{}/redline", "/admin/users/{}"]
)
def test_huge_id_in_the_path_is_not_found(request, client, signed_in, path):
    _known_bug(request, ROUTE_ID_BUG)
    signed_in("quality_manager", "admin")
    assert _answer(client.get(path.format(HUGE))) == 404


def test_huge_ids_in_document_query_strings_are_ignored(client, signed_in):
    """Fixed in compliance/documents/views.py (_id_arg): owner filter and redline target."""
    from compliance.extensions import db
    from compliance.users.models import User
    from tests.factories import effective_document

    signed_in("quality_manager")
    owner = db.session.query(User).first()
    _, revision = effective_document(owner)
    assert _answer(client.get("/documents/", query_string={"owner": HUGE})) == 200
    redline = client.get(f"/revisions/{revision.id}/redline", query_string={"against": HUGE})
    assert _answer(redline) == 404


@pytest.mark.parametrize(
    "path, key",
    [("/documents/", "page"), ("/audit/", "page"), ("/admin/users/", "page")]
    + [("/access-log/", "page"), ("/access-log/", "user")],
)
def test_huge_page_or_user_number_in_a_list(request, client, signed_in, path, key):
    # Fix: bound the page in compliance/pagination.py _page_args and the user filter in
    # compliance/audit/views.py page_views.
    bug = "known bug: a page or user number past the column's range is a 500"
    _known_bug(request, bug)
    signed_in("quality_manager", "admin")
    assert _answer(client.get(path, query_string={key: HUGE})) < 500

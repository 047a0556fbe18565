"""Input that the database itself refuses: NUL characters and numbers beyond an id column.

Each case must end in a 4xx answer, never a server error: a NUL is refused before any view
runs (compliance/web.py), an id past the column's range names no record.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from compliance.audit.models import PageView
from compliance.extensions import db
from compliance.web import NulCharacter
from tests.factories import effective_document, make_docx
from tests.security.fuzz import NUL_PAYLOADS

pytestmark = pytest.mark.requirement("REQ-SEC-01")
HUGE = "9" * 20  # beyond PostgreSQL integer and SQLite's 64-bit integer
PAST_INTEGER = str(2**31)  # the first id a PostgreSQL integer column cannot hold
NUL_MESSAGE = NulCharacter.description


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


def _refused_for_nul(response) -> bool:
    return response.status_code == 400 and NUL_MESSAGE in response.text


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


@pytest.mark.parametrize("roles, path, body", NUL_FORMS, ids=[c[1] for c in NUL_FORMS])
def test_nul_in_a_form_field(client, signed_in, roles, path, body):
    me = signed_in(*roles)
    for payload in NUL_PAYLOADS:
        filled = {
            key: value.replace("{}", payload).replace("{me}", str(me.id) if me else "")
            for key, value in body.items()
        }
        assert _refused_for_nul(client.post(path, data=filled))


@pytest.mark.parametrize("roles, path, key", NUL_QUERIES, ids=[c[1] for c in NUL_QUERIES])
def test_nul_in_a_query_string(client, signed_in, roles, path, key):
    signed_in(*roles)
    for payload in NUL_PAYLOADS:
        assert _refused_for_nul(client.get(path, query_string={key: payload}))
    assert _answer(client.get(path, query_string={key: "no nul"})) == 200


def test_nul_in_a_path_is_refused_and_the_auditor_view_still_logged(client, signed_in):
    auditor = signed_in("auditor")
    assert _refused_for_nul(client.get("/clauses/7%001"))
    view = db.session.scalars(select(PageView).where(PageView.user_id == auditor.id)).one()
    assert (view.path, view.status) == ("/clauses/7%001", 400)


def test_nul_in_an_upload_name_is_refused_but_not_in_its_bytes(client, signed_in):
    qm = signed_in("quality_manager")
    document, _ = effective_document(qm)
    path = f"/documents/{document.id}/revisions/new"
    data = make_docx("Binary parts hold NUL bytes")
    assert b"\x00" in data

    def upload(name: str):
        body = {"file": (io.BytesIO(data), name), "change_summary": "Reworded", "label": "B"}
        return client.post(path, data=body, content_type="multipart/form-data")

    assert _refused_for_nul(upload("r\x00.docx"))
    assert len(document.revisions) == 1
    assert upload("r.docx").status_code == 302
    db.session.refresh(document)
    assert len(document.revisions) == 2


def test_nul_in_an_api_query_is_refused_in_json(client):
    answer = client.get("/api/v1/documents", query_string={"q": "a\x00b"})
    assert answer.status_code == 400
    assert answer.json == {"error": "BadRequest", "message": NUL_MESSAGE}


@pytest.mark.parametrize(
    "path", ["/documents/{}", "/revisions/{}", "/revisions/{}/redline", "/admin/users/{}"]
)
@pytest.mark.parametrize("number", [HUGE, PAST_INTEGER])
def test_huge_id_in_the_path_is_not_found(client, signed_in, path, number):
    signed_in("quality_manager", "admin")
    assert _answer(client.get(path.format(number))) == 404


def test_the_largest_id_still_reaches_the_view(client, signed_in):
    admin = signed_in("admin")
    assert _answer(client.get(f"/admin/users/{2**31 - 1}")) == 404
    assert _answer(client.get(f"/admin/users/{admin.id}")) == 200


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
@pytest.mark.parametrize("number", [HUGE, PAST_INTEGER, "-" + HUGE])
def test_huge_page_or_user_number_in_a_list(client, signed_in, path, key, number):
    signed_in("quality_manager", "admin")
    assert _answer(client.get(path, query_string={key: number})) == 200


def test_a_huge_page_is_an_empty_page_and_a_negative_one_the_first(client, signed_in):
    admin = signed_in("admin")
    row = f'href="/admin/users/{admin.id}"'
    assert row not in client.get("/admin/users/", query_string={"page": HUGE}).text
    assert row in client.get("/admin/users/", query_string={"page": "-" + HUGE}).text


def test_huge_ids_in_other_query_strings_are_ignored(client, signed_in):
    """Filters and form presets read with compliance.web.record_id: a number no id column holds
    filters nothing and presets nothing."""
    from tests.factories import make_person

    signed_in("quality_manager", "admin")
    person = make_person()
    people = f"/personnel/people/{person.id}"
    for path, key in [
        ("/equipment/", "custodian"),
        ("/equipment/calendar", "custodian"),
        ("/personnel/", "job_role"),
        ("/personnel/matrix", "job_role"),
        ("/personnel/matrix", "method"),
        (f"{people}/training/new", "item"),
        (f"{people}/authorizations/new", "method"),
        ("/pt/events/new", "method_id"),
    ]:
        assert _answer(client.get(path, query_string={key: HUGE})) == 200, path
    labels = client.get("/equipment/labels", query_string={"id": HUGE})
    assert _answer(labels) == 302  # no equipment has that id: nothing to print

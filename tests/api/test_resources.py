"""Documents, methods and findings through the API: the same records, filters and shapes as the
web pages and the gaps CLI; nothing writable."""

import json
import re

import pytest
from sqlalchemy import func, select

from compliance.audit.models import AuditEntry, PageView
from compliance.documents import services
from compliance.extensions import db
from compliance.scope.models import Method
from tests.api.conftest import bearer
from tests.factories import effective_document


@pytest.fixture
def qm(make_user):
    return make_user("quality_manager", name="Quinn Manager")


@pytest.fixture
def lab(qm, make_user):
    """Three documents (two effective, one still without a revision) and two methods."""
    owner = make_user("staff", name="Olga Owner")
    procedure, procedure_rev = effective_document(
        qm, number="QP-8.3-01", title="Control of documents", clauses=["8.3", "8.3.2"]
    )
    method_doc, _ = effective_document(
        owner, number="TM-AS6171-2", title="External visual", doc_type="test_method"
    )
    services.create_document(
        number="FM-7.5-01",
        title="Record form",
        doc_type="form",
        owner=qm,
        review_interval_months=12,
        by=None,
    )
    db.session.add_all(
        [
            Method(
                code="AS6171/2",
                title="External visual",
                technique="Visual",
                procedure_id=method_doc.id,
            ),
            Method(code="AS6171/9", title="FTIR", technique="FTIR", status="withdrawn"),
        ]
    )
    db.session.commit()
    return {"procedure": procedure, "revision": procedure_rev, "owner": owner}


def _get(client, path, secret, **params):
    response = client.get(path, headers=bearer(secret), query_string=params)
    assert response.status_code == 200, response.text
    return response.json


def test_documents_come_with_their_current_revision(client, qm, lab, token_for):
    data = _get(client, "/api/v1/documents", token_for(qm))
    assert [d["number"] for d in data["items"]] == ["FM-7.5-01", "QP-8.3-01", "TM-AS6171-2"]
    assert (data["total"], data["page"], data["pages"], data["next"]) == (3, 1, 1, None)
    form, procedure, _ = data["items"]
    assert form["current_revision"] is None and form["next_review_on"] is None
    assert procedure["current_revision"]["label"] == "A"
    assert procedure["current_revision"]["state"] == "effective"
    assert procedure["current_revision"]["file_sha256"] == lab["revision"].file_sha256
    assert procedure["current_revision"]["url"].endswith(f"/revisions/{lab['revision'].id}")
    assert procedure["clauses"] == ["8.3", "8.3.2"]
    assert procedure["owner"] == {"id": qm.id, "name": "Quinn Manager"}
    assert procedure["review_status"] == "ok"


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({"q": "visual"}, ["TM-AS6171-2"]),
        ({"q": "original step"}, ["QP-8.3-01", "TM-AS6171-2"]),  # the revision's text
        ({"type": "form"}, ["FM-7.5-01"]),
        ({"status": "no_effective"}, ["FM-7.5-01"]),
        ({"status": "effective"}, ["QP-8.3-01", "TM-AS6171-2"]),
        ({"clause": "8.3"}, ["QP-8.3-01"]),
        ({"sort": "title"}, ["QP-8.3-01", "TM-AS6171-2", "FM-7.5-01"]),
    ],
)
def test_documents_filter_by_the_web_lists_fields(client, qm, lab, token_for, params, numbers):
    data = _get(client, "/api/v1/documents", token_for(qm), **params)
    assert [d["number"] for d in data["items"]] == numbers


def test_documents_filter_by_owner(client, qm, lab, token_for):
    data = _get(client, "/api/v1/documents", token_for(qm), owner=lab["owner"].id)
    assert [d["number"] for d in data["items"]] == ["TM-AS6171-2"]


def test_pages_link_to_each_other_keeping_the_filters(client, qm, lab, token_for):
    secret = token_for(qm)
    first = _get(client, "/api/v1/documents", secret, per_page=2, type="", q="")
    assert (first["total"], first["pages"], len(first["items"]), first["prev"]) == (3, 2, 2, None)
    assert "page=2" in first["next"] and "per_page=2" in first["next"]
    second = client.get(first["next"], headers=bearer(secret)).json
    assert [d["number"] for d in second["items"]] == ["TM-AS6171-2"]
    assert second["next"] is None and "page=1" in second["prev"]
    beyond = _get(client, "/api/v1/documents", secret, page=9)
    assert beyond["items"] == [] and beyond["total"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "x"},
        {"per_page": "201"},
        {"type": "novel"},
        {"status": "draft"},
        {"owner": "-1"},
        {"sort": "colour"},
        {"q": "x" * 201},
    ],
)
def test_malformed_parameters_answer_400_in_json(client, qm, token_for, params):
    response = client.get("/api/v1/documents", headers=bearer(token_for(qm)), query_string=params)
    assert response.status_code == 400
    assert response.json["error"] == "BadRequest" and response.json["message"]


def test_one_document_and_a_missing_one(client, qm, lab, token_for):
    secret = token_for(qm)
    one = _get(client, f"/api/v1/documents/{lab['procedure'].id}", secret)
    assert one["number"] == "QP-8.3-01" and one["current_revision"]["label"] == "A"
    missing = client.get("/api/v1/documents/999999", headers=bearer(secret))
    assert missing.status_code == 404 and missing.json["error"] == "NotFound"


def test_methods_with_their_procedures_current_revision(client, make_user, lab, token_for):
    secret = token_for(make_user("staff"))
    data = _get(client, "/api/v1/methods", secret)
    (method,) = data["items"]  # withdrawn methods are left out, as on the scope page
    assert method["code"] == "AS6171/2" and method["status"] == "in_scope"
    assert method["procedure"]["number"] == "TM-AS6171-2"
    assert method["procedure"]["current_revision"]["label"] == "A"
    everything = _get(client, "/api/v1/methods", secret, all="1")
    assert [m["code"] for m in everything["items"]] == ["AS6171/2", "AS6171/9"]
    withdrawn = _get(client, "/api/v1/methods", secret, status="withdrawn")
    assert [m["code"] for m in withdrawn["items"]] == ["AS6171/9"]
    assert withdrawn["items"][0]["procedure"] is None
    assert _get(client, "/api/v1/methods", secret, q="ftir", all="1")["total"] == 1
    assert _get(client, "/api/v1/methods", secret, technique="visual")["total"] == 1


def test_findings_are_exactly_what_the_gaps_cli_prints(app, client, qm, lab, token_for):
    from compliance.gaps.engine import accept

    accept("CLAUSE-NO-EVIDENCE:clause:7.3", "CLAUSE-NO-EVIDENCE", by=qm, reason="not sampling")
    db.session.commit()
    api = _get(client, "/api/v1/findings", token_for(qm))
    cli = app.test_cli_runner().invoke(args=["gaps", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert api == json.loads(cli.output)
    assert set(api) == {"as_of", "findings", "summary"}
    accepted = [f for f in api["findings"] if f.get("accepted")]
    assert accepted and accepted[0]["accepted_reason"] == "not sampling"
    as_of = _get(client, "/api/v1/findings", token_for(qm), as_of="2030-01-01")
    assert as_of["as_of"] == "2030-01-01"


def test_findings_are_for_the_quality_manager_only(client, make_user, token_for):
    for role in ("staff", "auditor", "admin"):
        response = client.get("/api/v1/findings", headers=bearer(token_for(make_user(role))))
        assert response.status_code == 403, role


WRITES = ("POST", "PUT", "PATCH", "DELETE")


def test_nothing_can_be_written_through_the_api(app, client, qm, lab, token_for):
    secret = token_for(qm)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    # Any id will do: a method is refused (405) before a record is looked up.
    paths = [
        re.sub(r"<int:\w+>", str(lab["procedure"].id), rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    ]
    assert {"/api/v1/documents", "/api/v1/people", "/api/v1/equipment"} <= set(paths)
    for path in [*paths, "/api/v1/anything/else"]:
        assert (rule_methods := _allowed(app, path)) <= {"GET", "HEAD", "OPTIONS"}, rule_methods
        for method in WRITES:
            response = client.open(
                path, method=method, headers=bearer(secret), json={"title": "changed"}
            )
            expected = 404 if path.endswith("else") else 405
            assert response.status_code == expected, (method, path)
            assert response.is_json and response.json["error"]
            if expected == 405:
                assert "GET" in response.headers["Allow"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert lab["procedure"].title == "Control of documents"


def _allowed(app, path) -> set[str]:
    adapter = app.url_map.bind("lab.test")
    try:
        return set(adapter.allowed_methods(path))
    except Exception:
        return set()


def test_what_an_auditor_reads_through_the_api_is_logged(client, make_user, lab, token_for):
    auditor = make_user("auditor")
    _get(client, "/api/v1/documents", token_for(auditor), q="visual")
    (view,) = db.session.scalars(select(PageView).where(PageView.user_id == auditor.id))
    assert view.path == "/api/v1/documents?q=visual" and view.status == 200


def test_api_errors_are_json_but_web_errors_stay_html(client):
    assert client.get("/api/v1/nothing-here").json["error"] == "NotFound"
    assert "Not found" in client.get("/nothing-here").text


def test_a_page_of_documents_costs_the_same_queries_however_long(
    client, qm, lab, token_for, count_queries
):
    secret = token_for(qm)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/api/v1/documents", headers=bearer(secret)).status_code == 200
        return counter.count

    few = queries()
    for n in range(6):
        effective_document(qm, number=f"QP-EXTRA-{n}", clauses=["7.3"], audiences=["role:staff"])
    assert queries() == few

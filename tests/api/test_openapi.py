"""The OpenAPI document matches the implementation: every route is described, and real
responses validate against it (jsonschema on seeded data, schemathesis on generated requests)."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

from compliance.dates import lab_today
from compliance.documents import services
from compliance.extensions import db
from compliance.gaps.engine import accept
from compliance.scope.models import Method
from tests.api.conftest import bearer
from tests.api.lab import build_lab
from tests.factories import effective_document


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # public: it holds no lab data
    assert response.status_code == 200
    return response.json


def test_the_document_is_openapi_3_1_and_describes_every_api_route(app, client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1")
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule): rule.methods - {"HEAD", "OPTIONS"}
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
    }
    assert set(doc["paths"]) == set(routes)
    for path, methods in routes.items():
        assert methods == {"GET"} and set(doc["paths"][path]) == {"get"}, path
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.fixture
def seeded(make_user):
    """Records of every shape the API can return: with and without current revisions,
    procedures and accepted findings; people with every training status, with and without
    authorizations; equipment in every calibration state."""
    qm = make_user("quality_manager")
    build_lab(qm, make_user("staff"), lab_today())
    document, _ = effective_document(qm, number="QP-8.3-01", clauses=["8.3.2"])
    services.create_document(
        number="FM-1", title="Form", doc_type="form", owner=qm, review_interval_months=12, by=None
    )
    db.session.add_all(
        [
            Method(code="AS6171/3", title="Visual", procedure_id=document.id),
            Method(code="AS6171/5", title="X-ray", pt_interval_months=12),
        ]
    )
    accept("CLAUSE-NO-EVIDENCE:clause:7.3", "CLAUSE-NO-EVIDENCE", by=qm, reason="n/a")
    db.session.commit()
    return qm


def _validator(doc: dict, name: str) -> Draft202012Validator:
    schema = {**doc, "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/api/v1/documents", "DocumentPage"),
        ("/api/v1/documents?per_page=1&page=2", "DocumentPage"),
        ("/api/v1/methods?all=1", "MethodPage"),
        ("/api/v1/people?include_left=1", "PersonPage"),
        ("/api/v1/people?per_page=1&page=2&as_of=2030-01-01", "PersonPage"),
        ("/api/v1/equipment", "EquipmentPage"),
        ("/api/v1/equipment?sort=due&per_page=2", "EquipmentPage"),
        ("/api/v1/findings", "Findings"),
        ("/api/v1/findings?as_of=2031-02-28", "Findings"),
    ],
)
def test_real_responses_validate_against_the_document(client, seeded, token_for, path, schema):
    doc = _document(client)
    response = client.get(path, headers=bearer(token_for(seeded)))
    assert response.status_code == 200
    _validator(doc, schema).validate(response.json)
    body = response.json
    assert body.get("items", body.get("findings")), "the check needs records to check"


def test_one_document_and_the_errors_validate_too(client, seeded, make_user, token_for):
    doc = _document(client)
    secret = token_for(seeded)
    for resource, schema in [
        ("documents", "Document"),
        ("people", "Person"),
        ("equipment", "Equipment"),
    ]:
        listing = client.get(f"/api/v1/{resource}?include_left=1", headers=bearer(secret)).json
        assert listing["items"]
        for item in listing["items"]:
            one = client.get(f"/api/v1/{resource}/{item['id']}", headers=bearer(secret))
            assert one.status_code == 200
            _validator(doc, schema).validate(one.json)
            assert one.json == item
    errors = [
        client.get("/api/v1/documents"),
        client.get("/api/v1/documents?type=x", headers=bearer(secret)),
        client.get("/api/v1/documents/99999", headers=bearer(secret)),
        client.get("/api/v1/findings", headers=bearer(token_for(make_user("staff")))),
    ]
    assert [e.status_code for e in errors] == [401, 400, 404, 403]
    for error in errors:
        _validator(doc, "Error").validate(error.json)


# --- generated requests: schemathesis drives the app through WSGI ----------------------------


@pytest.mark.slow
def test_generated_requests_conform_to_the_document(app, seeded, token_for):
    """Every operation, with generated parameters and without a token: statuses, content
    types, bodies and headers as documented; 401 without the token; 405 for other methods."""
    headers = bearer(token_for(seeded))
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == sum(len(item) for item in api.raw_schema["paths"].values())

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case):
            case.call_and_validate(headers=headers)

        conforms()

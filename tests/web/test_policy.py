"""Every route, for every role and for anonymous users, against one policy table.

A new route without a line here fails the build: that is the point.
"""

import pytest

from compliance.permissions import Role

ALL = frozenset(Role)
PUBLIC = "public"

POLICY: dict[str, frozenset[Role] | str] = {
    "static": PUBLIC,
    "main.health": PUBLIC,
    "auth.login": PUBLIC,
    "main.index": ALL,
    "auth.logout": ALL,
    "auth.change_password": ALL,
    "users.index": {Role.ADMIN},
    "users.create": {Role.ADMIN},
    "users.show": {Role.ADMIN},
    "users.edit": {Role.ADMIN},
    "users.deactivate": {Role.ADMIN},
    "users.reactivate": {Role.ADMIN},
    "users.reset_password": {Role.ADMIN},
    "audit.index": {Role.ADMIN, Role.QUALITY_MANAGER, Role.AUDITOR},
    "audit.export_csv": {Role.ADMIN, Role.QUALITY_MANAGER, Role.AUDITOR},
    "imports.index": ALL,  # lists only the imports the person may run
    "imports.upload": ALL,  # each import kind checks its own permission (403 otherwise)
    "imports.confirm": ALL,
    "gaps.index": {Role.QUALITY_MANAGER},
    "gaps.set_assessment_date": {Role.QUALITY_MANAGER},
    "gaps.accept_finding": {Role.QUALITY_MANAGER},
    "gaps.revoke_acceptance": {Role.QUALITY_MANAGER},
    "clauses.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "clauses.show": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "clauses.add_link": {Role.QUALITY_MANAGER},
    "clauses.retire_link": {Role.QUALITY_MANAGER},
    "access.page_views": {Role.ADMIN, Role.QUALITY_MANAGER},
    "reports.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reports.gap_report": {Role.QUALITY_MANAGER},
    "reports.evidence_index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reports.master_list": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reports.evidence_package": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "documents.index": ALL,
    "documents.show": ALL,
    "documents.revision": ALL,
    "documents.download": ALL,
    "documents.compare": ALL,
    "documents.create": {Role.QUALITY_MANAGER},
    "documents.edit": {Role.QUALITY_MANAGER},
    "documents.new_revision": {Role.QUALITY_MANAGER},
    "documents.submit": {Role.QUALITY_MANAGER},
    "documents.replace_file": {Role.QUALITY_MANAGER},
    "documents.approve": {Role.QUALITY_MANAGER},
    "documents.withdraw": {Role.QUALITY_MANAGER},
    "documents.periodic_review": {Role.QUALITY_MANAGER},
    "documents.acknowledgements": {Role.QUALITY_MANAGER},
    "documents.reject": {Role.QUALITY_MANAGER, Role.STAFF},
    "documents.sign_review": {Role.QUALITY_MANAGER, Role.STAFF},
    "documents.my_tasks": {Role.QUALITY_MANAGER, Role.STAFF},
    "documents.acknowledge": {Role.QUALITY_MANAGER, Role.STAFF},
}


@pytest.fixture
def policy_app(app):
    # The matrix is about permissions, so forms go through without tokens here;
    # CSRF has its own tests.
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_endpoint_is_in_the_policy_table_and_wears_a_decorator(policy_app):
    endpoints = {r.endpoint for r in _rules(policy_app)}
    missing = sorted(endpoints - set(POLICY))
    assert not missing, f"add these endpoints to the policy table: {missing}"
    stale = sorted(set(POLICY) - endpoints)
    assert not stale, f"the policy table names endpoints that no longer exist: {stale}"
    for endpoint, view in policy_app.view_functions.items():
        if endpoint == "static":
            continue
        declared = getattr(view, "required_permission", None) or getattr(view, "is_public", False)
        assert declared, f"{endpoint} has neither @requires(...) nor @public"
        assert (POLICY[endpoint] == PUBLIC) == bool(getattr(view, "is_public", False)), endpoint


def _document_samples(reader) -> dict:
    """An effective revision and a reading task of `reader` on it."""
    from compliance.dates import lab_today
    from compliance.documents.models import AcknowledgementTask
    from compliance.extensions import db
    from tests.factories import effective_document

    document, revision = effective_document(reader)
    task = AcknowledgementTask(revision_id=revision.id, user_id=reader.id, due_on=lab_today())
    db.session.add(task)
    db.session.commit()
    return {"document_id": document.id, "revision_id": revision.id, "task_id": task.id}


def _gap_samples(person) -> dict:
    """A clause number, an accepted finding and a manual evidence link."""
    from sqlalchemy import select

    from compliance.clauses import links
    from compliance.clauses.models import Clause
    from compliance.extensions import db
    from compliance.gaps.models import FindingAcceptance

    clause = db.session.scalar(select(Clause).where(Clause.number == "7.3"))
    link = links.link(clause, record_type="note", record_key="n/a", note="sample", by=person)
    acceptance = FindingAcceptance(
        ident="CLAUSE-NO-EVIDENCE:clause:7.3",
        rule="CLAUSE-NO-EVIDENCE",
        reason="sample",
        accepted_by_id=person.id,
    )
    db.session.add(acceptance)
    db.session.commit()
    return {"number": "7.3", "acceptance_id": acceptance.id, "link_id": link.id}


def _requests(app, sample_ids):
    for rule in _rules(app):
        if rule.endpoint == "static":
            yield rule.endpoint, "GET", "/static/css/app.css"
            continue
        values = {arg: sample_ids[arg] for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


@pytest.mark.parametrize("who", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_route_role_matrix(policy_app, client, auth, make_user, who):
    target = make_user("staff")
    me = make_user(who.value) if who is not None else target
    sample_ids = {
        "user_id": target.id,
        "name": "no-such-import",
        **_document_samples(me),
        **_gap_samples(me),
    }
    if who is not None:
        assert auth.login(me.email).status_code == 302
    failures = []
    for endpoint, method, path in _requests(policy_app, sample_ids):
        response = client.open(path, method=method, data={})
        response.close()
        allowed = POLICY[endpoint]
        to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        if allowed == PUBLIC:
            ok = response.status_code < 400 or endpoint == "auth.login"
        elif who is None:
            ok = to_login
        elif who in allowed:
            # Signing out lands on the login page by design.
            ok = response.status_code not in (401, 403, 500) and (
                not to_login or endpoint == "auth.logout"
            )
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"{method} {path} as {who or 'anonymous'}: {response.status_code}")
        if endpoint == "auth.logout" and who is not None and response.status_code == 302:
            auth.login(me.email)  # sign back in for the remaining routes
    assert not failures, "\n".join(failures)

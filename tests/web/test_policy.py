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
    # Equipment: the quality manager runs the programme, staff record checks and maintenance,
    # auditors read.
    **{
        f"equipment.{name}": {Role.QUALITY_MANAGER, Role.STAFF, Role.AUDITOR}
        for name in (
            "index",
            "export",
            "show",
            "label",
            "label_sheet",
            "calendar_view",
            "certificate",
            "providers",
            "provider",
            "assessments",
            "assessment",
        )
    },
    "equipment.record_check": {Role.QUALITY_MANAGER, Role.STAFF},
    "equipment.record_maintenance": {Role.QUALITY_MANAGER, Role.STAFF},
    **{
        f"equipment.{name}": {Role.QUALITY_MANAGER}
        for name in (
            "create",
            "edit",
            "change_status",
            "settings",
            "new_calibration",
            "correct_calibration",
            "new_provider",
            "edit_provider",
            "update_assessment",
            "close_assessment",
        )
    },
    "personnel.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.show_person": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.matrix": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.matrix_export": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.methods": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.job_roles": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.show_job_role": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.training_evidence": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.competence_evidence": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "personnel.create_person": {Role.QUALITY_MANAGER},
    "personnel.edit_person": {Role.QUALITY_MANAGER},
    "personnel.record_leaving": {Role.QUALITY_MANAGER},
    "personnel.reinstate_person": {Role.QUALITY_MANAGER},
    "personnel.record_training": {Role.QUALITY_MANAGER},
    "personnel.correct_training": {Role.QUALITY_MANAGER},
    "personnel.record_competence": {Role.QUALITY_MANAGER},
    "personnel.create_job_role": {Role.QUALITY_MANAGER},
    "personnel.create_course": {Role.QUALITY_MANAGER},
    "personnel.add_requirement": {Role.QUALITY_MANAGER},
    "personnel.remove_requirement": {Role.QUALITY_MANAGER},
    "personnel.edit_item": {Role.QUALITY_MANAGER},
    "personnel.authorize": {Role.QUALITY_MANAGER},
    "personnel.suspend": {Role.QUALITY_MANAGER},
    "personnel.withdraw": {Role.QUALITY_MANAGER},
    "personnel.reinstate": {Role.QUALITY_MANAGER},
    "personnel.my_training": {Role.QUALITY_MANAGER, Role.STAFF},
    "scope.index": ALL,
    "scope.print_listing": ALL,
    "scope.show": ALL,
    "scope.validation_file": ALL,
    "scope.create": {Role.QUALITY_MANAGER},
    "scope.edit": {Role.QUALITY_MANAGER},
    "scope.set_status": {Role.QUALITY_MANAGER},
    "scope.add_requirement": {Role.QUALITY_MANAGER},
    "scope.remove_requirement": {Role.QUALITY_MANAGER},
    "scope.add_validation": {Role.QUALITY_MANAGER},
    "quality.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "proficiency.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "proficiency.show": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "proficiency.report_file": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "proficiency.create": {Role.QUALITY_MANAGER},
    "proficiency.set_interval": {Role.QUALITY_MANAGER},
    "audits.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "audits.show": {Role.QUALITY_MANAGER, Role.AUDITOR},  # and the assigned auditor
    "audits.report": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "audits.mine": {Role.QUALITY_MANAGER, Role.STAFF},
    "audits.create": {Role.QUALITY_MANAGER},
    "audits.edit": {Role.QUALITY_MANAGER},
    "audits.cancel": {Role.QUALITY_MANAGER},
    "audits.add_finding": {Role.QUALITY_MANAGER},  # and the assigned auditor
    "audits.raise_nc": {Role.QUALITY_MANAGER},
    "audits.complete": {Role.QUALITY_MANAGER},
    "reviews.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reviews.show": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reviews.minutes_docx": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "reviews.create": {Role.QUALITY_MANAGER},
    "reviews.edit": {Role.QUALITY_MANAGER},
    "reviews.refresh": {Role.QUALITY_MANAGER},
    "reviews.add_action": {Role.QUALITY_MANAGER},
    "reviews.complete_action": {Role.QUALITY_MANAGER},
    "reviews.finalize": {Role.QUALITY_MANAGER},
    "capa.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "capa.show": {Role.QUALITY_MANAGER, Role.AUDITOR},  # and whoever reported it or owns an action
    "capa.create": {Role.QUALITY_MANAGER, Role.STAFF},
    "capa.my_actions": {Role.QUALITY_MANAGER, Role.STAFF},
    "capa.investigate": {Role.QUALITY_MANAGER},
    "capa.add_action": {Role.QUALITY_MANAGER},
    "capa.record_effectiveness": {Role.QUALITY_MANAGER},
    "capa.complete_action": {Role.QUALITY_MANAGER},  # and the action's owner
    "capa.close": {Role.QUALITY_MANAGER},
    "complaints.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "complaints.show": {Role.QUALITY_MANAGER, Role.AUDITOR},  # and whoever logged it
    "complaints.create": {Role.QUALITY_MANAGER, Role.STAFF},
    "complaints.investigate": {Role.QUALITY_MANAGER},
    "complaints.raise_nc": {Role.QUALITY_MANAGER},
    "complaints.resolve": {Role.QUALITY_MANAGER},
    "risks.index": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "risks.show": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "risks.create": {Role.QUALITY_MANAGER},
    "risks.edit": {Role.QUALITY_MANAGER},
    "risks.close": {Role.QUALITY_MANAGER},
    # One's own reminder, calendar and API token settings.
    "reminders.settings": ALL,
    "feeds.settings": ALL,
    "feeds.create": ALL,
    "feeds.revoke": ALL,
    "feeds.feed": PUBLIC,  # the secret in the URL is the credential
    "api_tokens.index": ALL,
    "api_tokens.create": ALL,
    "api_tokens.revoke": ALL,
    # The read-only API under API_PREFIX: a bearer token, never the session; 401 JSON without.
    "api.openapi": PUBLIC,
    "api.documents": ALL,
    "api.document": ALL,
    "api.methods": ALL,
    "api.people": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "api.person": {Role.QUALITY_MANAGER, Role.AUDITOR},
    "api.equipment_list": {Role.QUALITY_MANAGER, Role.STAFF, Role.AUDITOR},
    "api.equipment_item": {Role.QUALITY_MANAGER, Role.STAFF, Role.AUDITOR},
    "api.findings": {Role.QUALITY_MANAGER},
}
API_PREFIX = "/api/"


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


def _personnel_samples(person) -> dict:
    """A staff record of `person`, a job role and course, a training record, a competence
    assessment and an authorization on a sample method."""
    import datetime as dt

    from compliance.dates import lab_today
    from compliance.extensions import db
    from compliance.personnel import services
    from tests.factories import make_method, make_person

    role = services.create_job_role("Sample role", by=None)
    course = services.create_course("SAMPLE-1", title="Sample course", by=None)
    services.add_requirement(role, course, by=None)
    staff = make_person("P-SAMPLE", user=person, job_roles=[role])
    day = lab_today() - dt.timedelta(days=10)
    training = services.record_training(staff, course, completed_on=day, by=None)
    method = make_method("PT-SAMPLE/1")
    assessment = services.record_competence(
        staff, method, assessed_on=day, assessor="Sample", result="competent", by=None
    )
    authorization = services.import_authorization(
        staff, method, authorized_on=day, expires_on=None, authorized_by=person
    )
    db.session.commit()
    return {
        "person_id": staff.id,
        "job_role_id": role.id,
        "item_id": course.id,
        "record_id": training.id,
        "assessment_id": assessment.id,
        "authorization_id": authorization.id,
        "fmt": "csv",
    }


def _quality_samples(other) -> dict:
    """A method with an equipment need and a verification file, a PT round with its report, a
    nonconformity with an action, an audit with a finding, a review with an action, a complaint
    and a risk: all belonging to `other`, so a staff member sees only what is theirs."""
    import datetime as dt

    from compliance.audits import services as audits
    from compliance.capa import services as capa
    from compliance.complaints import services as complaints
    from compliance.dates import lab_today
    from compliance.extensions import db
    from compliance.proficiency import services as proficiency
    from compliance.reviews import services as reviews
    from compliance.risks import services as risks
    from compliance.scope import services as scope
    from tests.factories import make_pdf

    day = lab_today() - dt.timedelta(days=5)
    method = scope.create_method(code="SAMPLE/Q", title="Sample method", by=None)
    requirement = scope.add_equipment_requirement(method, asset_id="SAMPLE-1", by=None)
    validation = scope.record_validation(
        method,
        kind="verification",
        performed_on=day,
        summary="Sample",
        file_data=make_pdf(),
        filename="v.pdf",
        by=other,
    )
    event = proficiency.record_event(
        method,
        provider="Sample PT",
        round="1",
        performed_on=day,
        result="satisfactory",
        report_data=make_pdf(2),
        report_filename="pt.pdf",
        by=other,
    )
    nc = capa.open_nonconformity(by=other, source="staff", description="Sample")
    nc.root_cause = "Sample cause"
    action = capa.add_action(nc, by=other, description="Fix", owner=other, due_on=day)
    audit = audits.plan_audit(
        by=other, title="Sample audit", planned_on=day, auditor=other, clauses=["7.3"]
    )
    finding = audits.add_finding(
        audit, by=other, kind="nonconformity", clause_number="7.3", description="Sample"
    )
    review = reviews.create_review(by=other, held_on=day, attendees="Sample")
    review_action = reviews.add_action(
        review, by=other, description="Sample", owner=other, due_on=day
    )
    complaint = complaints.log_complaint(
        by=other, received_on=day, complainant="Sample customer", description="Sample"
    )
    risk = risks.create_risk(
        by=other,
        kind="risk",
        category="impartiality",
        title="Sample",
        likelihood=2,
        impact=3,
        owner=other,
    )
    db.session.commit()
    return {
        "method_id": method.id,
        "requirement_id": requirement.id,
        "validation_id": validation.id,
        "event_id": event.id,
        "nc_id": nc.id,
        "action_id": action.id,
        "audit_id": audit.id,
        "finding_id": finding.id,
        "review_id": review.id,
        "review_action_id": review_action.id,
        "complaint_id": complaint.id,
        "risk_id": risk.id,
    }


def _api_samples(me, other) -> dict:
    """An API token of `me` for the requests (another one to revoke), and a calendar feed of
    `other` (so that `me` replacing or revoking their own leaves it working)."""
    from compliance.api import tokens
    from compliance.extensions import db
    from compliance.feeds import services as feeds

    roles = [r.value for r in me.roles]
    _, secret = tokens.create_token(me, name="matrix", roles=roles, expires_in_days=None, by=me)
    spare, _ = tokens.create_token(me, name="spare", roles=roles, expires_in_days=None, by=me)
    feed_token = feeds.create_feed(other, by=other)
    db.session.commit()
    return {"token_id": spare.id, "feed_token": feed_token, "api_secret": secret}


def _equipment_samples(person) -> dict:
    """An item with an out-of-tolerance calibration (and so an impact assessment), a provider."""
    import datetime as dt

    from compliance.equipment import services
    from compliance.extensions import db

    item = services.create_equipment(
        asset_id="EQ-POLICY-01",
        description="Policy sample",
        calibration_interval_months=12,
        by=None,
    )
    provider = services.create_provider(name="Policy Calibration", by=None)
    event = services.record_calibration(
        item,
        services.CalibrationInput(
            calibrated_on=dt.date(2025, 1, 15), as_found="out", as_left="adjusted", procedure="P"
        ),
        by=None,
    )
    [assessment] = services.assessments_of(item)
    db.session.commit()
    return {
        "equipment_id": item.id,
        "calibration_id": event.id,
        "provider_id": provider.id,
        "impact_assessment_id": assessment.id,
    }


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
        **_personnel_samples(me),
        **_quality_samples(target),
        **_api_samples(me, target),
        **_equipment_samples(me),
    }
    if who is not None:
        assert auth.login(me.email).status_code == 302
    bearer = {"Authorization": f"Bearer {sample_ids['api_secret']}"}
    failures = []
    for endpoint, method, path in _requests(policy_app, sample_ids):
        api = path.startswith(API_PREFIX)
        headers = bearer if api and who is not None else {}
        response = client.open(path, method=method, data={}, headers=headers)
        response.close()
        allowed = POLICY[endpoint]
        to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        if allowed == PUBLIC:
            ok = response.status_code < 400 or endpoint == "auth.login"
        elif who is None and api:
            ok = response.status_code == 401 and response.is_json
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

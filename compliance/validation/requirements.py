"""What the application claims, requirement by requirement (issues 2, 3 and 10).

Evidence comes two ways: a test marked `@pytest.mark.requirement("REQ-...")` (preferred for
new tests), or a node id listed here for tests written before the marker existed. A listed
id matches the test and all its parametrized variants; a file path matches all its tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    statement: str
    issues: tuple[int, ...]
    clauses: str = ""
    tests: tuple[str, ...] = ()


AUTH = "tests/users/test_auth.py::"
TRAIL = "tests/audit/test_trail.py::"
PAGES = "tests/web/test_pages.py::"
FLOW = "tests/documents/test_workflow.py::"
VIEWS = "tests/documents/test_views.py::"

REQUIREMENTS: tuple[Requirement, ...] = (
    # --- foundation (issue 2) -----------------------------------------------------------------
    Requirement(
        "REQ-FND-01",
        "Installable package",
        "A non-editable install carries and serves its templates, static files and migrations.",
        (2,),
        tests=("tests/test_packaging.py",),
    ),
    Requirement(
        "REQ-FND-02",
        "Configuration and secrets",
        "Secrets are generated once and kept in the instance folder, never in the code; "
        "production refuses to start with debug on; SQLite runs in WAL with foreign keys.",
        (2,),
        "7.11.3",
        tests=(
            PAGES + "test_production_refuses_debug",
            PAGES + "test_secret_key_generated_once_and_kept_in_instance",
            PAGES + "test_sqlite_runs_in_wal_with_foreign_keys",
        ),
    ),
    Requirement(
        "REQ-FND-03",
        "Schema under migration control",
        "The schema is built by migrations; models and migrations agree on SQLite and "
        "PostgreSQL, and every migration downgrades.",
        (2,),
        tests=("tests/test_migrations.py",),
    ),
    Requirement(
        "REQ-FND-04",
        "Demo laboratory",
        "The demo lab loads into an empty database only, and its quality manager lands on a "
        "dashboard.",
        (2,),
        tests=("tests/demo/test_demo.py", "tests/web/test_smoke.py"),
    ),
    Requirement(
        "REQ-ACC-01",
        "Sign-in",
        "People sign in with a hashed password of at least 12 characters that is not a common "
        "one; a wrong password and an unknown e-mail get the same answer; a one-time password "
        "must be changed; sign-in never redirects off-site.",
        (2,),
        "7.11.3",
        tests=(
            AUTH + "test_login_shows_dashboard_and_renews_session_and_csrf",
            AUTH + "test_wrong_password_is_refused_counted_and_nothing_else_written",
            AUTH + "test_unknown_user_gets_the_same_message_and_writes_nothing",
            AUTH + "test_must_change_password_after_reset",
            AUTH + "test_open_redirect_after_login_is_refused",
        ),
    ),
    Requirement(
        "REQ-ACC-02",
        "Lockout",
        "Repeated failed sign-ins lock the account; the count is kept in the database, so the "
        "lockout holds across workers, also when failures arrive at once.",
        (2, 10),
        "7.11.3",
        tests=(AUTH + "test_lockout_after_repeated_failures_holds_even_with_the_right_password",),
    ),
    Requirement(
        "REQ-ACC-03",
        "Session renewal, no fixation",
        "Each sign-in issues a new session id and CSRF token; a cookie planted before sign-in "
        "or forged without the key opens nothing.",
        (2, 10),
        "7.11.3",
        tests=(AUTH + "test_each_login_issues_a_new_session_id",),
    ),
    Requirement(
        "REQ-ACC-04",
        "Sessions end when they must",
        "Sign-out, deactivation, a password change (other sessions) and an administrator's "
        "password reset end sessions on the server at once.",
        (2, 10),
        "7.11.3",
        tests=(
            AUTH + "test_logout_ends_the_server_side_session",
            AUTH + "test_deactivation_ends_sessions_at_once",
        ),
    ),
    Requirement(
        "REQ-ACC-05",
        "Auditor access window",
        "Auditor accounts carry an access window and see nothing outside it, even mid-session.",
        (2,),
        "7.11.3",
        tests=(
            AUTH + "test_auditor_outside_window_is_refused",
            "tests/users/test_admin_views.py::test_auditor_needs_a_window_end",
        ),
    ),
    Requirement(
        "REQ-ACC-06",
        "Account administration",
        "Administrators create accounts, assign roles, deactivate (never delete) and reset "
        "passwords; e-mail addresses are never reused; the last administrator stays.",
        (2,),
        tests=("tests/users/test_admin_views.py",),
    ),
    Requirement(
        "REQ-ACC-07",
        "Accounts from the command line",
        "`flask users create` and `create-admin` create accounts and refuse bad input with "
        "exit status 1.",
        (2,),
        tests=("tests/users/test_cli.py",),
    ),
    Requirement(
        "REQ-PERM-01",
        "Route and role policy",
        "Every route is checked against one policy table for every role and for anonymous "
        "users; a route without a rule fails the build.",
        (2, 10),
        "7.11.3",
        tests=("tests/web/test_policy.py",),
    ),
    Requirement(
        "REQ-AUD-01",
        "Audit trail content",
        "Changes are recorded with who, when (UTC), what, old and new values and why, in the "
        "same transaction as the change.",
        (2, 3),
        "7.5.2, 8.4",
        tests=(
            TRAIL + "test_user_and_role_changes_are_recorded_with_old_and_new_values",
            TRAIL + "test_record_serialises_dates_and_sets",
        ),
    ),
    Requirement(
        "REQ-AUD-02",
        "Tamper evidence",
        "The trail is a keyed hash chain; `flask audit verify` names the first edited, deleted "
        "or reordered entry and a tail cut short of the anchor.",
        (2,),
        "7.11.3, 8.4",
        tests=(
            TRAIL + "test_entries_chain_and_verify_passes_on_a_clean_trail",
            TRAIL + "test_verify_names_an_edited_row",
            TRAIL + "test_verify_names_a_deleted_row",
            TRAIL + "test_verify_detects_a_truncated_tail_against_the_anchor",
            TRAIL + "test_verify_detects_a_rewritten_chain_without_the_key",
            TRAIL + "test_cli_verify_exit_codes",
        ),
    ),
    Requirement(
        "REQ-AUD-03",
        "Append-only in the database",
        "Database triggers refuse UPDATE, DELETE (and TRUNCATE) on the trail, on both databases.",
        (2,),
        "8.4",
        tests=(
            TRAIL + "test_triggers_refuse_update_and_delete",
            TRAIL + "test_truncate_is_refused_on_postgresql",
        ),
    ),
    Requirement(
        "REQ-AUD-04",
        "Reading the trail",
        "Administrators, quality managers and auditors filter the trail and export it as CSV.",
        (2,),
        tests=(TRAIL + "test_trail_page_filters_and_csv_export",),
    ),
    Requirement(
        "REQ-WEB-01",
        "Security headers and cookies",
        "Every answer carries a script-restricting CSP, frame-ancestors none, nosniff and a "
        "referrer policy; signed-in pages are not cached; cookies are HttpOnly, SameSite and "
        "Secure over HTTPS; no inline script.",
        (2, 10),
        "7.11.3",
        tests=(
            PAGES + "test_security_headers_on_every_response",
            PAGES + "test_pages_have_no_inline_script",
            PAGES + "test_session_cookie_flags",
            PAGES + "test_secure_cookie_over_https",
        ),
    ),
    Requirement(
        "REQ-WEB-02",
        "Error pages leak nothing",
        "No error page shows a stack trace, a secret or the database address; errors are logged.",
        (2, 10),
        "7.11.3",
        tests=(
            PAGES + "test_404_and_403_pages_leak_nothing",
            PAGES + "test_500_page_leaks_no_trace_or_secret",
        ),
    ),
    Requirement(
        "REQ-WEB-03",
        "Forged and stale forms",
        "A form without its CSRF token, or with one from an old session, is refused with a "
        "clear message and writes nothing.",
        (2,),
        "7.11.3",
        tests=(
            AUTH + "test_missing_csrf_token_is_refused_with_a_message_and_no_session",
            AUTH + "test_stale_csrf_token_from_an_old_session_is_refused",
            "tests/users/test_admin_views.py::test_edit_roles_with_stale_version_is_refused",
        ),
    ),
    # --- document control (issue 3) -----------------------------------------------------------
    Requirement(
        "REQ-DOC-01",
        "Document register",
        "Documents have a unique, validated number, type, owner, review interval, clauses and "
        "distribution; the register is searchable (full text) and filterable.",
        (3,),
        "8.3",
        tests=(
            FLOW + "test_document_number_scheme",
            FLOW + "test_duplicate_number_and_unknown_clause_refused",
            VIEWS + "test_register_search_and_filters",
        ),
    ),
    Requirement(
        "REQ-DOC-02",
        "Revision workflow",
        "Revisions go draft, in review, approved, effective, superseded (or withdrawn); every "
        "refused transition names the rule; rejection returns to draft with comments.",
        (3,),
        "8.3.2",
        tests=(
            FLOW + "test_full_cycle_supersedes_and_assigns_reading",
            FLOW + "test_future_effective_date_waits_then_supersedes_on_that_day",
            FLOW + "test_refused_transitions_name_the_rule",
            FLOW + "test_reject_returns_to_draft_with_comments_then_resubmit",
            FLOW + "test_withdraw_effective_revision_leaves_no_current",
            FLOW + "test_labels_follow_the_scheme",
        ),
    ),
    Requirement(
        "REQ-DOC-03",
        "One effective revision",
        "At most one effective revision per document, enforced by the database.",
        (3,),
        "8.3.2 f",
        tests=(FLOW + "test_one_effective_revision_enforced_by_the_database",),
    ),
    Requirement(
        "REQ-DOC-04",
        "Electronic signatures",
        "Review and approval are signatures with the password re-entered, the meaning, the "
        "printed name and UTC time, bound to the SHA-256 of the signed bytes; the author cannot "
        "approve; a wrong password counts toward lockout.",
        (3,),
        "8.3.2 a, 7.11",
        tests=(
            FLOW + "test_wrong_signature_password_refused_and_counted",
            FLOW + "test_signature_binds_the_bytes",
            VIEWS + "test_web_review_approve_and_acknowledge",
        ),
    ),
    Requirement(
        "REQ-DOC-05",
        "Reading and redline",
        "The effective revision reads as sanitised HTML; superseded revisions are bannered and "
        "only for quality managers and auditors; auditors see no drafts; redline between "
        "revisions.",
        (3,),
        "8.3.2 c, e, f",
        tests=(
            "tests/documents/test_rendering.py",
            "tests/documents/test_redline.py",
            VIEWS + "test_superseded_is_bannered_and_hidden_from_staff",
            VIEWS + "test_auditor_sees_no_drafts",
            VIEWS + "test_redline_between_revisions",
        ),
    ),
    Requirement(
        "REQ-DOC-06",
        "Controlled copies",
        "Downloads are stamped CONTROLLED COPY (or the state, NOT FOR USE) with number, revision, "
        "dates, approver and downloader; the stored original is never changed.",
        (3,),
        "8.3.2 f",
        tests=(
            "tests/documents/test_stamping.py",
            VIEWS + "test_controlled_copy_is_stamped_and_original_unchanged",
        ),
    ),
    Requirement(
        "REQ-DOC-07",
        "Periodic review",
        "A quality manager signs 'reviewed, no change needed', restarting the interval; reviews "
        "due and overdue are listed.",
        (3,),
        "8.3.2 b",
        tests=(
            FLOW + "test_periodic_review_restarts_the_interval",
            VIEWS + "test_dashboard_lists_reviews_due_and_my_tasks",
        ),
    ),
    Requirement(
        "REQ-DOC-08",
        "Read and acknowledge",
        "A revision becoming effective gives everyone in its distribution a reading task; staff "
        "acknowledge with a signature.",
        (3,),
        "8.3.2 d, 6.2.5",
        tests=(FLOW + "test_acknowledge_with_signature",),
    ),
    Requirement(
        "REQ-DOC-09",
        "Bulk import of a library",
        "`flask documents import` imports a manifest all-or-nothing, naming every bad row; "
        "re-running it changes nothing.",
        (3,),
        tests=("tests/documents/test_manifest_import.py",),
    ),
    Requirement(
        "REQ-DOC-10",
        "Upload safety",
        "Only genuine .docx files (and, for evidence, PDF and images) are accepted; each hostile "
        "or broken file is refused with a message naming the problem, with memory bounded.",
        (3, 10),
        "7.11.3",
        tests=(
            "tests/uploads/test_docx_checks.py",
            "tests/uploads/test_evidence_checks.py",
            VIEWS + "test_hostile_uploads_rejected_with_4xx_and_nothing_stored",
            VIEWS + "test_wrong_extension_and_missing_file",
        ),
    ),
    Requirement(
        "REQ-DOC-11",
        "Documents from other producers",
        "Documents made by LibreOffice and pandoc upload, render and stamp correctly.",
        (3,),
        tests=(
            "tests/documents/test_samples.py",
            VIEWS + "test_other_producers_upload_render_and_stamp",
        ),
    ),
    # --- reliability and security (issue 10) --------------------------------------------------
    Requirement(
        "REQ-REL-01",
        "Journey: a procedure revised",
        "In a browser, the quality manager drafts a revision and sends it for review, a reviewer "
        "and an approver sign, it becomes effective and the old revision shows SUPERSEDED.",
        (10,),
        "8.3",
    ),
    Requirement(
        "REQ-REL-02",
        "Journey: a revision acknowledged",
        "In a browser, a technician finds the reading task under My tasks, reads the revision "
        "and acknowledges it with a signature.",
        (10,),
        "8.3.2 d",
    ),
    Requirement(
        "REQ-REL-08",
        "Journey: an auditor browses evidence",
        "In a browser, an auditor inside their access window browses clause 6.4 to an "
        "instrument's calibration certificate and a document's audit trail, finds no control "
        "that changes anything, and a write posted with a valid CSRF token is refused; an "
        "auditor whose window has closed cannot sign in.",
        (10,),
        "7.11.3",
    ),
    Requirement(
        "REQ-REL-03",
        "No lost update",
        "Edit forms carry the record's version; a stale save is refused with 'changed by "
        "someone else since you opened it'; with 20 concurrent editors, saves = version steps = "
        "audit entries.",
        (10,),
        "7.11.3",
    ),
    Requirement(
        "REQ-REL-04",
        "SQLite under concurrent writers",
        "With several server processes and threads writing to one SQLite file, no 'database is "
        "locked' reaches a user.",
        (10,),
        "7.11.3",
    ),
    Requirement(
        "REQ-REL-05",
        "Crash safety",
        "Killing the server (SIGKILL) during writes loses no write confirmed to the client; the "
        "database passes its integrity check and the audit trail verifies; SQLite runs in WAL "
        "with synchronous=FULL.",
        (10,),
        "7.11.3, 8.4",
    ),
    Requirement(
        "REQ-REL-06",
        "Backup and restore",
        "`flask backup` writes one sealed archive (data, stored files, manifest of hashes, audit "
        "anchor); `flask restore` into an empty instance gives identical rows and file hashes "
        "and a verifying trail, on SQLite, PostgreSQL and from one to the other.",
        (10,),
        "8.4.2, 7.11.3",
    ),
    Requirement(
        "REQ-REL-07",
        "Damaged archives refused",
        "A flipped byte, a missing member, a wrong manifest hash, a truncated archive, another "
        "instance's key or a database in use is refused with a message naming the problem; "
        "nothing is restored.",
        (10,),
        "8.4.2",
    ),
    Requirement(
        "REQ-SEC-01",
        "Hostile input",
        "Property-based tests: no form, query string or import (command line or web) answers "
        "hostile input with a server error.",
        (10,),
        "7.11.3",
    ),
    Requirement(
        "REQ-SEC-02",
        "Formula injection",
        "CSV and XLSX exports neutralise cells starting with = + - @ (and tab, carriage return).",
        (10,),
        "7.11.3",
        tests=(
            "tests/test_exports.py::test_csv_neutralises_formulas_but_not_numbers",
            "tests/test_exports.py::test_xlsx_neutralises_text_and_keeps_numbers_and_dates_typed",
        ),
    ),
    Requirement(
        "REQ-SEC-03",
        "No script from documents",
        "HTML rendered from an uploaded document never carries script, event handlers or "
        "script URLs.",
        (3, 10),
        "7.11.3",
        tests=(VIEWS + "test_rendered_html_is_sanitised",),
    ),
    Requirement(
        "REQ-SEC-04",
        "Object-level access",
        "What a person may open depends on the record: auditors see no drafts, staff no "
        "obsolete revisions, and a reading task is signed only by its owner.",
        (10,),
        "7.11.3",
    ),
    Requirement(
        "REQ-SEC-07",
        "Static analysis",
        "bandit reports no high-severity issue in the application code.",
        (10,),
        "7.11.2",
    ),
    Requirement(
        "REQ-VAL-01",
        "Validation record",
        "`make validation-report` writes this record from the tests of the run, and every "
        "requirement names tests that exist.",
        (10,),
        "7.11.2",
    ),
)

BY_ID = {requirement.id: requirement for requirement in REQUIREMENTS}


def listed_for(nodeid: str) -> list[str]:
    """Requirement ids whose table entries name this test (or its file)."""
    return [
        requirement.id
        for requirement in REQUIREMENTS
        if any(matches(pattern, nodeid) for pattern in requirement.tests)
    ]


def matches(pattern: str, nodeid: str) -> bool:
    if "::" not in pattern:
        return nodeid.startswith(pattern + "::")
    return nodeid == pattern or nodeid.startswith(pattern + "[")

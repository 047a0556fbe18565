"""Journeys through document control, as the people of the demo lab walk them in a browser.

(a) The quality manager drafts revision B of a procedure and sends it for review; a reviewer
    and an approver sign; B becomes effective and A shows SUPERSEDED.
(b) A technician finds the acknowledgement task under "My tasks", reads the revision and
    acknowledges it with a signature; the revision is required training for the technician's
    job role, so the training matrix (the quality manager's, in her own browser, and the
    technician's "My training") turns from missing to current.
"""

from __future__ import annotations

import json
import re

import pytest

from compliance.demo.lab import DEMO_PASSWORD
from tests.browser.seed import APPROVER, QUALITY_MANAGER, REVIEWER, TECHNICIAN, procedure_docx
from tests.browser.test_sign_in import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under REQUIRE_BROWSER=1
    expect = None


def _signed_in(page, email: str) -> None:
    """Sign in and let the landing page finish loading (a navigation that interrupts its
    scripts would be reported as a failed request)."""
    sign_in(page, email, DEMO_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.wait_for_load_state("load")


def _seed(live_server, kind: str, number: str) -> dict:
    return json.loads(live_server.run("-m", "tests.browser.seed", kind, number).stdout)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")
    page.wait_for_load_state("load")


def _alert(page, text: str) -> None:
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()
    page.wait_for_load_state("load")


def _training_matrix_cell(page, person, column: str):
    """The quality manager opens the training matrix for the person's job role and name;
    the person's cell under `column` (a heading such as "QP-7.4-JB (Rev B)")."""
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Personnel"
    ).click()
    page.get_by_role("link", name="Training matrix").click()
    page.get_by_label("Job role").select_option(label=person.job_title)
    page.get_by_label("Person").fill(person.name)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("load")
    headings = [h.strip() for h in page.locator("table thead th").all_inner_texts()]
    assert column in headings, headings
    row = page.locator("table tbody tr").filter(has=page.get_by_role("link", name=person.name))
    expect(row).to_have_count(1)
    return row.locator("td").nth(headings.index(column))


def _my_training_row(page, column: str):
    """The technician's own row of the matrix: "My training", one line per required item."""
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="My training"
    ).click()
    expect(page.get_by_role("heading", name="My training", exact=True)).to_be_visible()
    page.wait_for_load_state("load")
    return page.locator("table tbody tr").filter(has_text=column)


@pytest.mark.requirement("REQ-REL-01", "REQ-DOC-02", "REQ-DOC-04")
def test_a_revision_is_drafted_reviewed_approved_and_supersedes_the_old_one(
    page, page_log, live_server, tmp_path
):
    number = "QP-7.4-JA"
    seeded = _seed(live_server, "procedure", number)
    new_file = tmp_path / f"{number}-B.docx"
    new_file.write_bytes(procedure_docx(number, "B", "Photograph the item and its markings."))

    # The quality manager drafts revision B and sends it for review.
    _signed_in(page, QUALITY_MANAGER.email)
    page.goto(f"/documents/{seeded['document_id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    page.get_by_role("link", name="New revision").click()
    page.get_by_label("Word document (.docx)").set_input_files(str(new_file))
    page.get_by_label("What changed and why").fill("Photograph the markings too (NCR 26-014).")
    page.get_by_role("button", name="Save draft").click()
    _alert(page, "Draft revision B saved.")
    draft_url = page.url
    assert re.search(r"/revisions/\d+$", draft_url), draft_url
    expect(page.locator(".document-body")).to_contain_text("Photograph the item and its markings.")
    page.get_by_role("button", name="Send for review").click()
    _alert(page, "Sent for review.")
    _sign_out(page)

    # A senior technician reviews and signs with his password.
    _signed_in(page, REVIEWER.email)
    page.goto(draft_url)
    expect(page.get_by_role("alert").first).to_contain_text("IN REVIEW — NOT FOR USE")
    page.locator("#review-password").fill(DEMO_PASSWORD)
    page.locator("#review-comment").fill("Checked against the receiving log.")
    page.get_by_role("button", name="Sign: reviewed").click()
    _alert(page, "Review signed.")
    expect(page.locator("aside")).to_contain_text(re.compile(f"reviewed by {REVIEWER.name}", re.I))
    _sign_out(page)

    # The laboratory director approves it, effective today.
    _signed_in(page, APPROVER.email)
    page.goto(draft_url)
    page.locator("#approve-password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign: approved").click()
    _alert(page, "Approved.")
    expect(page.get_by_role("heading", name=re.compile(f"{number} Rev B"))).to_contain_text(
        "effective", ignore_case=True
    )
    expect(page.locator("aside")).to_contain_text(re.compile(f"approved by {APPROVER.name}", re.I))
    _sign_out(page)

    # Back with the quality manager: B is current, A is superseded and says so.
    _signed_in(page, QUALITY_MANAGER.email)
    page.goto(f"/documents/{seeded['document_id']}")
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text="Photograph the markings too")).to_contain_text(
        "effective", ignore_case=True
    )
    expect(rows.filter(has=page.get_by_role("link", name="A", exact=True))).to_contain_text(
        "superseded", ignore_case=True
    )
    page.goto(f"/revisions/{seeded['revision_id']}")
    expect(page.get_by_role("alert").first).to_contain_text("SUPERSEDED — NOT FOR USE")
    assert page_log.problems == []
    assert not [r for r in page_log.responses if r[1] >= 500], page_log.responses


@pytest.mark.requirement("REQ-REL-02", "REQ-DOC-08")
def test_a_technician_acknowledges_a_new_revision_from_my_tasks(
    page, other_page, page_log, live_server
):
    number = "QP-7.4-JB"
    seeded = _seed(live_server, "acknowledge", number)
    task_name = f"{number} Rev B"
    column = f"{number} (Rev B)"

    # Before: the quality manager's training matrix shows the technician's training missing.
    _signed_in(other_page, QUALITY_MANAGER.email)
    matrix_cell = _training_matrix_cell(other_page, TECHNICIAN, column)
    expect(matrix_cell).to_contain_text("missing")

    _signed_in(page, TECHNICIAN.email)
    expect(_my_training_row(page, column)).to_contain_text("missing")
    page.get_by_role("link", name="My tasks").click()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    task = page.get_by_role("link").filter(has_text=task_name)
    expect(task).to_be_visible()
    task.click()
    assert page.url.endswith(f"/revisions/{seeded['revision_id']}")
    expect(page.locator(".document-body")).to_contain_text("Photograph the item and its markings.")
    page.locator("#ack-password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign: read and understood").click()
    _alert(page, f"Acknowledged {task_name}: read and understood.")
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_role("link").filter(has_text=task_name)).to_have_count(0)

    # The revision page now records the signature instead of asking for it.
    page.goto(f"/revisions/{seeded['revision_id']}")
    expect(page.locator("aside")).to_contain_text("You acknowledged this revision")
    page.wait_for_load_state("load")

    # After: the acknowledgement is training on the current revision; the matrix turns current.
    other_page.reload()
    expect(matrix_cell).to_contain_text("current")
    expect(matrix_cell).not_to_contain_text("missing")
    other_page.wait_for_load_state("load")
    row = _my_training_row(page, column)
    expect(row).to_contain_text("current")
    expect(row).to_contain_text("acknowledged")
    assert page_log.problems == []
    assert not [r for r in page_log.responses if r[1] >= 500], page_log.responses

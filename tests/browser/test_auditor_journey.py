"""The auditor's journey: evidence browsed clause by clause, read-only, inside an access window.

An assessor signs in within her window, goes from the clause matrix to clause 6.4, follows the
calibration evidence to the item of equipment and opens its calibration certificate, then reads
an equipment procedure and its audit trail. Nothing on those pages offers a change, and a write
posted with a valid CSRF token is refused. An assessor whose window has closed cannot sign in.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from compliance.demo.lab import DEMO_PASSWORD
from tests.browser.seed import QUALITY_MANAGER
from tests.browser.test_sign_in import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under REQUIRE_BROWSER=1
    expect = None

NUMBER = "QP-6.4-JC"
# What a control that changes a record is called on these pages (links and buttons).
WRITE_CONTROL = re.compile(
    r"^(edit|new|record|register equipment|correct|change status|sign[: ]|approve|reject|"
    r"withdraw|link|retire|upload|import|send for review|acknowledgements)",
    re.IGNORECASE,
)
WRITE_PATH = re.compile(r"/(new|edit|correct|status|checks|maintenance|links)$")


def _seed(live_server) -> dict:
    return json.loads(live_server.run("-m", "tests.browser.seed", "auditor", NUMBER).stdout)


def _offers_no_change(page) -> None:
    """The page has no form that posts anything but "Sign out", and no link or button to an
    edit, new-record, correction or signing page."""
    page.wait_for_load_state("load")
    post_actions = page.locator("form").evaluate_all(
        """forms => forms
            .filter(form => form.method.toLowerCase() === "post")
            .map(form => new URL(form.action).pathname)"""
    )
    assert post_actions == ["/logout"], f"{page.url} offers {post_actions}"
    controls = page.locator("main").get_by_role("link").all_inner_texts()
    controls += page.locator("main").get_by_role("button").all_inner_texts()
    offered = [name.strip() for name in controls if WRITE_CONTROL.match(name.strip())]
    assert offered == [], f"{page.url} offers {offered}"
    hrefs = page.locator("main a[href]").evaluate_all(
        "links => links.map(link => new URL(link.href).pathname)"
    )
    assert [h for h in hrefs if WRITE_PATH.search(h)] == [], f"{page.url} links to {hrefs}"


def _csrf_token(page) -> str:
    return page.locator('form[action="/logout"] input[name="csrf_token"]').input_value()


@pytest.mark.requirement("REQ-REL-08", "REQ-ACC-05", "REQ-AUD-04")
def test_an_auditor_browses_clause_evidence_read_only_within_the_window(
    page, page_log, live_server
):
    seeded = _seed(live_server)
    asset_id = seeded["asset_id"]

    # The assessor whose window closed last week is turned away at sign-in.
    sign_in(page, seeded["closed_window_email"], DEMO_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Your access window is not open")
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("navigation", name="Main navigation")).not_to_contain_text(
        seeded["closed_window_name"]
    )
    page.wait_for_load_state("load")

    # The assessor inside her window goes from the clause matrix to clause 6.4.
    sign_in(page, seeded["auditor_email"], DEMO_PASSWORD)
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation).to_contain_text(seeded["auditor_name"])
    page.wait_for_load_state("load")
    navigation.get_by_role("link", name="Clauses").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("clause matrix")
    page.get_by_role("link", name="6.4", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("6.4 · Equipment")
    _offers_no_change(page)
    clause_url = page.url

    # From the calibration evidence to the item of equipment and its certificate.
    evidence = page.locator("main li").filter(has_text=f"{asset_id} calibrated")
    expect(evidence).to_contain_text(f"{asset_id} calibrated")
    evidence.get_by_role("link").click()
    assert urlparse(page.url).path == f"/equipment/{seeded['equipment_id']}", page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(asset_id)
    expect(page.locator("main")).to_contain_text("in service")
    _offers_no_change(page)
    calibration = page.locator("tbody tr").filter(has_text=seeded["certificate_number"])
    certificate_path = f"/calibrations/{seeded['calibration_id']}/certificate"
    with (
        page.expect_download() as download,
        page.expect_response(lambda r: urlparse(r.url).path == certificate_path) as answer,
    ):
        calibration.get_by_role("link", name="certificate file").click()
    assert answer.value.status == 200
    assert answer.value.header_value("content-type") == "application/pdf"
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Back to clause 6.4, on to the equipment procedure, its register entry and its trail.
    page.goto(clause_url)
    page.wait_for_load_state("load")
    page.locator("main li").filter(has_text=f"{NUMBER} Rev A").get_by_role("link").click()
    assert urlparse(page.url).path == f"/revisions/{seeded['revision_id']}", page.url
    expect(page.locator(".document-body")).to_contain_text("Calibration of test equipment")
    _offers_no_change(page)
    page.get_by_role("heading", level=1).get_by_role("link", name=NUMBER).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NUMBER)
    _offers_no_change(page)
    page.locator("main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    entries = page.locator("tbody tr")
    expect(entries.filter(has_text="document.created")).to_contain_text(QUALITY_MANAGER.name)
    expect(entries.filter(has_text="revision.imported")).to_contain_text(NUMBER)
    assert all(NUMBER in entry for entry in entries.all_inner_texts())
    _offers_no_change(page)

    # Posted straight at the server with a valid CSRF token, a change is still refused, and
    # the trail (every change writes an entry) gains nothing.
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Audit trail"
    ).click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    newest = entries.first.locator("td").first.inner_text()
    token = _csrf_token(page)
    writes = {
        f"/equipment/{seeded['equipment_id']}/status": {
            "status": "out_of_service",
            "reason": "Dropped on the bench.",
        },
        f"/documents/{seeded['document_id']}/edit": {"title": "Changed by the auditor"},
        f"/revisions/{seeded['revision_id']}/withdraw": {"reason": "The auditor was here."},
        "/clauses/6.4/links": {"record_type": "equipment", "record_key": asset_id, "note": "x"},
    }
    # Without the token the CSRF check answers first ("nothing was saved", back to the page):
    # the token is what takes a request on to the permission check.
    path, form = next(iter(writes.items()))
    unchecked = page.request.post(path, form=form, max_redirects=0)
    assert unchecked.status == 303, unchecked.status
    for path, form in writes.items():
        refused = page.request.post(path, form={**form, "csrf_token": token}, max_redirects=0)
        assert refused.status == 403, (path, refused.status)
        assert "You do not have access to this page." in refused.text()
    page.reload()
    expect(entries.first.locator("td").first).to_have_text(newest)
    page.wait_for_load_state("load")
    assert page_log.problems == []
    assert not [r for r in page_log.responses if r[1] >= 500], page_log.responses

"""The first journey: the quality manager signs in, signs out, and mistypes her password."""

from __future__ import annotations

from urllib.parse import urlparse

from compliance.demo.lab import DEMO_PASSWORD, PEOPLE

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under REQUIRE_BROWSER=1
    expect = None

QUALITY_MANAGER = next(person for person in PEOPLE if person.job_title == "Quality Manager")
BOOTSTRAP_CSS = r"/static/vendor/bootstrap-[\d.]+/bootstrap\.min\.css"
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_quality_manager_signs_in_and_out(page, page_log, live_server):
    sign_in(page, QUALITY_MANAGER.email, DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text(
        QUALITY_MANAGER.name
    )

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, QUALITY_MANAGER.email, "not-her-password")
    expect(page.get_by_role("alert")).to_contain_text("Invalid e-mail or password.")
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("navigation", name="Main navigation")).not_to_contain_text(
        QUALITY_MANAGER.name
    )

    assert page_log.problems == []
    stylesheets = page_log.responses_to(BOOTSTRAP_CSS)
    assert stylesheets, "the Bootstrap stylesheet was never requested"
    assert {urlparse(url).hostname for url, _ in stylesheets} == {"127.0.0.1"}
    # Fetched once, then revalidated from the browser's cache on the next pages.
    assert stylesheets[0][1] == 200, stylesheets
    assert {status for _, status in stylesheets[1:]} <= {200, 304}, stylesheets
    # Served is not enough: the stylesheet must also have been applied (CSP, MIME type).
    primary = page.get_by_role("button", name="Sign in")
    assert primary.evaluate("button => getComputedStyle(button).backgroundColor") == (
        BOOTSTRAP_PRIMARY
    )


def test_page_log_catches_csp_violations(page, page_log):
    """The harness checks itself: an inline script on our pages is blocked and reported."""
    page.goto("/login")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.head.append(script);
            }"""
        )
    assert page.evaluate("() => window.inlineRan") is None
    assert any("Content Security Policy" in p or "CSP violation" in p for p in page_log.problems)

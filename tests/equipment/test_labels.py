"""Status labels: a .docx that opens, naming the asset, its dates and status, with a QR code of
the item's page."""

import datetime as dt
import io

import docx
import pytest
import time_machine

from compliance.equipment import labels
from tests.equipment.helpers import calibrate, make_item


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _images(data: bytes) -> list[bytes]:
    document = docx.Document(io.BytesIO(data))
    return [
        part.blob for part in document.part.related_parts.values() if "image" in part.content_type
    ]


def test_one_label_opens_and_carries_the_asset_id_dates_status_and_qr_code():
    url = "https://lab.example/equipment/7"
    data = labels.labels_docx(
        [
            labels.Label(
                asset_id="EQ-XRF-01",
                description="Handheld XRF analyser",
                last_calibrated_on=dt.date(2026, 1, 31),
                due_on=dt.date(2027, 1, 31),
                status="IN SERVICE",
                do_not_use=False,
                url=url,
            )
        ]
    )
    text = _text(data)
    for expected in ("EQ-XRF-01", "2026-01-31", "2027-01-31", "IN SERVICE", url):
        assert expected in text
    assert _images(data) == [labels.qr_png(url)]
    assert labels.qr_png(url).startswith(b"\x89PNG")


@pytest.fixture
def items(app):
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=True):
        overdue = make_item("EQ-OLD-01")
        calibrate(overdue, dt.date(2025, 5, 1))
        fine = make_item("EQ-NEW-01")
        calibrate(fine, dt.date(2026, 5, 1))
        yield overdue, fine


def test_label_page_and_a_sheet_for_a_selection(app, client, auth, make_user, items):
    overdue, fine = items
    auditor = make_user("auditor")
    auth.login(auditor.email)
    # The items fixture keeps the clock at 2026-06-10; travelling again would move it backwards
    # past the session cookie's timestamp, and a slow run would be signed out.
    response = client.get(f"/equipment/{overdue.id}/label")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    text = _text(response.data)
    assert "EQ-OLD-01" in text and "OVERDUE - DO NOT USE" in text and "2026-05-01" in text
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert f"{base}/equipment/{overdue.id}" in text
    sheet = client.get(f"/equipment/labels?id={overdue.id}&id={fine.id}")
    text = _text(sheet.data)
    assert "EQ-OLD-01" in text and "EQ-NEW-01" in text and len(_images(sheet.data)) == 2
    only_overdue = _text(client.get("/equipment/labels?due=overdue").data)
    assert "EQ-OLD-01" in only_overdue and "EQ-NEW-01" not in only_overdue
    empty = client.get("/equipment/labels?q=nothing-matches")
    assert empty.status_code == 302

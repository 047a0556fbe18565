"""Paragraph-level redline with word-level detail for changed paragraphs."""

from __future__ import annotations

from compliance.documents.redline import DiffLine, redline, word_diff

OLD = [
    "Scope",
    "This procedure covers XRF screening of tin-lead finishes.",
    "Warm up the analyser for 15 minutes.",
    "Record the results on form F-12.",
    "Retired step that is no longer performed at all.",
]
NEW = [
    "Scope",
    "This procedure covers XRF screening of tin-lead finishes.",
    "Warm up the analyser for 30 minutes.",
    "Measure the check standard before each batch.",
    "Record the results on form F-12.",
]


def test_marks_equal_inserted_deleted_and_changed_paragraphs():
    lines = redline(OLD, NEW)
    assert [(line.op, line.text) for line in lines] == [
        ("equal", "Scope"),
        ("equal", "This procedure covers XRF screening of tin-lead finishes."),
        ("replace", "Warm up the analyser for 30 minutes."),
        ("insert", "Measure the check standard before each batch."),
        ("equal", "Record the results on form F-12."),
        ("delete", "Retired step that is no longer performed at all."),
    ]


def test_changed_paragraph_carries_old_text_and_word_segments():
    changed = redline(OLD, NEW)[2]
    assert changed.old_text == "Warm up the analyser for 15 minutes."
    assert changed.segments == (
        ("equal", "Warm up the analyser for "),
        ("delete", "15"),
        ("insert", "30"),
        ("equal", " minutes."),
    )


def test_segments_rebuild_both_versions():
    old = "Calibrate the balance monthly, using class F1 weights."
    new = "Calibrate the balance weekly using class E2 weights and record it."
    segments = word_diff(old, new)
    assert "".join(text for op, text in segments if op != "insert") == old
    assert "".join(text for op, text in segments if op != "delete") == new


def test_unrelated_paragraphs_in_a_changed_block_are_delete_and_insert():
    lines = redline(["Apples are red."], ["Voltage is measured with a curve tracer."])
    assert lines == [
        DiffLine("delete", "Apples are red."),
        DiffLine("insert", "Voltage is measured with a curve tracer."),
    ]


def test_pairing_follows_similarity_not_position():
    lines = redline(
        ["Completely removed paragraph here.", "Inspect under 10x magnification."],
        ["Inspect under 20x magnification."],
    )
    assert [line.op for line in lines] == ["delete", "replace"]
    assert lines[1].old_text == "Inspect under 10x magnification."


def test_identical_and_empty_revisions():
    assert redline([], []) == []
    assert [line.op for line in redline(["a", "b"], ["a", "b"])] == ["equal", "equal"]
    assert [line.op for line in redline([], ["new"])] == ["insert"]

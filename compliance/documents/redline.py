"""Paragraph-level redline between two revisions, with word-level detail for changed paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["equal", "insert", "delete", "replace"]
SegmentOp = Literal["equal", "insert", "delete"]

# Below this word similarity a "changed" paragraph reads better as a deletion plus an insertion.
_PAIRING_THRESHOLD = 0.4
# Similarity-based pairing inside a changed block is quadratic; beyond this, pair by position.
_ALIGN_LIMIT = 2500
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class DiffLine:
    """One paragraph of the redline.

    ``op`` is "equal", "insert", "delete" or "replace". ``text`` is the paragraph as it reads
    in the new revision (the old text for "delete"). A "replace" line also has ``old_text``
    and ``segments``: (op, text) pairs with op "equal", "insert" or "delete" that spell out
    the word-level change in reading order.
    """

    op: Op
    text: str
    old_text: str | None = None
    segments: tuple[tuple[SegmentOp, str], ...] = ()


def redline(old_paragraphs: list[str], new_paragraphs: list[str]) -> list[DiffLine]:
    """Compare two revisions paragraph by paragraph and return the lines of a redline.

    Pure data for a template to render; raises nothing.
    """
    matcher = SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("equal", text) for text in new_paragraphs[j1:j2])
        elif tag == "delete":
            lines.extend(DiffLine("delete", text) for text in old_paragraphs[i1:i2])
        elif tag == "insert":
            lines.extend(DiffLine("insert", text) for text in new_paragraphs[j1:j2])
        else:
            lines.extend(_changed_block(old_paragraphs[i1:i2], new_paragraphs[j1:j2]))
    return lines


def word_diff(old: str, new: str) -> tuple[tuple[SegmentOp, str], ...]:
    """Return the (op, text) segments turning ``old`` into ``new`` word by word."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[tuple[SegmentOp, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(segments, "equal", "".join(new_tokens[j1:j2]))
            continue
        if i2 > i1:
            _append(segments, "delete", "".join(old_tokens[i1:i2]))
        if j2 > j1:
            _append(segments, "insert", "".join(new_tokens[j1:j2]))
    return tuple(segments)


def _append(segments: list[tuple[SegmentOp, str]], op: SegmentOp, text: str) -> None:
    if segments and segments[-1][0] == op:
        segments[-1] = (op, segments[-1][1] + text)
    else:
        segments.append((op, text))


def _similarity(old: str, new: str) -> float:
    return SequenceMatcher(None, _TOKEN.findall(old), _TOKEN.findall(new), autojunk=False).ratio()


def _changed_block(old: list[str], new: list[str]) -> list[DiffLine]:
    """Pair the old and new paragraphs of a changed block so edits show inline."""
    if len(old) * len(new) > _ALIGN_LIMIT:
        pairs = _pairs_by_position(old, new)
    else:
        pairs = _pairs_by_similarity(old, new)
    lines: list[DiffLine] = []
    for old_text, new_text in pairs:
        if old_text is None:
            lines.append(DiffLine("insert", new_text))
        elif new_text is None:
            lines.append(DiffLine("delete", old_text))
        else:
            lines.append(DiffLine("replace", new_text, old_text, word_diff(old_text, new_text)))
    return lines


def _pairs_by_position(old: list[str], new: list[str]) -> list[tuple[str | None, str | None]]:
    pairs: list[tuple[str | None, str | None]] = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        both = before is not None and after is not None
        if both and _similarity(before, after) < _PAIRING_THRESHOLD:
            pairs.extend([(before, None), (None, after)])
        else:
            pairs.append((before, after))
    return pairs


def _pairs_by_similarity(old: list[str], new: list[str]) -> list[tuple[str | None, str | None]]:
    """Order-preserving alignment that maximises the total similarity of paired paragraphs."""
    n, m = len(old), len(new)
    similarity = [[_similarity(a, b) for b in new] for a in old]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            score = max(best[i + 1][j], best[i][j + 1])
            if similarity[i][j] >= _PAIRING_THRESHOLD:
                score = max(score, similarity[i][j] + best[i + 1][j + 1])
            best[i][j] = score
    pairs: list[tuple[str | None, str | None]] = []
    i = j = 0
    while i < n and j < m:
        paired = similarity[i][j] + best[i + 1][j + 1]
        if similarity[i][j] >= _PAIRING_THRESHOLD and best[i][j] == paired:
            pairs.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((old[i], None))
            i += 1
        else:
            pairs.append((None, new[j]))
            j += 1
    pairs.extend((text, None) for text in old[i:])
    pairs.extend((None, text) for text in new[j:])
    return pairs

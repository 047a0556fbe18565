"""Sanity checks on the clause catalogue data (ISO/IEC 17025:2017 and ANAB AR 2250)."""

import dataclasses
import re

import pytest

from compliance.clauses import catalogue_anab, catalogue_iso17025
from compliance.clauses.catalogue_iso17025 import ClauseRow

ISO = catalogue_iso17025.CLAUSES
ANAB = catalogue_anab.CLAUSES
CATALOGUES = {"iso17025": ISO, "anab": ANAB}

CLAUSE_NUMBER = re.compile(r"^\d+(\.\d+)*$")
ISO_NUMBER = re.compile(r"^\d+(\.\d+)*( [a-z])?$")

# Clauses named by the gap rules in DOMAIN.md.
GAP_RULE_CLAUSES = (
    "8.3.2 a",
    "8.3.2 b",
    "8.3.2 d",
    "8.3.2 f",
    "6.2.2",
    "6.2.5",
    "6.2.6",
    "6.4.6",
    "6.5",
    "6.4.7",
    "6.5.2",
    "6.4.9",
    "7.10",
    "6.4.10",
    "6.4",
    "7.2",
    "6.6",
    "7.7.2",
    "8.8",
    "8.9",
    "8.7",
)

# 2017 clause -> 2005 aliases, as given in DOMAIN.md's table.
DOMAIN_TABLE_2005 = {
    "4.1": ("4.1",),
    "4.2": ("4.1",),
    "5": ("4.1",),
    "6.1": (),
    "6.2": ("5.2",),
    "6.3": ("5.3",),
    "6.4": ("5.5",),
    "6.5": ("5.6",),
    "6.6": ("4.5", "4.6"),
    "7.1": ("4.4",),
    "7.2": ("5.4",),
    "7.3": ("5.7",),
    "7.4": ("5.8",),
    "7.5": ("4.13",),
    "7.6": ("5.4.6",),
    "7.7": ("5.9",),
    "7.8": ("5.10",),
    "7.9": ("4.8",),
    "7.10": ("4.9",),
    "7.11": ("5.4.7",),
    "8.1": ("4.2",),
    "8.2": ("4.2",),
    "8.3": ("4.3",),
    "8.4": ("4.13",),
    "8.5": ("4.12",),
    "8.6": ("4.10",),
    "8.7": ("4.11",),
    "8.8": ("4.14",),
    "8.9": ("4.15",),
}


def _expand(prefix: str, first: int, last: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(first, last + 1)]


def _letters(parent: str, last: str) -> list[str]:
    return [f"{parent} {chr(c)}" for c in range(ord("a"), ord(last) + 1)]


# The numbered sub-clauses of the 2017 edition, and the lettered items we model as rows.
EXPECTED_ISO_NUMBERS = (
    ["1", "2", "3", "4", "4.1", "4.2", "5", "6", "7", "8"]
    + _expand("4.1.", 1, 5)
    + _expand("4.2.", 1, 4)
    + _expand("5.", 1, 7)
    + ["6.1"]
    + _expand("6.", 2, 6)
    + _expand("6.2.", 1, 6)
    + _expand("6.3.", 1, 5)
    + _expand("6.4.", 1, 13)
    + _expand("6.5.", 1, 3)
    + _expand("6.6.", 1, 3)
    + _expand("7.", 1, 11)
    + _expand("7.1.", 1, 8)
    + ["7.2.1", "7.2.2"]
    + _expand("7.2.1.", 1, 7)
    + _expand("7.2.2.", 1, 4)
    + _expand("7.3.", 1, 3)
    + _expand("7.4.", 1, 4)
    + _expand("7.5.", 1, 2)
    + _expand("7.6.", 1, 3)
    + _expand("7.7.", 1, 3)
    + _expand("7.8.", 1, 8)
    + _expand("7.8.1.", 1, 3)
    + _expand("7.8.2.", 1, 2)
    + _expand("7.8.3.", 1, 2)
    + _expand("7.8.4.", 1, 3)
    + _expand("7.8.6.", 1, 2)
    + _expand("7.8.7.", 1, 3)
    + _expand("7.8.8.", 1, 3)
    + _expand("7.9.", 1, 7)
    + _expand("7.10.", 1, 3)
    + _expand("7.11.", 1, 6)
    + _expand("8.", 1, 9)
    + _expand("8.1.", 1, 3)
    + _expand("8.2.", 1, 5)
    + _expand("8.3.", 1, 2)
    + _expand("8.4.", 1, 2)
    + _expand("8.5.", 1, 3)
    + _expand("8.6.", 1, 2)
    + _expand("8.7.", 1, 3)
    + _expand("8.8.", 1, 2)
    + _expand("8.9.", 1, 3)
    + _letters("6.2.5", "f")
    + _letters("6.2.6", "c")
    + _letters("6.4.13", "h")
    + _letters("6.5.2", "c")
    + _letters("6.6.2", "d")
    + _letters("7.1.1", "d")
    + _letters("7.7.2", "b")
    + _letters("7.8.2.1", "p")
    + _letters("7.8.3.1", "e")
    + _letters("7.8.4.1", "f")
    + _letters("7.8.6.2", "c")
    + _letters("7.10.1", "f")
    + _letters("7.11.3", "e")
    + _letters("8.3.2", "f")
    + _letters("8.7.1", "f")
    + _letters("8.9.2", "o")
    + _letters("8.9.3", "d")
)


def _sort_key(number: str) -> tuple[int, ...]:
    head, _, letter = number.partition(" ")
    key = tuple(int(part) for part in head.split("."))
    return key + ((ord(letter),) if letter else ())


def test_module_constants():
    assert catalogue_iso17025.STANDARD == "ISO/IEC 17025:2017"
    assert catalogue_iso17025.CODE == "ISO17025"
    assert catalogue_anab.CODE == "ANAB-AR2250"
    assert catalogue_anab.STANDARD


def test_rows_are_frozen_clause_rows():
    for rows in CATALOGUES.values():
        assert isinstance(rows, tuple)
        for row in rows:
            assert type(row) is ClauseRow
            assert isinstance(row.aliases_2005, tuple)
            assert isinstance(row.evidence_hint, str)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ISO[0].title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_numbers_are_unique(name):
    numbers = [row.number for row in CATALOGUES[name]]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    assert duplicates == []


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_parent_exists_and_precedes_its_child(name):
    seen: set[str] = set()
    for row in CATALOGUES[name]:
        if row.parent is not None:
            assert row.parent in seen, f"{row.number}: parent {row.parent} missing or later"
        seen.add(row.number)


def test_iso_parent_is_the_enclosing_clause():
    for row in ISO:
        if " " in row.number:
            expected = row.number.split(" ")[0]
        elif "." in row.number:
            expected = row.number.rsplit(".", 1)[0]
        else:
            expected = None
        assert row.parent == expected, row.number


def test_iso_numbers_are_well_formed_and_in_document_order():
    numbers = [row.number for row in ISO]
    for number in numbers:
        assert ISO_NUMBER.match(number), number
    assert numbers == sorted(numbers, key=_sort_key)


def test_iso_catalogue_has_exactly_the_expected_clauses():
    numbers = {row.number for row in ISO}
    expected = set(EXPECTED_ISO_NUMBERS)
    assert sorted(expected - numbers, key=_sort_key) == []  # missing
    assert sorted(numbers - expected, key=_sort_key) == []  # unexpected (typo?)


@pytest.mark.parametrize("number", GAP_RULE_CLAUSES)
def test_gap_rule_clause_exists(number):
    assert number in catalogue_iso17025.BY_NUMBER


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_titles_and_summaries(name):
    for row in CATALOGUES[name]:
        assert row.title.strip(), row.number
        assert row.summary.strip(), row.number
        assert len(row.summary) < 400, f"{row.number}: {len(row.summary)} chars"
        # Summaries are our own words; the standard's normative voice is a sign of copying.
        assert "shall" not in row.summary.lower(), row.number


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_2005_aliases_look_like_clause_numbers(name):
    for row in CATALOGUES[name]:
        for alias in row.aliases_2005:
            assert CLAUSE_NUMBER.match(alias), f"{row.number}: {alias!r}"
        assert len(set(row.aliases_2005)) == len(row.aliases_2005), row.number


@pytest.mark.parametrize(("number", "aliases"), sorted(DOMAIN_TABLE_2005.items()))
def test_second_level_aliases_follow_domain_table(number, aliases):
    assert catalogue_iso17025.BY_NUMBER[number].aliases_2005 == aliases


def test_precise_2005_mappings():
    by_number = catalogue_iso17025.BY_NUMBER
    assert by_number["7.7.2"].aliases_2005 == ("5.9.1",)
    assert by_number["7.5.2"].aliases_2005 == ("4.13.2.3",)
    assert by_number["6.4.13"].aliases_2005 == ("5.5.5",)


def test_anab_rows():
    assert len(ANAB) >= 12
    for row in ANAB:
        assert re.match(r"^ANAB-[A-Z]+-\d+$", row.number), row.number
        assert row.parent is None
        assert row.aliases_2005 == ()
    assert set(catalogue_anab.BY_NUMBER) == {row.number for row in ANAB}

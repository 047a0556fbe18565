"""What an SQL statement reads and writes, as version keys: "documents" for a table's rows (which
rows exist) and "documents.title" for a column's values.

Reads are over-approximated (every column whose name appears anywhere in the statement, every
column at a bare `*`), writes are exact where that is safe: an UPDATE changes only the columns
in its SET list, so a reader of a document's number and title is not disturbed by a change to
its review interval. Anything not understood is a write to every table it names, as rows.

A table's optimistic-lock counter (the ORM's version_id_col) is left out of its columns: it
moves with every ORM update and says nothing a result could depend on, so it is neither read
nor written, and an UPDATE that sets nothing else changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STAR = re.compile(r"\*(?!\s*\))")  # not the one in count(*)
_READ_ONLY = frozenset(
    {"select", "pragma", "savepoint", "release", "rollback", "begin", "commit", "show", "set"}
    | {"explain", "analyze", "vacuum", "reset", "listen", "unlisten"}
)
_WITH_WRITE = re.compile(r"\b(insert\s+into|update\s+\S+\s+set|delete\s+from)\b", re.IGNORECASE)
_TARGET = {
    "insert": re.compile(r"^\s*insert\s+(?:or\s+\w+\s+)?into\s+\"?(\w+)\"?", re.IGNORECASE),
    "replace": re.compile(r"^\s*replace\s+into\s+\"?(\w+)\"?", re.IGNORECASE),
    "delete": re.compile(r"^\s*delete\s+from\s+\"?(\w+)\"?", re.IGNORECASE),
    "update": re.compile(r"^\s*update\s+(?:or\s+\w+\s+)?\"?(\w+)\"?\s+set\s", re.IGNORECASE),
}
_SET_ENDS = frozenset({"where", "returning", "from"})

Columns = Mapping[str, frozenset[str]]  # table -> its column names, all lower case
Counters = Mapping[str, frozenset[str]]  # table -> its optimistic-lock counter columns


def verb(statement: str) -> str:
    first = statement.lstrip(" (\n\t").split(None, 1)[:1]
    return first[0].lower() if first else ""


def is_read(statement: str) -> bool:
    word = verb(statement)
    return word in _READ_ONLY or (word == "with" and not _WITH_WRITE.search(statement))


def read_keys(statement: str, columns: Columns) -> set[str]:
    """Each table the statement names, and each of its columns whose name appears in it (all
    of them at a bare `*`)."""
    words = {w.lower() for w in _WORD.findall(statement)}
    star = bool(_STAR.search(statement))
    keys: set[str] = set()
    for table in words & columns.keys():
        keys.add(table)
        named = columns[table] if star else columns[table] & words
        keys.update(f"{table}.{column}" for column in named)
    return keys


def written_keys(statement: str, columns: Columns, counters: Counters | None = None) -> set[str]:
    """What a statement that is not a read changes: the SET columns of an UPDATE (less the
    table's `counters`), the rows of the table an INSERT or DELETE names, the rows of every
    table anything else names."""
    word = verb(statement)
    pattern = _TARGET.get(word)
    match = pattern.match(statement) if pattern else None
    table = match.group(1).lower() if match else None
    if table not in columns:
        return {w.lower() for w in _WORD.findall(statement)} & columns.keys()
    if word != "update":
        return {table}
    assigned = _set_columns(statement[match.end() :])
    if not assigned:
        return {table}  # not understood: as if rows changed
    assigned -= (counters or {}).get(table, frozenset())
    if not assigned <= columns[table]:
        return {table}
    return {f"{table}.{column}" for column in assigned}


def _set_columns(text: str) -> set[str] | None:
    """The column names assigned by an UPDATE's SET list (`text` starts after SET), or None
    when it cannot be read with confidence."""
    assignments, current, depth, quote = [], [], 0, ""
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and char == ",":
            assignments.append("".join(current))
            current = []
            i += 1
            continue
        elif depth == 0 and char.isalpha() and (i == 0 or not _is_word(text[i - 1])):
            word = _WORD.match(text, i).group(0)
            if word.lower() in _SET_ENDS:
                break
        current.append(char)
        i += 1
    if quote or depth:
        return None
    assignments.append("".join(current))
    found = set()
    for assignment in assignments:
        left = assignment.split("=", 1)[0].strip().strip('"').lower()
        if "=" not in assignment or not re.fullmatch(r"\w+", left):
            return None
        found.add(left)
    return found


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"

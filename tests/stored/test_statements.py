"""Reading SQL for versions: what a statement reads is over-approximated, what an UPDATE writes
is exactly its SET list, and anything not understood counts as a change to the rows of every
table it names."""

from compliance.stored.statements import is_read, read_keys, written_keys

COLUMNS = {
    "documents": frozenset({"id", "number", "title", "review_interval_months", "owner_id"}),
    "users": frozenset({"id", "name", "email"}),
    "revisions": frozenset({"id", "document_id", "state", "text"}),
}


def test_a_select_reads_every_column_it_names_and_at_a_bare_star_all():
    sql = (
        "SELECT documents.number, users_1.name FROM documents "
        "JOIN users AS users_1 ON users_1.id = documents.owner_id WHERE documents.id = ?"
    )
    assert read_keys(sql, COLUMNS) == {
        "documents",
        "documents.number",
        "documents.id",
        "documents.owner_id",
        "users",
        "users.name",
        "users.id",
    }
    assert read_keys("SELECT count(*) FROM documents", COLUMNS) == {"documents"}
    star = read_keys("SELECT * FROM documents", COLUMNS)
    assert star == {"documents"} | {f"documents.{c}" for c in COLUMNS["documents"]}
    # An unqualified name counts for every table present that has such a column.
    assert "revisions.state" in read_keys("SELECT state FROM revisions, documents", COLUMNS)


def test_an_update_writes_exactly_the_columns_it_sets():
    sql = "UPDATE documents SET review_interval_months=?, title=? WHERE documents.id = ?"
    assert not is_read(sql)
    assert written_keys(sql, COLUMNS) == {
        "documents.review_interval_months",
        "documents.title",
    }
    pg = (
        "UPDATE documents SET title=%(title)s, number=(SELECT max(revisions.text) FROM "
        "revisions WHERE revisions.document_id = documents.id) WHERE documents.id = %(id)s"
    )
    assert written_keys(pg, COLUMNS) == {"documents.title", "documents.number"}
    quoted = "UPDATE documents SET \"number\"='a, b = (c' WHERE documents.id = 1"
    assert written_keys(quoted, COLUMNS) == {"documents.number"}


def test_rows_change_on_insert_delete_and_whatever_is_not_understood():
    assert written_keys("INSERT INTO documents (id, number) VALUES (?, ?)", COLUMNS) == {
        "documents"
    }
    assert written_keys("DELETE FROM users WHERE users.id = ?", COLUMNS) == {"users"}
    # An upsert is an INSERT: rows.
    upsert = "INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET name = 'x'"
    assert written_keys(upsert, COLUMNS) == {"users"}
    # A SET on a column the table does not have, or DDL: the rows of every table named.
    assert written_keys("UPDATE documents SET colour=? WHERE id=1", COLUMNS) == {"documents"}
    ddl = "ALTER TABLE revisions ADD COLUMN documents_seen INTEGER"
    assert written_keys(ddl, COLUMNS) == {"revisions"}
    assert is_read("WITH x AS (SELECT 1) SELECT * FROM x")
    assert not is_read("WITH x AS (SELECT 1) DELETE FROM users WHERE id IN (SELECT * FROM x)")


def test_an_optimistic_lock_counter_is_neither_data_nor_a_change():
    # install() leaves the counter out of the table's columns and passes it as a counter.
    counters = {"documents": frozenset({"version"})}
    sql = "UPDATE documents SET review_interval_months=?, version=? WHERE documents.id = ?"
    assert written_keys(sql, COLUMNS, counters) == {"documents.review_interval_months"}
    only_counter = "UPDATE documents SET version=? WHERE documents.id = ? AND version = ?"
    assert written_keys(only_counter, COLUMNS, counters) == set()
    # Without the counter declared, an unknown SET column is still a change of rows.
    assert written_keys(sql, COLUMNS) == {"documents"}

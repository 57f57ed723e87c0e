"""SM531: in SQLite, PRAGMA foreign_keys = OFF inside the driver's transaction does nothing, so dropping a
table that others reference (a rebuild's DROP TABLE) deletes or blocks on their rows, as SQLite itself shows."""

from __future__ import annotations

import sqlite3

import pytest

INIT = (
    "CREATE TABLE performers (id integer PRIMARY KEY, name text, height text);\n"
    "CREATE TABLE performers_tags (performer_id integer REFERENCES performers(id) ON DELETE CASCADE, tag text);\n"
    "CREATE TABLE notes (id integer PRIMARY KEY);\n"
)
REBUILD = (
    "PRAGMA foreign_keys=OFF;\n"
    "CREATE TABLE performers_new (id integer PRIMARY KEY, name text, height int);\n"
    "INSERT INTO performers_new (id, name, height) SELECT id, name, CAST(height AS int) FROM performers;\n"
    "DROP TABLE performers;\n"
    "ALTER TABLE performers_new RENAME TO performers;\n"
    "PRAGMA foreign_keys=ON;\n"
)


def cascades(lint_sql, up: str, **settings) -> list:
    files = {"000001_init.up.sql": INIT, "000001_init.down.sql": "SELECT 1;", "000002_rebuild.up.sql": up}
    return [d for d in lint_sql(files, dialect="sqlite", **settings).active if d.code == "SM531"]


def test_a_rebuild_dropping_a_parent_after_an_ignored_pragma(lint_sql):
    [finding] = cascades(lint_sql, REBUILD)
    assert finding.span.line == 4 and "DROP TABLE performers first deletes every row" in finding.message
    assert "the rows of performers_tags" in finding.message and "(line 1) does nothing" in finding.message
    assert [r.span.line for r in finding.related] == [1]


def test_sqlite_itself_deletes_the_childrens_rows():
    # What the finding claims, shown by SQLite: foreign keys on for the connection, the file in a transaction.
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(
        "PRAGMA foreign_keys=ON;\n" + INIT + "INSERT INTO performers VALUES (1, 'a', '180');\nINSERT INTO performers_tags VALUES (1, 'x');"
    )
    db.execute("BEGIN")
    for statement in REBUILD.split(";\n")[:-1]:
        db.execute(statement)
    db.execute("COMMIT")
    assert db.execute("SELECT count(*) FROM performers_tags").fetchone() == (0,)


def test_sqlite_itself_keeps_the_childrens_rows_when_the_pragma_comes_before_begin():
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(
        "PRAGMA foreign_keys=ON;\n" + INIT + "INSERT INTO performers VALUES (1, 'a', '180');\nINSERT INTO performers_tags VALUES (1, 'x');"
    )
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("BEGIN")
    for statement in REBUILD.split(";\n")[:-1]:
        db.execute(statement)
    db.execute("COMMIT")
    assert db.execute("SELECT count(*) FROM performers_tags").fetchone() == (1,)


@pytest.mark.parametrize(
    "up, settings",
    [
        (REBUILD.replace("PRAGMA foreign_keys=OFF;\n", ""), {}),  # no sign the connection enforces foreign keys
        (REBUILD.replace("performers", "notes").replace("name text, height int", "x int").replace("name, height", "x"), {}),
        (REBUILD, {"driver_options": {"x-no-tx-wrap": "true"}}),  # the pragma takes effect
        ("PRAGMA foreign_keys=OFF;\nDROP TABLE performers_tags;\nDROP TABLE performers;\n", {}),  # the child goes first
    ],
    ids=["no-pragma", "no-children", "no-transaction", "child-dropped-first"],
)
def test_look_alikes(lint_sql, up, settings):
    assert cascades(lint_sql, up, **settings) == []


X_NO_TX_WRAP = {"driver_options": {"x-no-tx-wrap": "true"}}


def test_the_files_own_begin_ignores_the_pragma_too(lint_sql):
    # x-no-tx-wrap: the driver opens no transaction, but the file's BEGIN does.
    [finding] = cascades(lint_sql, "BEGIN;\n" + REBUILD.replace("PRAGMA foreign_keys=ON;\n", "COMMIT;\n"), **X_NO_TX_WRAP)
    assert "does nothing inside the transaction the file's own BEGIN opens" in finding.message


def test_a_pragma_before_the_files_begin_switches_foreign_keys_off(lint_sql):
    # SQLite's own procedure: OFF before BEGIN takes effect; the copy inside the transaction changes nothing.
    up = "PRAGMA foreign_keys=OFF;\nBEGIN;\n" + REBUILD.replace("PRAGMA foreign_keys=ON;\n", "COMMIT;\nPRAGMA foreign_keys=ON;\n")
    assert cascades(lint_sql, up, **X_NO_TX_WRAP) == []
    # ... unless an ON that takes effect comes between it and the transaction.
    up = "PRAGMA foreign_keys=OFF;\nPRAGMA foreign_keys=ON;\nBEGIN;\n" + REBUILD.replace("PRAGMA foreign_keys=ON;\n", "COMMIT;\n")
    assert len(cascades(lint_sql, up, **X_NO_TX_WRAP)) == 1


def test_a_child_rebuilt_and_filled_earlier_in_the_file_still_has_rows(lint_sql):
    up = (
        "PRAGMA foreign_keys=OFF;\n"
        "CREATE TABLE tags_new (performer_id integer REFERENCES performers(id) ON DELETE CASCADE, tag text);\n"
        "INSERT INTO tags_new SELECT * FROM performers_tags;\n"
        "DROP TABLE performers_tags;\n"
        "ALTER TABLE tags_new RENAME TO performers_tags;\n" + REBUILD.replace("PRAGMA foreign_keys=OFF;\n", "")
    )
    [finding] = cascades(lint_sql, up)
    assert "the rows of performers_tags" in finding.message


def test_several_drops_of_one_file_are_one_finding(lint_sql):
    up = REBUILD.replace("PRAGMA foreign_keys=ON;\n", "") + "CREATE TABLE p2 (id integer PRIMARY KEY);\nDROP TABLE performers;\n"
    [finding] = cascades(lint_sql, up)
    assert finding.span.line == 4 and "so do the drops of performers (line 7)" in finding.message
    assert [r.span.line for r in finding.related] == [1, 7]

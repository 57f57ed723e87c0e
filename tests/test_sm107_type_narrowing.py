"""SM107 type-narrowing: a column changed to a type that cannot hold all of its values."""

from __future__ import annotations

import pytest
from conftest import codes

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, bio text, name varchar(255), score bigint, price numeric(12,2), seen timestamptz);"


def narrowing(lint_sql, files: dict[str, str], dialect: str = "postgres"):
    result = lint_sql(files, dialect=dialect, select=("SM107",))
    return [d for d in result.active if d.code == "SM107"]


@pytest.mark.parametrize(
    "change, old, new",
    [
        ("ALTER TABLE users ALTER COLUMN bio TYPE varchar(255)", "TEXT", "VARCHAR(255)"),
        ("ALTER TABLE users ALTER COLUMN name TYPE varchar(100)", "VARCHAR(255)", "VARCHAR(100)"),
        ("ALTER TABLE users ALTER COLUMN score SET DATA TYPE int", "BIGINT", "INT"),
        ("ALTER TABLE users ALTER COLUMN price TYPE numeric(8,2)", "DECIMAL(12, 2)", "DECIMAL(8, 2)"),
        ("ALTER TABLE users ALTER COLUMN seen TYPE date USING seen::date", "TIMESTAMPTZ", "DATE"),
    ],
)
def test_postgres_narrowing_names_both_types(lint_sql, change, old, new):
    found = narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": change + ";"})
    assert len(found) == 1
    assert f"from {old} to {new}" in found[0].message and found[0].path.endswith("2_change.up.sql")
    assert found[0].span.line == 1


def test_a_using_expression_is_named_as_what_must_convert_the_values(lint_sql):
    change = "ALTER TABLE users ALTER COLUMN bio TYPE bigint USING bio::bigint;"
    found = narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": change})
    assert found[0].message.endswith(
        "not every TEXT value is a valid BIGINT; its USING expression must convert them, or the migration fails"
    )


def test_mysql_modify_and_change_column(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (a DOUBLE, b ENUM('x','y','z'), c MEDIUMTEXT, d INT);",
        "2_t.up.sql": (
            "ALTER TABLE t MODIFY COLUMN a INT;\nALTER TABLE t CHANGE b kind ENUM('x','y');\nALTER TABLE t MODIFY c TEXT, MODIFY d BIGINT;"
        ),
    }
    found = narrowing(lint_sql, files, "mysql")
    assert [(d.span.line, d.message.split(" narrows")[0]) for d in found] == [
        (1, "changing t.a from DOUBLE to INT"),
        (2, "changing t.kind from ENUM('x', 'y', 'z') to ENUM('x', 'y')"),
        (3, "changing t.c from MEDIUMTEXT to TEXT"),
    ]
    assert "'z' is no longer allowed" in found[1].message


def test_a_narrowing_hidden_in_a_sqlite_table_rebuild(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL);",
        "2_rebuild.up.sql": (
            "CREATE TABLE t_new (id INTEGER PRIMARY KEY, code INTEGER NOT NULL);\n"
            "INSERT INTO t_new (id, code) SELECT id, code FROM t;\n"
            "DROP TABLE t;\n"
            "ALTER TABLE t_new RENAME TO t;"
        ),
    }
    found = narrowing(lint_sql, files, "sqlite")
    assert len(found) == 1 and found[0].span.line == 2
    assert "copies t.code (TEXT) into t_new.code (INT)" in found[0].message and "'007' becomes 7" in found[0].message


def test_a_rebuild_split_over_versions_is_followed(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, amount REAL);",
        "2_a.up.sql": "CREATE TABLE _t_tmp (id INTEGER PRIMARY KEY, amount TEXT);",
        "3_b.up.sql": "INSERT INTO _t_tmp SELECT * FROM t;",
        "4_c.up.sql": "DROP TABLE t;",
        "5_d.up.sql": "ALTER TABLE _t_tmp RENAME TO t;",
    }
    assert narrowing(lint_sql, files, "sqlite") == []  # REAL into TEXT keeps every value as text
    files["2_a.up.sql"] = "CREATE TABLE _t_tmp (id INTEGER PRIMARY KEY, amount INTEGER);"
    assert narrowing(lint_sql, files, "sqlite") == []  # SQLite keeps 1.5 as 1.5 in an INTEGER column
    files["1_t.up.sql"] = "CREATE TABLE t (id INTEGER PRIMARY KEY, amount VARCHAR(20));"
    assert [d.path.rsplit("/", 1)[-1] for d in narrowing(lint_sql, files, "sqlite")] == ["3_b.up.sql"]


def test_a_down_narrowing_back_what_its_up_widened(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (token varchar(32));",
        "2_longer.up.sql": "ALTER TABLE t ALTER COLUMN token TYPE varchar(64);",
        "2_longer.down.sql": "ALTER TABLE t ALTER COLUMN token TYPE varchar(32);",
    }
    found = narrowing(lint_sql, files)
    assert [d.path.rsplit("/", 1)[-1] for d in found] == ["2_longer.down.sql"]
    assert found[0].message.startswith("rolling back changes t.token from VARCHAR(64) back to VARCHAR(32)")


# --- look-alikes that must not be flagged ---------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE users ALTER COLUMN name TYPE text",
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(300)",
        "ALTER TABLE users ALTER COLUMN score TYPE numeric",
        "ALTER TABLE users ALTER COLUMN price TYPE numeric(14,4)",
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(255)",  # the same type
        "ALTER TABLE users ALTER COLUMN name SET NOT NULL",
        "ALTER TABLE users ALTER COLUMN seen TYPE timestamptz(6)",
    ],
)
def test_widening_and_same_type_are_not_flagged(lint_sql, change):
    assert narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": change + ";"}) == []


def test_a_column_whose_old_type_is_unknown_is_not_judged(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (a text);\nDO $$ BEGIN IF true THEN ALTER TABLE t ALTER COLUMN a TYPE bigint USING 0; END IF; END $$;",
        "2_t.up.sql": "ALTER TABLE t ALTER COLUMN a TYPE int;\nALTER TABLE elsewhere ALTER COLUMN b TYPE int;",
    }
    assert narrowing(lint_sql, files) == []


def test_a_sqlite_rebuild_that_keeps_the_types_is_not_flagged(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(255), n BIGINT);",
        "2_rebuild.up.sql": (
            "CREATE TABLE t_new (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, n INTEGER);\n"
            "INSERT INTO t_new SELECT * FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;"
        ),
    }
    result = lint_sql(files, dialect="sqlite")
    assert "SM107" not in codes(result)  # SQLite does not enforce VARCHAR lengths
    assert "SM101" not in codes(result)  # the rebuild keeps the table's rows


def test_a_down_narrowing_a_column_its_up_left_alone_is_sm203s(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (a text, b int);",
        "2_b.up.sql": "ALTER TABLE t ALTER COLUMN b TYPE bigint;",
        "2_b.down.sql": "ALTER TABLE t ALTER COLUMN b TYPE int;\nALTER TABLE t ALTER COLUMN a TYPE varchar(10);",
    }
    result = lint_sql(files, select=("SM107", "SM203"))
    assert [(d.code, d.span.line) for d in result.active] == [("SM107", 1), ("SM203", 2)]


@pytest.mark.parametrize(
    "guard",
    [
        "DELETE FROM users WHERE LENGTH(name) > 40;",
        "DELETE FROM users WHERE length(name) >= 41 OR name IS NULL;",
        "DELETE FROM users WHERE char_length(name) > 30;",  # deletes more than needed: still every long value
        "UPDATE users SET name = substr(name, 1, 40);",
        "UPDATE users SET name = substring(name from 1 for 40) WHERE length(name) > 40;",
        "UPDATE users SET name = left(name, 40);",
    ],
)
def test_a_narrowing_after_the_values_that_do_not_fit_were_removed_or_cut(lint_sql, guard):
    change = "ALTER TABLE users ALTER COLUMN name TYPE varchar(40);"
    assert narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": f"{guard}\n{change}"}) == []


@pytest.mark.parametrize(
    "guard",
    [
        "DELETE FROM users WHERE LENGTH(name) > 50;",  # values of 41 to 50 characters remain
        "DELETE FROM users WHERE LENGTH(bio) > 40;",  # another column
        "DELETE FROM users WHERE LENGTH(name) > 40 AND id > 10;",  # only some of them
        "UPDATE users SET name = substr(name, 2, 40);",  # not the start of the value
        "UPDATE users SET name = substr(bio, 1, 40);",  # another column's value
    ],
)
def test_guards_that_leave_values_too_long_do_not_count(lint_sql, guard):
    change = "ALTER TABLE users ALTER COLUMN name TYPE varchar(40);"
    assert len(narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": f"{guard}\n{change}"})) == 1
    # ... and a guard after the change comes too late.
    assert (
        len(narrowing(lint_sql, {"1_users.up.sql": USERS, "2_change.up.sql": f"{change}\nDELETE FROM users WHERE LENGTH(name) > 40;"})) == 1
    )


def test_a_down_cutting_values_before_restoring_the_narrower_type(lint_sql):
    files = {
        "1_users.up.sql": USERS,
        "2_widen.up.sql": "ALTER TABLE users ALTER COLUMN name TYPE text;",
        "2_widen.down.sql": "UPDATE users SET name = substr(name, 1, 255);\nALTER TABLE users ALTER COLUMN name TYPE varchar(255);",
    }
    assert narrowing(lint_sql, files) == []


@pytest.mark.parametrize(
    "using",
    ["to_timestamp(seen_epoch)", "(current_date + at)", "extract(epoch from seen)::int", "date_trunc('day', seen)::date"],
)
def test_a_conversion_written_with_using_is_the_authors(lint_sql, using):
    users = "CREATE TABLE users (id bigint PRIMARY KEY, seen timestamptz, seen_epoch int, at time);"
    column = {"to_timestamp(seen_epoch)": "seen_epoch", "(current_date + at)": "at"}.get(using, "seen")
    new = {"seen_epoch": "timestamptz", "at": "timestamp"}.get(column, "int" if "epoch" in using else "date")
    change = f"ALTER TABLE users ALTER COLUMN {column} TYPE {new} USING {using};"
    assert narrowing(lint_sql, {"1_users.up.sql": users, "2_change.up.sql": change}) == []

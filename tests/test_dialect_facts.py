"""Dialect facts that bite: SM109, SM630-SM632 and SQLite's BEGIN inside the driver's transaction (SM012),
each with the look-alikes it must not flag."""

from __future__ import annotations

import pytest


def found(lint_sql, files, code, dialect="postgres", **settings):
    return [
        (d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in lint_sql(files, dialect=dialect, **settings).active if d.code == code
    ]


# --- SM109 mysql-modify-drops-attributes

TABLE = (
    "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
    "name VARCHAR(50) CHARACTER SET utf8mb4 NOT NULL DEFAULT '' COMMENT 'shown', "
    "seen TIMESTAMP NULL ON UPDATE CURRENT_TIMESTAMP, n INT);\n"
)


def test_modify_leaving_attributes_out_lists_each(lint_sql):
    files = {"1_t.up.sql": TABLE, "2_t.up.sql": "ALTER TABLE t MODIFY name VARCHAR(100);\nALTER TABLE t MODIFY COLUMN id BIGINT;\n"}
    first, second = found(lint_sql, files, "SM109", "mysql")
    assert first[:2] == ("2_t.up.sql", 1)
    assert "leaves out NOT NULL, DEFAULT '', CHARACTER SET utf8mb4, COMMENT 'shown'" in first[2]
    assert second[:2] == ("2_t.up.sql", 2) and "leaves out AUTO_INCREMENT:" in second[2]  # NOT NULL stays on a primary key


def test_change_column_that_renames_and_forgets_on_update(lint_sql):
    files = {"1_t.up.sql": TABLE, "2_t.up.sql": "ALTER TABLE t CHANGE seen seen_at TIMESTAMP NULL;\n"}
    (finding,) = found(lint_sql, files, "SM109", "mysql")
    assert "CHANGE COLUMN redefines t.seen_at" in finding[2] and "ON UPDATE" in finding[2]


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE t MODIFY name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL DEFAULT '' COMMENT 'shown';",  # every attribute repeated
        "ALTER TABLE t MODIFY name VARCHAR(100) CHARACTER SET utf8mb4 NULL DEFAULT '' COMMENT 'shown';",  # NULL on purpose
        "ALTER TABLE t MODIFY name TEXT CHARACTER SET utf8mb4 DEFAULT NULL COMMENT 'shown';",  # DEFAULT NULL: nullable on purpose
        "ALTER TABLE t MODIFY n BIGINT;",  # nothing to lose
        "ALTER TABLE t MODIFY id BIGINT NOT NULL AUTO_INCREMENT;",
        "ALTER TABLE t CHANGE seen seen_at TIMESTAMP NULL ON UPDATE CURRENT_TIMESTAMP;",
    ],
)
def test_modify_that_repeats_what_the_column_keeps_is_not_flagged(lint_sql, change):
    assert found(lint_sql, {"1_t.up.sql": TABLE, "2_t.up.sql": change + "\n"}, "SM109", "mysql") == []


def test_a_down_that_restores_the_columns_old_definition_is_not_flagged(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50));\n",
        "2_t.up.sql": "ALTER TABLE t MODIFY name VARCHAR(100) NOT NULL DEFAULT 'x' COMMENT 'now documented';\n",
        "2_t.down.sql": "ALTER TABLE t MODIFY name VARCHAR(50);\n",
    }
    assert found(lint_sql, files, "SM109", "mysql") == []
    files["2_t.down.sql"] = "ALTER TABLE t MODIFY name VARCHAR(50) NOT NULL;\n"
    assert found(lint_sql, files, "SM109", "mysql") == []


def test_the_model_follows_what_modify_drops(lint_sql, tmp_path):
    """After MODIFY leaves them out, the schema model no longer holds the default or NOT NULL (as MySQL does not)."""
    files = {"1_t.up.sql": TABLE, "2_t.up.sql": "ALTER TABLE t MODIFY name VARCHAR(100);\n"}
    lint_sql(files, dialect="mysql")  # writes the files
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.reading.discovery import discover
    from safemig_lint.reading.statements import parse_file

    (directory,) = discover([str(tmp_path / "m")]).directories
    parsed = {f.path: parse_file(f.path.read_text(), "mysql") for f in directory.files()}
    column = History(directory, parsed, "mysql").at().tables["t"].columns["name"]
    assert (column.nullable, column.default, column.attributes) == (True, None, ())


# --- SM630 mysql-inline-references-ignored


INLINE = {"1_o.up.sql": "CREATE TABLE c (id BIGINT PRIMARY KEY);\nCREATE TABLE o (id BIGINT PRIMARY KEY, c_id BIGINT REFERENCES c (id));\n"}


def test_inline_references_are_reported_and_create_no_key(lint_sql, tmp_path):
    (finding,) = found(lint_sql, INLINE, "SM630", "mysql")
    assert finding[:2] == ("1_o.up.sql", 2) and "MySQL 8.4 accepts `REFERENCES c`" in finding[2]
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.reading.discovery import discover
    from safemig_lint.reading.statements import parse_file

    (directory,) = discover([str(tmp_path / "m")]).directories
    parsed = {f.path: parse_file(f.path.read_text(), "mysql") for f in directory.files()}
    for version, keys in (((8, 4), set()), ((9, 1), {"foreign"}), ((10, 4), set()), ((10, 11), {"foreign"})):
        table = History(directory, parsed, "mysql", mysql_version=version).at().tables["o"]
        assert {k.kind for k in table.constraints.values()} - {"primary"} == keys, version


def test_servers_that_create_inline_keys_and_table_level_keys_are_not_flagged(lint_sql):
    assert found(lint_sql, INLINE, "SM630", "mysql", mysql_version=(9, 0, 0)) == []
    assert found(lint_sql, INLINE, "SM630", "mysql", mysql_version=(10, 11)) == []
    assert found(lint_sql, INLINE, "SM630", "postgres") == []
    table_level = {"1_o.up.sql": "CREATE TABLE o (id BIGINT PRIMARY KEY, c_id BIGINT, FOREIGN KEY (c_id) REFERENCES c (id));\n"}
    assert found(lint_sql, table_level, "SM630", "mysql") == []


def test_an_ignored_inline_key_is_no_foreign_key_for_the_lock_rules(lint_sql):
    """SM520 would call adding a foreign key a table copy (foreign_key_checks on): an ignored one adds nothing."""
    files = {
        "1_o.up.sql": "CREATE TABLE c (id BIGINT PRIMARY KEY);\nCREATE TABLE o (id BIGINT PRIMARY KEY);\n",
        "2_o.up.sql": "ALTER TABLE o ADD COLUMN c_id BIGINT REFERENCES c (id);\n",
    }
    codes = {d.code for d in lint_sql(files, dialect="mysql").active if d.path.endswith("2_o.up.sql")}
    assert "SM630" in codes and "SM520" not in codes


# --- SM631 mysql-blob-literal-default


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE s (id INT PRIMARY KEY, payload JSON NOT NULL DEFAULT '{}');",
        "CREATE TABLE s (id INT PRIMARY KEY, body TEXT DEFAULT '');",
        "CREATE TABLE s (id INT PRIMARY KEY, data LONGBLOB DEFAULT 'x');",
        "CREATE TABLE s (id INT PRIMARY KEY);\nALTER TABLE s ADD COLUMN body MEDIUMTEXT NOT NULL DEFAULT 'none';",
        "CREATE TABLE s (id INT PRIMARY KEY, body TEXT);\nALTER TABLE s ALTER COLUMN body SET DEFAULT '';",
    ],
)
def test_a_literal_default_on_a_blob_or_text_column(lint_sql, statement):
    (finding,) = found(lint_sql, {"1_s.up.sql": statement + "\n"}, "SM631", "mysql")
    assert "error 1101" in finding[2]


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE s (id INT PRIMARY KEY, payload JSON NOT NULL DEFAULT ('{}'));",  # an expression default (8.0.13+)
        "CREATE TABLE s (id INT PRIMARY KEY, body TEXT DEFAULT NULL);",
        "CREATE TABLE s (id INT PRIMARY KEY, name VARCHAR(20) DEFAULT '');",
        "CREATE TABLE s (id INT PRIMARY KEY, name VARCHAR(20));\nALTER TABLE s ALTER COLUMN name SET DEFAULT '';",
    ],
)
def test_allowed_defaults_are_not_flagged(lint_sql, statement):
    assert found(lint_sql, {"1_s.up.sql": statement + "\n"}, "SM631", "mysql") == []


def test_versions_decide_expression_defaults_and_mariadb_takes_literals(lint_sql):
    expression = {"1_s.up.sql": "CREATE TABLE s (id INT PRIMARY KEY, payload JSON DEFAULT ('{}'));\n"}
    (finding,) = found(lint_sql, expression, "SM631", "mysql", mysql_version=(8, 0, 12))
    assert "before MySQL 8.0.13" in finding[2]
    literal = {"1_s.up.sql": "CREATE TABLE s (id INT PRIMARY KEY, body TEXT DEFAULT '');\n"}
    assert found(lint_sql, literal, "SM631", "mysql", mysql_version=(10, 11)) == []
    assert found(lint_sql, literal, "SM631", "mysql", mysql_version=(10, 1)) != []


# --- SM632 frozen-now-default


_FROZEN = [
    "created timestamp DEFAULT 'now'::timestamp",
    "created timestamptz NOT NULL DEFAULT 'now'",
    "created timestamp DEFAULT timestamp 'now'",
    "created timestamp DEFAULT CAST('NOW' AS timestamp)",
    "day date DEFAULT 'today'",
    "created timestamp DEFAULT timezone('utc', 'now'::timestamptz)",
]
_LIVE = [
    "created timestamp DEFAULT now()",
    "created timestamptz DEFAULT CURRENT_TIMESTAMP",
    "day date DEFAULT CURRENT_DATE",
    "created timestamp DEFAULT ('now'::text)::timestamp",  # pg_dump's old spelling: converted at each insert
    "label text DEFAULT 'now'",
]


@pytest.mark.parametrize("column", _FROZEN)
def test_now_as_a_literal_is_frozen(lint_sql, column):
    (finding,) = found(lint_sql, {"1_e.up.sql": f"CREATE TABLE e (id int, {column});\n"}, "SM632")
    assert "turns into a constant" in finding[2]


@pytest.mark.parametrize("column", _LIVE)
def test_live_defaults_are_not_flagged(lint_sql, column):
    assert found(lint_sql, {"1_e.up.sql": f"CREATE TABLE e (id int, {column});\n"}, "SM632") == []


_MOMENT_TEXTS = [  # one moment (or none) a statement, so that each is what admits its statement
    "CREATE TABLE e (b date DEFAULT ' Today ')",
    "CREATE TABLE e (a timestamp DEFAULT $$now$$::timestamp)",
    "CREATE TABLE e (b timestamp DEFAULT timestamp 'tomorrow')",
    "CREATE TABLE e (a timestamp DEFAULT CAST('YESTERDAY' AS timestamp))",
    "CREATE TABLE e (b timestamp DEFAULT 'no' 'w', c interval DEFAULT INTERVAL '1 day')",
    "CREATE TABLE e (a int DEFAULT EXTRACT(now FROM x))",
    "ALTER TABLE e ALTER COLUMN at SET DEFAULT 'now', ALTER COLUMN b SET DEFAULT now()",
    "CREATE TABLE now (now timestamp DEFAULT now(), today date DEFAULT current_date)",
    "SELECT to_char(x, 'now') FROM today",
    "SELECT date_trunc('today', x)",
]


def test_the_token_gate_admits_every_statement_whose_tree_holds_a_moment():
    """SM632 reads a statement's tree only when may_hold_a_moment admits its tokens: every tree with a
    string literal that is a moment must be admitted (the gate is right to skip only the others), and
    reading only the tokens where a moment word is written answers as reading every token."""
    from conftest import FIXTURES
    from sqlglot import exp

    from safemig_lint.checks.sm632_frozen_now_default import _is_moment, may_hold_a_moment
    from safemig_lint.reading.statements import parse_file

    held = skipped = 0
    texts = _MOMENT_TEXTS + [f"CREATE TABLE e (id int, {column})" for column in _FROZEN + _LIVE]
    for text in texts:
        parsed = parse_file(text, "postgres")
        for statement in parsed.statements:
            assert statement.expression is not None, text
            where_written = may_hold_a_moment(statement, parsed.text.lower())
            assert where_written == may_hold_a_moment(statement, None), text
            if any(_is_moment(literal) for literal in statement.expression.find_all(exp.Literal)):
                held += 1
                assert where_written, text
            elif not where_written:
                skipped += 1
    assert held >= 10 and skipped >= 3  # both sides met: `DEFAULT now()` is skipped
    for text in texts:  # after another statement: the statement's own text lowered answers as the file's
        parsed = parse_file(f"SELECT 1;\n{text}", "postgres")
        statement = parsed.statements[-1]
        assert may_hold_a_moment(statement, statement.text.lower(), statement.start) == may_hold_a_moment(statement, parsed.text.lower())
    for escaped in ("CREATE TABLE e (a timestamp DEFAULT E'\\x6eow'::timestamp)", "CREATE TABLE e (a timestamp DEFAULT E'n\\ow')"):
        parsed = parse_file(escaped, "postgres")  # `now` written with an escape: its text does not hold the word
        assert "now" not in parsed.text.lower() and may_hold_a_moment(parsed.statements[0], parsed.text.lower())
    for path in sorted(FIXTURES.rglob("*.sql")):
        parsed = parse_file(path.read_text(encoding="utf-8"), "postgres")
        for statement in parsed.statements:
            assert may_hold_a_moment(statement, parsed.text.lower()) == may_hold_a_moment(statement, None), statement.text


def test_set_default_now_on_a_timestamp_column_and_not_on_text(lint_sql):
    files = {
        "1_e.up.sql": "CREATE TABLE e (id int, at timestamp, label text);\n",
        "2_e.up.sql": "ALTER TABLE e ALTER COLUMN at SET DEFAULT 'now';\nALTER TABLE e ALTER COLUMN label SET DEFAULT 'now';\n",
    }
    assert [f[:2] for f in found(lint_sql, files, "SM632")] == [("2_e.up.sql", 1)]


def test_frozen_defaults_are_what_postgresql_stores(embedded_postgres):
    """The PostgreSQL behaviour SM632 relies on, on a real server: the literal forms are stored as constants."""
    import psycopg

    with psycopg.connect(**embedded_postgres.connection_kwargs, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS frozen_probe")
        connection.execute(
            "CREATE TABLE frozen_probe (a timestamp DEFAULT 'now'::timestamp, b timestamptz DEFAULT 'now', "
            "c timestamp DEFAULT now(), d timestamp DEFAULT ('now'::text)::timestamp)"
        )
        stored = dict(
            connection.execute(
                "SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute "
                "ON attrelid = adrelid AND attnum = adnum WHERE adrelid = 'frozen_probe'::regclass"
            ).fetchall()
        )
        connection.execute("DROP TABLE frozen_probe")
    assert "now" not in stored["a"] and "now" not in stored["b"]  # a timestamp constant
    assert stored["c"] == "now()" and "'now'::text" in stored["d"]


# --- SM012: SQLite's BEGIN inside the sqlite3 driver's transaction


def test_sqlite_begin_inside_the_drivers_transaction(lint_sql):
    files = {"1_a.up.sql": "BEGIN TRANSACTION;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id INTEGER);\nCOMMIT;\n"}
    (finding,) = found(lint_sql, files, "SM012", "sqlite")
    assert finding[:2] == ("1_a.up.sql", 1) and "cannot start a transaction within a transaction" in finding[2]


def test_sqlite_begin_with_no_tx_wrap_and_files_without_begin_are_not_flagged(lint_sql):
    files = {"1_a.up.sql": "BEGIN;\nCREATE TABLE a (id INTEGER);\nCOMMIT;\n"}
    assert found(lint_sql, files, "SM012", "sqlite", driver_options={"x-no-tx-wrap": "true"}) == []
    assert found(lint_sql, {"1_a.up.sql": "CREATE TABLE a (id INTEGER);\n"}, "SM012", "sqlite") == []
    assert found(lint_sql, files, "SM012", "postgres") == []  # PostgreSQL: a BEGIN takes the implicit block over


def test_sqlite_refuses_the_nested_begin_itself():
    """The message is SQLite's own: what golang-migrate's driver sends, on the standard library's SQLite."""
    import sqlite3

    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("BEGIN")
    with pytest.raises(sqlite3.OperationalError, match="cannot start a transaction within a transaction"):
        connection.execute("BEGIN TRANSACTION")
    connection.close()

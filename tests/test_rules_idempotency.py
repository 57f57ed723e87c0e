"""Re-runnable DDL (SM301-SM303), per dialect: a guard is asked for only where the dialect has one."""

from __future__ import annotations

import pytest

from safemig_lint.diagnostics import Span
from safemig_lint.dialects import CREATE_IF_NOT_EXISTS, CREATE_OR_REPLACE, DROP_IF_EXISTS
from safemig_lint.rule_pages import load_page

IDEMPOTENCY = ("SM301", "SM302", "SM303")


def findings(lint_sql, up: str, dialect: str, idempotency: str = "strict", **settings) -> list:
    files = {"000001_change.up.sql": up, "000001_change.down.sql": "-- nothing to undo"}
    result = lint_sql(files, dialect=dialect, idempotency=idempotency, **settings)
    return [d for d in result.active if d.code in IDEMPOTENCY]


def codes_for(lint_sql, up: str, dialect: str) -> list[str]:
    return [d.code for d in findings(lint_sql, up, dialect)]


# (dialect, statement, expected code or None, the suggested syntax)
CASES = [
    # PostgreSQL
    ("postgres", "CREATE TABLE t (id int);", "SM301", "CREATE TABLE IF NOT EXISTS t"),
    ("postgres", "CREATE TABLE t AS SELECT 1 AS id;", "SM301", "CREATE TABLE IF NOT EXISTS t"),
    ("postgres", "CREATE UNIQUE INDEX t_idx ON t (id);", "SM301", "CREATE INDEX IF NOT EXISTS t_idx"),
    (
        "postgres",
        "CREATE INDEX CONCURRENTLY t_idx ON t (id);",
        "SM301",
        "DROP INDEX CONCURRENTLY IF EXISTS t_idx;",
    ),  # not IF NOT EXISTS: that keeps an invalid leftover
    ("postgres", "CREATE SCHEMA billing;", "SM301", "CREATE SCHEMA IF NOT EXISTS billing"),
    ("postgres", "CREATE SEQUENCE t_seq;", "SM301", "CREATE SEQUENCE IF NOT EXISTS t_seq"),
    ("postgres", "CREATE EXTENSION pgcrypto;", "SM301", "CREATE EXTENSION IF NOT EXISTS pgcrypto"),
    ("postgres", "CREATE VIEW v AS SELECT 1;", "SM301", "CREATE OR REPLACE VIEW v"),
    ("postgres", "CREATE MATERIALIZED VIEW mv AS SELECT 1;", "SM301", "CREATE MATERIALIZED VIEW IF NOT EXISTS mv"),
    ("postgres", "CREATE TABLE IF NOT EXISTS t (id int);", None, ""),
    ("postgres", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_idx ON t (id);", None, ""),
    ("postgres", "CREATE OR REPLACE VIEW v AS SELECT 1;", None, ""),
    ("postgres", "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1;", None, ""),
    ("postgres", "CREATE EXTENSION IF NOT EXISTS pgcrypto;", None, ""),
    ("postgres", "CREATE TYPE mood AS ENUM ('happy', 'sad');", None, ""),  # no IF NOT EXISTS for types
    ("postgres", "CREATE DOMAIN positive AS int CHECK (VALUE > 0);", None, ""),
    ("postgres", "DROP TABLE t;", "SM302", "DROP TABLE IF EXISTS"),
    ("postgres", "DROP INDEX CONCURRENTLY t_idx;", "SM302", "DROP INDEX IF EXISTS"),
    ("postgres", "DROP MATERIALIZED VIEW mv;", "SM302", "DROP MATERIALIZED VIEW IF EXISTS"),
    ("postgres", "DROP TYPE mood;", "SM302", "DROP TYPE IF EXISTS"),
    ("postgres", "DROP SCHEMA billing CASCADE;", "SM302", "DROP SCHEMA IF EXISTS"),
    ("postgres", "ALTER TABLE t DROP COLUMN c;", "SM302", "DROP COLUMN IF EXISTS"),
    ("postgres", "DROP TABLE IF EXISTS t;", None, ""),
    ("postgres", "DROP MATERIALIZED VIEW IF EXISTS mv;", None, ""),
    ("postgres", "ALTER TABLE t DROP COLUMN IF EXISTS c;", None, ""),
    ("postgres", "ALTER TABLE t ADD COLUMN c int;", "SM303", "ADD COLUMN IF NOT EXISTS c"),
    ("postgres", "ALTER TABLE t ADD c int;", "SM303", "ADD COLUMN IF NOT EXISTS c"),
    ("postgres", "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;", None, ""),
    ("postgres", "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", None, ""),
    # MySQL
    ("mysql", "CREATE TABLE t (id int);", "SM301", "CREATE TABLE IF NOT EXISTS t"),
    ("mysql", "CREATE DATABASE shop;", "SM301", "CREATE DATABASE IF NOT EXISTS shop"),
    ("mysql", "CREATE VIEW v AS SELECT 1;", "SM301", "CREATE OR REPLACE VIEW v"),
    ("mysql", "CREATE TABLE IF NOT EXISTS t (id int);", None, ""),
    ("mysql", "CREATE INDEX t_idx ON t (id);", None, ""),  # only MariaDB has CREATE INDEX IF NOT EXISTS
    ("mysql", "CREATE UNIQUE INDEX t_idx ON t (id);", None, ""),
    ("mysql", "DROP TABLE t;", "SM302", "DROP TABLE IF EXISTS"),
    ("mysql", "DROP PROCEDURE refresh_totals;", "SM302", "DROP PROCEDURE IF EXISTS"),
    ("mysql", "DROP INDEX t_idx ON t;", None, ""),  # no DROP INDEX IF EXISTS in MySQL
    ("mysql", "ALTER TABLE t DROP COLUMN c;", None, ""),  # no DROP COLUMN IF EXISTS either
    ("mysql", "ALTER TABLE t ADD COLUMN c int;", None, ""),  # nor ADD COLUMN IF NOT EXISTS
    # SQLite
    ("sqlite", "CREATE TABLE t (id INTEGER);", "SM301", "CREATE TABLE IF NOT EXISTS t"),
    ("sqlite", "CREATE INDEX t_idx ON t (id);", "SM301", "CREATE INDEX IF NOT EXISTS t_idx"),
    ("sqlite", "CREATE VIEW v AS SELECT 1;", "SM301", "CREATE VIEW IF NOT EXISTS v"),
    ("sqlite", "CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN SELECT 1; END;", "SM301", "CREATE TRIGGER IF NOT EXISTS t_touch"),
    ("sqlite", "CREATE TABLE IF NOT EXISTS t (id INTEGER);", None, ""),
    ("sqlite", "CREATE INDEX IF NOT EXISTS t_idx ON t (id);", None, ""),
    ("sqlite", "DROP INDEX t_idx;", "SM302", "DROP INDEX IF EXISTS"),
    ("sqlite", "DROP VIEW v;", "SM302", "DROP VIEW IF EXISTS"),
    ("sqlite", "DROP TABLE IF EXISTS t;", None, ""),
    ("sqlite", "ALTER TABLE t DROP COLUMN c;", None, ""),  # SQLite has no DROP COLUMN IF EXISTS
    ("sqlite", "ALTER TABLE t ADD COLUMN c INTEGER;", None, ""),  # nor ADD COLUMN IF NOT EXISTS
]


@pytest.mark.parametrize(("dialect", "statement", "code", "fix"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_guards_are_asked_for_only_where_the_dialect_has_them(lint_sql, dialect, statement, code, fix):
    reported = findings(lint_sql, statement, dialect)
    if code is None:
        assert reported == []
    else:
        [finding] = reported
        assert finding.code == code
        assert f"`{fix}" in finding.help


def test_positions_point_at_the_object_name(lint_sql):
    up = (
        "CREATE TABLE IF NOT EXISTS invoices (id int, customer_id int);\n"
        "CREATE INDEX invoices_customer_idx\n"
        "    ON invoices (customer_id);\n"
        "ALTER TABLE invoices ADD COLUMN total numeric, DROP COLUMN legacy;\n"
        "DROP VIEW invoice_totals;"
    )
    assert [(d.code, d.span) for d in findings(lint_sql, up, "postgres")] == [
        ("SM301", Span(2, 14, 2, 35)),
        ("SM303", Span(4, 33, 4, 38)),
        ("SM302", Span(4, 60, 4, 66)),
        ("SM302", Span(5, 11, 5, 25)),
    ]


def test_an_unnamed_postgres_index_is_duplicated_by_a_rerun(lint_sql):
    [finding] = findings(lint_sql, "CREATE INDEX ON orders (customer_id);", "postgres")
    assert finding.code == "SM301"
    assert "without a name creates a duplicate" in finding.message
    assert "Name it" in finding.help


def test_dropping_what_the_same_file_just_created_cannot_fail(lint_sql):
    up = (
        "CREATE TABLE IF NOT EXISTS totals_tmp (order_id int, total int);\n"
        "CREATE INDEX IF NOT EXISTS totals_tmp_idx ON totals_tmp (order_id);\n"
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS total_v2 int;\n"
        "DROP INDEX totals_tmp_idx;\n"
        "ALTER TABLE orders DROP COLUMN total_v2;\n"
        "DROP TABLE totals_tmp;"
    )
    assert findings(lint_sql, up, "postgres") == []


def test_a_down_file_is_rerun_too(lint_sql):
    # Its up file created the table, but a down that failed half-way runs again from the top.
    files = {"1_a.up.sql": "CREATE TABLE IF NOT EXISTS a (id int);", "1_a.down.sql": "DROP TABLE a;"}
    result = lint_sql(files, idempotency="strict")
    assert [(d.code, d.path.rsplit("/", 1)[-1]) for d in result.active] == [("SM302", "1_a.down.sql")]


def test_dialects_without_a_table_of_guards_get_no_suggestions(lint_sql):
    up = "CREATE TABLE t (id int);\nDROP TABLE u;\nALTER TABLE t ADD c int;"
    assert codes_for(lint_sql, up, "tsql") == []
    assert codes_for(lint_sql, up, "postgres") == ["SM301", "SM302", "SM303"]


def _page_table(code: str) -> dict[str, list[set[str]]]:
    """dialect -> the sets of kinds in each column of the table on the rule's page."""
    rows = [line.strip("|").split("|") for line in load_page(code).sections["What it flags"].splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [{k.strip() for k in cell.split(",") if k.strip()} for cell in cells[1:]] for cells in rows[1:]}


def test_the_rule_pages_list_what_the_dialect_tables_say():
    create = _page_table("SM301")
    drop = _page_table("SM302")
    for dialect in ("postgres", "mysql", "sqlite"):
        assert create[dialect] == [CREATE_IF_NOT_EXISTS[dialect], CREATE_OR_REPLACE.get(dialect, set())]
        assert drop[dialect] == [DROP_IF_EXISTS[dialect]]


# golang-migrate's execution model decides whether a part-way failure can leave a statement applied.
TWO_CREATES = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);"


def test_a_postgres_file_rolls_back_whole_so_a_rerun_cannot_fail(lint_sql):
    assert findings(lint_sql, TWO_CREATES, "postgres", idempotency="auto") == []
    assert findings(lint_sql, "BEGIN;\n" + TWO_CREATES + "\nCOMMIT;", "postgres", idempotency="auto") == []


def test_sqlite3_wraps_the_file_in_a_transaction(lint_sql):
    assert findings(lint_sql, TWO_CREATES, "sqlite", idempotency="auto") == []
    reported = findings(lint_sql, TWO_CREATES, "sqlite", idempotency="auto", driver_options={"x-no-tx-wrap": "true"})
    assert [(d.code, d.span.line) for d in reported] == [("SM301", 1)]
    assert "x-no-tx-wrap=true" in reported[0].message


@pytest.mark.parametrize(
    ("dialect", "settings", "reason"),
    [
        ("mysql", {}, "MySQL commits each statement on its own"),
        ("postgres", {"driver_options": {"x-multi-statement": "true"}}, "x-multi-statement=true"),
    ],
)
def test_statements_that_commit_on_their_own_are_flagged_except_the_last(lint_sql, dialect, settings, reason):
    reported = findings(lint_sql, TWO_CREATES, dialect, idempotency="auto", **settings)
    assert [(d.code, d.span.line) for d in reported] == [("SM301", 1)]  # if b fails, a stays; b itself never applied
    assert reason in reported[0].message


def test_a_commit_in_the_middle_of_a_postgres_file_leaves_what_came_before(lint_sql):
    up = "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nALTER TABLE a ADD COLUMN c int;\nDROP TABLE old;"
    reported = findings(lint_sql, up, "postgres", idempotency="auto")
    assert [(d.code, d.span.line) for d in reported] == [("SM301", 2)]
    assert "COMMIT" in reported[0].message


def test_a_failed_concurrent_index_build_leaves_an_invalid_index(lint_sql):
    reported = findings(lint_sql, "CREATE INDEX CONCURRENTLY t_idx ON t (id);", "postgres", idempotency="auto")
    assert [d.code for d in reported] == ["SM301"]
    assert "invalid index" in reported[0].message

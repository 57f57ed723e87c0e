"""SM012: statements the database refuses inside the transaction golang-migrate runs a file in."""

from __future__ import annotations

import pytest

DOWN = {"000001_x.down.sql": "SELECT 1;"}


def sm012(lint_sql, up: str, dialect: str = "postgres", **settings) -> list:
    result = lint_sql({"000001_x.up.sql": up, **DOWN}, dialect=dialect, select=("SM012",), **settings)
    return [d for d in result.active if d.code == "SM012"]


def test_a_concurrent_index_beside_another_statement_fails(lint_sql):
    up = "ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX CONCURRENTLY t_c ON t (c);"
    [finding] = sm012(lint_sql, up)
    assert finding.span.line == 2
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in finding.message
    assert "postgres driver runs this file as one transaction" in finding.message
    assert "file of its own" in finding.help and "x-multi-statement=true" in finding.help


def test_alone_in_its_file_it_runs_outside_a_transaction(lint_sql):
    assert sm012(lint_sql, "-- build it online\nCREATE INDEX CONCURRENTLY t_c ON t (c);") == []


def test_inside_the_files_own_begin_commit_it_fails_even_when_alone(lint_sql):
    [finding] = sm012(lint_sql, "BEGIN;\nDROP INDEX CONCURRENTLY t_c;\nCOMMIT;")
    assert "BEGIN ... COMMIT" in finding.message


def test_x_multi_statement_sends_statements_one_by_one(lint_sql):
    up = "ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX CONCURRENTLY t_c ON t (c);"
    assert sm012(lint_sql, up, driver_options={"x-multi-statement": "true"}) == []
    # ... unless the file wraps it in BEGIN ... COMMIT itself
    wrapped = "BEGIN;\n" + up + "\nCOMMIT;"
    assert len(sm012(lint_sql, wrapped, driver_options={"x-multi-statement": "true"})) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "VACUUM ANALYZE t",
        "CREATE DATABASE app",
        "ALTER SYSTEM SET work_mem = '64MB'",
        "REINDEX TABLE CONCURRENTLY t",
        "DROP TABLESPACE fast",
    ],
)
def test_other_commands_postgresql_refuses(lint_sql, statement):
    assert len(sm012(lint_sql, f"SELECT 1;\n{statement};")) == 1


@pytest.mark.parametrize("statement", ["CREATE INDEX t_c ON t (c)", "ANALYZE t", "REINDEX TABLE t", "ALTER TYPE mood ADD VALUE 'meh'"])
def test_look_alikes_that_run_in_a_transaction(lint_sql, statement):
    assert sm012(lint_sql, f"SELECT 1;\n{statement};") == []


def test_alter_type_add_value_before_postgres_12(lint_sql):
    up = "SELECT 1;\nALTER TYPE mood ADD VALUE 'meh';"
    assert len(sm012(lint_sql, up, postgres_version=11)) == 1
    assert sm012(lint_sql, up, postgres_version=12) == []
    # An enum created in the same transaction may get values, even before 12.
    created = "CREATE TYPE mood AS ENUM ('happy');\nALTER TYPE mood ADD VALUE 'meh';"
    assert sm012(lint_sql, created, postgres_version=11) == []


def test_sqlite3_wraps_every_file_so_vacuum_fails(lint_sql):
    assert len(sm012(lint_sql, "VACUUM;", "sqlite")) == 1
    assert sm012(lint_sql, "VACUUM;", "sqlite", driver_options={"x-no-tx-wrap": "true"}) == []


def test_mysql_has_no_such_restriction_here(lint_sql):
    assert sm012(lint_sql, "SELECT 1;\nCREATE DATABASE app;", "mysql") == []


def test_several_refused_statements_of_a_file_are_one_finding_naming_them_all(lint_sql):
    up = "SELECT 1;\nCREATE INDEX CONCURRENTLY a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);\nVACUUM t;\n"
    [finding] = sm012(lint_sql, up)
    assert finding.span.line == 2 and "the statements on lines 3, 4 would fail the same way" in finding.message
    assert [r.span.line for r in finding.related] == [3, 4]

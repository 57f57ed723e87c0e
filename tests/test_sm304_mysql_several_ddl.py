"""SM304: a MySQL file with several DDL statements is left half-applied when one fails."""

from __future__ import annotations

from safemig_lint.diagnostics import Severity


def sm304(lint_sql, up: str, dialect: str = "mysql") -> list:
    result = lint_sql({"000007_x.up.sql": up, "000007_x.down.sql": "SELECT 1;"}, dialect=dialect, select=("SM304",))
    return [d for d in result.active if d.code == "SM304"]


def test_reported_once_at_the_second_ddl_statement(lint_sql):
    up = "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nALTER TABLE a ADD c int;\nDROP TABLE b;"
    [finding] = sm304(lint_sql, up)
    assert finding.span.line == 3 and finding.severity == Severity.INFO
    assert "3 DDL statements" in finding.message and "version 7 dirty" in finding.message


def test_one_ddl_statement_with_data_changes_is_not_reported(lint_sql):
    assert sm304(lint_sql, "ALTER TABLE a ADD c int;\nUPDATE a SET c = 1;\nINSERT INTO a (c) VALUES (2);") == []


def test_other_drivers_roll_a_file_back_whole(lint_sql):
    assert sm304(lint_sql, "CREATE TABLE a (id int);\nCREATE TABLE b (id int);", "postgres") == []

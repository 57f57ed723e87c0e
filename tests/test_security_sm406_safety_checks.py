"""SM406 disables-safety-checks: switched off and not back on in the same file."""

from __future__ import annotations

import pytest


def disabled(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM406"]


def lint_up(lint_sql, up: str, dialect: str = "postgres"):
    return lint_sql({"000001_fix.up.sql": up, "000001_fix.down.sql": "SELECT 1;"}, dialect=dialect)


def test_checks_left_off_are_flagged(lint_sql):
    up = (
        "ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;\n"
        "ALTER TABLE orders DISABLE TRIGGER ALL;\n"
        "SET session_replication_role = replica;\n"
        "DO $$ BEGIN ALTER TABLE items DISABLE TRIGGER ALL; END $$;\n"
    )
    found = disabled(lint_up(lint_sql, up))
    assert [(line, column) for line, column, _ in found] == [(1, 21), (2, 20), (3, 1), (4, 31)]
    assert found[0][2].startswith("row-level security is disabled on `tenants`")
    assert found[1][2].endswith("and this file does not turn it back on")


def test_mysql_and_sqlite_foreign_key_switches(lint_sql):
    mysql = "SET FOREIGN_KEY_CHECKS = 0;\nSET @@SESSION.foreign_key_checks = OFF;\n"
    assert [line for line, _, _ in disabled(lint_up(lint_sql, mysql, dialect="mysql"))] == [1, 2]
    sqlite = "PRAGMA foreign_keys=OFF;\nCREATE TABLE t_new (id integer);\n"
    assert [line for line, _, _ in disabled(lint_up(lint_sql, sqlite, dialect="sqlite"))] == [1]


@pytest.mark.parametrize(
    "up, dialect",
    [
        ("ALTER TABLE t DISABLE ROW LEVEL SECURITY;\nUPDATE t SET a = 1;\nALTER TABLE t ENABLE ROW LEVEL SECURITY;", "postgres"),
        ("ALTER TABLE t DISABLE TRIGGER ALL;\nDELETE FROM t WHERE a;\nALTER TABLE t ENABLE TRIGGER ALL;", "postgres"),
        ("SET session_replication_role = replica;\nDELETE FROM t WHERE a;\nSET session_replication_role = DEFAULT;", "postgres"),
        ("SET session_replication_role TO 'replica';\nRESET session_replication_role;", "postgres"),
        ("SET LOCAL session_replication_role = replica;\nDELETE FROM t WHERE a;", "postgres"),
        ("ALTER TABLE t DISABLE TRIGGER audit_trigger;", "postgres"),
        ("ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nALTER TABLE t FORCE ROW LEVEL SECURITY;", "postgres"),
        ("SET FOREIGN_KEY_CHECKS=0;\nDROP TABLE x;\nSET FOREIGN_KEY_CHECKS=1;", "mysql"),
        ("PRAGMA foreign_keys = off;\nCREATE TABLE t (id integer);\nPRAGMA foreign_keys = on;", "sqlite"),
        ("SELECT 'ALTER TABLE t DISABLE ROW LEVEL SECURITY'; -- SET session_replication_role = replica", "postgres"),
    ],
)
def test_switched_back_on_or_not_switched_off(lint_sql, up, dialect):
    assert disabled(lint_up(lint_sql, up, dialect=dialect)) == []


def test_turning_a_different_table_back_on_does_not_count(lint_sql):
    up = "ALTER TABLE a DISABLE TRIGGER ALL;\nALTER TABLE b ENABLE TRIGGER ALL;\n"
    assert [line for line, _, _ in disabled(lint_up(lint_sql, up))] == [1]


def test_sqlite_foreign_keys_pragma_inside_the_drivers_transaction_is_a_no_op(lint_sql):
    sqlite = "PRAGMA foreign_keys=OFF;\nCREATE TABLE t_new (id integer);\n"
    result = lint_sql({"000001_fix.up.sql": sqlite, "000001_fix.down.sql": "SELECT 1;"}, dialect="sqlite")
    [finding] = [d for d in result.active if d.code == "SM406"]
    assert "does nothing here" in finding.message and "ignores the pragma inside one" in finding.message
    assert finding.severity.value == "info"
    # Without the driver's transaction (x-no-tx-wrap=true) it does switch enforcement off.
    result = lint_sql(
        {"000001_fix.up.sql": sqlite, "000001_fix.down.sql": "SELECT 1;"}, dialect="sqlite", driver_options={"x-no-tx-wrap": "true"}
    )
    [finding] = [d for d in result.active if d.code == "SM406"]
    assert finding.message.startswith("PRAGMA foreign_keys = OFF turns off foreign-key enforcement")

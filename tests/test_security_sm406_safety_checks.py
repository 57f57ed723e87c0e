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


@pytest.mark.parametrize(
    ("up", "dialect", "count"),
    [
        (
            "ALTER TABLE a DISABLE ROW LEVEL SECURITY;\n"
            "DO 'BEGIN ALTER TABLE b Disable TRIGGER ALL; END';\n"
            "DO $$ BEGIN EXECUTE 'SET session_replication_role = replica'; END $$;\n"
            "ALTER TABLE c ENABLE TRIGGER ALL;\n",
            "postgres",
            3,
        ),
        ("SET FOREIGN_KEY_CHECKS = 0;\nALTER TABLE t ENABLE KEYS;\n", "mysql", 1),
        ("PRAGMA foreign_keys = OFF;\nCREATE TABLE t (id int CHECK (id > 0));\n", "sqlite", 1),
        ("ALTER TABLE t NOCHECK CONSTRAINT ALL;\n", "tsql", 1),
    ],
)
def test_the_file_gate_lets_every_switch_turned_off_through(lint_sql, monkeypatch, up, dialect, count):
    """A file is read only when it holds a word of a switch turned off (_OFF_WORDS): the same findings
    as reading every statement of every file."""
    from safemig_lint.analysis import bodies
    from safemig_lint.checks import sm406_disables_safety_checks as sm406

    gated = disabled(lint_up(lint_sql, up, dialect))
    assert len(gated) == count
    monkeypatch.setattr(sm406.DisablesSafetyChecks, "reads_words", None)
    monkeypatch.setattr(bodies, "may_hold_words", lambda statement, words, lowered: True)
    assert disabled(lint_up(lint_sql, up, dialect)) == gated


def test_a_file_turning_checks_only_on_is_not_read():
    from safemig_lint.analysis import bodies
    from safemig_lint.checks import sm406_disables_safety_checks as sm406
    from safemig_lint.reading.statements import parse_file

    up = "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nALTER TABLE u ADD CHECK (n > 0);\nRESET session_replication;\n"
    parsed = parse_file(up, "postgres")
    assert not bodies.file_may_hold_words(sm406._OFF_WORDS, parsed.text.lower())
    escaped = parse_file(up + "SELECT E'\\x';\n", "postgres")  # an escape may make any letter: read
    assert bodies.file_may_hold_words(sm406._OFF_WORDS, escaped.text.lower())

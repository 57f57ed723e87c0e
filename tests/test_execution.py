"""golang-migrate's execution model: which statements share a transaction, and what a failure leaves applied."""

from __future__ import annotations

import pytest

from safemig_lint.analysis.execution import ExecutionModel, ExecutionSettings, refuses_transaction_block, settings_for
from safemig_lint.config import Config, ConfigError, apply_settings
from safemig_lint.reading.statements import parse_file


def model(sql: str, driver: str = "postgres", dialect: str = "postgres", **options) -> tuple[ExecutionModel, list]:
    statements = parse_file(sql, dialect).statements
    return ExecutionModel(statements, ExecutionSettings(driver, **options)), statements


def test_postgres_runs_a_multi_statement_file_as_one_implicit_transaction():
    execution, (first, second) = model("CREATE TABLE a (id int); CREATE TABLE b (id int);")
    assert execution.transaction_id(first) == execution.transaction_id(second) is not None
    assert execution.partial_failure_persists(first) is None


def test_postgres_file_of_one_statement_runs_outside_a_transaction_block():
    execution, (only,) = model("VACUUM t;")
    assert not execution.in_transaction(only)
    assert execution.partial_failure_persists(only) is None  # nothing after it can fail
    execution, (index,) = model("CREATE INDEX CONCURRENTLY i ON t (c);")
    assert "invalid index" in execution.partial_failure_persists(index)


def test_postgres_x_multi_statement_commits_each_statement():
    execution, (first, second) = model("CREATE TABLE a (id int); CREATE TABLE b (id int);", multi_statement=True)
    assert execution.transaction_id(first) is None and execution.transaction_id(second) is None
    assert "x-multi-statement=true" in execution.partial_failure_persists(first)
    assert execution.partial_failure_persists(second) is None


def test_a_commit_in_the_middle_leaves_what_came_before_applied():
    sql = "CREATE TABLE a (id int); BEGIN; CREATE TABLE b (id int); COMMIT; CREATE TABLE c (id int); CREATE TABLE d (id int);"
    execution, (a, begin, b, commit, c, d) = model(sql)
    # BEGIN takes over the implicit block: a and b commit together.
    assert execution.transaction_id(a) == execution.transaction_id(b)
    assert execution.transaction_id(c) == execution.transaction_id(d) != execution.transaction_id(a)
    assert "COMMIT" in execution.partial_failure_persists(a)
    assert execution.partial_failure_persists(c) is None


def test_a_rolled_back_transaction_leaves_nothing():
    execution, statements = model("BEGIN; CREATE TABLE a (id int); ROLLBACK; CREATE TABLE b (id int);", multi_statement=True)
    assert execution.partial_failure_persists(statements[1]) is None


def test_mysql_commits_every_statement_and_ddl_ends_a_transaction():
    sql = "START TRANSACTION; INSERT INTO t VALUES (1); ALTER TABLE t ADD c int; INSERT INTO t VALUES (2); CREATE TABLE u (id int);"
    execution, (start, insert, alter, insert2, create) = model(sql, driver="mysql", dialect="mysql")
    assert execution.transaction_id(insert) is not None
    assert execution.transaction_id(alter) is None and execution.transaction_id(insert2) is None
    assert "implicitly" in execution.partial_failure_persists(insert)
    assert "MySQL commits each statement" in execution.partial_failure_persists(alter)
    assert execution.partial_failure_persists(create) is None


@pytest.mark.parametrize(("no_tx_wrap", "persists"), [(False, False), (True, True)])
def test_sqlite3_wraps_the_file_unless_x_no_tx_wrap(no_tx_wrap, persists):
    execution, (first, _) = model("CREATE TABLE a (id int); CREATE TABLE b (id int);", "sqlite3", "sqlite", no_tx_wrap=no_tx_wrap)
    assert execution.in_transaction(first) is not persists
    assert (execution.partial_failure_persists(first) is not None) is persists


def test_a_connection_flag_after_the_commit_cannot_leave_the_rebuild_applied():
    # x-no-tx-wrap with the file's own transaction (SQLite's rebuild procedure): nothing after COMMIT can fail.
    sql = "PRAGMA foreign_keys=OFF; BEGIN; CREATE TABLE a (id int); DROP TABLE b; COMMIT; PRAGMA foreign_keys=ON;"
    execution, (_, _, create, drop, _, _) = model(sql, "sqlite3", "sqlite", no_tx_wrap=True)
    assert execution.partial_failure_persists(create) is None and execution.partial_failure_persists(drop) is None


def test_a_statement_that_can_fail_after_the_commit_still_leaves_the_rebuild_applied():
    # The look-alike: a pragma that writes the database file, or DDL, after the COMMIT can fail.
    for after in ("PRAGMA user_version = 7;", "CREATE INDEX i ON a (id);"):
        sql = f"BEGIN; CREATE TABLE a (id int); COMMIT; {after}"
        execution, (_, create, _, _) = model(sql, "sqlite3", "sqlite", no_tx_wrap=True)
        assert "COMMIT" in execution.partial_failure_persists(create)


def test_an_unmodelled_driver_is_taken_to_commit_each_statement():
    execution, (first, _) = model("CREATE TABLE a (id int); CREATE TABLE b (id int);", "clickhouse", "clickhouse")
    assert "not modelled" in execution.partial_failure_persists(first)


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (c)", "CREATE INDEX CONCURRENTLY"),
        ("create unique index concurrently if not exists i on t (c)", "CREATE INDEX CONCURRENTLY"),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", "DROP INDEX CONCURRENTLY"),
        ("REINDEX INDEX CONCURRENTLY i", "REINDEX CONCURRENTLY"),
        ("REINDEX (VERBOSE) DATABASE app", "REINDEX DATABASE"),
        ("VACUUM ANALYZE t", "VACUUM"),
        ("CREATE DATABASE app", "CREATE DATABASE"),
        ("DROP DATABASE IF EXISTS app", "DROP DATABASE"),
        ("ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM"),
        ("CREATE TABLESPACE fast LOCATION '/ssd'", "CREATE TABLESPACE"),
        ("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "ALTER TABLE DETACH PARTITION CONCURRENTLY"),
        ("CLUSTER", "CLUSTER"),
        ("DISCARD ALL", "DISCARD ALL"),
    ],
)
def test_commands_postgresql_refuses_in_a_transaction_block(sql, name):
    (statement,) = parse_file(sql, "postgres").statements
    assert refuses_transaction_block(statement) == name


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX i ON t (c)",
        "REINDEX TABLE t",
        "ANALYZE t",
        "CLUSTER t USING i",
        "ALTER DATABASE app SET timezone = 'UTC'",
        "ALTER TYPE mood ADD VALUE 'meh'",
        "DISCARD PLANS",
        "CREATE UNIQUE INDEX i ON t (c)",
        "DROP INDEX i",
        "ALTER TABLE p DETACH PARTITION p1",  # not CONCURRENTLY
        "ALTER TABLE t ADD COLUMN detached_at timestamptz",  # the word is no DETACH
        "ALTER DATABASE app SET search_path = app",
    ],
)
def test_commands_postgresql_runs_in_a_transaction_block(sql):
    (statement,) = parse_file(sql, "postgres").statements
    assert refuses_transaction_block(statement) is None


def test_alter_type_add_value_refuses_a_transaction_block_before_postgres_12():
    (statement,) = parse_file("ALTER TYPE mood ADD VALUE 'meh'", "postgres").statements
    assert refuses_transaction_block(statement, 11) == "ALTER TYPE ... ADD"
    assert refuses_transaction_block(statement, 12) is None


def test_configuration_names_driver_and_url_options():
    config = apply_settings(Config(), {"driver": "pgx", "driver-options": "x-multi-statement=true&sslmode=disable"}, [], "t")
    settings = settings_for(config, "postgres")
    assert (settings.driver, settings.multi_statement, settings.no_tx_wrap) == ("pgx", True, False)
    assert settings_for(Config(dialect="sqlite"), "sqlite").driver == "sqlite3"
    with pytest.raises(ConfigError, match="x-no-tx-wrap"):
        apply_settings(Config(), {"driver-options": {"x-no-tx-wrap": "yeppers"}}, [], "t")
    with pytest.raises(ConfigError, match="idempotency"):
        apply_settings(Config(), {"idempotency": "sometimes"}, [], "t")
    with pytest.raises(ConfigError, match="postgres-version"):
        apply_settings(Config(), {"postgres-version": "eleven"}, [], "t")


REFUSED = [
    "CREATE INDEX CONCURRENTLY i ON t (c);",
    "create unique index concurrently i on t (c);",
    "DROP INDEX CONCURRENTLY i;",
    "CREATE DATABASE d;",
    "DROP TABLESPACE s;",
    "REINDEX SCHEMA public;",
    "reindex table concurrently t;",
    "VACUUM t;",
    "ALTER SYSTEM SET work_mem = '1MB';",
    "ALTER DATABASE d SET TABLESPACE s;",
    "ALTER TABLE t DETACH PARTITION p CONCURRENTLY;",
    "ALTER TYPE mood ADD VALUE 'ok';",
    "CLUSTER;",
    "DISCARD ALL;",
]


def test_the_file_gate_lets_through_every_file_with_a_statement_refused_in_a_transaction():
    """file_may_refuse_transaction_block turns a file away only when none of its statements is refused:
    compared with refuses_transaction_block asked of every statement (each version), and SQLite's VACUUM."""
    from conftest import FIXTURES

    from safemig_lint.analysis.execution import file_may_refuse_transaction_block, leading_words

    texts = REFUSED + ["\n".join(REFUSED)] + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    refused = turned_away = 0
    for text in texts:
        statements = parse_file(text, "postgres").statements
        for version in (None, 11, 13):
            answers = [refuses_transaction_block(s, version) or leading_words(s, 1) == ["VACUUM"] for s in statements]
            gate = file_may_refuse_transaction_block(text.lower() if text.isascii() else None, version)
            assert gate or not any(answers), text
            refused, turned_away = refused + any(answers), turned_away + (not gate)
    assert refused > 3 * len(REFUSED) and turned_away > 50  # both kinds of file compared


class _Worked(ExecutionModel):
    """The model worked out statement by statement, even for a file run whole in one transaction."""

    def __init__(self, statements, settings) -> None:
        super().__init__(statements, settings)
        if self._one_transaction:
            self._one_transaction = False
            self._build()


def test_a_file_run_whole_in_one_transaction_answers_as_worked_out_statement_by_statement():
    """Also when the file's text is given, and a file naming no word that opens or ends a transaction asks no statement."""
    from conftest import FIXTURES

    texts = (
        [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
        + [
            "CREATE TABLE a (id int); CREATE INDEX CONCURRENTLY i ON a (id); DROP TABLE a;",
            "PRAGMA foreign_keys = OFF; DROP TABLE a; PRAGMA foreign_keys = ON;",
            "CREATE TABLE a (id int); BEGIN; CREATE TABLE b (id int); COMMIT;",
        ]
        + [
            f"CREATE TABLE a (id int); {control}; CREATE TABLE b (id int);"
            for control in ("Begin", "start transaction", "COMMIT", "End", "rollback", "ABORT")
        ]
    )
    settings = [
        ExecutionSettings("postgres"),
        ExecutionSettings("pgx", multi_statement=True),
        ExecutionSettings("sqlite3"),
        ExecutionSettings("sqlite3", no_tx_wrap=True),
        ExecutionSettings("mysql"),
        ExecutionSettings("clickhouse"),
    ]
    whole = unasked = 0
    for text in texts:
        statements = parse_file(text, "postgres").statements
        unasked += text.isascii() and not any(word in text.lower() for word in ("begin", "start", "commit", "end", "rollback", "abort"))
        for setting in settings:
            fast, worked = ExecutionModel(statements, setting, text.lower() if text.isascii() else None), _Worked(statements, setting)
            whole += fast._one_transaction
            for statement in statements:
                asked = (ExecutionModel.transaction_id, ExecutionModel.partial_failure_persists, ExecutionModel.in_explicit_block)
                assert [ask(fast, statement) for ask in asked] == [ask(worked, statement) for ask in asked], (text, setting)
    assert whole > 50 and unasked > 20  # the files run whole, and those whose statements were not asked, were compared


def test_no_configuration_gives_the_settings_of_the_default_one():
    for dialect in ("postgres", "mysql", "sqlite", "clickhouse"):
        assert settings_for(None, dialect) == settings_for(Config(), dialect)

"""verify on a real MariaDB/MySQL server (started by the mariadb_url fixture in a temporary datadir;
skipped with a reason when none is installed): multi-statement files as golang-migrate's mysql driver runs them."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, verify_codes, verify_files

from safemig_lint.verify.targets import MysqlTarget
from safemig_lint.verify.urls import parse_url


@pytest.fixture
def mysql_target(mariadb_url):
    return lambda: MysqlTarget(parse_url(mariadb_url), statement_timeout=30)


def schemas(mariadb_url) -> set[str]:
    import pymysql

    url = parse_url(mariadb_url)
    connection = pymysql.connect(host=url.host, port=url.port, user="root")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'safemig_verify_%'")
            return {row[0] for row in cursor.fetchall()}
    finally:
        connection.close()


def test_bundled_fixture_round_trips(tmp_path, mysql_target, mariadb_url):
    files = {p.name: p.read_text() for p in (FIXTURES / "mysql").glob("*.sql")}
    outcome = verify_files(tmp_path / "m", files, "mysql", mysql_target)
    # 000002's down re-adds `note` at the end of the table: same column, so nothing differs.
    assert verify_codes(outcome) == [] and outcome.versions_round_tripped == 3, outcome.stopped
    assert schemas(mariadb_url) == set()


def test_statements_before_the_failing_one_stay_applied(tmp_path, mysql_target):
    """MySQL commits each DDL statement: the failure is located by how many statements went through."""
    files = {
        "000001_orders.up.sql": "CREATE TABLE orders (id INT PRIMARY KEY);\nCREATE TABLE audit (id INT);\nCREATE INDEX audit_idx ON audit (nope);\n",
        "000001_orders.down.sql": "DROP TABLE audit;\nDROP TABLE orders;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "mysql", mysql_target)
    assert verify_codes(outcome) == [("SM701", "000001_orders.up.sql", 3)]
    assert "Key column 'nope' doesn't exist" in outcome.diagnostics[0].message
    target = mysql_target()
    try:
        assert target.apply(files["000001_orders.up.sql"]).statement_index == 2
        assert {name for kind, name in target.snapshot() if kind == "table"} == {"orders", "audit"}
    finally:
        target.close()


def test_down_that_forgets_an_index(tmp_path, mysql_target):
    files = {
        "000001_users.up.sql": "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);\n",
        "000001_users.down.sql": "DROP TABLE users;\n",
        "000002_index.up.sql": "CREATE INDEX users_name_idx ON users (name);\n",
        "000002_index.down.sql": "SELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "mysql", mysql_target)
    assert verify_codes(outcome) == [("SM703", "000002_index.down.sql", 1), ("SM704", "000002_index.up.sql", 1)]
    assert "index users.users_name_idx is left over" in outcome.diagnostics[0].message
    assert "Duplicate key name 'users_name_idx'" in outcome.diagnostics[1].message


def test_the_limit_is_enforced_from_outside_the_session_and_the_table_kept(tmp_path, mariadb_url):
    """A migration can lift max_statement_time; verify kills the query from another connection all the same.
    golang-migrate's table (version bigint, dirty boolean) is there for the history to read, and left out."""
    files = {
        "000001_audit.up.sql": "CREATE TABLE audit AS SELECT version, dirty FROM schema_migrations;\n",
        "000001_audit.down.sql": "DROP TABLE audit;\n",
        "000002_slow.up.sql": "SET SESSION max_statement_time = 0;\nSELECT SLEEP(30);\n",
        "000002_slow.down.sql": "SELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "mysql", lambda: MysqlTarget(parse_url(mariadb_url), statement_timeout=0.5))
    assert verify_codes(outcome) == [("SM710", "000002_slow.up.sql", 2)]
    assert "ran longer than --statement-timeout (0.5 s) at line 2" in outcome.diagnostics[0].message
    assert (outcome.versions_verified, outcome.versions_round_tripped) == (1, 1)
    assert schemas(mariadb_url) == set()

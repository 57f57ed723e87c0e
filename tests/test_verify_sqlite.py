"""verify on SQLite (the standard library's): the round trip, golang-migrate's transaction, findings."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, verify_codes, verify_files

from safemig_lint.verify.targets import SqliteTarget

USERS = {
    "000001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    "000001_users.down.sql": "DROP TABLE users;\n",
}


@pytest.fixture
def sqlite_target(tmp_path):
    scratch = tmp_path / "db"
    scratch.mkdir()
    return lambda: SqliteTarget(scratch, statement_timeout=10)


def test_bundled_fixture_round_trips_cleanly(tmp_path, sqlite_target):
    files = {p.name: p.read_text() for p in (FIXTURES / "sqlite").glob("*.sql")}
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, compare_model=True)
    assert verify_codes(outcome) == []
    assert (outcome.versions_total, outcome.versions_round_tripped, outcome.stopped) == (3, 3, None)


def test_down_that_forgets_an_index(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_index.up.sql": "CREATE INDEX users_name_idx ON users (name);\n",
        "000002_index.down.sql": "SELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert ("SM703", "000002_index.down.sql", 1) in verify_codes(outcome)
    assert ("SM704", "000002_index.up.sql", 1) in verify_codes(outcome)
    message = next(d.message for d in outcome.diagnostics if d.code == "SM703")
    assert "index users_name_idx is left over" in message
    assert "000002_index.up.sql" in outcome.stopped and "already exists" in outcome.stopped


def test_down_with_a_syntax_error_is_reported_at_its_statement(tmp_path, sqlite_target):
    files = {
        "000001_users.up.sql": USERS["000001_users.up.sql"] + "CREATE INDEX users_name_idx ON users (name);\n",
        "000001_users.down.sql": "DROP INDEX users_name_idx;\n\nDROP TABEL users;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM702", "000001_users.down.sql", 3)]
    assert 'near "TABEL": syntax error' in outcome.diagnostics[0].message


def test_up_that_cannot_run_again_after_its_down(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_seed.up.sql": "CREATE TABLE roles (name TEXT PRIMARY KEY);\nINSERT INTO roles VALUES ('admin');\n",
        "000002_seed.down.sql": "DELETE FROM roles WHERE name = 'nobody';\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert ("SM704", "000002_seed.up.sql", 1) in verify_codes(outcome)
    assert ("SM703", "000002_seed.down.sql", 1) in verify_codes(outcome)


def test_a_failing_version_stops_the_run_and_says_where(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_bad.up.sql": "ALTER TABLE user ADD COLUMN email TEXT;\n",
        "000002_bad.down.sql": "SELECT 1;\n",
        "000003_later.up.sql": "CREATE TABLE later (id INTEGER);\n",
        "000003_later.down.sql": "DROP TABLE later;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM701", "000002_bad.up.sql", 1)]
    assert outcome.versions_round_tripped == 1 and "000002_bad.up.sql" in outcome.stopped
    assert "no such table: user" in outcome.stopped


def test_file_runs_in_one_transaction_unless_no_tx_wrap(tmp_path):
    """golang-migrate's sqlite3 driver wraps the file in BEGIN/COMMIT; x-no-tx-wrap runs it bare."""
    failing = "CREATE TABLE a (x INTEGER);\nCREATE TABLE a (x INTEGER);\n"
    for no_tx_wrap, left in ((False, set()), (True, {("table", "a"), ("column", "a.x")})):
        directory = tmp_path / f"wrap{no_tx_wrap}"
        directory.mkdir()
        target = SqliteTarget(directory, statement_timeout=10, no_tx_wrap=no_tx_wrap)
        try:
            error = target.apply(failing)
            assert "already exists" in error.message and error.offset == failing.index("CREATE", 1)
            assert set(target.snapshot()) == left
        finally:
            target.close()
        assert list(directory.iterdir()) == []  # the database file is removed


def test_from_and_to_limit_the_versions_round_tripped(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
        "000002_a.down.sql": "SELECT 1;\n",
        "000003_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
        "000003_b.down.sql": "DROP TABLE b;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, from_version=3, to_version=3)
    assert verify_codes(outcome) == [] and (outcome.versions_total, outcome.versions_round_tripped) == (1, 1)
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, to_version=2)
    assert [c for c, _, _ in verify_codes(outcome)] == ["SM703", "SM704"]


def test_keep_going_rebuilds_at_the_failing_version_and_goes_on(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
        "000002_a.down.sql": "SELECT 1;\n",
        "000003_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
        "000003_b.down.sql": "DROP TABEL b;\n",
        "000004_c.up.sql": "CREATE TABLE c (a_id INTEGER);\n",
        "000004_c.down.sql": "DROP TABLE c;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, keep_going=True)
    assert [(c, f) for c, f, _ in verify_codes(outcome)] == [
        ("SM703", "000002_a.down.sql"),
        ("SM704", "000002_a.up.sql"),
        ("SM702", "000003_b.down.sql"),
    ]
    assert outcome.stopped is None and len(outcome.stopped_versions) == 2 and outcome.versions_round_tripped == 2


def test_application_defined_function_is_not_blamed_on_the_migration(tmp_path, sqlite_target):
    files = {
        "000001_users.up.sql": USERS["000001_users.up.sql"] + "UPDATE users SET name = app_normalise(name);\n",
        "000001_users.down.sql": "DROP TABLE users;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM708", "000001_users.up.sql", 2)]
    assert "application-defined function" in outcome.diagnostics[0].message


def test_suppression_and_configuration_apply_to_verify_findings(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_index.up.sql": "CREATE INDEX IF NOT EXISTS users_name_idx ON users (name);\n",
        "000002_index.down.sql": "-- safemig-lint: ignore-file SM703 the index is shared with the reporting job\nSELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == []
    assert [d.suppression.reason for d in outcome.diagnostics] == ["the index is shared with the reporting job"]
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, config={"ignore": ("SM703",)})
    assert outcome.diagnostics == []


def test_time_limit_per_statement(tmp_path):
    scratch = tmp_path / "db"
    scratch.mkdir()
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n;\n"
    files = {"000001_slow.up.sql": slow, "000001_slow.down.sql": "SELECT 1;\n"}
    outcome = verify_files(tmp_path / "m", files, "sqlite", lambda: SqliteTarget(scratch, statement_timeout=0.2))
    assert verify_codes(outcome) == [("SM701", "000001_slow.up.sql", 1)]
    assert "ran longer than 0.2 s" in outcome.diagnostics[0].message


def test_check_constraints_compared_through_a_table_rebuild(tmp_path, sqlite_target):
    """SQLite keeps CHECKs only in the table's text: a rebuild that respells one is fine, one that drops it is not."""
    create = "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty > 0));\n"
    rebuild = (
        "CREATE TABLE items_new (id INTEGER PRIMARY KEY, qty INTEGER {check});\n"
        "INSERT INTO items_new SELECT id, qty FROM items;\nDROP TABLE items;\nALTER TABLE items_new RENAME TO items;\n"
    )
    base = {
        "000001_items.up.sql": create,
        "000001_items.down.sql": "DROP TABLE items;\n",
        "000002_note.up.sql": "ALTER TABLE items ADD COLUMN note TEXT;\n",
    }
    respelt = {**base, "000002_note.down.sql": rebuild.format(check='check("qty">0)')}
    assert verify_codes(verify_files(tmp_path / "a", respelt, "sqlite", sqlite_target)) == []
    dropped = {**base, "000002_note.down.sql": rebuild.format(check="")}
    outcome = verify_files(tmp_path / "b", dropped, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM703", "000002_note.down.sql", 1)]
    assert "table items: check constraints is (none) after the down, '(qty>0)' before the up" in outcome.diagnostics[0].message

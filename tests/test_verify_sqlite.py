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
    # The run went on past it (rebuilding the database at version 2): nothing stopped, nothing unverified.
    assert outcome.stopped is None and outcome.unverified == []
    assert "000002_index.up.sql" in outcome.gone_past[0] and "already exists" in outcome.gone_past[0]


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


def test_a_failing_up_stops_the_run_and_says_which_versions_are_not_verified(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_bad.up.sql": "ALTER TABLE user ADD COLUMN email TEXT;\n",
        "000002_bad.down.sql": "SELECT 1;\n",
        "000003_later.up.sql": "CREATE TABLE later (id INTEGER);\n",
        "000003_later.down.sql": "DROP TABLE later;\n",
        "000004_last.up.sql": "CREATE TABLE last (id INTEGER);\n",
        "000004_last.down.sql": "DROP TABLE last;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM701", "000002_bad.up.sql", 1), ("SM710", "000003_later.up.sql", 1)]
    # Version 2 has its verdict (broken); 3 and 4 were written for the schema it builds, and have none.
    assert (outcome.versions_total, outcome.versions_verified, outcome.versions_round_tripped) == (4, 2, 1)
    assert [u.version for u in outcome.unverified] == [3, 4]
    message = outcome.diagnostics[1].message
    assert message.startswith("versions 3 to 4 (2 versions) were not verified: the run stopped at version 2")
    assert "no such table: user" in message


def test_four_versions_two_broken_downs_one_plain_run_reports_both(tmp_path, sqlite_target):
    """The default goes on past a failing down: one run shows every broken rollback."""
    files = {
        **USERS,
        "000002_email.up.sql": "ALTER TABLE users ADD COLUMN email TEXT;\n",
        "000002_email.down.sql": "ALTER TABLE users DROP COLUMN emial;\n",
        "000003_roles.up.sql": "CREATE TABLE roles (name TEXT PRIMARY KEY);\n",
        "000003_roles.down.sql": "DROP TABLE roles;\n",
        "000004_index.up.sql": "CREATE INDEX users_email_idx ON users (email);\n",
        "000004_index.down.sql": "DROP INDEX users_email;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [("SM702", "000002_email.down.sql", 1), ("SM702", "000004_index.down.sql", 1)]
    assert 'no such column: "emial"' in outcome.diagnostics[0].message
    assert "no such index: users_email" in outcome.diagnostics[1].message
    assert (outcome.versions_total, outcome.versions_verified, outcome.versions_round_tripped, outcome.unverified) == (4, 4, 2, [])
    # --fail-fast is the old behaviour: the first broken down stops the run, and the rest is said to be unverified.
    fast = verify_files(tmp_path / "m", files, "sqlite", sqlite_target, fail_fast=True)
    assert verify_codes(fast) == [("SM702", "000002_email.down.sql", 1), ("SM710", "000003_roles.up.sql", 1)]
    assert "--fail-fast stopped the run there" in fast.diagnostics[1].message and [u.version for u in fast.unverified] == [3, 4]


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


def test_goes_on_from_a_database_rebuilt_at_the_failing_version(tmp_path, sqlite_target):
    files = {
        **USERS,
        "000002_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
        "000002_a.down.sql": "SELECT 1;\n",
        "000003_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
        "000003_b.down.sql": "DROP TABEL b;\n",
        "000004_c.up.sql": "CREATE TABLE c (a_id INTEGER);\n",
        "000004_c.down.sql": "DROP TABLE c;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert [(c, f) for c, f, _ in verify_codes(outcome)] == [
        ("SM703", "000002_a.down.sql"),
        ("SM704", "000002_a.up.sql"),
        ("SM702", "000003_b.down.sql"),
    ]
    assert outcome.stopped is None and len(outcome.gone_past) == 2 and outcome.versions_round_tripped == 2


def test_application_defined_function_gets_a_stand_in_and_the_history_goes_on(tmp_path, sqlite_target):
    """A function the program registers (stash's durationToTinyInt): verify stands in for it (its first argument),
    says so once (SM711), and verifies the versions after it; a statement that then fails may be the stand-in's doing."""
    files = {
        "000001_users.up.sql": USERS["000001_users.up.sql"]
        + "INSERT INTO users (name) VALUES ('a');\nUPDATE users SET name = app_normalise(name);\n",
        "000001_users.down.sql": "DROP TABLE users;\n",
        "000002_score.up.sql": "ALTER TABLE users ADD COLUMN score INTEGER CHECK (score < 100);\n",
        "000002_score.down.sql": "UPDATE users SET score = App_Score(name);\nALTER TABLE users DROP COLUMN score;\n",
        "000003_later.up.sql": "UPDATE users SET name = APP_NORMALISE(name);\nCREATE TABLE later (id INTEGER);\n",
        "000003_later.down.sql": "DROP TABLE later;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [
        ("SM711", "000001_users.up.sql", 3),
        ("SM708", "000002_score.down.sql", 1),
        ("SM711", "000002_score.down.sql", 1),
    ]
    assert "app_normalise() is not a function SQLite has" in outcome.diagnostics[0].message
    assert "CHECK constraint failed" in outcome.diagnostics[1].message and "app_score()" in outcome.diagnostics[1].message
    assert (outcome.versions_verified, [u.version for u in outcome.unverified]) == (2, [2])


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
    # A statement that runs too long is no verdict on the migration: the version is not verified.
    assert verify_codes(outcome) == [("SM710", "000001_slow.up.sql", 1)]
    assert "ran longer than --statement-timeout (0.2 s) at line 1" in outcome.diagnostics[0].message
    assert outcome.versions_verified == 0 and [u.version for u in outcome.unverified] == [1]
    # The run's own limit stops a statement in the middle too, and the rest of the history with it.
    files["000002_next.up.sql"] = "CREATE TABLE t (id INTEGER);\n"
    outcome = verify_files(tmp_path / "n", files, "sqlite", lambda: SqliteTarget(scratch, statement_timeout=30), run_timeout=0.3)
    assert [(c, f) for c, f, _ in verify_codes(outcome)] == [("SM710", "000001_slow.up.sql"), ("SM710", "000002_next.up.sql")]
    assert "reached its --timeout (0.3 s)" in outcome.diagnostics[0].message


def test_ctrl_c_during_a_long_statement_stops_instead_of_becoming_a_timeout(tmp_path):
    """SIGINT reaches Python in SQLite's progress handler, which aborts the statement: that is Ctrl-C, not a limit."""
    import os
    import signal
    import threading

    scratch = tmp_path / "db"
    scratch.mkdir()
    target = SqliteTarget(scratch, statement_timeout=60)
    # Python's own Ctrl-C handler, even where the suite was started with SIGINT ignored (in the background).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            target.apply("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n;\n")
    finally:
        signal.signal(signal.SIGINT, previous)
        target.close()


def test_golang_migrate_table_is_kept_as_the_driver_keeps_it_and_left_out_of_comparisons(tmp_path, sqlite_target):
    """sqlite3's driver creates schema_migrations (version uint64, dirty bool) and a unique index before the first
    migration, and marks each version dirty while its file runs: histories read and alter the table."""
    files = {
        "000001_audit.up.sql": "CREATE TABLE audit (version INTEGER, dirty INTEGER);\n"
        "INSERT INTO audit SELECT version, dirty FROM schema_migrations;\n",
        "000001_audit.down.sql": "DROP TABLE audit;\n",
        "000002_data_version.up.sql": "ALTER TABLE schema_migrations ADD COLUMN data_version INTEGER;\n"
        "INSERT INTO audit SELECT version, dirty FROM schema_migrations;\n",
        "000002_data_version.down.sql": "ALTER TABLE schema_migrations DROP COLUMN data_version;\nDELETE FROM audit WHERE version = 2;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", sqlite_target)
    assert verify_codes(outcome) == [] and outcome.versions_round_tripped == 2
    target = sqlite_target()
    try:
        table = target.migrations_table
        target.bookkeeping(table.create())
        target.bookkeeping(table.set_version(7, True))
        assert target.connection.execute("SELECT version, dirty FROM schema_migrations").fetchall() == [(7, 1)]
        target.bookkeeping(table.set_version(None, False))  # the down of the first version: no row left
        assert target.connection.execute("SELECT count(*) FROM schema_migrations").fetchone() == (0,)
        snapshot = target.snapshot()
        assert ("table", "schema_migrations") in snapshot and ("index", "version_unique") in snapshot
        assert table.left_out(snapshot) == {}
    finally:
        target.close()


def test_attaching_another_database_file_is_unverifiable_here_and_writes_nothing(tmp_path):
    """ATTACH and VACUUM INTO read and write files anywhere: verify refuses them (an authorizer), as unverifiable here."""
    outside = tmp_path / "outside.db"
    scratch = tmp_path / "db"
    scratch.mkdir()
    files = {
        **USERS,
        "000002_attach.up.sql": "CREATE TABLE t (id INTEGER);\n",
        "000002_attach.down.sql": f"ATTACH DATABASE '{outside}' AS other;\nDROP TABLE t;\n",
        "000003_vacuum.up.sql": "CREATE TABLE u (id INTEGER);\n",
        "000003_vacuum.down.sql": f"DROP TABLE u;\nVACUUM INTO '{outside}';\n",
    }
    outcome = verify_files(tmp_path / "m", files, "sqlite", lambda: SqliteTarget(scratch, statement_timeout=10, no_tx_wrap=True))
    assert verify_codes(outcome) == [("SM708", "000002_attach.down.sql", 1), ("SM708", "000003_vacuum.down.sql", 2)]
    assert "does not let a migration attach another database file" in outcome.diagnostics[0].message
    assert not outside.exists()


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


def test_a_second_ctrl_c_does_not_cut_the_cleanup_short():
    """The first signal unwinds the run; one that comes while the databases are dropped and the server stopped
    (a second Ctrl-C, a SIGTERM after it) lets that finish, and the run still ends as interrupted."""
    import contextlib
    import os
    import signal
    import time

    from safemig_lint.verify.command import _Interrupts

    interrupts, stack, cleaned = _Interrupts(), contextlib.ExitStack(), []

    def cleanup_interrupted_again() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the signals are handled here, in the middle of the cleanup
        cleaned.append("done")

    stack.callback(cleanup_interrupted_again)
    # Python's own handlers to start from, even where the suite was started with SIGINT ignored (in the background).
    previous = {number: signal.signal(number, signal.default_int_handler) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(KeyboardInterrupt), interrupts.installed(), interrupts.cleanup(stack):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # interrupted at once
        assert cleaned == ["done"] and interrupts.count == 3
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)

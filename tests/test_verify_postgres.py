"""verify on a real PostgreSQL (the embedded server, started once per session): golang-migrate's
one-Exec-per-file semantics, findings, extensions, limits, and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, verify_codes, verify_files, write_migrations

from safemig_lint.verify.targets import PostgresTarget, TargetError

USERS = {
    "000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
    "000001_users.down.sql": "DROP TABLE users;\n",
}


@pytest.fixture
def pg_target(embedded_postgres):
    return lambda **kwargs: PostgresTarget(
        embedded_postgres.connection_kwargs, statement_timeout=kwargs.get("timeout", 30), multi_statement=kwargs.get("multi", False)
    )


def databases(server) -> set[str]:
    import psycopg

    with psycopg.connect(**server.connection_kwargs) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database WHERE datname LIKE 'safemig_verify_%'")}


def test_bundled_fixture_stops_at_its_missing_table(tmp_path, pg_target, embedded_postgres):
    files = {p.name: p.read_text() for p in (FIXTURES / "app").glob("*.sql")}
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    # 000004 drops a `sessions` table no migration creates: PostgreSQL says so, at line 2.
    assert verify_codes(outcome) == [("SM701", "000004_drop_legacy_sessions.up.sql", 2)]
    assert 'table "sessions" does not exist' in outcome.diagnostics[0].message
    assert outcome.versions_round_tripped == 3
    assert databases(embedded_postgres) == set()  # the database verify created is dropped


def test_down_that_forgets_an_index(tmp_path, pg_target):
    files = {
        **USERS,
        "000002_index.up.sql": "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (lower(email));\nCREATE INDEX users_name_idx ON users (name);\n",
        "000002_index.down.sql": "DROP INDEX users_email_idx;\nALTER TABLE users DROP COLUMN email;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    # PostgreSQL gives no position for "already exists": verify finds the statement itself (line 3).
    assert verify_codes(outcome) == [("SM703", "000002_index.down.sql", 1), ("SM704", "000002_index.up.sql", 3)]
    assert "index users_name_idx is left over" in outcome.diagnostics[0].message
    assert 'relation "users_name_idx" already exists' in outcome.diagnostics[1].message


def test_down_with_a_syntax_error(tmp_path, pg_target):
    files = {**USERS, "000001_users.down.sql": "DROP TABLE users\nDROP TABLE users;\n"}
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM702", "000001_users.down.sql", 2)]
    assert 'syntax error at or near "DROP"' in outcome.diagnostics[0].message


def test_up_that_is_not_rerunnable(tmp_path, pg_target):
    files = {
        **USERS,
        "000002_seed.up.sql": "INSERT INTO users (id, name) VALUES (1, 'admin');\n",
        "000002_seed.down.sql": "SELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM704", "000002_seed.up.sql", 1)]
    assert 'duplicate key value violates unique constraint "users_pkey"' in outcome.diagnostics[0].message


def test_mysql_statement_in_a_postgres_file(tmp_path, pg_target):
    files = {
        **USERS,
        "000002_orders.up.sql": "CREATE TABLE orders (\n  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  total decimal(10,2)\n) ENGINE=InnoDB;\n",
        "000002_orders.down.sql": "DROP TABLE orders;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    # At PostgreSQL's error position, as golang-migrate reports it.
    assert verify_codes(outcome) == [("SM701", "000002_orders.up.sql", 2)]
    assert 'syntax error at or near "AUTO_INCREMENT"' in outcome.diagnostics[0].message


def test_whole_file_is_one_implicit_transaction_unless_multi_statement(pg_target):
    """golang-migrate's postgres driver sends the file in one Exec: a failure undoes all of it;
    with x-multi-statement each `;`-piece commits on its own."""
    failing = "CREATE TABLE a (x int);\nCREATE TABLE a (x int);\n"
    for multi, left in ((False, set()), (True, {("table", "a"), ("column", "a.x")})):
        target = pg_target(multi=multi)
        try:
            error = target.apply(failing)
            assert 'relation "a" already exists' in error.message
            assert set(target.snapshot()) == left
        finally:
            target.close()


def test_missing_extension_gets_a_stand_in_and_no_false_findings(tmp_path, pg_target):
    files = {
        "000001_users.up.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION IF NOT EXISTS citext;\n'
        "CREATE TABLE users (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), email citext NOT NULL);\n"
        "INSERT INTO users (email) VALUES ('a@example.com');\n",
        "000001_users.down.sql": 'DROP TABLE users;\nDROP EXTENSION IF EXISTS "uuid-ossp";\n',
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target, compare_model=True)
    assert verify_codes(outcome) == [("SM706", "000001_users.up.sql", 1)]
    assert "stand-in" in outcome.diagnostics[0].message and outcome.versions_round_tripped == 1


def test_extension_without_stand_in_stops_with_sm708_not_a_finding_on_the_migration(tmp_path, pg_target):
    files = {
        "000001_geo.up.sql": "CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE TABLE places (id int, spot geometry(Point, 4326));\n",
        "000001_geo.down.sql": "DROP TABLE places;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM706", "000001_geo.up.sql", 1), ("SM708", "000001_geo.up.sql", 2)]
    assert "postgis" in outcome.stopped


def test_time_limit_per_statement(tmp_path, embedded_postgres):
    files = {"000001_slow.up.sql": "SELECT pg_sleep(5);\n", "000001_slow.down.sql": "SELECT 1;\n"}
    outcome = verify_files(
        tmp_path / "m", files, "postgres", lambda: PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=0.2)
    )
    assert verify_codes(outcome) == [("SM701", "000001_slow.up.sql", 1)]
    assert "statement timeout" in outcome.diagnostics[0].message


def test_compare_model_reports_where_the_static_model_is_wrong(tmp_path, pg_target):
    """ADD GENERATED ... AS IDENTITY gives the column an owned sequence; the static model does not follow
    that clause (test_verify_model_gaps.py holds the gaps it no longer has)."""
    files = {
        **USERS,
        "000002_identity.up.sql": "ALTER TABLE users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;\n",
        "000002_identity.down.sql": "ALTER TABLE users ALTER COLUMN id DROP IDENTITY;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target, compare_model=True)
    assert [(c, f) for c, f, _ in verify_codes(outcome)] == [("SM707", "000002_identity.up.sql")]
    assert "the database has sequence users_id_seq, the model does not" in outcome.diagnostics[0].message
    clean = verify_files(tmp_path / "clean", USERS, "postgres", pg_target, compare_model=True)
    assert verify_codes(clean) == []


def test_refuses_a_database_that_already_has_tables(embedded_postgres):
    import psycopg

    template = {**embedded_postgres.connection_kwargs, "dbname": "template1"}
    with psycopg.connect(**template, autocommit=True) as connection:
        connection.execute("CREATE TABLE left_in_template (id int)")
    try:
        with pytest.raises(TargetError, match="already has tables"):
            PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=5)
    finally:
        with psycopg.connect(**template, autocommit=True) as connection:
            connection.execute("DROP TABLE left_in_template")
    assert databases(embedded_postgres) == set()


# --- the command line ----------------------------------------------------------------------


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "safemig_lint", "verify", *args], capture_output=True, text=True, timeout=120, **kwargs)


def server_url(server, password: str = "s3cr3t-Pa55") -> str:
    return f"postgresql://postgres:{password}@/postgres?host={server.socket_directory}"


def test_cli_reports_in_every_format_and_never_shows_the_password(tmp_path, embedded_postgres):
    directory = write_migrations(
        tmp_path / "m",
        {
            **USERS,
            "000002_index.up.sql": "CREATE INDEX users_name_idx ON users (name);\n",
            "000002_index.down.sql": "SELECT 1;\n",
        },
    )
    reports = {name: tmp_path / f"report.{name}" for name in ("json", "sarif", "github", "markdown")}
    outputs = [argument for name, path in reports.items() for argument in ("--output-format", name, "--output", str(path))]
    result = run_cli(str(directory), "--database-url", server_url(embedded_postgres), *outputs)
    assert result.returncode == 1, result.stderr
    texts = {"text": result.stdout, **{name: path.read_text() for name, path in reports.items()}}
    for name, text in texts.items():
        assert "SM703" in text and "SM704" in text, name
        assert "s3cr3t-Pa55" not in text
    assert "s3cr3t-Pa55" not in result.stderr and "postgres:***@" in result.stderr  # the server is named, masked
    assert {d["code"] for d in json.loads(texts["json"])["diagnostics"]} == {"SM703", "SM704"}
    sarif = json.loads(texts["sarif"])
    assert {"SM703", "SM704"} <= {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "::error file=" in texts["github"]
    assert databases(embedded_postgres) == set()


def test_cli_connection_error_masks_the_password(tmp_path, embedded_postgres):
    directory = write_migrations(tmp_path / "m", USERS)
    url = f"postgresql://nobody_here:s3cr3t-Pa55@/no_such_db?host={embedded_postgres.socket_directory}"
    result = run_cli(str(directory), "--database-url", url)
    assert result.returncode == 2
    assert "cannot connect to PostgreSQL" in result.stderr and "s3cr3t-Pa55" not in result.stderr + result.stdout


def test_cli_embedded_server_clean_run_then_nothing_left(tmp_path):
    """The default: verify starts its own server, runs, stops it and removes its directory.

    TMPDIR is a private directory here (as pytest's are): as root, verify puts the server where
    its unprivileged account can reach it, and leaves nothing behind either way."""
    directory = write_migrations(tmp_path / "m", USERS)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    leftovers = set(Path("/tmp").glob("safemig-verify-*"))
    result = run_cli(str(directory), env={**os.environ, "TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    assert "1 of 1 versions round-tripped cleanly" in result.stderr and "PostgreSQL 18" in result.stderr
    assert list(scratch.iterdir()) == [] and set(Path("/tmp").glob("safemig-verify-*")) <= leftovers


def test_interrupt_drops_the_database_and_stops_the_server(tmp_path, embedded_postgres):
    """SIGTERM (as when CI cancels the job) in the middle of a statement: nothing is left behind."""
    import psycopg

    directory = write_migrations(tmp_path / "m", {"000001_slow.up.sql": "SELECT pg_sleep(60);\n", "000001_slow.down.sql": "SELECT 1;\n"})
    process = subprocess.Popen(
        [sys.executable, "-m", "safemig_lint", "verify", str(directory), "--database-url", server_url(embedded_postgres)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    with psycopg.connect(**embedded_postgres.connection_kwargs, autocommit=True) as watcher:
        while not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'").fetchone():
            assert time.monotonic() < deadline and process.poll() is None
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and "interrupted" in stderr
    assert databases(embedded_postgres) == set()


def test_interrupt_stops_the_embedded_server_and_removes_its_directory(tmp_path):
    import psycopg

    directory = write_migrations(tmp_path / "m", {"000001_slow.up.sql": "SELECT pg_sleep(60);\n", "000001_slow.down.sql": "SELECT 1;\n"})
    before = set(Path("/tmp").glob("safemig-verify-*"))
    process = subprocess.Popen(
        [sys.executable, "-m", "safemig_lint", "verify", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": "/tmp"},
    )
    deadline = time.monotonic() + 90
    sleeping = False
    while not sleeping:
        assert time.monotonic() < deadline and process.poll() is None
        for root in set(Path("/tmp").glob("safemig-verify-*")) - before:
            try:
                with psycopg.connect(host=str(root / "socket"), user="postgres", dbname="postgres", connect_timeout=2) as watcher:
                    sleeping = bool(watcher.execute("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'").fetchone())
            except psycopg.Error:
                pass  # not up yet
    server_roots = set(Path("/tmp").glob("safemig-verify-*")) - before
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and "interrupted" in stderr
    assert not any(root.exists() for root in server_roots)


def test_keep_going_copies_the_database_at_the_failing_version(tmp_path, pg_target, embedded_postgres):
    """--keep-going goes on from a copy of a database that only got first ups; stand-ins come along."""
    files = {
        "000001_users.up.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE TABLE users (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), name text);\n',
        "000001_users.down.sql": "DROP TABLE users;\n",
        "000002_index.up.sql": "CREATE INDEX users_name_idx ON users (name);\n",
        "000002_index.down.sql": "SELECT 1;\n",
        "000003_seed.up.sql": "INSERT INTO users (name) SELECT 'n' || g FROM generate_series(1, 3) g;\nCREATE TABLE tags (id uuid DEFAULT uuid_generate_v4());\n",
        "000003_seed.down.sql": "DROP TABLE tags;\nDELETE FROM users;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target, keep_going=True)
    assert verify_codes(outcome) == [
        ("SM706", "000001_users.up.sql", 1),
        ("SM703", "000002_index.down.sql", 1),
        ("SM704", "000002_index.up.sql", 1),
    ]
    assert outcome.stopped is None and outcome.versions_round_tripped == 2 and len(outcome.stopped_versions) == 1
    assert databases(embedded_postgres) == set()  # the database, its copies and the shadow are all dropped


def test_pg_bin_runs_a_local_installation_which_has_the_extension(tmp_path):
    """--pg-bin: a local PostgreSQL's binaries (skipped where there is none); uuid-ossp is real there."""
    import glob

    from safemig_lint.verify.embedded import EmbeddedPostgres

    local = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not local:
        pytest.skip("no local PostgreSQL installation under /usr/lib/postgresql")
    files = {
        "000001_users.up.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE TABLE users (id uuid PRIMARY KEY DEFAULT uuid_generate_v1mc());\n',
        "000001_users.down.sql": 'DROP TABLE users;\nDROP EXTENSION "uuid-ossp";\n',
    }
    with EmbeddedPostgres(Path(local[-1])) as server:
        probe = PostgresTarget(server.connection_kwargs, statement_timeout=5)
        available = probe.available_extensions()
        probe.close()
        if "uuid-ossp" not in available:
            pytest.skip("the local installation has no uuid-ossp (Debian's postgresql-contrib)")
        outcome = verify_files(tmp_path / "m", files, "postgres", lambda: PostgresTarget(server.connection_kwargs, statement_timeout=30))
    assert verify_codes(outcome) == [] and outcome.versions_round_tripped == 1


def test_with_data_reports_rows_the_down_loses_and_nothing_else(tmp_path, pg_target, embedded_postgres):
    files = {
        "000001_users.up.sql": "CREATE TYPE mood AS ENUM ('ok', 'sad');\n"
        "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(3) NOT NULL, m mood NOT NULL, born date, tags text[]);\n"
        "CREATE TABLE posts (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), body jsonb);\n",
        "000001_users.down.sql": "DROP TABLE posts;\nDROP TABLE users;\nDROP TYPE mood;\n",
        # Adds a NOT NULL column without a default: fails on a table with rows, but the round trip runs without them.
        "000002_flag.up.sql": "ALTER TABLE users ADD COLUMN flag boolean NOT NULL;\n",
        "000002_flag.down.sql": "ALTER TABLE users DROP COLUMN flag;\n",
        "000003_score.up.sql": "ALTER TABLE posts ADD COLUMN score int;\n",
        "000003_score.down.sql": "ALTER TABLE posts DROP COLUMN score;\nDELETE FROM posts;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target, with_data=True)
    assert verify_codes(outcome) == [("SM709", "000003_score.down.sql", 1)]
    assert "2 of 2 rows of table posts are lost or changed" in outcome.diagnostics[0].message
    assert outcome.versions_round_tripped == 3
    assert databases(embedded_postgres) == set()

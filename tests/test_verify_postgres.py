"""verify on a real PostgreSQL (the embedded server, started once per session): golang-migrate's
one-Exec-per-file semantics, findings, extensions, limits, and the command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
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


def roles(server) -> set[str]:
    import psycopg

    with psycopg.connect(**server.connection_kwargs) as connection:
        return {row[0] for row in connection.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'safemig_verify_%'")}


def databases(server) -> set[str]:
    import psycopg

    with psycopg.connect(**server.connection_kwargs) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database WHERE datname LIKE 'safemig_verify_%'")}


def test_bundled_fixture_stops_at_its_missing_table(tmp_path, pg_target, embedded_postgres):
    files = {p.name: p.read_text() for p in (FIXTURES / "app").glob("*.sql")}
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    # 000004 drops a `sessions` table no migration creates: PostgreSQL says so, at line 2; the versions after it
    # were written for the schema it builds, and are said to be unverified.
    assert verify_codes(outcome) == [("SM701", "000004_drop_legacy_sessions.up.sql", 2), ("SM710", "000005_archive_books.up.sql", 1)]
    assert 'table "sessions" does not exist' in outcome.diagnostics[0].message
    assert outcome.versions_round_tripped == 3 and (outcome.versions_verified, outcome.versions_total) == (4, 8)
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
    assert "type geometry may belong to extension postgis" in outcome.diagnostics[1].message
    assert [u.version for u in outcome.unverified] == [1] and outcome.versions_verified == 0


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
    assert json.loads(texts["json"])["summary"] | {"versions": 2, "versions_verified": 2} == json.loads(texts["json"])["summary"]
    sarif = json.loads(texts["sarif"])
    assert {"SM703", "SM704"} <= {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    # Its own code scanning category, so that verify's upload does not replace check's; and how much it covered.
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("safemig-lint-verify/")
    assert sarif["runs"][0]["properties"] == {"versionsVerified": 2, "versions": 2, "summary": "Verified 2 of 2 versions."}
    assert "::error file=" in texts["github"] and "::notice title=safemig-lint verify::Verified 2 of 2 versions." in texts["github"]
    assert "Verified 2 of 2 versions." in texts["markdown"] and "Verified 2 of 2 versions." in texts["text"]
    assert databases(embedded_postgres) == set()


def test_cli_connection_error_masks_the_password(tmp_path, embedded_postgres):
    directory = write_migrations(tmp_path / "m", USERS)
    url = f"postgresql://nobody_here:s3cr3t-Pa55@/no_such_db?host={embedded_postgres.socket_directory}"
    result = run_cli(str(directory), "--database-url", url)
    assert result.returncode == 2
    assert "cannot connect to PostgreSQL" in result.stderr and "s3cr3t-Pa55" not in result.stderr + result.stdout


def test_cli_verifies_the_mixed_fixtures_and_says_what_it_could_not(tmp_path):
    """`verify fixtures/` (PostgreSQL, SQLite and MySQL folders): the embedded server and SQLite verify what they
    can, the MySQL folder is said to need --database-url, and the run fails (it is not all verified).

    TMPDIR is a private directory here (as pytest's are): as root, verify puts the server where
    its unprivileged account can reach it, and leaves nothing behind either way."""
    import shutil

    fixtures = shutil.copytree(FIXTURES, tmp_path / "fixtures")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    report = tmp_path / "report.json"
    result = run_cli(
        str(fixtures), "--output-format", "json", "--output", str(report), env={**os.environ, "TMPDIR": str(scratch)}, cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert "PostgreSQL 18" in result.stderr and "SQLite" in result.stderr
    assert "fixtures/mysql: not verified: versions 1 to 3 (3): MySQL migrations need a server: pass --database-url" in result.stderr
    assert "fixtures/sqlite: 3 of 3 versions verified, 3 of them round-tripped cleanly" in result.stderr
    summary = json.loads(report.read_text())
    codes = {(d["code"], Path(d["path"]).parent.name) for d in summary["diagnostics"]}
    assert codes == {("SM701", "app"), ("SM710", "app"), ("SM710", "mysql")}
    assert (summary["summary"]["versions_verified"], summary["summary"]["versions"]) == (9, 16)
    assert "Verified 9 of 16 versions." in result.stdout
    # Its server's directory is gone (named on standard error: other runs may use /tmp at the same time).
    (root,) = re.findall(r"the server's files are in (\S+), removed", result.stderr)
    assert list(scratch.iterdir()) == [] and not Path(root).exists()


@pytest.mark.parametrize("flag", ["--statement-timeout", "--timeout"])
def test_cli_refuses_a_limit_that_would_round_to_no_limit(tmp_path, flag):
    directory = write_migrations(tmp_path / "m", USERS)
    result = run_cli(str(directory), "--dialect", "sqlite", flag, "0.0004")
    assert result.returncode == 2 and f"{flag} must be at least 0.001 s" in result.stderr


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


def test_interrupt_twice_stops_the_embedded_server_and_removes_its_directory(tmp_path):
    import psycopg

    directory = write_migrations(tmp_path / "m", {"000001_slow.up.sql": "SELECT pg_sleep(60);\n", "000001_slow.down.sql": "SELECT 1;\n"})
    # A temporary directory of its own (that the unprivileged server can enter): other verify runs on the machine come and go in /tmp.
    scratch = Path(tempfile.mkdtemp(prefix="safemig-test-", dir="/tmp"))
    scratch.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "safemig_lint", "verify", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
        # As in a terminal, even where the suite runs in the background (which starts children with SIGINT ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 90
    sleeping = False
    while not sleeping:
        assert time.monotonic() < deadline and process.poll() is None
        for root in scratch.glob("safemig-verify-*"):
            try:
                with psycopg.connect(host=str(root / "socket"), user="postgres", dbname="postgres", connect_timeout=2) as watcher:
                    sleeping = bool(watcher.execute("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'").fetchone())
            except psycopg.Error:
                pass  # not up yet
    server_roots = set(scratch.glob("safemig-verify-*"))
    # Ctrl-C twice, as an impatient user does: the second comes while verify cleans up, and must not cut that short.
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2 and "interrupted" in stderr
    assert server_roots and not any(root.exists() for root in server_roots)
    scratch.rmdir()


def test_goes_on_from_a_copy_of_the_database_at_the_failing_version(tmp_path, pg_target, embedded_postgres):
    """Going on starts from a copy of a database that only got first ups; stand-ins come along."""
    files = {
        "000001_users.up.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE TABLE users (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), name text);\n',
        "000001_users.down.sql": "DROP TABLE users;\n",
        "000002_index.up.sql": "CREATE INDEX users_name_idx ON users (name);\n",
        "000002_index.down.sql": "SELECT 1;\n",
        "000003_seed.up.sql": "INSERT INTO users (name) SELECT 'n' || g FROM generate_series(1, 3) g;\nCREATE TABLE tags (id uuid DEFAULT uuid_generate_v4());\n",
        "000003_seed.down.sql": "DROP TABLE tags;\nDELETE FROM users;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [
        ("SM706", "000001_users.up.sql", 1),
        ("SM703", "000002_index.down.sql", 1),
        ("SM704", "000002_index.up.sql", 1),
    ]
    assert outcome.stopped is None and outcome.versions_round_tripped == 2 and len(outcome.gone_past) == 1
    assert databases(embedded_postgres) == set()  # the database, its copies and the shadow are all dropped
    assert roles(embedded_postgres) == set()  # and the roles the migrations ran as


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


def test_four_versions_two_broken_downs_one_plain_run_reports_both(tmp_path, pg_target):
    files = {
        **USERS,
        "000002_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n",
        "000002_email.down.sql": "ALTER TABLE users DROP COLUMN emial;\n",
        "000003_roles.up.sql": "CREATE TABLE roles (name text PRIMARY KEY);\n",
        "000003_roles.down.sql": "DROP TABLE roles;\n",
        "000004_index.up.sql": "CREATE INDEX users_email_idx ON users (email);\n",
        "000004_index.down.sql": "DROP INDEX users_email;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM702", "000002_email.down.sql", 1), ("SM702", "000004_index.down.sql", 1)]
    assert 'column "emial" of relation "users" does not exist' in outcome.diagnostics[0].message
    assert 'index "users_email" does not exist' in outcome.diagnostics[1].message
    assert (outcome.versions_total, outcome.versions_verified, outcome.versions_round_tripped, outcome.unverified) == (4, 4, 2, [])


def test_limits_are_enforced_from_outside_the_session(tmp_path, embedded_postgres):
    """A migration can undo statement_timeout; the watchdog cancels the backend all the same, and --timeout
    stops a statement in the middle."""
    files = {
        "000001_slow.up.sql": "SET statement_timeout = 0;\nSELECT pg_sleep(30);\n",
        "000001_slow.down.sql": "SELECT 1;\n",
    }
    started = time.monotonic()
    outcome = verify_files(
        tmp_path / "m", files, "postgres", lambda: PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=0.5)
    )
    assert verify_codes(outcome) == [("SM710", "000001_slow.up.sql", 1)]
    assert "ran longer than --statement-timeout (0.5 s)" in outcome.diagnostics[0].message
    outcome = verify_files(
        tmp_path / "n",
        files,
        "postgres",
        lambda: PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=60),
        run_timeout=0.5,
    )
    assert verify_codes(outcome) == [("SM710", "000001_slow.up.sql", 1)]
    assert "reached its --timeout (0.5 s)" in outcome.diagnostics[0].message
    assert time.monotonic() - started < 10


def test_a_migration_that_ends_verifys_session_is_the_migrations_failure(tmp_path, pg_target, embedded_postgres):
    files = {
        **USERS,
        "000002_kill.up.sql": "CREATE TABLE t (id int);\n",
        "000002_kill.down.sql": "DROP TABLE t;\nSELECT pg_terminate_backend(pg_backend_pid());\n",
        "000003_later.up.sql": "CREATE TABLE later (id int);\n",
        "000003_later.down.sql": "DROP TABLE later;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM702", "000002_kill.down.sql", 2)]
    assert "the file ended verify's database session" in outcome.diagnostics[0].message
    assert outcome.versions_verified == 3 and outcome.versions_round_tripped == 2  # and the run went on
    assert databases(embedded_postgres) == set()


def test_migrations_cannot_reach_the_host_and_what_needs_a_superuser_is_unverifiable_here(tmp_path, pg_target, embedded_postgres):
    """Migrations run as a role that owns the database and is no superuser: trusted extensions install, COPY to
    a program or a file, pg_read_file, dblink and file_fdw are refused (SM708), and nothing reaches the machine."""
    marker = tmp_path / "reached"
    attempts = [
        f"COPY (SELECT 1) TO PROGRAM 'touch {marker}'",
        f"COPY (SELECT 1) TO '{marker}'",
        "SELECT pg_read_file('/etc/hostname')",
        "CREATE EXTENSION dblink",
        "CREATE EXTENSION file_fdw",
    ]
    files = {"000001_users.up.sql": "CREATE EXTENSION IF NOT EXISTS citext;\nCREATE TABLE users (id bigint PRIMARY KEY, email citext);\n"}
    files["000001_users.down.sql"] = "DROP TABLE users;\n"
    for number, attempt in enumerate(attempts, 2):
        files[f"00000{number}_step.up.sql"] = f"CREATE TABLE t{number} (id int);\n"
        files[f"00000{number}_step.down.sql"] = f"DROP TABLE t{number};\n{attempt};\n"
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM708", f"00000{number}_step.down.sql", 2) for number in range(2, 7)]
    assert all("needs a privilege verify's role does not have" in d.message for d in outcome.diagnostics)
    assert (outcome.versions_verified, [u.version for u in outcome.unverified]) == (1, [2, 3, 4, 5, 6])
    assert not marker.exists() and databases(embedded_postgres) == set()
    # --superuser opts back in, for a server where that is safe.
    target = PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=10, superuser=True)
    try:
        assert not target.restricted and target.apply("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null';") is None
    finally:
        target.close()


def test_extension_blamed_only_for_what_it_provides(tmp_path, pg_target):
    """With uuid-ossp and pgcrypto stood in for, a varchar compared to a boolean (a double-quoted string) is the
    down file's bug; a pgcrypto function the stand-in lacks is the missing extension's."""
    files = {
        "000001_users.up.sql": 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\n'
        "CREATE TABLE users (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), email varchar(100), active boolean);\n",
        "000001_users.down.sql": "DROP TABLE users;\n",
        "000002_flag.up.sql": "UPDATE users SET active = true;\n",
        "000002_flag.down.sql": 'UPDATE users SET active = false WHERE email = "active";\n',
        "000003_hash.up.sql": "ALTER TABLE users ADD COLUMN pw text;\n",
        "000003_hash.down.sql": "UPDATE users SET pw = crypt('x', gen_salt('bf'));\nALTER TABLE users DROP COLUMN pw;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [
        ("SM706", "000001_users.up.sql", 1),
        ("SM706", "000001_users.up.sql", 2),
        ("SM702", "000002_flag.down.sql", 1),
        ("SM708", "000003_hash.down.sql", 1),
    ]
    assert "operator does not exist: character varying = boolean" in outcome.diagnostics[2].message
    assert "function gen_salt belongs to extension pgcrypto" in outcome.diagnostics[3].message


def test_stand_ins_compute_what_the_extensions_compute(embedded_postgres):
    from safemig_lint.verify.extensions import ExtensionState

    target = PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=30)
    try:
        state = ExtensionState(set(), set(), set())
        state.install_standin(target, "uuid-ossp")
        state.install_standin(target, "pgcrypto")
        row = target.connection.execute(
            "SELECT uuid_generate_v5(uuid_ns_dns(), 'www.example.com'), uuid_generate_v3(uuid_ns_dns(), 'www.example.com'),"
            " uuid_nil(), uuid_ns_url(), uuid_ns_oid(), uuid_ns_x500(), uuid_generate_v1(), uuid_generate_v1mc(), uuid_generate_v4(),"
            " encode(digest('abc', 'sha1'), 'hex'), encode(digest('abc', 'md5'), 'hex'),"
            " encode(hmac('The quick brown fox jumps over the lazy dog', 'key', 'sha256'), 'hex'), length(gen_random_bytes(20))"
        ).fetchone()
    finally:
        target.close()
    v5, v3, nil, url, oid, x500, v1, v1mc, v4, sha1, md5, hmac, random_bytes = (str(value) for value in row)
    # RFC 4122's and Python's uuid module's values for the same names.
    assert v5 == str(uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")) and v3 == str(uuid.uuid3(uuid.NAMESPACE_DNS, "www.example.com"))
    assert (nil, url, oid, x500) == (
        "00000000-0000-0000-0000-000000000000",
        *(str(n) for n in (uuid.NAMESPACE_URL, uuid.NAMESPACE_OID, uuid.NAMESPACE_X500)),
    )
    assert uuid.UUID(v1).version == 1 and uuid.UUID(v1mc).version == 1 and uuid.UUID(v4).version == 4
    assert uuid.UUID(v1mc).node & (1 << 40)  # the multicast bit: a random node, not a MAC address
    assert abs(uuid.UUID(v1).time / 1e7 - 12219292800 - time.time()) < 60  # 100 ns ticks since 1582
    assert sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d" and md5 == "900150983cd24fb0d6963f7d28e17f72"
    assert hmac == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" and random_bytes == "20"


def test_golang_migrate_table_is_created_updated_and_left_out(tmp_path, embedded_postgres):
    """As harbor's history does: ALTER TABLE schema_migrations, and reading the version golang-migrate recorded."""
    from safemig_lint.verify.migrations_table import MigrationsTable

    files = {
        **USERS,
        "000002_data_version.up.sql": "ALTER TABLE schema_migrations ADD COLUMN data_version int;\n"
        "CREATE TABLE seen AS SELECT version, dirty FROM schema_migrations;\n",
        "000002_data_version.down.sql": "DROP TABLE seen;\nALTER TABLE schema_migrations DROP COLUMN data_version;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", lambda: PostgresTarget(embedded_postgres.connection_kwargs, 30))
    assert verify_codes(outcome) == [] and outcome.versions_round_tripped == 2
    table = MigrationsTable.from_options("postgres", {"x-migrations-table": '"migrate"."versions"', "x-migrations-table-quoted": "true"})
    target = PostgresTarget(embedded_postgres.connection_kwargs, 30, migrations_table=table)
    try:
        target.bookkeeping(table.create())
        target.bookkeeping(table.set_version(2, True))
        assert target.connection.execute('SELECT version, dirty FROM "migrate"."versions"').fetchall() == [(2, True)]
        assert table.left_out(target.snapshot()) == {}
    finally:
        target.close()


def test_a_feature_the_newer_server_removed_is_the_servers_incompatibility(tmp_path, pg_target):
    files = {"000001_t.up.sql": "CREATE TABLE t (id int) WITH OIDS;\n", "000001_t.down.sql": "DROP TABLE t;\n"}
    old = verify_files(tmp_path / "a", files, "postgres", pg_target, config={"postgres_version": 11})
    assert verify_codes(old) == [("SM708", "000001_t.up.sql", 1)]
    assert "it uses WITH OIDS, which PostgreSQL 12 removed, and the verify server is PostgreSQL 18 (postgres-version is 11)" in (
        old.diagnostics[0].message
    )
    # A history that says it targets PostgreSQL 12 or later fails in production too: the file's failure.
    new = verify_files(tmp_path / "b", files, "postgres", pg_target, config={"postgres_version": 16})
    assert verify_codes(new) == [("SM701", "000001_t.up.sql", 1)]


def test_files_run_as_written_and_their_credentials_stay_hidden(tmp_path, pg_target):
    """Reports show a file with its credentials masked, but the database gets it as golang-migrate sends it: a
    masked '{}' default would be invalid JSON. A credential the database echoes in its message is hidden there."""
    files = {
        "000001_sessions.up.sql": "CREATE TABLE sessions (id int, session_access_token jsonb DEFAULT '{}' NOT NULL);\n",
        "000001_sessions.down.sql": "DROP TABLE sessions;\n",
        "000002_link.up.sql": "SELECT 'postgres://app:hunter2pass@db/app'::int;\n",
        "000002_link.down.sql": "SELECT 1;\n",
    }
    outcome = verify_files(tmp_path / "m", files, "postgres", pg_target)
    assert verify_codes(outcome) == [("SM701", "000002_link.up.sql", 1)]
    message = outcome.diagnostics[0].message
    assert "invalid input syntax for type integer" in message and "hunter2pass" not in message and "***" in message
    assert "hunter2pass" not in outcome.sources[outcome.diagnostics[0].path].text

"""`check --fix` / `--diff`: guards added where the dialect has them, nothing else ever changed."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.diagnostics import Edit
from safemig_lint.engine import lint
from safemig_lint.fixing import all_of, locked_by_sum_file, plan_fixes

runner = CliRunner()
FIXED_CODES = {"SM301", "SM302", "SM303"}


def run(*args: str):
    return runner.invoke(app, list(args))


def strict(root: Path) -> None:
    """Ask for re-runnable DDL everywhere, so that one-statement files get SM301-SM303 too."""
    (root / ".safemig-lint.toml").write_text('idempotency = "strict"\n')


def texts(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*.sql"))}


@pytest.fixture
def fixtures_copy(tmp_path):
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


def test_fix_on_the_bundled_fixtures_then_check_finds_none_of_the_fixed_findings(fixtures_copy):
    before = run("check", "--format", "json", str(fixtures_copy))
    fixable = [d for d in json.loads(before.stdout)["diagnostics"] if d["code"] in FIXED_CODES]
    assert {d["code"] for d in fixable} == FIXED_CODES  # fixtures/rerun runs with x-multi-statement=true
    first = run("check", "--fix", str(fixtures_copy))
    assert "fixed 4 findings in 4 files" in first.stderr
    assert "rerun/000001_create_accounts.up.sql: fixed SM301 (line 1)" in first.stderr
    # The report after --fix is of what is left: the one finding with no safe fix, and the rest.
    assert re.findall(r"^(\S+): (SM30[123]) \[", first.stdout, re.M) == [
        (f"{fixtures_copy}/rerun/000002_add_account_plan.up.sql:2:27", "SM301")
    ]
    assert "SM101" in first.stdout
    assert (fixtures_copy / "rerun/000002_add_account_plan.up.sql").read_text() == (
        "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text;\nCREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan);\n"
    )
    after = run("check", "--format", "json", str(fixtures_copy))
    remaining = json.loads(after.stdout)["diagnostics"]
    # Left alone: CREATE INDEX CONCURRENTLY, where IF NOT EXISTS would skip an invalid leftover index.
    assert [(d["code"], d["line"]) for d in remaining if d["code"] in FIXED_CODES] == [("SM301", 2)]

    # Every other finding is still there, and every file still parses: the fix changed nothing else.
    def others(diagnostics):
        return sorted((d["code"], d["path"], d["line"]) for d in diagnostics if d["code"] not in FIXED_CODES)

    assert others(remaining) == others(json.loads(before.stdout)["diagnostics"])
    snapshot = texts(fixtures_copy)
    second = run("check", "--fix", str(fixtures_copy))
    assert "fixed 0 findings in 0 files" in second.stderr and texts(fixtures_copy) == snapshot


def test_fixed_sqlite_migration_survives_a_rerun_after_partial_failure_on_real_sqlite(fixtures_copy):
    """The point of the guards, judged by SQLite itself: the rebuild failed after creating notes_new."""
    directory = fixtures_copy / "sqlite"
    up = directory / "000002_rebuild_notes.up.sql"
    partial = up.read_text().split(");", 1)[0] + ");"  # PRAGMA + CREATE TABLE notes_new, then a failure

    def rerun(script: str) -> None:
        database = sqlite3.connect(":memory:")
        database.executescript((directory / "000001_create_notes.up.sql").read_text())
        database.executescript(partial)
        database.executescript(script)

    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        rerun(up.read_text())
    # golang-migrate's sqlite3 driver runs a file in one transaction, so only a project that asks
    # for re-runnable DDL everywhere gets these findings.
    (directory / ".safemig-lint.toml").write_text('dialect = "sqlite"\nidempotency = "strict"\n')
    run("check", "--fix", str(directory))
    assert "CREATE TABLE IF NOT EXISTS notes_new" in up.read_text()
    rerun(up.read_text())


def test_diff_previews_and_changes_nothing(fixtures_copy):
    snapshot = texts(fixtures_copy)
    result = run("check", "--diff", str(fixtures_copy / "rerun"))
    assert result.exit_code == 1
    assert "-DROP INDEX accounts_email_key;\n+DROP INDEX IF EXISTS accounts_email_key;\n" in result.stdout
    assert "4 fixes available in 4 files" in result.stderr
    assert run("check", "--diff", str(fixtures_copy / "app")).exit_code == 0  # nothing to fix there
    assert texts(fixtures_copy) == snapshot


def test_fix_and_diff_together_is_a_usage_error(fixtures_copy):
    assert run("check", "--fix", "--diff", str(fixtures_copy)).exit_code == 2


@pytest.mark.parametrize(
    ("dialect", "sql", "fixed"),
    [
        ("postgres", "DROP INDEX CONCURRENTLY ix;\n", "DROP INDEX CONCURRENTLY IF EXISTS ix;\n"),
        ("postgres", "DROP TABLE a, b;\n", "DROP TABLE IF EXISTS a, b;\n"),
        ("postgres", 'ALTER TABLE t DROP COLUMN x, DROP "Y";\n', 'ALTER TABLE t DROP COLUMN IF EXISTS x, DROP IF EXISTS "Y";\n'),
        ("postgres", "CREATE MATERIALIZED VIEW mv AS SELECT 1;\n", "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1;\n"),
        (
            "sqlite",
            "CREATE TRIGGER tr AFTER UPDATE ON t BEGIN UPDATE t SET a = 1; END;\n",
            "CREATE TRIGGER IF NOT EXISTS tr AFTER UPDATE ON t BEGIN UPDATE t SET a = 1; END;\n",
        ),
        ("mysql", "DROP PROCEDURE p;\n", "DROP PROCEDURE IF EXISTS p;\n"),
    ],
)
def test_guard_goes_where_the_dialect_grammar_puts_it(tmp_path, dialect, sql, fixed):
    directory = write_migrations(
        tmp_path / "m",
        {"000001_x.up.sql": "SELECT 1;\n", "000001_x.down.sql": "SELECT 1;\n", "000002_x.up.sql": sql, "000002_x.down.sql": "SELECT 1;\n"},
    )
    (tmp_path / ".safemig-lint.toml").write_text(f'dialect = "{dialect}"\nidempotency = "strict"\n')
    run("check", "--fix", str(directory))
    assert (directory / "000002_x.up.sql").read_text() == fixed


@pytest.mark.parametrize(
    ("dialect", "sql", "code"),
    [
        ("postgres", "CREATE VIEW v AS SELECT 1;\n", "SM301"),  # OR REPLACE would replace another view: no fix
        ("postgres", "CREATE INDEX ON t (a);\n", "SM301"),  # IF NOT EXISTS needs a name
        ("postgres", "CREATE INDEX CONCURRENTLY ix ON t (a);\n", "SM301"),  # would skip an invalid leftover index
    ],
)
def test_no_fix_where_a_guard_would_be_wrong(tmp_path, dialect, sql, code):
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    result = lint([str(directory)], Config(dialect=dialect, idempotency="strict"))
    (finding,) = [d for d in result.active if d.code == code]
    assert finding.fix == ()


@pytest.mark.parametrize(
    "sql",
    ["CREATE INDEX ix ON t (a);\n", "ALTER TABLE t ADD COLUMN c INT;\n", "ALTER TABLE t DROP COLUMN c;\n"],
)
def test_no_finding_and_no_fix_where_mysql_has_no_guard(tmp_path, sql):
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    result = lint([str(directory)], Config(dialect="mysql", idempotency="strict"))
    assert not [d for d in result.active if d.code in FIXED_CODES or d.fix]
    assert "IF NOT EXISTS" not in sql  # MySQL has no CREATE INDEX / ADD COLUMN IF NOT EXISTS, nor DROP COLUMN IF EXISTS


def test_suppressed_findings_are_not_fixed(tmp_path):
    strict(tmp_path)
    sql = "-- safemig-lint: ignore SM301 must fail loudly if it exists\nCREATE TABLE t (a int);\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    run("check", "--fix", str(directory))
    assert (directory / "000001_x.up.sql").read_text() == sql


def test_file_listed_in_safemig_sum_is_never_changed(tmp_path):
    strict(tmp_path)
    sql = "CREATE TABLE t (a int);\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    assert run("lock", str(directory)).exit_code == 0  # the real lock file
    write_migrations(directory, {"000002_y.up.sql": sql.replace(" t ", " u "), "000002_y.down.sql": "SELECT 1;\n"})
    result = run("check", "--fix", str(directory))
    assert "000001_x.up.sql: locked by safemig.sum; not changed" in result.stderr
    assert (directory / "000001_x.up.sql").read_text() == sql
    assert (directory / "000002_y.up.sql").read_text() == "CREATE TABLE IF NOT EXISTS u (a int);\n"
    (directory / "safemig.sum").write_text("not a sum file\n")  # unreadable: nothing in its folder is fixed
    (directory / "000002_y.up.sql").write_text(sql)
    assert "safemig.sum beside it has problems" in run("check", "--fix", str(directory)).stderr
    assert (directory / "000002_y.up.sql").read_text() == sql


def test_file_already_at_the_base_is_never_changed(tmp_path):
    """`--fix --base main`: a migration main already has has run somewhere; only new ones are fixed."""
    import subprocess

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }

    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)

    sql = "CREATE TABLE t (a int);\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    strict(tmp_path)
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "feature")
    edited = sql + "CREATE TABLE v (a int);\n"  # an applied migration edited on the branch: reported, not fixed
    write_migrations(
        directory, {"000001_x.up.sql": edited, "000002_y.up.sql": sql.replace(" t ", " u "), "000002_y.down.sql": "SELECT 1;\n"}
    )
    result = run("check", "--fix", "--base", "main", str(directory))
    assert "SM601 [error] edited-applied-migration" in result.stdout and "000001_x.up.sql:1:1: SM301" not in result.stdout
    assert (directory / "000001_x.up.sql").read_text() == edited
    # With SM601 off, the edited file's own findings show, and their fixes are still refused.
    result = run("check", "--fix", "--ignore", "SM601", "--base", "main", str(directory))
    assert "000001_x.up.sql: already in main, so already applied; not changed" in result.stderr
    assert (directory / "000001_x.up.sql").read_text() == edited
    assert (directory / "000002_y.up.sql").read_text() == "CREATE TABLE IF NOT EXISTS u (a int);\n"


def test_bom_line_endings_and_mode_are_kept(tmp_path):
    strict(tmp_path)
    sql = "\ufeffCREATE TABLE t (a int);\r\nDROP TABLE u;\r\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql.encode(), "000001_x.down.sql": "SELECT 1;\n"})
    target = directory / "000001_x.up.sql"
    os.chmod(target, 0o640)
    run("check", "--fix", str(directory))
    assert target.read_bytes() == "\ufeffCREATE TABLE IF NOT EXISTS t (a int);\r\nDROP TABLE IF EXISTS u;\r\n".encode()
    assert target.stat().st_mode & 0o777 == 0o640
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def _result_with_fixes(tmp_path, sql: str, *fixes: tuple[Edit, ...]):
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})
    result = lint([str(directory)], Config(select=("SM301",), idempotency="strict"))
    (diagnostic,) = result.active
    from dataclasses import replace

    result.diagnostics = [replace(diagnostic, fix=fix) for fix in fixes]
    return result


def test_overlapping_fixes_are_refused(tmp_path):
    result = _result_with_fixes(tmp_path, "CREATE TABLE t (a int);\n", (Edit(13, 14, "IF NOT EXISTS t"),), (Edit(13, 14, "u"),))
    plan = plan_fixes(result, lambda path: Config(), lambda path: None)
    assert plan.fixed_count == 1
    assert any("overlaps another fix" in why for _, why in plan.skipped)


def test_a_fix_that_would_change_the_statement_is_refused(tmp_path):
    result = _result_with_fixes(tmp_path, "CREATE TABLE t (a int);\n", (Edit(13, 14, "IF NOT EXISTS u"),))
    plan = plan_fixes(result, lambda path: Config(), lambda path: None)
    assert not plan.files
    assert any("would mean something else" in why for _, why in plan.skipped)


def test_a_fix_the_databases_own_grammar_rejects_is_refused(tmp_path):
    """PostgreSQL's parser (libpg_query) judges the fixed text: IF NOT EXISTS needs an index name."""
    result = _result_with_fixes(tmp_path, "CREATE INDEX ON t (a);\n", (Edit(13, 13, "IF NOT EXISTS "),))
    plan = plan_fixes(result, lambda path: Config(), lambda path: None)
    assert not plan.files
    ((_, why),) = plan.skipped
    assert why.startswith("the fixed statement at line 1 would not parse (PostgreSQL rejects it: syntax error")


def test_predicates_combine_and_the_first_refusal_says_why(tmp_path):
    write_migrations(tmp_path, {"000001_x.up.sql": "SELECT 1;\n"})
    assert run("lock", str(tmp_path)).exit_code == 0

    def applied(path):
        return "already applied per --base" if path.name.startswith("000002") else None

    may_change = all_of(locked_by_sum_file, applied)
    assert may_change(tmp_path / "000001_x.up.sql") == "locked by safemig.sum; not changed"
    assert may_change(tmp_path / "000002_y.up.sql") == "already applied per --base"
    assert may_change(tmp_path / "000003_z.up.sql") is None


def test_a_file_that_cannot_be_written_is_reported_and_left_whole(tmp_path, monkeypatch):
    import errno

    strict(tmp_path)
    sql = "CREATE TABLE t (a int);\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": sql, "000001_x.down.sql": "SELECT 1;\n"})

    def read_only_filesystem(source, target):  # what os.replace does on a read-only mount
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("safemig_lint.atomic.os.replace", read_only_filesystem)
    result = run("check", "--fix", str(directory))
    assert result.exit_code == 1
    assert "000001_x.up.sql: cannot write it: Read-only file system" in result.stderr
    assert "fixed 0 findings in 0 files" in result.stderr
    assert (directory / "000001_x.up.sql").read_text() == sql
    assert sorted(p.name for p in directory.iterdir()) == ["000001_x.down.sql", "000001_x.up.sql"]  # no temp file left


def test_the_lock_rules_not_valid_then_validate_rewrite_is_applied(tmp_path):
    """SM508's fix (x-multi-statement): NOT VALID, then VALIDATE CONSTRAINT as its own statement."""
    (tmp_path / ".safemig-lint.toml").write_text("driver-options = { x-multi-statement = true }\n")
    up = "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\nSELECT 1;\n"
    directory = write_migrations(
        tmp_path / "m",
        {
            "000001_fk.up.sql": up,
            "000001_fk.down.sql": "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk;\n",
        },
    )
    result = run("check", "--fix", "--select", "SM508", str(directory))
    assert "000001_fk.up.sql: fixed SM508 (line 1)" in result.stderr, result.stderr
    assert (directory / "000001_fk.up.sql").read_text() == (
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\nSELECT 1;\n"
    )
    assert "SM508" not in run("check", "--select", "SM508", str(directory)).stdout


def test_not_valid_without_its_validation_is_refused(tmp_path):
    sql = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id);\n"
    result = _result_with_fixes(
        tmp_path,
        "CREATE TABLE t (a int);\n" + sql,
        (Edit(len("CREATE TABLE t (a int);\n") + len(sql) - 2, len("CREATE TABLE t (a int);\n") + len(sql) - 2, " NOT VALID"),),
    )
    plan = plan_fixes(result, lambda path: Config(), lambda path: None)
    assert not plan.files
    assert any("would leave a constraint unvalidated" in why for _, why in plan.skipped)

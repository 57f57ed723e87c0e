"""`--fix` is safe by default (issues 22 and 24), through the real command line and real git:
it writes only the file's own text, only to files not yet applied anywhere, never through a link
or over a read-only file, and keeps the file's line endings; the report marks what it would fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_migrations

CLI = str(Path(sys.executable).parent / "safemig-lint")
STRICT = 'idempotency = "strict"\n'
MULTI = "driver-options = { x-multi-statement = true }\n"
FK = "ALTER TABLE {table} ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);{nl}SELECT 1;{nl}"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "SAFEMIG_LINT_NO_CACHE": "1"})


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def test_a_statement_holding_a_template_placeholder_is_never_fixed_and_says_so(tmp_path):
    (tmp_path / ".safemig-lint.toml").write_text(MULTI)
    up = FK.format(table="{{ .Schema }}.orders", nl="\n")
    write_migrations(tmp_path / "m", {"000001_fk.up.sql": up, "000001_fk.down.sql": "SELECT 1;\n"})
    report = cli("check", "--select", "SM508", "m", cwd=tmp_path)
    assert "SM508 [warning] constraint-validates-under-lock" in report.stdout and "[*]" not in report.stdout
    assert "(No automatic fix: the statement holds a template placeholder or a masked value.)" in report.stdout
    assert "x0___" not in report.stdout  # the advice names the table as written
    fixed = cli("check", "--fix", "--select", "SM508", "m", cwd=tmp_path)
    assert "fixed 0 findings in 0 files" in fixed.stderr
    assert (tmp_path / "m" / "000001_fk.up.sql").read_text() == up  # never `x0___________.orders`


def test_a_fix_reaching_the_planner_for_a_templated_statement_is_refused_there_too(tmp_path):
    """The planner checks again (a fix may come from elsewhere than this run's checks, e.g. a cache)."""
    from dataclasses import replace

    from safemig_lint.config import Config
    from safemig_lint.diagnostics import Edit
    from safemig_lint.engine import lint
    from safemig_lint.fixing import plan_fixes

    up = "CREATE TABLE {{ .Schema }}.t (a int);\n"
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": up, "000001_x.down.sql": "SELECT 1;\n"})
    result = lint([str(directory)], Config(select=("SM301",), idempotency="strict"))
    (diagnostic,) = result.active
    assert not diagnostic.fix  # the engine dropped it
    result.diagnostics = [replace(diagnostic, fix=(Edit(13, 13, "IF NOT EXISTS "),))]
    plan = plan_fixes(result, lambda path: Config(), lambda path: None)
    assert not plan.files
    assert plan.skipped == [
        (
            str(directory / "000001_x.up.sql"),
            "SM301 at line 1: its statement holds a template placeholder or a masked value; fix it by hand",
        )
    ]


def test_by_default_only_files_not_yet_applied_are_fixed(tmp_path):
    """Committed unchanged in HEAD: applied somewhere, left alone (--fix-applied overrides); edited or new: fixed."""
    (tmp_path / ".safemig-lint.toml").write_text(STRICT)
    sql = "CREATE TABLE {} (a int);\n"
    directory = write_migrations(
        tmp_path / "m",
        {
            "000001_a.up.sql": sql.format("a"),
            "000001_a.down.sql": "SELECT 1;\n",
            "000002_b.up.sql": sql.format("b"),
            "000002_b.down.sql": "SELECT 1;\n",
        },
    )
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "history", cwd=tmp_path)
    (directory / "000002_b.up.sql").write_text(sql.format("b") + "-- being worked on\n")  # differs from HEAD
    write_migrations(directory, {"000003_c.up.sql": sql.format("c"), "000003_c.down.sql": "SELECT 1;\n"})  # untracked

    report = cli("check", "m", cwd=tmp_path)
    assert "000001_a.up.sql:1:14: SM301 [warning] create-without" in report.stdout  # reported, but not marked fixable
    assert "000002_b.up.sql:1:14: SM301 [warning] [*] create-without" in report.stdout
    assert "000003_c.up.sql:1:14: SM301 [warning] [*] create-without" in report.stdout
    assert report.stdout.rstrip().endswith("[*] 2 fixable with --fix.")

    diff = cli("check", "--diff", "m", cwd=tmp_path)
    assert "+++ b/m/000002_b.up.sql" in diff.stdout and "+++ b/m/000003_c.up.sql" in diff.stdout
    assert "000001_a" not in diff.stdout
    fixed = cli("check", "--fix", "m", cwd=tmp_path)
    assert "not fixed: m/000001_a.up.sql: committed unchanged in HEAD, so already applied somewhere" in fixed.stderr
    assert (directory / "000001_a.up.sql").read_text() == sql.format("a")
    assert (directory / "000003_c.up.sql").read_text() == "CREATE TABLE IF NOT EXISTS c (a int);\n"
    assert "fixed 2 findings in 2 files" in fixed.stderr

    assert cli("check", "--diff", "m", cwd=tmp_path).stderr.strip().endswith("nothing to fix")
    assert "m/000001_a.up.sql: fixed SM301 (line 1)" in cli("check", "--fix", "--fix-applied", "m", cwd=tmp_path).stderr
    assert (directory / "000001_a.up.sql").read_text() == "CREATE TABLE IF NOT EXISTS a (a int);\n"
    assert cli("check", "--fix-applied", "m", cwd=tmp_path).returncode == 2  # it widens --fix or --diff only


def test_concise_report_marks_fixable_findings_like_ruff(tmp_path):
    (tmp_path / ".safemig-lint.toml").write_text(STRICT)
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "CREATE TABLE a (a int);\nDROP TABLE old;\n", "000001_a.down.sql": "SELECT 1;\n"})
    concise = cli("check", "--format", "concise", "m", cwd=tmp_path)
    assert concise.returncode == 1
    rerun = (
        ' if this migration is run again after failing part-way (the project asks for re-runnable DDL everywhere: idempotency = "strict")'
    )
    assert concise.stdout.splitlines() == [
        "m/000001_a.down.sql:1:1: SM201 the up migration creates table a, and this down migration does not remove it",
        "m/000001_a.up.sql:1:14: SM301 [*] CREATE TABLE a fails with 'already exists'" + rerun,
        "m/000001_a.up.sql:2:12: SM101 DROP TABLE old deletes the table and every row in it",
        "m/000001_a.up.sql:2:12: SM302 [*] DROP TABLE old fails with 'does not exist'" + rerun,
        "Found 4 problems.",
        "[*] 2 fixable with --fix.",
    ]
    assert cli("check", "--output-format", "concise", "-q", "m", cwd=tmp_path).stdout == "".join(
        line + "\n" for line in concise.stdout.splitlines()[:4]
    )


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_an_inserted_statement_keeps_the_files_line_endings(tmp_path, newline):
    (tmp_path / ".safemig-lint.toml").write_text(MULTI)
    up = FK.format(table="orders", nl=newline)
    directory = write_migrations(tmp_path / "m", {"000001_fk.up.sql": up.encode(), "000001_fk.down.sql": "SELECT 1;\n"})
    fixed = cli("check", "--fix", "--select", "SM508", "m", cwd=tmp_path)
    assert "fixed SM508 (line 1)" in fixed.stderr, fixed.stderr
    assert (directory / "000001_fk.up.sql").read_bytes().decode() == (
        f"ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;{newline}"
        f"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;{newline}SELECT 1;{newline}"
    )


def test_a_symlinked_or_read_only_migration_is_refused_with_a_message(tmp_path):
    (tmp_path / ".git").mkdir()  # the link stays inside the repository (one out of it is not read at all: SM013)
    (tmp_path / ".safemig-lint.toml").write_text(STRICT)
    sql = "CREATE TABLE {} (a int);\n"
    directory = write_migrations(
        tmp_path / "m", {"000001_a.up.sql": sql.format("a"), "000001_a.down.sql": "SELECT 1;\n", "000002_b.down.sql": "SELECT 1;\n"}
    )
    (tmp_path / "elsewhere.sql").write_text(sql.format("b"))
    (directory / "000002_b.up.sql").symlink_to(tmp_path / "elsewhere.sql")
    os.chmod(directory / "000001_a.up.sql", 0o444)
    fixed = cli("check", "--fix", "m", cwd=tmp_path)
    assert "not fixed: m/000001_a.up.sql: it is read-only" in fixed.stderr
    assert "not fixed: m/000002_b.up.sql: it is a symlink" in fixed.stderr
    assert (directory / "000002_b.up.sql").is_symlink() and (tmp_path / "elsewhere.sql").read_text() == sql.format("b")
    assert (directory / "000001_a.up.sql").read_text() == sql.format("a")
    assert (directory / "000001_a.up.sql").stat().st_mode & 0o777 == 0o444


def test_base_reports_an_edited_applied_migration_for_the_edit_alone(tmp_path):
    """A comment added to a merged migration: SM601 (undo it, write a new migration), not its old findings,
    whose advice would be to edit the applied file further."""
    directory = write_migrations(tmp_path / "m", {"000001_x.up.sql": "DROP TABLE legacy;\n", "000001_x.down.sql": "SELECT 1;\n"})
    git("init", "-q", "-b", "main", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-q", "-m", "base", cwd=tmp_path)
    git("checkout", "-q", "-b", "feature", cwd=tmp_path)
    (directory / "000001_x.up.sql").write_text("-- retired in 2024\nDROP TABLE legacy;\n")
    result = cli("check", "--format", "concise", "--base", "main", "m", cwd=tmp_path)
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if ": SM" in line] == ["SM601"], result.stdout
    assert "SM101" in cli("check", "--format", "concise", "m", cwd=tmp_path).stdout  # without --base it is no applied file


def test_a_file_holding_a_masked_secret_is_fixed_outside_that_statement_only(tmp_path):
    """The planner reads where the secrets were masked as (start, end) runs (found by mypy: it took the
    end for the masked text and `--fix` stopped with an internal error on any file holding a credential)."""
    (tmp_path / ".safemig-lint.toml").write_text(STRICT)
    secret = "CREATE TABLE s (dsn text DEFAULT 'postgres://app:hunter2secret@db.internal/app');\n"
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "CREATE TABLE t (a int);\n" + secret, "000001_a.down.sql": "SELECT 1;\n"})
    fixed = cli("check", "--fix", "--select", "SM301", "m", cwd=tmp_path)
    assert fixed.returncode == 1 and "internal error" not in fixed.stderr, fixed.stderr
    assert "fixed 1 finding in 1 file" in fixed.stderr
    assert (tmp_path / "m" / "000001_a.up.sql").read_text() == "CREATE TABLE IF NOT EXISTS t (a int);\n" + secret
    assert "hunter2secret" not in fixed.stdout + fixed.stderr

"""Habits ruff and squawk users expect (issue 22), through the real command line: strict driver
settings, a named folder with nothing to lint is a usage error everywhere, --exit-zero,
--min-severity, --output-format as --format, standard input, raw rule pages in a pipe, shell
completion for the shell named, versions that exist, and the small wording defects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, table_history, write_migrations

CLI = str(Path(sys.executable).parent / "safemig-lint")


def cli(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SAFEMIG_LINT_NO_CACHE": "1", **(env or {})}
    return subprocess.run([CLI, *args], cwd=cwd, capture_output=True, text=True, input=stdin, env=environment)


@pytest.fixture
def project(tmp_path):
    write_migrations(
        tmp_path / "db",
        {
            "000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
            "000001_users.down.sql": "DROP TABLE users;\n",
            "000002_orders.up.sql": "CREATE TABLE orders (id bigint);\nDROP TABLE legacy;\n",
            "000002_orders.down.sql": "DROP TABLE orders;\n",
            "000003_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n",  # SM511, an info finding
            "000003_email.down.sql": "ALTER TABLE users DROP COLUMN email;\n",
        },
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("no migrations here\n")
    return tmp_path


@pytest.mark.parametrize(
    "setting, message",
    [
        (
            "driver-options = { x-multi-statment = true }",
            "postgres driver has no option x-multi-statment (did you mean 'x-multi-statement'?)",
        ),
        ('driver = "postgress"', "unknown driver 'postgress' (did you mean 'postgres'?)"),
        ('dialect = "sqlite"\ndriver-options = { x-multi-statement = true }', "sqlite3 driver has no option x-multi-statement"),
    ],
)
def test_unknown_driver_and_driver_options_are_errors_with_a_did_you_mean(project, setting, message):
    (project / ".safemig-lint.toml").write_text(setting + "\n")
    result = cli("check", "db", cwd=project)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    # The database client's own URL options (sslmode ...) are not golang-migrate's to check.
    (project / ".safemig-lint.toml").write_text('driver-options = "sslmode=disable&x-multi-statement=true"\n')
    assert cli("check", "db", cwd=project).returncode == 1


def test_driver_options_are_judged_by_the_dialect_the_command_line_sets(project):
    # The file names no dialect; --dialect sqlite wins over the default, so x-no-tx-wrap is the sqlite3 driver's option.
    (project / ".safemig-lint.toml").write_text("driver-options = { x-no-tx-wrap = true }\n")
    result = cli("check", "--dialect", "sqlite3", "db", cwd=project)
    assert result.returncode == 1 and "has no option" not in result.stderr, result.stderr
    # ... and the same option under the dialect the file sets is still an error.
    assert "postgres driver has no option x-no-tx-wrap" in cli("check", "db", cwd=project).stderr


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "sarif"], ["verify"], ["lock"], ["lock", "--check"], ["schema"]])
def test_a_named_folder_with_nothing_to_lint_is_a_usage_error_everywhere(project, command):
    result = cli(*command, "docs", cwd=project)
    assert result.returncode == 2
    assert "docs: no migration files found" in result.stderr
    if command[0] != "schema":  # schema takes one folder; the others each folder named
        both = cli(*command, "db", "docs", cwd=project)
        assert both.returncode == 2 and "docs: no migration files found" in both.stderr


def test_exit_zero_min_severity_and_output_format_as_format(project):
    plain = cli("check", "db", cwd=project)
    assert plain.returncode == 1 and "[info]" in plain.stdout
    assert cli("check", "--exit-zero", "db", cwd=project).returncode == 0
    warning = cli("check", "--min-severity", "warning", "db", cwd=project)
    assert "[info]" not in warning.stdout and "SM101 [error]" in warning.stdout
    assert cli("check", "--min-severity", "error", "--format", "concise", "db", cwd=project).stdout.count(": SM") == 1
    assert cli("check", "--min-severity", "fatal", "db", cwd=project).returncode == 2
    aliased = cli("check", "--output-format", "json", "db", cwd=project)
    assert aliased.stdout == cli("check", "--format", "json", "db", cwd=project).stdout and aliased.stdout.startswith("{")
    paired = cli("check", "--output-format", "sarif", "--output", "r.sarif", "db", cwd=project)
    assert paired.stdout.startswith("db/") and (project / "r.sarif").read_text().startswith("{")


def test_standard_input_is_linted_in_its_folders_context(project):
    down = "DROP TABLE customers;\n"  # instead of what is on disk (DROP TABLE orders)
    result = cli("check", "--format", "concise", "--stdin-filename", "db/000002_orders.down.sql", "-", cwd=project, stdin=down)
    # Reported as that file, and judged against its up file on disk: orders is left behind, customers was not its own.
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "db/000002_orders.down.sql:1:1: SM201 the up migration creates table orders, and this down migration does not remove it",
        "db/000002_orders.down.sql:1:12: SM101 DROP TABLE customers deletes the table and every row in it"
        " (in a down file, and its up file did not create it)",
    ]
    assert result.stdout.count(": SM") == 2
    new = cli("check", "--format", "concise", "--stdin-filename", "db/000004_x.up.sql", "-", cwd=project, stdin="TRUNCATE users;\n")
    assert "db/000004_x.up.sql:1:10: SM104" in new.stdout and "db/000004_x.up.sql:1:1: SM004 version 4 has no down" in new.stdout
    assert not (project / "db" / "000004_x.up.sql").exists()
    assert cli("check", "-", cwd=project, stdin="SELECT 1;").returncode == 2  # where does it live?
    assert cli("check", "--fix", "--stdin-filename", "db/000004_x.up.sql", "-", cwd=project, stdin="").returncode == 2


def test_rule_prints_its_page_as_written_when_not_on_a_terminal(project):
    page = (REPO / "rules" / "SM101.md").read_text()
    printed = cli("rule", "SM101", cwd=project).stdout
    assert printed == page.rstrip("\n") + "\n"  # long lines and SQL as written, not wrapped at 80 columns
    assert any(len(line) > 80 for line in printed.splitlines())
    assert cli("rule", "drop-table", cwd=project).stdout == printed


def test_install_completion_honours_the_shell_named(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = cli("--install-completion", "zsh", cwd=tmp_path, env={"HOME": str(home), "SHELL": "/bin/bash"})
    assert result.returncode == 0 and "zsh completion installed" in result.stdout, result.stderr
    assert (home / ".zfunc" / "_safemig-lint").exists() and "compinit" in (home / ".zshrc").read_text()
    assert not (home / ".bashrc").exists() and not (home / ".bash_completions").exists()
    script = cli("--show-completion", "fish", cwd=tmp_path, env={"HOME": str(home)})
    assert script.stdout.startswith("complete --command safemig-lint")
    completions = cli(cwd=tmp_path, env={"_SAFEMIG_LINT_COMPLETE": "complete_bash", "COMP_WORDS": "safemig-lint ru", "COMP_CWORD": "1"})
    assert completions.stdout.split() == ["rule", "rules"]


def test_diff_and_schema_refuse_versions_the_folder_does_not_have(project):
    missing = cli("diff", "db", "--from", "1", "--to", "7", cwd=project)
    assert missing.returncode == 2 and "--to 7: db has no such version (it has 1, 2, 3; 0 is before the first)" in missing.stderr
    assert cli("schema", "db", "--at", "9", cwd=project).returncode == 2
    fine = cli("diff", "db", "--from", "0", "--to", "2", cwd=project)
    assert fine.returncode == 0 and "+ table orders" in fine.stdout, fine.stdout


def test_unused_suppression_has_its_own_help(project):
    (project / "db" / "000002_orders.up.sql").write_text(
        "-- safemig-lint: ignore SM105 nothing to ignore\nCREATE TABLE orders (id bigint);\n"
    )
    (project / "db" / "000001_users.up.sql").write_text("-- safemig-lint: ignore\nCREATE TABLE users (id bigint PRIMARY KEY);\n")
    result = cli("check", "--select", "SM0,SM105", "db", cwd=project).stdout
    sm009 = result[result.index("SM009") :].split("help: ")[1].splitlines()[0]
    sm010 = result[result.index("SM010") :].split("help: ")[1].splitlines()[0]
    assert sm009 != sm010 and sm010.startswith("Delete the comment")


def test_going_on_past_failing_versions_counts_them_in_good_english(tmp_path):
    write_migrations(
        tmp_path / "m",
        {
            "000001_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
            "000001_a.down.sql": "DROP TABEL a;\n",
            "000002_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
            "000002_b.down.sql": "DROP TABLE b;\n",
        },
    )
    result = cli("verify", "--dialect", "sqlite", "m", cwd=tmp_path)  # going on is the default
    assert "went on past 1 failing version," in result.stderr, result.stderr


def test_the_progress_bar_advances_per_file_in_a_large_folder(tmp_path):
    """One folder of 300 files is one unit of work: the bar is told after each file, not once at the end."""
    from safemig_lint.config import Config
    from safemig_lint.engine import lint

    directory = write_migrations(tmp_path / "m", table_history(150))
    told: list[tuple[int, int]] = []
    lint([str(directory)], Config(), jobs=1, progress=lambda done, total: told.append((done, total)))
    assert told[0] == (0, 300) and told[-1] == (300, 300)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert len({done for done, _ in told}) > 290  # a step per file

"""The command line as users run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import FIXTURES, write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app

runner = CliRunner()


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_bare_paths_mean_check():
    result = run(str(FIXTURES / "app"))
    assert result.exit_code == 1
    assert "SM101" in result.output and "drop-table" in result.output
    assert re.search(r"000004_drop_legacy_sessions\.up\.sql:2:12: SM101", result.output)
    assert "Found " in result.output


def test_check_subcommand_and_options_before_paths():
    result = run("--select", "SM101", str(FIXTURES / "app"))
    assert result.exit_code == 1
    assert set(re.findall(r"SM\d{3}", result.output.split("Found")[0])) == {"SM101"}
    assert run("check", "--select", "SM101", str(FIXTURES / "app")).output == result.output


def test_text_report_lists_suppressed_findings_with_their_reason():
    output = run(str(FIXTURES / "app")).output
    assert "Suppressed:\n  " in output
    assert "000006_reset_demo_data.up.sql:2:10: SM104 truncate: the demo tenant is re-seeded by the next migration" in output


def test_report_marks_the_span_and_says_what_to_do():
    output = run("--select", "SM101", str(FIXTURES / "app")).output
    assert "  2 | DROP TABLE sessions;\n    |            ^^^^^^^^\n" in output
    assert "help: Retire tables in steps" in output


def test_json_format_is_one_object_with_documented_fields():
    result = run("--format", "json", str(FIXTURES / "app"))
    data = json.loads(result.output)
    assert set(data) == {"version", "diagnostics", "suppressed", "summary"}
    first = data["diagnostics"][0]
    assert {"code", "name", "severity", "path", "line", "column", "end_line", "end_column", "message"} <= set(first)
    assert data["summary"]["diagnostics"] == len(data["diagnostics"])
    assert data["summary"]["suppressed"] == len(data["suppressed"]) == 1
    (waived,) = data["suppressed"]
    assert (waived["code"], waived["line"], waived["reason"]) == ("SM104", 2, "the demo tenant is re-seeded by the next migration")
    assert all(d["path"].startswith(str(FIXTURES / "app")) for d in data["diagnostics"])


def test_output_is_deterministic():
    first = run("--format", "json", str(FIXTURES)).output
    assert first == run("--format", "json", str(FIXTURES)).output
    diagnostics = json.loads(first)["diagnostics"]
    keys = [(d["path"], d["line"], d["column"], d["code"]) for d in diagnostics]
    assert keys == sorted(keys)


def test_no_colour_when_not_a_terminal_and_with_no_color():
    assert "\x1b[" not in run(str(FIXTURES / "app")).output
    forced = run(str(FIXTURES / "app"), env={"FORCE_COLOR": "1", "NO_COLOR": ""}).output
    assert re.search(r"\x1b\[[0-9;]*3[1-3]m", forced), "colour expected when forced"
    plain = run(str(FIXTURES / "app"), env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).output
    assert not re.search(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;)", plain)


def test_nested_config_picks_each_directory_dialect():
    data = json.loads(run("--format", "json", str(FIXTURES)).output)
    assert not [d for d in data["diagnostics"] if d["code"] == "SM001"]
    assert any(d["path"].startswith(str(FIXTURES / "mysql")) for d in data["diagnostics"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", "XX1"], "not a rule code"),
        (["--ignore", "SM999"], "not a rule code"),
        (["--dialect", "klingon"], "unknown dialect"),
        (["--fail-on", "sometimes"], "fail-on must be one of"),
        (["--severity", "SM101=fatal"], "must be error, warning or info"),
        (["--severity", "SM101"], "expected CODE="),
        (["--format", "xml"], "unknown format"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = run(*args, str(FIXTURES / "app"))
    assert result.exit_code == 2
    assert message in result.output


def test_config_file_errors_exit_2(tmp_path):
    directory = write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;"})
    (tmp_path / ".safemig-lint.toml").write_text('dialekt = "mysql"\n')
    result = run(str(directory))
    assert result.exit_code == 2 and "unknown setting(s) dialekt" in result.output
    (tmp_path / ".safemig-lint.toml").write_text("select = [")
    assert run(str(directory)).exit_code == 2


def test_pyproject_table_is_found_by_walking_up_and_flags_win(tmp_path):
    directory = write_migrations(tmp_path / "db" / "m", {"000001_a.up.sql": "DROP TABLE t;", "000001_a.down.sql": "SELECT 1;"})
    (tmp_path / "pyproject.toml").write_text('[tool.safemig-lint]\nignore = ["SM1"]\nidempotency = "strict"\n')
    assert run(str(directory)).exit_code == 1  # SM302 still fires
    assert "SM101" not in run(str(directory)).output
    assert "SM101" in run("--ignore", "SM3", str(directory)).output


def test_missing_path_exits_2():
    result = run("does/not/exist")
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_rules_lists_every_rule_and_rule_explains_one():
    listing = run("rules").output
    assert "SM101" in listing and "drop-table" in listing and "SM303" in listing
    explained = run("rule", "sm101")
    assert explained.exit_code == 0
    assert "drop-table" in explained.output and "Why it matters" in explained.output
    assert "DROP TABLE legacy_orders" in explained.output
    assert run("rule", "SM999").exit_code == 2


def test_version_and_help():
    assert re.match(r"safemig-lint \d+\.\d+\.\d+", run("--version").output)
    assert "check" in run("--help").output


def test_console_script_runs_as_a_module(tmp_path):
    directory = write_migrations(
        tmp_path / "m", {"000001_a.up.sql": "CREATE TABLE IF NOT EXISTS a (id int);", "000001_a.down.sql": "DROP TABLE IF EXISTS a;"}
    )
    completed = subprocess.run([sys.executable, "-m", "safemig_lint", str(directory)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert "No problems found in 2 files." in completed.stdout


def test_exclude_globs_skip_files(tmp_path):
    directory = write_migrations(
        tmp_path / "m",
        {"000001_a.up.sql": "DROP TABLE t;", "000001_a.down.sql": "SELECT 1;", "schema_dump.sql": "SELECT 1;"},
    )
    assert "SM002" in run(str(directory)).output
    result = run("--exclude", "schema_*.sql", "--exclude", "*/000001_a.*", str(directory))
    # Everything excluded: the folder named has nothing left to lint, which is a mistake to say.
    assert result.exit_code == 2 and "no migration files found" in result.stderr
    result = run("--exclude", "schema_*.sql", str(directory))
    assert "SM002" not in result.output and "SM101" in result.output

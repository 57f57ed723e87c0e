"""The rough edges a new user hits: each flag and message as the issue describes it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, codes, write_migrations
from typer.testing import CliRunner

from safemig_lint.checks import all_rules
from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.progress import TerminalProgress, terminal_progress
from safemig_lint.reporters import text
from safemig_lint.rule_pages import load_page

runner = CliRunner()
APP = str(FIXTURES / "app")


def run(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def reported_codes(output: str) -> set[str]:
    return set(re.findall(r": (SM\d{3}) \[", output))


def test_select_and_ignore_are_repeatable_and_keep_every_occurrence():
    both = run("--select", "SM1", "--select", "SM4", APP)
    assert reported_codes(both.output) == {"SM101", "SM106", "SM107", "SM401", "SM402", "SM403"}
    assert reported_codes(run("--select", "SM1,SM4", APP).output) == reported_codes(both.output)
    ignored = run("--ignore", "SM1", "--ignore", "SM4", APP)
    assert not {c for c in reported_codes(ignored.output) if c.startswith(("SM1", "SM4"))}
    assert "SM004" in reported_codes(ignored.output)


def test_a_missing_path_is_one_clear_error_and_no_report():
    result = run("no/such/dir")
    assert result.exit_code == 2
    assert result.stderr == "safemig-lint: error: no/such/dir: no such file or directory\n"
    assert result.stdout == ""


def test_a_subcommand_typo_gets_a_did_you_mean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("rulez")
    assert result.exit_code == 2
    assert "did you mean `safemig-lint rule` or `safemig-lint rules`?" in result.stderr
    (tmp_path / "rulez").mkdir()  # a folder of that name is a path to lint, not a typo
    assert "did you mean" not in run("rulez").stderr


def test_config_errors_name_the_line_and_the_closest_key(tmp_path):
    config = tmp_path / ".safemig-lint.toml"
    config.write_text('dialect = "postgres"\n\nignroe = ["SM301"]\n')
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;\n"})
    result = run(str(tmp_path / "m"))
    assert result.exit_code == 2
    assert f"{config}:3: unknown setting(s) ignroe (did you mean 'ignore'?)" in result.stderr


def test_a_string_where_a_list_is_expected_is_an_error(tmp_path):
    config = tmp_path / ".safemig-lint.toml"
    config.write_text('select = "SM1"\n')
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;\n"})
    result = run(str(tmp_path / "m"))
    assert result.exit_code == 2
    assert f'{config}:1: select must be a list of strings, e.g. select = ["SM1"]' in result.stderr


def test_the_file_count_includes_misnamed_files():
    result = lint([APP], Config())
    files = {d.path for d in result.diagnostics}
    assert any(p.endswith("000007_add_books_language_up.sql") for p in files)
    assert result.files_checked == len(list((FIXTURES / "app").glob("*.sql"))) == 16
    assert "in 16 files" in run(APP).stdout


def test_statistics_counts_findings_per_rule_and_marks_fixable_ones(tmp_path):
    result = run("--statistics", APP)
    assert result.exit_code == 1
    assert re.search(r"^1  SM101  \[error\]  drop-table$", result.stdout, re.M)
    assert "|" not in result.stdout  # no source excerpts
    # A copy outside git: the bundled fixtures are committed, so already applied, and --fix leaves them alone.
    shutil.copytree(FIXTURES / "rerun", tmp_path / "rerun")
    rerun = run("--statistics", str(tmp_path / "rerun")).stdout
    assert re.search(r"^2  SM301  \[warning\]  create-without-if-not-exists  \(fixable with --fix\)$", rerun, re.M)
    assert re.search(r"^1  SM303  \[warning\]  add-column-without-if-not-exists  \(fixable with --fix\)$", rerun, re.M)
    assert run("--statistics", "--format", "json", APP).exit_code == 2


def test_quiet_prints_the_findings_and_nothing_else():
    result = run("--quiet", APP)
    assert result.exit_code == 1 and "SM101" in result.stdout
    assert "Found " not in result.stdout and "Suppressed:" not in result.stdout
    assert run("-q", "--select", "SM9", str(FIXTURES / "sqlite")).stdout == ""


def test_color_always_never_and_auto():
    assert "\x1b[" in run("--color", "always", APP).stdout
    assert "\x1b[" not in run("--color", "never", APP).stdout
    assert "\x1b[" not in run(APP).stdout  # not a terminal
    assert run("--color", "sometimes", APP).exit_code == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_messages_wrap_to_the_terminal_width_with_their_indent(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    stream = _Terminal()
    text.report(lint([APP], Config(select=("SM402",))), stream, color="never")
    lines = stream.getvalue().splitlines()
    indented = [line for line in lines if line.startswith("  ")]  # messages, help and source; not the path:line header
    assert indented and max(len(line) for line in indented) <= 60
    help_start = next(i for i, line in enumerate(lines) if line.startswith("  help: "))
    assert lines[help_start + 1].startswith("  ") and lines[help_start + 1].strip()  # the next line keeps the indent
    piped = io.StringIO()
    text.report(lint([APP], Config(select=("SM402",))), piped)
    assert max(len(line) for line in piped.getvalue().splitlines()) > 60  # a pipe gets whole lines, for grep


def test_help_is_wrapped_to_the_terminal_width():
    result = run("check", "--help", env={"COLUMNS": "70", "TERM": "xterm"})
    assert result.exit_code == 0 and "--statistics" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 70


def test_progress_only_on_a_terminal_and_only_for_long_runs():
    assert terminal_progress(io.StringIO(), _Terminal()) is None
    assert terminal_progress(_Terminal(), io.StringIO()) is None
    stream = _Terminal()
    with terminal_progress(stream, _Terminal(), min_files=3) as progress:
        for done in range(0, 5):
            progress.update(done, 4)
    assert "linting" in stream.getvalue() and "4/4" in stream.getvalue()
    short = _Terminal()
    with TerminalProgress(short, min_files=100) as progress:
        progress.update(4, 4)
    assert short.getvalue() == ""


def test_no_progress_in_a_pipe_even_for_a_long_run(tmp_path):
    files = {f"{n:06d}_t{n}.up.sql": f"SELECT {n};\n" for n in range(1, 220)}
    files |= {f"{n:06d}_t{n}.down.sql": "SELECT 1;\n" for n in range(1, 220)}
    directory = write_migrations(tmp_path / "m", files)
    completed = subprocess.run([sys.executable, "-m", "safemig_lint", str(directory)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == "" and "linting" not in completed.stdout


def test_rules_json_lists_every_rule_with_its_fixability():
    result = run("rules", "--format", "json")
    rules = {entry["code"]: entry for entry in json.loads(result.stdout)}
    assert set(rules) == {rule.code for rule in all_rules()}
    assert rules["SM301"]["fixable"] is True and rules["SM101"]["fixable"] is False
    assert set(rules["SM101"]) == {"code", "name", "severity", "fixable", "summary", "url"}
    assert re.search(r"^SM302 +drop-without-if-exists +warning +yes ", run("rules", env={"COLUMNS": "200"}).stdout, re.M)


def test_fixable_rules_and_only_they_say_so_on_their_page():
    for rule in all_rules():
        assert ("Fix: available" in load_page(rule.code).markdown) == rule.fixable, rule.code


def test_shell_completion_completes_commands_and_options():
    script = str(Path(sys.executable).parent / "safemig-lint")  # the installed console script, as a shell runs it
    env = {**os.environ, "_SAFEMIG_LINT_COMPLETE": "complete_bash", "COMP_WORDS": "safemig-lint ru", "COMP_CWORD": "1"}
    completed = subprocess.run([script], env=env, capture_output=True, text=True)
    assert completed.stdout.split() == ["rule", "rules"], completed.stderr
    env |= {"COMP_WORDS": "safemig-lint check --sta", "COMP_CWORD": "2"}
    completed = subprocess.run([script], env=env, capture_output=True, text=True)
    assert completed.stdout.split() == ["--statistics"]
    shown = subprocess.run([script, "--show-completion", "bash"], capture_output=True, text=True)
    assert shown.returncode == 0 and "_SAFEMIG_LINT_COMPLETE=complete_bash $1" in shown.stdout
    assert "complete -o default -F _safemig_lint_completion safemig-lint" in shown.stdout


def test_an_excluded_down_file_is_not_a_missing_down(tmp_path):
    directory = write_migrations(
        tmp_path / "m",
        {
            "000001_a.up.sql": "CREATE TABLE IF NOT EXISTS a (id int);\n",
            "000001_a.down.sql": "DROP TABLE IF EXISTS a;\n",
            "000002_b.down.sql": "SELECT 1;\n",
            "000002_b.up.sql": "SELECT 1;\n",
        },
    )
    assert "SM004" not in codes(lint([str(directory)], Config(exclude=("*.down.sql",))))
    assert "SM006" not in codes(lint([str(directory)], Config(exclude=("000002_b.up.sql",))))
    (directory / "000001_a.down.sql").unlink()
    assert "SM004" in codes(lint([str(directory)], Config(exclude=("000002_*",))))


def test_a_wrong_entry_in_a_table_is_named_at_its_own_line(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.safemig-lint]\ndialect = "postgres"\n\n[tool.safemig-lint.severity]\nSM102 = "error"\nSM101 = "fatal"\n')
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;\n"})
    result = run(str(tmp_path / "m"))
    assert result.exit_code == 2
    assert f"{config}:6: severity 'fatal' must be error, warning or info" in result.stderr

"""Inputs that once crashed or hung the tool (issue 24): each is a clear result now."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import codes, write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app

runner = CliRunner()
DIALECTS = ("postgres", "mysql", "sqlite")


@pytest.mark.parametrize("statement", ["DELETE x;", "DELETE NULL;", "DELETE TRUE;", "DELETE SET x;"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_delete_without_a_table_is_no_internal_error(lint_sql, statement, dialect):
    result = lint_sql({"1_a.up.sql": statement, "1_a.down.sql": "SELECT 1;"}, dialect)
    assert "SM000" not in codes(result)
    assert "SM105" not in codes(result)  # nothing names a table whose rows would all go
    # The real one still is a finding.
    assert "SM105" in codes(lint_sql({"1_a.up.sql": "DELETE FROM t;", "1_a.down.sql": "SELECT 1;"}, dialect))


@pytest.mark.parametrize(
    "setting",
    [
        'postgres-version = "²"',
        'postgres-version = "1²"',
        'mysql-version = "²"',
        'mysql-version = "8.0.²"',
        'sqlite-version = "3.٣"',  # an Arabic-Indic digit: isdigit() too
        'mysql-version = "8.0.1234567"',
        "max-file-bytes = 100000000000000",
        "max-file-bytes = 9223372036854775807",
    ],
)
def test_configuration_values_that_crashed_are_configuration_errors(tmp_path, monkeypatch, setting):
    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    (tmp_path / ".safemig-lint.toml").write_text(setting + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = runner.invoke(app, ["check", "m"])
    assert outcome.exit_code == 2
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    assert "must be" in outcome.output


def test_a_large_size_limit_is_not_allocated(tmp_path, monkeypatch):
    import tracemalloc

    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    (tmp_path / ".safemig-lint.toml").write_text("max-file-bytes = 1073741824\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from safemig_lint.reading.source import read_limited

    tracemalloc.start()
    try:
        assert read_limited(tmp_path / "m" / "1_a.up.sql", 1 << 30) == b"SELECT 1;"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def _special(path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("name", ["safemig.sum", "safemig-baseline.json", ".safemig-lint.toml"])
def test_read_back_files_that_are_not_regular_never_block_nor_fill_memory(tmp_path, monkeypatch, kind, name):
    directory = write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    _special((tmp_path if name.endswith(".toml") else directory) / name, kind)
    monkeypatch.chdir(tmp_path)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(runner.invoke(app, ["check", "m", "--no-cache"])), daemon=True)
    worker.start()
    worker.join(20)
    assert outcome, f"check blocked on {name} as a {kind}"
    result = outcome[0]
    assert result.exit_code in (0, 1, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if name == "safemig.sum":  # reported as a sum file that cannot be read
        assert "SM604" in result.output and "not a regular file" in result.output


FORGED = "1:1: SM000 [error] forged"


def _raw_controls(text: str) -> list[str]:
    """Control bytes a terminal or a log would act on: ESC, BEL, CSI, a CR not in a CRLF."""
    return [c for c in ("\x1b", "\x07", "\x9b", "\u202e") if c in text] + (["lone CR"] if "\r" in text.replace("\r\n", "") else [])


@pytest.mark.parametrize(
    "name",
    [
        f"000001_x\n{FORGED}.up.sql",  # misnamed: reported under its name (SM002)
        f"000002_a\x1b[31m\r{FORGED}\x1b]0;t\x07.up.sql",  # a migration with ESC, OSC and CR in its title
    ],
)
def test_names_and_text_from_files_never_print_raw_controls_nor_forge_lines(tmp_path, monkeypatch, name):
    directory = write_migrations(tmp_path / "m", {"000001_x.down.sql": "SELECT 1;\n", "000002_a.down.sql": "SELECT 1;\n"})
    (directory / name).write_text('DROP TABLE t;\nCREATE TABLE "n\x1b[2J\x9b31m" (id int);\nCREATE TABLE u (id int);\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = [["check", "m", "--format", format, "--no-cache"] for format in ("text", "concise", "github", "markdown")]
    commands += [["check", "m", "--diff", "--no-cache"], ["schema", "m"], ["diff", "m", "--from", "0", "--to", "2"]]
    commands += [["lock", "m"], ["baseline", "m"], ["check", "m/nothing-here"]]
    for command in commands:
        outcome = runner.invoke(app, command)
        output = outcome.output
        assert not _raw_controls(output), (command, _raw_controls(output))
        assert not any(line.startswith(FORGED) or line.startswith("::error file=" + FORGED) for line in output.splitlines()), command
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit), (command, outcome.exception)


def test_a_configuration_key_cannot_forge_an_error_line(tmp_path, monkeypatch):
    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    (tmp_path / ".safemig-lint.toml").write_text(f'"x\\n{FORGED}\\u001b[31m" = 1\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = runner.invoke(app, ["check", "m"])
    assert outcome.exit_code == 2 and "unknown setting" in outcome.output
    assert not _raw_controls(outcome.output)
    assert not any(line.startswith(FORGED) for line in outcome.output.splitlines())

"""Every way of writing a secret, in up and down files, linted as each dialect: the secret is in
no output of any command or format (masking happens once, when a file is read)."""

from __future__ import annotations

import pytest
from conftest import write_migrations
from secret_forms import FORMS, SECRET, form
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import read_and_parse

runner = CliRunner()
DIALECTS = ("postgres", "mysql", "sqlite")
FORMATS = ("text", "json", "sarif", "github", "markdown")


def _outputs(directory, dialect: str, tmp_path) -> dict[str, tuple[int, str]]:
    outputs = {}
    for format in FORMATS:
        report = tmp_path / f"report.{format}"
        outcome = runner.invoke(
            app, ["check", str(directory), "-d", dialect, "--format", format, "--output-format", format, "--output", str(report)]
        )
        outputs[f"check --format {format}"] = (outcome.exit_code, outcome.output)
        outputs[f"check --output {format}"] = (outcome.exit_code, report.read_text(encoding="utf-8"))
    for format in ("sql", "json"):
        outcome = runner.invoke(app, ["schema", str(directory), "-d", dialect, "--format", format])
        outputs[f"schema --format {format}"] = (outcome.exit_code, outcome.output)
    for versions in (("1", "2"), ("2", "1")):
        outcome = runner.invoke(app, ["diff", str(directory), "-d", dialect, "--from", versions[0], "--to", versions[1]])
        outputs[f"diff {versions}"] = (outcome.exit_code, outcome.output)
    return outputs


@pytest.mark.parametrize("name", list(FORMS))
def test_no_output_shows_the_secret(tmp_path, name):
    sql = form(name)
    directory = write_migrations(tmp_path / "m", {"1_a.up.sql": sql, "1_a.down.sql": sql, "2_b.up.sql": "SELECT 1;", "2_b.down.sql": sql})
    for dialect in DIALECTS:
        for what, (exit_code, output) in _outputs(directory, dialect, tmp_path).items():
            assert SECRET not in output, f"{name} ({dialect}): {what} shows the secret"
            assert exit_code in (0, 1), f"{name} ({dialect}): {what} exited {exit_code}: {output[-500:]}"


# Forms that were printed without a finding before; each is a hardcoded credential to report.
MUST_BE_REPORTED = {
    "unterminated string": DIALECTS,
    "before an unterminated comment": DIALECTS,
    "replication source": ("mysql",),
    "replication master": ("mysql",),
    "curl -u in a program": ("postgres",),
    "statement in a block comment": DIALECTS,
    "do block variable": DIALECTS,
    "url as a table name": ("postgres",),
    "url as a column default": DIALECTS,
}


@pytest.mark.parametrize("name", list(MUST_BE_REPORTED))
def test_secret_forms_are_reported(lint_sql, name):
    for dialect in MUST_BE_REPORTED[name]:
        result = lint_sql({"1_a.up.sql": form(name), "1_a.down.sql": "SELECT 1;"}, dialect)
        assert "SM402" in {d.code for d in result.active}, f"{name} ({dialect})"


def test_a_secret_named_setting_is_masked_but_not_reported(lint_sql, tmp_path):
    result = lint_sql({"1_a.up.sql": form("secret-named setting"), "1_a.down.sql": "SELECT 1;"})
    assert "SM402" not in {d.code for d in result.active}
    parsed = read_and_parse(next(tmp_path.rglob("1_a.up.sql")), Config())
    assert SECRET not in parsed.text

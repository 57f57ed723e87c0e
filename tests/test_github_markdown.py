"""`--format github` (workflow-command annotations) and `--format markdown` (step summary / PR comment),
and the determinism of every format."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, REPO, write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.diagnostics import Diagnostic, Severity, Span
from safemig_lint.reporters import FORMATS, rule_url
from safemig_lint.reporters.github import annotation, escape_data, escape_property
from safemig_lint.reporters.markdown import escape_cell

runner = CliRunner()


def output_of(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def diagnostic(span: Span, severity: Severity = Severity.ERROR, message: str = "m", help: str = "") -> Diagnostic:
    return Diagnostic("SM101", "drop-table", severity, "db/000001_x.up.sql", span, message, help)


def test_escaping_follows_the_workflow_command_rules():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("db/a:b,c%\n") == "db/a%3Ab%2Cc%25%0A"


def test_annotation_for_a_one_line_span(in_repo):
    d = diagnostic(Span(2, 12, 2, 20), message="DROP TABLE sessions deletes it", help="Retire it in steps.")
    assert annotation(d) == (
        "::error file=db/000001_x.up.sql,line=2,col=12,endLine=2,endColumn=20,title=SM101 drop-table"
        "::DROP TABLE sessions deletes it%0ARetire it in steps."
    )


def test_annotation_columns_only_within_one_line(in_repo):
    assert annotation(diagnostic(Span(2, 5, 4, 3))).startswith("::error file=db/000001_x.up.sql,line=2,endLine=4,title=")
    # A finding about the whole file (an empty span) marks its first line.
    assert annotation(diagnostic(Span(1, 1, 1, 1))).startswith("::error file=db/000001_x.up.sql,line=1,endLine=1,title=")


def test_severities_map_to_error_warning_notice(in_repo):
    commands = [annotation(diagnostic(Span(1, 1, 1, 2), severity)).split(" ", 1)[0] for severity in Severity]
    assert commands == ["::error", "::warning", "::notice"]


def test_message_with_separators_stays_one_command(in_repo):
    line = annotation(diagnostic(Span(1, 1, 1, 2), message="a: b, c\nd %"))
    assert "\n" not in line
    assert line.endswith("::a: b, c%0Ad %25")


def test_github_format_on_fixtures(monkeypatch):
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, ["--format", "github", "fixtures/app", "missing-dir"])
    lines = result.stdout.splitlines()
    assert all(line.startswith("::") for line in lines)
    pattern = re.compile(
        r"^::(error|warning|notice) file=fixtures/app/[^,]+,line=\d+,(col=\d+,)?endLine=\d+,(endColumn=\d+,)?title=SM\d{3} [a-z-]+::.+$"
    )
    annotations = [line for line in lines if "file=" in line]
    assert annotations and all(pattern.match(line) for line in annotations)
    assert any("title=SM101 drop-table" in line and "000004_drop_legacy_sessions.up.sql,line=2,col=12" in line for line in annotations)
    assert not any("SM104" in line for line in annotations)  # suppressed in 000006
    assert "::error title=safemig-lint::missing-dir: no such file or directory" in lines


def test_info_findings_are_notices(in_repo):
    write_migrations(in_repo / "m", {"000001_x.up.sql": "CREATE TABLE {{ .Schema }}.t (id int);\n", "000001_x.down.sql": "SELECT 1;\n"})
    lines = output_of("--format", "github", "--select", "SM407", "m").splitlines()
    assert lines and all(line.startswith("::notice file=m/000001_x.up.sql,") and "title=SM407 templated-sql" in line for line in lines)


def test_markdown_summary_has_a_table_per_file_with_rule_links(monkeypatch):
    monkeypatch.chdir(REPO)
    text = output_of("--format", "markdown", "fixtures/app")
    assert text.startswith("## safemig-lint\n\n**")
    assert "1 suppressed." in text
    assert (
        "### `fixtures/app/000004_drop_legacy_sessions.up.sql`\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n"
        in text
    )
    assert f"| 2:12 | error | [SM101 drop-table]({rule_url('SM101')}) | DROP TABLE sessions" in text
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+:\d+ \|", line)]
    findings = text.split("\n### ", 1)[1].split("### Suppressed")[0]  # after the table per rule
    assert len(rows) == findings.count("](https://")
    for row in rows:  # every row has exactly four cells: no unescaped | inside a message
        assert len(re.findall(r"(?<!\\)\|", row)) == 5


def test_markdown_escapes_html_and_pipes_outside_code(in_repo):
    # The misnamed file's help quotes `<version>_<title>.up.sql` in a code span: kept as typed.
    write_migrations(in_repo / "m", {"init.sql": "SELECT 1;\n", "000001_a.up.sql": "SELECT 1;\n", "000001_a.down.sql": "SELECT 1;\n"})
    text = output_of("--format", "markdown", "m")
    assert "`<version>_<title>.up.sql`" in text
    assert escape_cell("a | b <script> `x < y | z` `open <b>") == "a \\| b &lt;script&gt; `x < y \\| z` `open &lt;b&gt;"


def test_markdown_when_clean(in_repo):
    write_migrations(in_repo / "m", {"000001_a.up.sql": "SELECT 1;\n", "000001_a.down.sql": "SELECT 1;\n"})
    assert output_of("--format", "markdown", "m") == "## safemig-lint\n\nNo problems found in 2 files.\n"


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_is_byte_identical_across_runs(name, monkeypatch):
    monkeypatch.chdir(REPO)
    first = runner.invoke(app, ["--format", name, "fixtures"])
    second = runner.invoke(app, ["--format", name, "fixtures"])
    assert first.exit_code == second.exit_code == 1
    assert first.stdout_bytes == second.stdout_bytes
    assert len(first.stdout_bytes) > 200
    assert str(FIXTURES.parent) not in first.stdout or name == "sarif"  # paths are relative to the repository

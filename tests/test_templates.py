"""Templated migrations: placeholders are recognised, reported once at info level (SM407), and the
rest of the file is linted as usual, whether the placeholder sits in code, a string or a body."""

from __future__ import annotations

from safemig_lint.diagnostics import Severity

DOWN = {"000001_templated.down.sql": "SELECT 1;"}


def by_code(result, code: str):
    return [d for d in result.active if d.code == code]


def test_a_multi_statement_file_reports_each_placeholder_once_and_lints_every_statement(lint_sql):
    up = (
        "CREATE TABLE IF NOT EXISTS {{ .Schema }}.events (id bigint PRIMARY KEY);\n"  # line 1
        "INSERT INTO {{ .Schema }}.settings (region) VALUES ('${REGION}');\n"
        "DROP TABLE legacy_events;\n"
        "GRANT ALL ON {{ .Schema }}.events TO PUBLIC;\n"
    )
    result = lint_sql({"000001_templated.up.sql": up, **DOWN})
    assert by_code(result, "SM001") == []
    templated = by_code(result, "SM407")
    # One finding per placeholder, at its first use; its other uses are related locations.
    assert [(d.span.line, d.span.column, d.span.end_column) for d in templated] == [(1, 28, 41), (2, 54, 63)]
    assert {d.severity for d in templated} == {Severity.INFO}
    assert "{{ .Schema }}" in templated[0].message and "used 2 more times" in templated[0].message
    assert [(r.span.line, r.span.column) for r in templated[0].related] == [(2, 13), (4, 14)]
    assert templated[1].related == ()
    # The statements around and with placeholders are still checked.
    assert [d.span.line for d in by_code(result, "SM101")] == [3]
    assert [d.span.line for d in by_code(result, "SM403")] == [4]


def test_one_placeholder_used_across_a_folder_is_one_finding_at_its_first_use(lint_sql):
    files = {
        "000001_a.up.sql": 'CREATE TABLE {{ index .Options "Namespace" }}.users (id int);\n',
        "000001_a.down.sql": 'DROP TABLE {{index .Options "Namespace"}}.users;\n',  # the same placeholder, spaced otherwise
        "000002_b.up.sql": 'CREATE TABLE {{ index .Options "Namespace" }}.roles (id int);\nCREATE TABLE {{ .Other }}.t (id int);\n',
        "000002_b.down.sql": 'DROP TABLE {{ index .Options "Namespace" }}.roles;\nDROP TABLE {{ .Other }}.t;\n',
    }
    templated = by_code(lint_sql(files), "SM407")
    assert [(d.path.rsplit("/", 1)[-1], d.span.line) for d in templated] == [("000001_a.up.sql", 1), ("000002_b.up.sql", 2)]
    assert [r.path.rsplit("/", 1)[-1] for r in templated[0].related] == ["000001_a.down.sql", "000002_b.up.sql", "000002_b.down.sql"]
    assert [r.path.rsplit("/", 1)[-1] for r in templated[1].related] == ["000002_b.down.sql"]


def test_a_placeholder_inside_a_string_literal(lint_sql):
    up = "UPDATE settings SET value = 'https://{{ .Host }}/hook' WHERE key = 'hook';\n"
    result = lint_sql({"000001_templated.up.sql": up, **DOWN})
    assert by_code(result, "SM001") == []
    ((placeholder,),) = [by_code(result, "SM407")]
    assert (placeholder.span.line, placeholder.span.column, placeholder.span.end_column) == (1, 38, 49)


def test_placeholders_inside_a_dollar_quoted_body(lint_sql):
    up = (
        "DO $$\n"
        "BEGIN\n"
        "  EXECUTE 'ANALYZE {{ .Schema }}.events';\n"  # a constant: no injection by the migration
        "  GRANT ALL ON events TO {{ .Role }};\n"  # code around a placeholder is still checked
        "END $$;\n"
    )
    result = lint_sql({"000001_templated.up.sql": up, **DOWN})
    assert by_code(result, "SM001") == []
    assert [(d.span.line, d.span.column) for d in by_code(result, "SM407")] == [(3, 20), (4, 26)]
    assert by_code(result, "SM401") == []
    assert [(d.span.line, d.span.column) for d in by_code(result, "SM403")] == [(4, 3)]


def test_a_placeholder_standing_for_a_password_is_not_a_hardcoded_secret(lint_sql):
    up = "CREATE ROLE app LOGIN PASSWORD '{{ .AppPassword }}';\nCREATE ROLE ops LOGIN PASSWORD '${OPS_PASSWORD}';\n"
    result = lint_sql({"000001_templated.up.sql": up, **DOWN})
    assert by_code(result, "SM402") == []
    assert len(by_code(result, "SM407")) == 2

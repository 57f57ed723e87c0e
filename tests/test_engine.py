"""The engine end to end: robustness on hard input, exit status, selection, severity, focus."""

from __future__ import annotations

from conftest import codes, write_migrations

from safemig_lint.checks import all_rules
from safemig_lint.checks.base import Rule
from safemig_lint.config import Config
from safemig_lint.diagnostics import Severity
from safemig_lint.engine import lint

PAIR_DOWN = {"000001_x.down.sql": "SELECT 1;"}


def by_code(result, code):
    return [d for d in result.active if d.code == code]


def test_binary_file_is_reported_and_the_run_goes_on(lint_sql):
    result = lint_sql({"000001_x.up.sql": b"\x00\x01\x02", **PAIR_DOWN, "000002_y.up.sql": "DROP TABLE t;"})
    assert by_code(result, "SM008")[0].path.endswith("000001_x.up.sql")
    assert "SM101" in codes(result)


def test_non_utf8_file_points_at_the_bad_byte(lint_sql):
    result = lint_sql({"000001_x.up.sql": "SELECT 1;\nSELECT 'caf\xe9';".encode("latin-1"), **PAIR_DOWN})
    (diagnostic,) = by_code(result, "SM008")
    assert (diagnostic.span.line, diagnostic.span.column) == (2, 12)


def test_empty_and_comment_only_files_are_normal_input(lint_sql):
    result = lint_sql({"000001_x.up.sql": "", "000001_x.down.sql": "-- nothing to undo\n\n"})
    assert codes(result) == []


def test_bom_and_crlf_keep_positions(lint_sql):
    result = lint_sql({"000001_x.up.sql": "\ufeff-- x\r\nDROP TABLE t;\r\n".encode("utf-8"), **PAIR_DOWN})
    (diagnostic,) = by_code(result, "SM101")
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (2, 12, 13)


def test_unparseable_statement_hides_nothing_else(lint_sql):
    result = lint_sql({"000001_x.up.sql": "CREATE TABLE (;\nDROP TABLE t;", **PAIR_DOWN})
    assert (by_code(result, "SM001")[0].span.line, by_code(result, "SM101")[0].span.line) == (1, 2)


def test_unterminated_dollar_body_is_reported_with_its_line(lint_sql):
    sql = "DROP TABLE t;\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN RETURN 1; END;\n"
    result = lint_sql({"000001_x.up.sql": sql, **PAIR_DOWN})
    (error,) = by_code(result, "SM001")
    assert error.span.line == 2 and "dollar-quoted" in error.message
    assert "SM101" in codes(result)


def test_go_template_is_not_a_parse_error(lint_sql):
    result = lint_sql({"000001_x.up.sql": "DROP TABLE {{ .Prefix }}_users;\nDROP TABLE t;", **PAIR_DOWN})
    assert "SM001" not in codes(result)
    assert codes(result).count("SM407") == 1 and codes(result).count("SM101") == 2


def test_one_megabyte_file_is_linted(lint_sql):
    statement = "INSERT INTO events (id, payload) VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');\n"
    big = statement * (1024 * 1024 // len(statement) + 1) + "DROP TABLE t;\n"
    assert len(big) > 1024 * 1024
    result = lint_sql({"000001_x.up.sql": big, **PAIR_DOWN})
    (drop,) = by_code(result, "SM101")
    assert drop.span.line == big.count("\n")


def test_file_over_the_size_limit_is_reported(lint_sql):
    result = lint_sql({"000001_x.up.sql": "SELECT 1;" * 10, **PAIR_DOWN}, max_file_bytes=20)
    assert "over the 20-byte limit" in by_code(result, "SM008")[0].message


def test_a_crashing_rule_is_an_internal_error_and_the_run_goes_on(lint_sql, monkeypatch):
    class Broken(Rule):
        code, name, severity, summary = "SM101", "drop-table", Severity.ERROR, "broken"

        def check_statement(self, statement, context):
            raise RuntimeError("boom")

    rules = tuple(Broken if rule.code == "SM101" else rule for rule in all_rules())
    monkeypatch.setattr("safemig_lint.checks.rules_for", lambda dialect: rules)
    result = lint_sql({"000001_x.up.sql": "DROP TABLE t;\nTRUNCATE u;", **PAIR_DOWN})
    internal = by_code(result, "SM000")
    assert [d.path.rsplit("/", 1)[1] for d in internal] == ["000001_x.down.sql", "000001_x.up.sql"]
    assert all("RuntimeError: boom" in d.message for d in internal)
    assert "SM104" in codes(result)
    assert result.exit_code("warning") == 2


def test_exit_status_follows_fail_on(lint_sql):
    result = lint_sql({"000001_x.up.sql": "UPDATE t SET a = 1;", **PAIR_DOWN})
    assert [d.severity for d in result.active] == [Severity.WARNING]
    assert (result.exit_code("error"), result.exit_code("warning"), result.exit_code("never")) == (0, 1, 0)


def test_clean_directory_exits_zero(lint_sql):
    result = lint_sql({"000001_x.up.sql": "CREATE TABLE IF NOT EXISTS t (id int);", "000001_x.down.sql": "DROP TABLE IF EXISTS t;"})
    assert result.active == [] and result.exit_code("info") == 0


def test_select_ignore_and_severity_override(lint_sql):
    files = {"000001_x.up.sql": "DROP TABLE t;\nTRUNCATE u;"}
    assert set(codes(lint_sql(files, select=("SM10",), ignore=("SM104",)))) == {"SM101"}
    # The more specific prefix wins: SM104 stays on although SM1 is ignored.
    assert set(codes(lint_sql(files, select=("SM104",), ignore=("SM1",)))) == {"SM104"}
    result = lint_sql(files, select=("SM101",), severity={"SM1": Severity.INFO})
    assert [d.severity for d in result.active] == [Severity.INFO]


def test_naming_a_file_reports_only_that_file_with_its_directory_as_context(tmp_path):
    directory = write_migrations(
        tmp_path / "m",
        {
            "000001_a.up.sql": "CREATE TABLE IF NOT EXISTS a (id int);",
            "000001_a.down.sql": "DROP TABLE IF EXISTS a;",
            "000002_b.up.sql": "DROP TABLE legacy;",
            "000002_b.down.sql": "SELECT 1;",
        },
    )
    result = lint([str(directory / "000001_a.down.sql")], Config())
    assert result.active == []  # the drop undoes its own up file, which was read for context
    result = lint([str(directory / "000002_b.up.sql")], Config())
    assert {d.path for d in result.active} == {f"{directory}/000002_b.up.sql"}


def test_paths_are_reported_as_given_and_output_is_sorted(tmp_path, monkeypatch):
    write_migrations(tmp_path / "db" / "migrations", {"000002_b.up.sql": "TRUNCATE b;", "000001_a.up.sql": "DROP TABLE a;"})
    monkeypatch.chdir(tmp_path)
    result = lint(["db/migrations/"], Config(select=("SM1",)))
    assert [(d.path, d.code) for d in result.active] == [
        ("db/migrations/000001_a.up.sql", "SM101"),
        ("db/migrations/000002_b.up.sql", "SM104"),
    ]


def test_missing_path_is_a_usage_error(tmp_path):
    result = lint([str(tmp_path / "nope")], Config())
    assert result.missing_paths and result.exit_code("warning") == 2


def test_each_directory_is_its_own_migration_set(tmp_path):
    write_migrations(tmp_path / "pg", {"000001_a.up.sql": "SELECT 1;", "000001_a.down.sql": "SELECT 1;"})
    write_migrations(tmp_path / "my", {"000001_a.up.sql": "SELECT 1;", "000001_a.down.sql": "SELECT 1;"})
    assert "SM003" not in codes(lint([str(tmp_path)], Config()))


def test_duplicate_versions_pair_up_and_down_by_title(lint_sql):
    result = lint_sql(
        {
            "000001_a.up.sql": "CREATE TABLE IF NOT EXISTS a (id int);",
            "000001_a.down.sql": "DROP TABLE IF EXISTS a;",
            "000001_b.up.sql": "CREATE TABLE IF NOT EXISTS b (id int);",
            "000001_b.down.sql": "DROP TABLE IF EXISTS b;",
        }
    )
    assert sorted(codes(result)) == ["SM003", "SM003"]  # and no SM101: each down undoes its own up


def test_template_conditionals_are_not_parse_errors_and_names_read_as_written(lint_sql):
    sql = (
        "CREATE TABLE IF NOT EXISTS {{.prefix}}blocks (\n  id VARCHAR(36),\n"
        "  {{if .mysql}} fields JSON {{end}}\n  {{if .postgres}} fields JSONB {{end}}\n);\n"
        "DROP TABLE {{.prefix}}old;\n"
    )
    result = lint_sql({"000001_x.up.sql": sql, **PAIR_DOWN})
    assert "SM001" not in codes(result)
    assert any("assembled by template conditionals" in d.message for d in by_code(result, "SM407"))
    (drop,) = by_code(result, "SM101")
    assert drop.message.startswith("DROP TABLE {{.prefix}}old ")


def test_statements_inside_template_conditionals_or_rendered_by_a_function_are_not_parse_errors(lint_sql):
    sql = (
        "{{if .mysql}}\n"
        "  SET @collation = (SELECT table_collation FROM information_schema.tables WHERE table_schema = (SELECT DATABASE()));\n"
        "  ALTER TABLE t MODIFY name VARCHAR(10) COLLATE @collation CHARACTER SET @charset;\n"
        "{{end}}\n"
        '{{ addColumnIfNeeded "sharing" "workspace_id" "varchar(36)" }}\n'
        "UPDATE t SET a = 1 WHERE a IS NULL;\n"
        "CREATE TABLE (;\n"
    )
    result = lint_sql({"000001_x.up.sql": sql, **PAIR_DOWN})
    assert [d.span.line for d in by_code(result, "SM001")] == [7]  # only the plainly broken statement
    assert 5 in {d.span.line for d in by_code(result, "SM407")}


def test_a_named_sql_file_outside_any_migrations_folder_is_not_a_misnamed_migration(tmp_path):
    # pre-commit passes every staged .sql file; a seed script beside no migrations is not one.
    seeds = write_migrations(tmp_path / "seeds", {"seed.sql": "INSERT INTO t VALUES (1);"})
    assert lint([str(seeds / "seed.sql")], Config()).active == []
    migrations = write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;", "000002_b_up.sql": "SELECT 1;"})
    assert codes(lint([str(migrations / "000002_b_up.sql")], Config())) == ["SM002"]


def test_whether_findings_quote_a_secret_is_whether_a_text_holds_it_as_a_word():
    """quotes_a_secret searches the texts for each of a few words before splitting any: the answer is
    still whether some snippet, message or help holds a secret word whole (split on whitespace)."""
    from safemig_lint.diagnostics import Diagnostic, Span
    from safemig_lint.engine import _SEARCHED_WORDS, quotes_a_secret

    def found(snippet, message="m", help_=""):
        return {"1_a.up.sql": [Diagnostic("SM402", "c", Severity.ERROR, "p", Span(1, 1, 1, 2), message, help_, snippet)]}

    many = {f"word{n:04}" for n in range(_SEARCHED_WORDS + 1)}  # more than are searched: only split
    for words in ({"hunter2x"}, many | {"hunter2x"}):
        for text, quoted in (
            ("SET password = hunter2x", True),
            ("hunter2x", True),
            ("SET\tpassword=\nhunter2x\n", True),
            ("SET password = 'hunter2x';", False),  # in the text, not as a word of it
            ("SET password = hunter2x;", False),
            ("SET password = xhunter2x", False),
            ("SET password = ***;", False),
            ("", False),
        ):
            for diagnostics in (found(text), found("x", text), found("x", "m", text)):
                assert quotes_a_secret(diagnostics, words) is quoted, (text, len(words))
        assert quotes_a_secret(found("hunter", "2x"), words) is False  # not across two texts
    assert quotes_a_secret(found("SET password = hunter2x;"), set()) is False

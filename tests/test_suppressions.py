"""Inline suppressions: what `-- safemig-lint: ignore ...` covers, and the problems with the comments themselves."""

from __future__ import annotations

from safemig_lint.diagnostics import Span

DOWN = {"000001_change.down.sql": "SELECT 1;"}


def lint_up(lint_sql, up: str, dialect: str = "postgres", **settings):
    return lint_sql({"000001_change.up.sql": up, **DOWN}, dialect=dialect, **settings)


def active(result) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in result.active]


def suppressed(result) -> list[tuple[str, int, int, str]]:
    """(code, line of the finding, line of the comment, reason) of the silenced diagnostics."""
    return [(d.code, d.span.line, d.suppression.line, d.suppression.reason) for d in result.diagnostics if d.suppression]


def test_ignore_on_the_line_before_a_statement(lint_sql):
    up = "-- safemig-lint: ignore SM101 backed up to s3://backups/carts\nDROP TABLE carts;\nDROP TABLE wishlists;"
    result = lint_up(lint_sql, up, select=("SM101",))
    assert suppressed(result) == [("SM101", 2, 1, "backed up to s3://backups/carts")]
    assert active(result) == [("SM101", 3)]  # only the next statement is covered


def test_ignore_at_the_end_of_a_statement(lint_sql):
    up = "DROP TABLE carts; -- safemig-lint: ignore SM101 moved to the orders service\nDROP TABLE wishlists;"
    result = lint_up(lint_sql, up, select=("SM101",))
    assert suppressed(result) == [("SM101", 1, 1, "moved to the orders service")]
    assert active(result) == [("SM101", 2)]


def test_ignore_inside_a_multi_line_statement_covers_all_of_it(lint_sql):
    up = "ALTER TABLE users\n    DROP COLUMN a, -- safemig-lint: ignore SM102 unused since v3\n    DROP COLUMN b;"
    result = lint_up(lint_sql, up, select=("SM102",))
    assert [(code, line) for code, line, _, _ in suppressed(result)] == [("SM102", 2), ("SM102", 3)]
    assert active(result) == []


def test_ignore_before_a_multi_line_statement_covers_its_later_lines(lint_sql):
    up = "-- safemig-lint: ignore SM106 every row gets the new default\nUPDATE users\nSET\n  plan = 'free';"
    result = lint_up(lint_sql, up, select=("SM106",))
    assert suppressed(result) == [("SM106", 2, 1, "every row gets the new default")]


def test_several_codes_with_commas_and_any_case(lint_sql):
    up = "-- safemig-lint: ignore sm101, SM302 nightly scratch copy\nDROP TABLE report_copy;"
    result = lint_up(lint_sql, up, select=("SM101", "SM302"), idempotency="strict")
    assert sorted(code for code, *_ in suppressed(result)) == ["SM101", "SM302"]
    assert active(result) == []


def test_block_and_hash_comments_can_suppress(lint_sql):
    block = lint_up(lint_sql, "/* safemig-lint: ignore SM104 demo data */ TRUNCATE demo_rows;", select=("SM104",))
    assert suppressed(block) == [("SM104", 1, 1, "demo data")]
    hashed = lint_up(lint_sql, "# safemig-lint: ignore SM104 demo data\nTRUNCATE demo_rows;", "mysql", select=("SM104",))
    assert suppressed(hashed) == [("SM104", 2, 1, "demo data")]


def test_ignore_file_with_a_prefix_covers_every_rule_it_starts(lint_sql):
    up = (
        "-- safemig-lint: ignore-file SM3 rebuilt from scratch on every deploy\n"
        "CREATE TABLE a (id int);\n"
        "DROP TABLE b;\n"
        "ALTER TABLE a ADD COLUMN c int;"
    )
    result = lint_up(lint_sql, up, select=("SM1", "SM3"), idempotency="strict")
    assert sorted((code, line) for code, line, _, _ in suppressed(result)) == [("SM301", 2), ("SM302", 3), ("SM303", 4)]
    assert {reason for *_, reason in suppressed(result)} == {"rebuilt from scratch on every deploy"}
    assert active(result) == [("SM101", 3)]  # the prefix SM3 does not reach SM101


def test_ignore_file_silences_findings_about_the_file_itself(lint_sql):
    up = "-- safemig-lint: ignore-file SM004 one-way data fix; restore from backup to undo\nUPDATE accounts SET plan = 'free' WHERE plan IS NULL;"
    result = lint_sql({"000002_fix.up.sql": up})
    assert suppressed(result) == [("SM004", 1, 1, "one-way data fix; restore from backup to undo")]
    assert active(result) == []


def test_a_comment_on_the_previous_statement_does_not_reach_the_next(lint_sql):
    up = "SELECT 1; -- safemig-lint: ignore SM101 meant for the drop below\nDROP TABLE carts;"
    result = lint_up(lint_sql, up, select=("SM101", "SM010"))
    assert active(result) == [("SM010", 1), ("SM101", 2)]


def test_a_suppression_in_a_string_literal_is_text(lint_sql):
    up = "INSERT INTO notes VALUES ('-- safemig-lint: ignore SM101 not a comment');\nDROP TABLE carts;"
    result = lint_up(lint_sql, up)
    assert suppressed(result) == []
    assert ("SM101", 2) in active(result)
    assert not {"SM009", "SM010"} & {code for code, _ in active(result)}


def test_an_unknown_code_is_reported_where_the_comment_is(lint_sql):
    up = "SELECT 1;\n  -- safemig-lint: ignore SM999 typo\nDROP TABLE carts;"
    result = lint_up(lint_sql, up, select=("SM0", "SM101"))
    [invalid] = [d for d in result.active if d.code == "SM009"]
    assert invalid.span == Span(2, 3, 2, 37)
    assert "unknown rule code SM999" in invalid.message
    assert ("SM101", 3) in active(result)  # nothing was silenced


def test_a_suppression_without_a_code_is_invalid(lint_sql):
    for comment in ("-- safemig-lint: ignore", "-- safemig-lint: ignore drop-tabel, the table is unused"):
        result = lint_up(lint_sql, f"{comment}\nDROP TABLE carts;", select=("SM0", "SM101"))
        assert active(result) == [("SM009", 1), ("SM101", 2)]
        assert "names no rule code" in result.active[0].message


def test_a_suppression_may_name_rules_by_name_as_well_as_by_code(lint_sql):
    """`-- safemig-lint: ignore drop-table, SM302 reason`: names as `safemig-lint rules` lists them."""
    comment = "-- safemig-lint: ignore drop-table, SM302 the table is unused"
    result = lint_up(lint_sql, f"{comment}\nDROP TABLE carts;", select=("SM0", "SM101", "SM302"), idempotency="strict")
    assert active(result) == []
    assert sorted(d.code for d in result.diagnostics) == ["SM101", "SM302"]
    assert {d.suppression.reason for d in result.diagnostics} == {"the table is unused"}


def test_an_unused_suppression_is_reported(lint_sql):
    up = "-- safemig-lint: ignore SM105 clears the demo tenant\nDELETE FROM accounts WHERE tenant = 'demo';"
    result = lint_up(lint_sql, up)
    [unused] = result.active
    assert (unused.code, unused.span) == ("SM010", Span(1, 1, 1, 53))
    assert "SM105 silenced nothing" in unused.message


def test_only_the_unused_code_of_a_suppression_is_reported(lint_sql):
    up = "-- safemig-lint: ignore SM101, SM105 retiring carts\nDROP TABLE carts;"
    result = lint_up(lint_sql, up, select=("SM0", "SM101", "SM105"))
    assert [(d.code, d.message) for d in result.active] == [("SM010", "suppression of SM105 silenced nothing here; remove it")]


def test_a_suppression_of_a_rule_that_is_not_running_is_not_unused(lint_sql):
    up = "-- safemig-lint: ignore SM101 retiring carts\nDROP TABLE carts;"
    assert lint_up(lint_sql, up, select=("SM0",)).active == []
    assert "SM010" not in {code for code, _ in active(lint_up(lint_sql, up, ignore=("SM101",)))}


def test_problems_with_suppressions_follow_the_selection(lint_sql):
    up = "-- safemig-lint: ignore SM999\n-- safemig-lint: ignore SM105\nSELECT 1;"
    assert active(lint_up(lint_sql, up)) == [("SM009", 1), ("SM010", 2)]
    assert active(lint_up(lint_sql, up, ignore=("SM009", "SM010"))) == []

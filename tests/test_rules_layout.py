"""Directory-level rules: names golang-migrate skips, duplicate or huge versions, broken up/down pairs (SM002-SM007)."""

from __future__ import annotations

import pytest
from conftest import codes, write_migrations

from safemig_lint.config import Config
from safemig_lint.diagnostics import Severity, Span
from safemig_lint.engine import lint

FILE_START = Span(1, 1, 1, 1)
PAIR = {"000001_create_users.up.sql": "CREATE TABLE users (id int);", "000001_create_users.down.sql": "DROP TABLE users;"}


def found(result, code: str) -> list:
    return [d for d in result.active if d.code == code]


def names(result, code: str) -> list[str]:
    return sorted(d.path.rsplit("/", 1)[-1] for d in found(result, code))


# --- SM002 misnamed-migration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason", "suggestion"),
    [
        ("000002_add_email_up.sql", "joined with '_' or '-' instead of '.up.'", "000002_add_email.up.sql"),
        ("2-add_email-down.sql", "joined with '_' or '-' instead of '.down.'", "2_add_email.down.sql"),
        ("2_add_email.UP.sql", "must be lower-case", "2_add_email.up.sql"),
        ("2-add_email.up.sql", "followed by '-' instead of '_'", "2_add_email.up.sql"),
        ("V2__add_email.sql", "Flyway", "2_add_email.up.sql"),
        ("V2__add_email.up.sql", "Flyway", "2_add_email.up.sql"),
        ("U2__add_email.sql", "Flyway", "2_add_email.down.sql"),
        ("V0002.AddEmail.up.sql", "letter prefix", "0002_AddEmail.up.sql"),
        ("add_email.up.sql", "does not start with a version number", ""),
        ("2.up.sql", "not followed by '_'", ""),
        ("2_add_email.sql", "no '.up.' or '.down.' direction", ""),
    ],
)
def test_names_golang_migrate_skips_are_reported_with_a_fix(lint_sql, name, reason, suggestion):
    result = lint_sql({**PAIR, name: "ALTER TABLE users ADD COLUMN email text;"})
    [diagnostic] = found(result, "SM002")
    assert diagnostic.path.endswith("/" + name)
    assert diagnostic.span == FILE_START
    assert reason in diagnostic.message and "never runs" in diagnostic.message
    if suggestion:
        assert f"Rename it to `{suggestion}`" in diagnostic.help


@pytest.mark.parametrize("name", ["000002_add_email.up.postgres.sql", "000002_add_email.up.SQL", "2_.up.sql"])
def test_names_that_golang_migrate_accepts_are_migrations(lint_sql, name):
    # Anything may follow `.up.`: golang-migrate's pattern is ^([0-9]+)_(.*)\.(up|down)\.(.*)$
    result = lint_sql({**PAIR, name: "ALTER TABLE users ADD COLUMN email text;"})
    assert "SM002" not in codes(result)
    assert names(result, "SM004") == [name]  # it is a migration: one without a down file


def test_a_folder_without_migrations_found_while_searching_is_not_checked(tmp_path):
    root = write_migrations(tmp_path / "db", PAIR)
    write_migrations(root / "seeds", {"seed.sql": "INSERT INTO users VALUES (1);"})
    result = lint([str(root)], Config())
    assert "SM002" not in codes(result)


def test_a_folder_named_on_the_command_line_is_checked_even_without_migrations(tmp_path):
    seeds = write_migrations(tmp_path / "seeds", {"seed.sql": "INSERT INTO users VALUES (1);"})
    result = lint([str(seeds)], Config())
    assert names(result, "SM002") == ["seed.sql"]


# --- SM003 duplicate-version -------------------------------------------------------------


def test_versions_compare_as_numbers(lint_sql):
    result = lint_sql(
        {
            "001_create_users.up.sql": "CREATE TABLE users (id int);",
            "001_create_users.down.sql": "DROP TABLE users;",
            "1_create_books.up.sql": "CREATE TABLE books (id int);",
            "1_create_books.down.sql": "DROP TABLE books;",
        }
    )
    # "001_..." sorts first, so golang-migrate names the "1_..." files as the duplicates.
    assert names(result, "SM003") == ["1_create_books.down.sql", "1_create_books.up.sql"]
    up = next(d for d in found(result, "SM003") if d.path.endswith("up.sql"))
    assert up.span == FILE_START
    assert "already has up file 001_create_users.up.sql" in up.message
    assert "'duplicate migration file: 1_create_books.up.sql'" in up.message


def test_three_ups_for_one_version_report_the_two_extra_files(lint_sql):
    result = lint_sql({"5_a.up.sql": "SELECT 1;", "5_b.up.sql": "SELECT 1;", "5_c.up.sql": "SELECT 1;", "5_a.down.sql": ""})
    assert names(result, "SM003") == ["5_b.up.sql", "5_c.up.sql"]


def test_an_up_and_a_down_of_one_version_and_close_versions_are_not_duplicates(lint_sql):
    result = lint_sql({**PAIR, "10_x.up.sql": "SELECT 1;", "10_x.down.sql": "", "100_y.up.sql": "SELECT 1;", "100_y.down.sql": ""})
    assert "SM003" not in codes(result)


# --- SM004 missing-down / SM006 orphan-down ----------------------------------------------------


def test_an_up_without_a_down_is_reported_on_the_up_file(lint_sql):
    result = lint_sql({**PAIR, "000002_add_email.up.sql": "ALTER TABLE users ADD COLUMN email text;"})
    [diagnostic] = found(result, "SM004")
    assert diagnostic.path.endswith("000002_add_email.up.sql") and diagnostic.span == FILE_START
    assert "Add 000002_add_email.down.sql" in diagnostic.help


def test_a_folder_without_any_down_file_is_one_info_finding(tmp_path):
    # The project does not roll back with golang-migrate: one decision, one finding, on the first up file.
    files = {f"00000{n}_step.up.sql": f"CREATE TABLE t{n} (id int);" for n in range(1, 5)}
    directory = write_migrations(tmp_path / "m", files)
    [diagnostic] = found(lint([str(directory)], Config()), "SM004")
    assert diagnostic.path.endswith("000001_step.up.sql") and diagnostic.severity == Severity.INFO
    assert "none of the folder's 4 versions has a down file" in diagnostic.message
    # Pre-commit on the newest file: the same finding, on that file.
    [diagnostic] = found(lint([str(directory / "000004_step.up.sql")], Config()), "SM004")
    assert diagnostic.path.endswith("000004_step.up.sql") and diagnostic.severity == Severity.INFO


def test_a_folder_where_hardly_any_version_has_a_down_file_is_one_info_finding(tmp_path):
    # One early down file among many versions: the habit was given up.
    files = {f"{n:06}_step.up.sql": f"CREATE TABLE t{n} (id int);" for n in range(1, 13)} | {"000001_step.down.sql": "DROP TABLE t1;"}
    [diagnostic] = found(lint([str(write_migrations(tmp_path / "m", files))], Config()), "SM004")
    assert diagnostic.severity == Severity.INFO and "only 1 of the folder's 12 versions have a down file" in diagnostic.message


def test_a_folder_with_down_files_reports_each_up_without_one(tmp_path):
    files = {f"00000{n}_step.up.sql": f"CREATE TABLE t{n} (id int);" for n in range(1, 4)}
    result = lint([str(write_migrations(tmp_path / "a", {**files, "000001_step.down.sql": "DROP TABLE t1;"}))], Config())
    assert names(result, "SM004") == ["000002_step.up.sql", "000003_step.up.sql"]
    assert {d.severity for d in found(result, "SM004")} == {Severity.WARNING}
    # One up file alone says nothing of a habit yet: a warning.
    result = lint([str(write_migrations(tmp_path / "b", {"000001_step.up.sql": "CREATE TABLE t (id int);"}))], Config())
    [diagnostic] = found(result, "SM004")
    assert diagnostic.severity == Severity.WARNING


def test_a_down_without_an_up_is_reported_on_the_down_file(lint_sql):
    result = lint_sql({**PAIR, "000002_add_email.down.sql": "ALTER TABLE users DROP COLUMN email;"})
    assert names(result, "SM006") == ["000002_add_email.down.sql"]
    assert "SM004" not in codes(result)


def test_complete_pairs_are_not_reported(lint_sql):
    result = lint_sql({**PAIR, "2_x.up.sql": "SELECT 1;", "2_x.down.sql": "SELECT 1;"})
    assert not {"SM004", "SM006"} & set(codes(result))


# --- SM005 empty-down ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "down",
    ["", "\n\n", "-- nothing to undo\n", "/* kept\n   empty */\r\n", "\ufeff-- bom and a comment\r\n", "   \t\r\n"],
    ids=["empty", "blank-lines", "line-comment", "block-comment-crlf", "bom-comment", "whitespace"],
)
def test_a_down_with_no_statements_is_empty(lint_sql, down):
    result = lint_sql({"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": down})
    [diagnostic] = found(result, "SM005")
    assert diagnostic.path.endswith("1_a.down.sql") and diagnostic.span == FILE_START
    assert not {"SM001", "SM008"} & set(codes(result))


@pytest.mark.parametrize(
    "up",
    ["ALTER TABLE users ADD COLUMN email text;", "DROP INDEX users_email_idx;", "CREATE INDEX IF NOT EXISTS i ON users (id);"],
)
def test_any_schema_change_needs_a_down(lint_sql, up):
    assert "SM005" in codes(lint_sql({"1_a.up.sql": up, "1_a.down.sql": "-- todo"}))


@pytest.mark.parametrize(
    ("up", "down"),
    [
        ("INSERT INTO plans VALUES ('free');", ""),  # data only: nothing to undo in the schema
        ("UPDATE plans SET name = 'Free' WHERE code = 'free';", "-- nothing"),
        ("CREATE TABLE a (id int);", "DROP TABLE a;"),
    ],
)
def test_a_down_is_not_empty_when_it_has_statements_or_nothing_to_undo(lint_sql, up, down):
    assert "SM005" not in codes(lint_sql({"1_a.up.sql": up, "1_a.down.sql": down}))


def test_an_unreadable_down_is_not_called_empty(lint_sql):
    result = lint_sql({"1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": b"DROP TABLE a;\x00"})
    assert "SM008" in codes(result) and "SM005" not in codes(result)


# --- SM007 version-out-of-range ------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (str(2**63 - 1), None),  # the largest version golang-migrate can apply and record
        (str(2**63), "loads it, but the version turns negative"),
        (str(2**64 - 1), "loads it, but the version turns negative"),
        (str(2**64), "cannot parse it and silently skips the file"),
        ("20240131120000123456789", "cannot parse it and silently skips the file"),  # nanosecond timestamp
        ("20240131120000", None),
        ("0000000000000000000000001", None),  # leading zeros do not make a number large
    ],
)
def test_versions_beyond_a_signed_64_bit_integer(lint_sql, version, expected):
    result = lint_sql({f"{version}_x.up.sql": "SELECT 1;", f"{version}_x.down.sql": "SELECT 1;"})
    reported = found(result, "SM007")
    if expected is None:
        assert reported == []
    else:
        # One finding for the folder, on its first file; the down file is a related location.
        [diagnostic] = reported
        assert expected in diagnostic.message and diagnostic.span == FILE_START and diagnostic.path.endswith(".up.sql")
        assert f"version {version} ({len(version)} digits)" in diagnostic.message
        assert [r.path.rsplit("/", 1)[-1] for r in diagnostic.related] == [f"{version}_x.down.sql"]


def test_a_folder_of_out_of_range_versions_is_one_finding_naming_them_all(tmp_path):
    files = {f"2024013112000000000{n}_x.{d}.sql": "SELECT 1;" for n in range(3) for d in ("up", "down")}
    files[f"{2**63}_y.up.sql"] = "SELECT 1;"
    directory = write_migrations(tmp_path / "m", {**PAIR, **files})
    [diagnostic] = found(lint([str(directory)], Config()), "SM007")
    assert diagnostic.path.endswith(f"{2**63}_y.up.sql")  # the lowest version comes first
    assert "7 files of this folder have versions out of range: 6 too large to parse, so skipped, 1 turning negative" in diagnostic.message
    assert len(diagnostic.related) == 6
    # Linting one file of the folder (pre-commit) reports the finding on that file.
    [diagnostic] = found(lint([str(directory / "20240131120000000002_x.down.sql")], Config()), "SM007")
    assert diagnostic.path.endswith("20240131120000000002_x.down.sql")


# --- CRLF, BOM and comment-only files are ordinary input -------------------------------------------


def test_crlf_and_bom_keep_positions_exact(lint_sql):
    up = "\ufeff-- remove sessions\r\nDROP TABLE sessions;\r\n\r\nDROP TABLE\r\n  tokens;\r\n"
    result = lint_sql({"1_a.up.sql": up, "1_a.down.sql": "-- cannot be undone"}, select=("SM101",))
    assert [(d.code, d.span) for d in result.active] == [
        ("SM101", Span(2, 12, 2, 20)),
        ("SM101", Span(5, 3, 5, 9)),
    ]


def test_comment_only_files_are_not_errors(lint_sql):
    files = {"1_a.up.sql": "-- placeholder\n/* reserved for a later change */\n", "1_a.down.sql": "-- nothing\r\n"}
    assert lint_sql(files).active == []
    assert lint_sql({"1_a.up.sql": "# reserved\n", "1_a.down.sql": "-- none\n"}, dialect="mysql").active == []


def test_a_hash_line_is_not_a_comment_in_postgres(lint_sql):
    result = lint_sql({"1_a.up.sql": "# reserved\n", "1_a.down.sql": ""})
    assert [(d.code, d.span.line) for d in result.active] == [("SM001", 1)]

"""SM014: a folder written for another database than the one configured is one finding, not pages of SM001;
dialect names users type are understood, and an unknown one gets the closest as a suggestion."""

from __future__ import annotations

import pytest
from conftest import write_migrations

from safemig_lint.config import Config, ConfigError, validate_dialect
from safemig_lint.engine import lint

MYSQL_UP = (
    "CREATE TABLE `users` (`id` int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, `email` varchar(255)) ENGINE=InnoDB;\n"
    "CREATE TABLE `orders` (`id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, `user_id` int unsigned) ENGINE=InnoDB;\n"
    "ALTER TABLE `orders` MODIFY `user_id` int unsigned NOT NULL;\n"
)
SQLITE_UP = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL);\n"
    "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER REFERENCES users(id));\n"
    "CREATE INDEX orders_user ON orders (user_id);\n"
    "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\n"
)
DOWN = "DROP TABLE orders;\nDROP TABLE users;\n"


def run(tmp_path, up: str, dialect: str, name: str = "m", **settings):
    directory = write_migrations(tmp_path / name, {"000001_init.up.sql": up, "000001_init.down.sql": DOWN})
    return lint([str(directory)], Config(dialect=dialect, **settings))


def grammar_findings(result) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in result.active if d.code in ("SM001", "SM011", "SM014")]


@pytest.mark.parametrize(
    ("up", "dialect", "suggested"),
    [(MYSQL_UP, "postgres", "mysql"), (MYSQL_UP, "sqlite", "mysql"), (SQLITE_UP, "postgres", "sqlite")],
)
def test_a_folder_in_another_dialect_is_one_finding_saying_which(tmp_path, up, dialect, suggested):
    result = run(tmp_path, up, dialect)
    [finding] = [d for d in result.active if d.code == "SM014"]
    assert grammar_findings(result) == [("SM014", 1)]  # instead of one SM001 (or SM011) per statement
    assert f'dialect = "{suggested}"' in finding.help and f"--dialect {suggested}" in finding.help
    assert f"set to {dialect}" in finding.message
    # Set right, the folder reads cleanly.
    assert grammar_findings(run(tmp_path, up, suggested, name="right")) == []


def test_plain_syntax_errors_in_a_folder_of_the_right_dialect_are_reported_one_by_one(tmp_path):
    up = "CREATE TABLE a (id int);\nCREATE TABLE b (id int,, x int);\nCREATE TABLE c (id int);\nCREATE TABLE (;\nSELECT 1;\n"
    assert grammar_findings(run(tmp_path, up, "postgres")) == [("SM001", 2), ("SM001", 4)]


def test_a_few_statements_of_another_dialect_do_not_make_the_folder_wrong(tmp_path):
    # Two MySQL-only statements among PostgreSQL ones: they are errors where they stand.
    up = (
        "CREATE TABLE a (id serial PRIMARY KEY);\nCREATE TABLE `b` (id int AUTO_INCREMENT PRIMARY KEY);\n"
        + "CREATE INDEX i ON a (id);\n" * 8
    )
    result = run(tmp_path, up + "ALTER TABLE `b` MODIFY id bigint;\n", "postgres")
    assert [code for code, _ in grammar_findings(result)] == ["SM001", "SM001"]


def test_statements_no_dialect_accepts_are_still_syntax_errors(tmp_path):
    result = run(tmp_path, MYSQL_UP + "CREATE TABLE (;\n", "postgres")
    assert grammar_findings(result) == [("SM014", 1), ("SM001", 4)]


@pytest.mark.parametrize(
    ("typed", "dialect"),
    [("postgresql", "postgres"), ("PG", "postgres"), ("sqlite3", "sqlite"), ("mariadb", "mysql"), ("MySQL", "mysql"), ("duckdb", "duckdb")],
)
def test_names_users_type_are_understood(typed, dialect):
    assert validate_dialect(typed, "here") == dialect


@pytest.mark.parametrize(
    ("typed", "guess"), [("postgress", "postgres"), ("sqllite", "sqlite"), ("mysq", "mysql"), ("bigqurey", "bigquery")]
)
def test_an_unknown_name_gets_the_closest_and_the_first_class_dialects_first(typed, guess):
    with pytest.raises(ConfigError) as error:
        validate_dialect(typed, "here")
    message = str(error.value)
    assert f"did you mean {guess!r}?" in message
    assert "choose from postgres, mysql, sqlite" in message

"""Column types: which changes keep every value (widening) and which do not (narrowing), per dialect."""

from __future__ import annotations

import pytest
from sqlglot import exp

from safemig_lint.operations.model import UserType
from safemig_lint.operations.types import (
    affinity,
    column_type,
    holds,
    narrowing_reason,
    resolve,
)


def ctype(sql: str, dialect: str = "postgres"):
    return column_type(exp.DataType.build(sql, dialect=dialect, udt=True), dialect, str.lower)


@pytest.mark.parametrize(
    "old, new, dialect",
    [
        ("TEXT", "VARCHAR(255)", "postgres"),
        ("VARCHAR(255)", "VARCHAR(100)", "postgres"),
        ("BIGINT", "INT", "postgres"),
        ("INT", "SMALLINT", "postgres"),
        ("NUMERIC(12,2)", "NUMERIC(8,2)", "postgres"),
        ("NUMERIC(12,4)", "NUMERIC(12,2)", "postgres"),
        ("NUMERIC", "NUMERIC(20,2)", "postgres"),
        ("TIMESTAMPTZ", "DATE", "postgres"),
        ("TIMESTAMPTZ", "TIMESTAMP", "postgres"),
        ("TIMESTAMP(6)", "TIMESTAMP(3)", "postgres"),
        ("DOUBLE PRECISION", "INTEGER", "postgres"),
        ("DOUBLE PRECISION", "REAL", "postgres"),
        ("BIGINT", "DOUBLE PRECISION", "postgres"),
        ("NUMERIC(10,2)", "INTEGER", "postgres"),
        ("TEXT", "INTEGER", "postgres"),
        ("TEXT", "UUID", "postgres"),
        ("BYTEA", "TEXT", "postgres"),
        ("INTEGER", "BOOLEAN", "postgres"),
        ("INTEGER", "VARCHAR(5)", "postgres"),
        ("UUID", "VARCHAR(20)", "postgres"),
        ("INTEGER[]", "SMALLINT[]", "postgres"),
        ("VARCHAR(64)", "VARCHAR(10)[]", "postgres"),
        ("TEXT", "INTEGER[]", "postgres"),
        ("MEDIUMTEXT", "TEXT", "mysql"),
        ("INT UNSIGNED", "INT", "mysql"),
        ("INT", "INT UNSIGNED", "mysql"),
        ("DATETIME", "TIMESTAMP", "mysql"),
        ("DATETIME(6)", "DATETIME", "mysql"),
        ("ENUM('a','b','c')", "ENUM('a','b')", "mysql"),
        ("VARBINARY(64)", "VARBINARY(16)", "mysql"),
    ],
)
def test_narrowing(old, new, dialect):
    assert holds(ctype(old, dialect), ctype(new, dialect), dialect) is False


@pytest.mark.parametrize(
    "old, new, dialect",
    [
        ("VARCHAR(100)", "VARCHAR(255)", "postgres"),
        ("VARCHAR(255)", "TEXT", "postgres"),
        ("CHAR(10)", "VARCHAR(10)", "postgres"),
        ("INT", "BIGINT", "postgres"),
        ("SMALLINT", "NUMERIC(5,0)", "postgres"),
        ("INT", "NUMERIC", "postgres"),
        ("NUMERIC(8,2)", "NUMERIC(12,4)", "postgres"),
        ("REAL", "DOUBLE PRECISION", "postgres"),
        ("INT", "DOUBLE PRECISION", "postgres"),
        ("DATE", "TIMESTAMPTZ", "postgres"),
        ("TIMESTAMP", "TIMESTAMPTZ", "postgres"),
        ("TIMESTAMP(3)", "TIMESTAMP", "postgres"),
        ("INT", "TEXT", "postgres"),
        ("INTEGER", "VARCHAR(11)", "postgres"),
        ("UUID", "VARCHAR(36)", "postgres"),
        ("JSON", "JSONB", "postgres"),
        ("BOOLEAN", "INT", "postgres"),
        ("SMALLINT[]", "INTEGER[]", "postgres"),
        ("VARCHAR(64)", "VARCHAR(64)[]", "postgres"),  # exposure-notifications: USING ARRAY[apk_digest]
        ("INT", "BIGINT[]", "postgres"),
        ("TEXT", "MEDIUMTEXT", "mysql"),
        ("INT(11)", "INT", "mysql"),
        ("TINYINT(1)", "BOOLEAN", "mysql"),
        ("INT UNSIGNED", "BIGINT", "mysql"),
        ("TIMESTAMP", "DATETIME", "mysql"),
        ("ENUM('a','b')", "ENUM('a','b','c')", "mysql"),
        ("ENUM('draft','published')", "VARCHAR(20)", "mysql"),
        ("DECIMAL", "DECIMAL(10,0)", "mysql"),
    ],
)
def test_widening_and_same_type(old, new, dialect):
    assert holds(ctype(old, dialect), ctype(new, dialect), dialect) is True


def test_unknown_types_are_not_judged():
    assert holds(ctype("geometry"), ctype("TEXT[]"), "postgres") is None
    assert holds(ctype("geometry"), ctype("geometry"), "postgres") is True


def test_sqlite_judges_by_type_affinity_not_by_length():
    def sqlite(sql):
        return ctype(sql, "sqlite")

    assert affinity(sqlite("VARCHAR(255)")) == "TEXT" and affinity(sqlite("BLOB")) == "BLOB"
    assert affinity(sqlite("DATETIME")) == "NUMERIC" and affinity(sqlite("BIGINT")) == "INTEGER"
    assert holds(sqlite("VARCHAR(255)"), sqlite("VARCHAR(10)"), "sqlite") is True  # SQLite does not enforce lengths
    assert holds(sqlite("INTEGER"), sqlite("TEXT"), "sqlite") is True
    assert holds(sqlite("TEXT"), sqlite("BLOB"), "sqlite") is True
    assert holds(sqlite("TEXT"), sqlite("INTEGER"), "sqlite") is False
    assert holds(sqlite("BIGINT"), sqlite("REAL"), "sqlite") is False
    assert "'007' becomes 7" in narrowing_reason(sqlite("TEXT"), sqlite("INTEGER"), "sqlite")


def test_enum_types_are_resolved_to_their_labels():
    mood = ctype("mood")
    types = {"mood": UserType("mood", "enum", ("sad", "ok", "happy"))}
    assert resolve(mood, types).values == ("sad", "ok", "happy")
    fewer = ctype("ENUM('sad','ok')", "mysql")
    assert holds(resolve(mood, types), fewer, "postgres") is False
    assert "'happy' is no longer allowed" in narrowing_reason(resolve(mood, types), fewer, "postgres")


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("VARCHAR(255)", "VARCHAR(100)", "longer than 100 characters"),
        ("BIGINT", "INT", "outside -2147483648..2147483647"),
        ("TIMESTAMPTZ", "TIMESTAMP", "time zone"),
        ("TIMESTAMPTZ", "DATE", "time of day"),
        ("DOUBLE PRECISION", "INT", "rounded"),
        ("TEXT", "INTEGER", "not every TEXT value is a valid INT"),
    ],
)
def test_reasons_say_which_values_are_lost(old, new, words):
    assert words in narrowing_reason(ctype(old), ctype(new), "postgres")

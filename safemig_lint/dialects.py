"""What each dialect can say, so that no rule suggests syntax the database does not have.

Dialects missing from a table get no suggestion, and so no finding, from the rules that use it.
"""

from __future__ import annotations

# The dialects every rule knows, with a real grammar or driver model behind them.
FIRST_CLASS = ("postgres", "mysql", "sqlite")

# How messages name each database.
_DATABASE_NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "clickhouse": "ClickHouse"}


def database_name(dialect: str) -> str:
    return _DATABASE_NAMES.get(dialect, dialect)


# PostgreSQL's internal type names as its messages spell them (format_type): int4 is "integer".
_POSTGRES_TYPE_SPELLING = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "bpchar": "character",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
}


def postgres_type_shown(name: str) -> str:
    """A type's internal name (`int4`) as PostgreSQL's messages spell it (`integer`)."""
    return _POSTGRES_TYPE_SPELLING.get(name, name)


# Names users type for them (a database's or a driver's name): read as the dialect.
ALIASES = {
    "postgresql": "postgres",
    "pg": "postgres",
    "pgsql": "postgres",
    "pgx": "postgres",
    "sqlite3": "sqlite",
    "mariadb": "mysql",
}

# CREATE <kind> IF NOT EXISTS
CREATE_IF_NOT_EXISTS: dict[str, set[str]] = {
    "postgres": {"table", "index", "schema", "sequence", "extension", "materialized view"},
    "mysql": {"table", "database", "schema"},  # MySQL (unlike MariaDB) has no CREATE INDEX IF NOT EXISTS
    "sqlite": {"table", "index", "view", "trigger"},
    "duckdb": {"table", "index", "view", "schema", "sequence", "type"},
}

# CREATE OR REPLACE <kind>, for kinds with no IF NOT EXISTS.
CREATE_OR_REPLACE: dict[str, set[str]] = {
    "postgres": {"view"},
    "mysql": {"view"},
}

# DROP <kind> IF EXISTS; "column" means ALTER TABLE ... DROP COLUMN IF EXISTS.
DROP_IF_EXISTS: dict[str, set[str]] = {
    "postgres": {
        "table",
        "index",
        "view",
        "schema",
        "sequence",
        "type",
        "function",
        "procedure",
        "trigger",
        "extension",
        "domain",
        "column",
        "database",
        "materialized view",
    },
    "mysql": {"table", "view", "database", "schema", "trigger", "procedure", "function", "event"},
    "sqlite": {"table", "index", "view", "trigger"},
    "duckdb": {"table", "index", "view", "schema", "sequence", "type", "column"},
}

# ALTER TABLE ... ADD COLUMN IF NOT EXISTS
ADD_COLUMN_IF_NOT_EXISTS: set[str] = {"postgres", "duckdb"}


# MariaDB numbers its servers from 10.0 on; MySQL's are 5.x, 8.x and 9.x. `mysql-version` names either.
MARIADB_FIRST_VERSION = (10,)
DEFAULT_MYSQL_VERSION = (8, 4, 0)  # assumed when the configuration does not say: the long-term support release


def is_mariadb(version: tuple[int, ...] | None) -> bool:
    return tuple(version or DEFAULT_MYSQL_VERSION) >= MARIADB_FIRST_VERSION


def mysql_server(version: tuple[int, ...] | None) -> str:
    """The configured server as a message names it: `MySQL 8.4`, `MariaDB 10.11`."""
    version = tuple(version or DEFAULT_MYSQL_VERSION[:2])
    return f"{'MariaDB' if is_mariadb(version) else 'MySQL'} {'.'.join(map(str, version))}"

"""golang-migrate's own table (`schema_migrations`), kept in the verify database as the driver keeps it.

golang-migrate creates the table when it opens the database, before the first migration, and
rewrites its one row around every file it runs: the target version marked dirty before, clean
after (`SetVersion` in database/postgres, pgx, mysql and sqlite3). Histories read it, update it or
alter it, so verify creates and updates it the same way; it is left out of every schema comparison.

- postgres, pgx: `CREATE TABLE IF NOT EXISTS "schema"."table" (version bigint not null primary key,
  dirty boolean not null)` in the current schema; SetVersion is TRUNCATE then INSERT. The name is
  `x-migrations-table`; with `x-migrations-table-quoted=true` it is written `"schema"."table"`.
- mysql: `CREATE TABLE` of the same columns; SetVersion is `DELETE ... LIMIT 1` then INSERT.
- sqlite3: `CREATE TABLE IF NOT EXISTS table (version uint64,dirty bool)` and a unique index
  `version_unique` on it; SetVersion is DELETE then INSERT.
"""

from __future__ import annotations

import re

from safemig_lint.values import value
from safemig_lint.verify import catalog

DEFAULT_NAME = "schema_migrations"
TABLE_OPTION = "x-migrations-table"
QUOTED_OPTION = "x-migrations-table-quoted"
SQLITE_INDEX = "version_unique"


class MigrationsTableError(ValueError):
    """An x-migrations-table setting golang-migrate itself would refuse."""


def _quote(identifier: str, quote: str = '"') -> str:
    return quote + identifier.replace(quote, quote * 2) + quote


@value(unsafe_hash=True)
class MigrationsTable:
    dialect: str
    name: str = DEFAULT_NAME
    schema: str | None = None  # PostgreSQL: a schema named by x-migrations-table-quoted; None: the current one

    @classmethod
    def from_options(cls, dialect: str, options: dict[str, str]) -> MigrationsTable:
        """From golang-migrate's URL options (the configuration's driver-options, or --database-url's query)."""
        from safemig_lint.analysis.execution import parse_go_bool

        name = options.get(TABLE_OPTION) or DEFAULT_NAME
        if dialect != "postgres":
            return cls(dialect, name)
        try:
            quoted = parse_go_bool(options.get(QUOTED_OPTION, "false"))
        except ValueError as error:
            raise MigrationsTableError(f"{QUOTED_OPTION}: {error}") from None
        if not quoted:
            return cls(dialect, name)
        parts = re.findall(r'"(.*?)"', name)
        if not parts or not (name.startswith('"') and name.endswith('"')):
            raise MigrationsTableError(
                f'{TABLE_OPTION} must be quoted (for instance \'"migrate"."schema_migrations"\') with {QUOTED_OPTION}'
            )
        if len(parts) > 2:
            raise MigrationsTableError(f"{TABLE_OPTION} {name} contains too many dot characters")
        return cls(dialect, parts[-1], parts[0] if len(parts) == 2 else None)

    @property
    def _qualified(self) -> str:
        if self.dialect == "mysql":
            return _quote(self.name, "`")
        if self.schema is not None:
            return f"{_quote(self.schema)}.{_quote(self.name)}"
        return _quote(self.name)

    def create(self) -> list[str]:
        if self.dialect == "postgres":
            schema = [f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema)}"] if self.schema else []
            return [*schema, f"CREATE TABLE IF NOT EXISTS {self._qualified} (version bigint not null primary key, dirty boolean not null)"]
        if self.dialect == "mysql":
            return [f"CREATE TABLE IF NOT EXISTS {self._qualified} (version bigint not null primary key, dirty boolean not null)"]
        return [
            f"CREATE TABLE IF NOT EXISTS {self._qualified} (version uint64,dirty bool)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {SQLITE_INDEX} ON {self._qualified} (version)",
        ]

    def set_version(self, version: int | None, dirty: bool) -> list[str]:
        """The statements of SetVersion, run in one transaction: `version` None is golang-migrate's NilVersion
        (no migration applied), which leaves the table empty unless dirty."""
        empty = {
            "postgres": f"TRUNCATE {self._qualified}",
            "mysql": f"DELETE FROM {self._qualified} LIMIT 1",
        }.get(self.dialect, f"DELETE FROM {self._qualified}")
        if version is None and not dirty:
            return [empty]
        row = -1 if version is None else int(version)
        flag = ("TRUE" if dirty else "FALSE") if self.dialect != "sqlite" else ("1" if dirty else "0")
        return [empty, f"INSERT INTO {self._qualified} (version, dirty) VALUES ({row}, {flag})"]

    def left_out(self, snapshot: catalog.Snapshot) -> catalog.Snapshot:
        """The snapshot without this table, its columns, keys and indexes (and its own schema, if verify made one)."""
        table = self.name if self.schema in (None, "public") else f"{self.schema}.{self.name}"
        prefix = table + "."
        return {
            (kind, name): attributes
            for (kind, name), attributes in snapshot.items()
            if name != table
            and not (name.startswith(prefix) and kind != "schema")
            and attributes.get("table") != table
            and not (kind == "schema" and self.schema is not None and name == self.schema)
        }

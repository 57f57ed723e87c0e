"""Ask SQLite itself: run a file's statements on an in-memory database built from the replayed schema.

The database holds the schema the file starts on, as the model renders it (render.to_sql), and
never a row: DDL is executed, every other statement is only compiled (EXPLAIN), so nothing a
migration's queries do is done. An authorizer refuses what would reach outside the database
(ATTACH, loading extensions) and a progress handler stops runaway work. What SQLite says of
each statement, in order, is what the resolver's verdicts are checked against: SQLite has the
last word on what it rejects (a DROP COLUMN it refuses leaves the column's indexes in place, so
a later DROP INDEX of them is fine).
"""

from __future__ import annotations

import re

from safemig_lint.analysis.schema.render import to_sql
from safemig_lint.operations.model import Database
from safemig_lint.patterns import lazy

# Statements SQLite runs for their effect on the schema; anything else is only compiled.
_DDL = lazy(r"\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)
_COMPILED = lazy(r"\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|VALUES)\b", re.IGNORECASE)
_LEADING_COMMENTS = lazy(r"(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_STEPS = 2_000_000  # virtual-machine steps a statement may take (CREATE TABLE ... AS SELECT over a recursive CTE)


def _authorize(action: int, first, second, database, trigger) -> int:
    import sqlite3

    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and second in ("load_extension", "readfile", "writefile", "edit"):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run(schema: Database, statements: list[tuple[int, str]]) -> dict[int, str | None]:
    """SQLite's error for each statement (by its key), None when it accepts it."""
    import sqlite3  # here: only SQLite folders ask, and the import is ~5 ms of every other run

    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for block in to_sql(schema, "sqlite").split("\n\n"):  # one statement (with its comments) each
            try:
                connection.execute(block)
            except (sqlite3.Error, sqlite3.Warning, ValueError):
                pass  # what the model cannot render faithfully is left out
        connection.set_authorizer(_authorize)
        steps = 0

        def progress() -> int:
            nonlocal steps
            steps += 1
            return 1 if steps > _STEPS // 1000 else 0

        connection.set_progress_handler(progress, 1000)
        verdicts: dict[int, str | None] = {}
        for key, sql in statements:
            steps = 0
            leading = _LEADING_COMMENTS.match(sql)  # it matches the empty string: always
            body = sql[leading.end() :] if leading else sql
            if _DDL.match(body):
                text = body
            elif _COMPILED.match(body):
                text = "EXPLAIN " + body
            else:
                continue  # PRAGMA, transactions ...: not the schema's business
            try:
                connection.execute(text).fetchall()
                verdicts[key] = None
            except sqlite3.OperationalError as error:
                message = str(error)
                if message not in ("interrupted", "not authorized"):
                    verdicts[key] = message
            except (sqlite3.Error, sqlite3.Warning, ValueError):
                pass
        return verdicts
    finally:
        connection.close()

"""Is a folder written in the dialect it is configured for?

When the configured database's grammar rejects most statements of a folder and another
first-class dialect's accepts them (backticks and AUTO_INCREMENT in a folder set to postgres,
AUTOINCREMENT in one set to mysql), the configuration is what is wrong: one finding says so
(SM014), and the statements the other dialect accepts are not reported one by one (SM001, SM011).

Asked only when a linted file holds a statement its grammar rejects, and worked out once per
folder (memoised by its History).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from safemig_lint.dialects import FIRST_CLASS

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.reading.discovery import MigrationDirectory
    from safemig_lint.reading.statements import ParsedFile, Statement

# Enough statements rejected to speak of the folder: at least this many, and a fifth of them all.
MIN_REJECTED = 3
# The other dialect is chosen on the first statements rejected, then asked about the rest.
_SAMPLE = 50


@dataclass(frozen=True)
class WrongDialect:
    configured: str
    suggested: str
    statements: int  # in the folder
    rejected: int  # by the configured dialect
    accepted: frozenset[tuple[Path, int]]  # (file, statement start) of those the suggested dialect accepts
    first: tuple[Path, int]  # the first of them

    def covers(self, path: Path, statement: Statement) -> bool:
        return (path, statement.start) in self.accepted


_VERDICTS: WeakKeyDictionary[History, WrongDialect | None] = WeakKeyDictionary()


def wrong_dialect(history: History | None) -> WrongDialect | None:
    """The folder's verdict (None: its dialect is right, as far as its grammar can tell)."""
    if history is None:
        return None
    if history not in _VERDICTS:
        _VERDICTS[history] = judge(history.directory, history.parsed, history.dialect)
    return _VERDICTS[history]


def judge(directory: MigrationDirectory, parsed: Mapping[Path, ParsedFile], dialect: str) -> WrongDialect | None:
    if dialect not in FIRST_CLASS:
        return None
    statements = list(_statements(directory, parsed))
    rejected = [(path, statement) for path, statement in statements if rejected_by_own_grammar(statement, dialect)]
    if len(rejected) < MIN_REJECTED or len(rejected) * 5 < len(statements):
        return None
    sample = rejected[:_SAMPLE]
    # Real grammars first (they decide); MySQL's is sqlglot's reading, asked last.
    candidates = [d for d in ("sqlite", "postgres", "mysql") if d != dialect]
    scores = {other: sum(1 for _, statement in sample if accepts(other, statement.text)) for other in candidates}
    suggested = max(candidates, key=lambda other: scores[other])  # the first of equals: a real grammar
    if scores[suggested] * 2 <= len(sample):
        return None  # no other dialect reads most of them either: plain errors, reported one by one
    accepted = frozenset((path, statement.start) for path, statement in rejected if accepts(suggested, statement.text))
    # The other dialect must fit the whole folder far better: it rejects at most a quarter as many statements.
    others = [statement for path, statement in statements if not rejected_by_own_grammar(statement, dialect)][: _SAMPLE * 10]
    misfits = len(rejected) - len(accepted) + sum(1 for statement in others if not accepts(suggested, statement.text))
    if misfits * 4 > len(rejected):
        return None
    first = next((path, statement.start) for path, statement in rejected if (path, statement.start) in accepted)
    return WrongDialect(dialect, suggested, len(statements), len(rejected), accepted, first)


def rejected_by_own_grammar(statement: Statement, dialect: str) -> bool:
    """Rejected by the configured database's grammar; for MySQL, which has none at hand, not readable as MySQL."""
    if dialect == "mysql":
        return statement.error is not None or statement.unanalysed is not None
    return statement.error is not None and statement.rejected_by is not None


def _statements(directory: MigrationDirectory, parsed: Mapping[Path, ParsedFile]) -> Iterator[tuple[Path, Statement]]:
    for file in directory.files():
        found = parsed.get(file.path)
        if found is None or found.unreadable:
            continue
        for statement in found.statements:
            if statement.tokens and not found.shaped_by_template(statement):
                yield file.path, statement


def accepts(dialect: str, sql: str) -> bool:
    """Does this dialect's grammar accept the statement (sqlglot's reading, for MySQL)?"""
    if dialect == "postgres":
        from pglast import parser

        try:
            parser.parse_sql(sql)
        except Exception:  # ParseError, or anything else pglast raises on odd input
            return False
        return True
    if dialect == "sqlite":
        from safemig_lint.reading.grammar import sqlite_accepts

        return sqlite_accepts(sql)
    import sqlglot
    from sqlglot import exp

    try:
        trees = sqlglot.parse(sql, read=dialect)
    except Exception:  # sqlglot's ParseError and TokenError, and more on odd input
        return False
    return bool(trees) and all(tree is not None and not isinstance(tree, exp.Command) for tree in trees)

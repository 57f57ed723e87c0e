"""Is a folder written in the dialect it is configured for?

When the configured database's grammar rejects most statements of a folder and another
first-class dialect's accepts them (backticks and AUTO_INCREMENT in a folder set to postgres,
AUTOINCREMENT in one set to mysql), the configuration is what is wrong: one finding says so
(SM014), and the statements the other dialect accepts are not reported one by one (SM001, SM011).

Judged from each file's GrammarFacts (worked out where the file is parsed), only when a linted
file holds a statement its grammar rejects, and once per folder (analysis/file_facts.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from safemig_lint.diagnostics import Span
from safemig_lint.dialects import FIRST_CLASS
from safemig_lint.values import value

if TYPE_CHECKING:
    from safemig_lint.reading.statements import ParsedFile, Statement

# Enough statements rejected to speak of the folder: at least this many, and a fifth of them all.
MIN_REJECTED = 3
# The other dialect is chosen on the first statements rejected, then asked about the rest.
_SAMPLE = 50
# and about this many of the statements the configured dialect accepts.
_OTHERS = _SAMPLE * 10


@value(unsafe_hash=True)
class RejectedStatement:
    """A statement the configured dialect's grammar rejects, as the verdict and its finding read it."""

    start: int
    text: str
    span: Span
    snippet: str  # its normalized text


@value(unsafe_hash=True)
class GrammarFacts:
    """What judging a folder's dialect reads of one of its files (plain values: worked out where the
    file is parsed, judged where the folder's files meet)."""

    rejects_any: bool  # a statement is rejected by the configured dialect's grammar
    statements: int  # statements judged on: those with tokens that no template shapes
    rejected: tuple[RejectedStatement, ...]  # of those, the ones the grammar rejects, in order
    others: tuple[str, ...]  # the texts of the first of the rest (as many as a verdict reads)


def grammar_facts(parsed: ParsedFile, dialect: str) -> GrammarFacts:
    statements = [] if parsed.unreadable else parsed.statements
    rejects = [rejected_by_own_grammar(statement, dialect) for statement in statements]
    templated = bool(parsed.placeholders)  # else no statement is shaped by a template: not asked of each
    judged = [
        (statement, rejected)
        for statement, rejected in zip(statements, rejects)
        if not statement.tokenless and not (templated and parsed.shaped_by_template(statement))
    ]
    return GrammarFacts(
        any(rejects),
        len(judged),
        tuple(
            RejectedStatement(s.start, s.text, parsed.lines.span(s.start, s.end), s.normalized_text) for s, rejected in judged if rejected
        ),
        tuple(islice((s.text for s, rejected in judged if not rejected), _OTHERS)),
    )


@value(unsafe_hash=True)
class WrongDialect:
    configured: str
    suggested: str
    statements: int  # in the folder
    rejected: int  # by the configured dialect
    accepted: frozenset[tuple[Path, int]]  # (file, statement start) of those the suggested dialect accepts
    first: tuple[Path, int]  # the first of them

    def covers(self, path: Path, statement: Statement) -> bool:
        return (path, statement.start) in self.accepted


def judge(files: Iterable[tuple[Path, GrammarFacts]], dialect: str) -> WrongDialect | None:
    """The verdict on a folder (None: its dialect is right, as far as its grammar can tell), from
    the grammar facts of its readable files, in the folder's order."""
    if dialect not in FIRST_CLASS:
        return None
    files = list(files)
    statements = sum(facts.statements for _, facts in files)
    rejected = [(path, statement) for path, facts in files for statement in facts.rejected]
    if len(rejected) < MIN_REJECTED or len(rejected) * 5 < statements:
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
    others = list(islice((text for _, facts in files for text in facts.others), _OTHERS))
    misfits = len(rejected) - len(accepted) + sum(1 for text in others if not accepts(suggested, text))
    if misfits * 4 > len(rejected):
        return None
    first = next((path, statement.start) for path, statement in rejected if (path, statement.start) in accepted)
    return WrongDialect(dialect, suggested, statements, len(rejected), accepted, first)


def rejected_by_own_grammar(statement: Statement, dialect: str) -> bool:
    """Rejected by the configured database's grammar; for MySQL, which has none at hand, not readable as MySQL."""
    if dialect == "mysql":
        return statement.error is not None or statement.unanalysed is not None
    return statement.error is not None and statement.rejected_by is not None


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

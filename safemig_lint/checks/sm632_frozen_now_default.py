from __future__ import annotations

import bisect
from collections.abc import Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis.digests import digest, holding, pointing_at
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.columns import column_after_file
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names

# PostgreSQL's special date/time inputs that mean "the current moment" (or day) when they are read.
_MOMENTS = {"now", "today", "tomorrow", "yesterday"}
_TIME_TYPES = {
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPTZ,
    exp.DataType.Type.TIMESTAMPLTZ,
    exp.DataType.Type.DATE,
    exp.DataType.Type.TIME,
    exp.DataType.Type.TIMETZ,
    exp.DataType.Type.DATETIME,
}
_MODEL_TIME_TYPES = {t.value for t in _TIME_TYPES}


class FrozenNowDefault(Rule):
    code = "SM632"
    name = "frozen-now-default"
    severity = Severity.WARNING
    summary = "PostgreSQL reads DEFAULT 'now' (or 'now'::timestamp, 'today') once, when the statement runs: every row gets that moment, not the time it was written."
    dialects = frozenset({"postgres"})
    reads_tokens = frozenset({TokenType.DEFAULT})  # a default, in a column definition or SET DEFAULT, follows the keyword

    def check_statement(self, statement: Statement, context: FileContext):
        if statement.error is not None:
            return
        for default in _moment_defaults(statement, context.names):
            frozen = default.frozen
            if default.altered is not None:  # SET DEFAULT: the column's type after the file decides
                known = column_after_file(context, default.altered, default.column)
                if known is not None and known.type is not None and known.type.base in _MODEL_TIME_TYPES:
                    frozen = default.frozen_if_timed
            if frozen:
                yield self._finding(context, statement, default.at, default.column, frozen)

    def _finding(self, context: FileContext, statement: Statement, at: tuple[int, int] | None, column: str, frozen: str):
        finding = context.finding(
            statement,
            f"the default of {column} is {frozen}, which PostgreSQL turns into a constant when this statement runs: "
            "every row inserted later gets the moment of the migration, not the moment it was written",
            "Call a function, which runs at each insert: `DEFAULT now()` or `DEFAULT CURRENT_TIMESTAMP` (`CURRENT_DATE` for 'today').",
        )
        return pointing_at(context, finding, at)


class _MomentDefault(NamedTuple):
    """A column default that may be a moment PostgreSQL reads at once (_frozen)."""

    column: str  # as a model key
    at: tuple[int, int] | None  # where the column definition or ALTER COLUMN is written (FileContext.node_span's extent)
    frozen: str | None  # the moment as written; for SET DEFAULT, when the column is of no time type
    frozen_if_timed: str | None  # for SET DEFAULT, when it is
    altered: str | None  # for SET DEFAULT in an ALTER TABLE, the table (a model key); None: the moment is decided


def _selected(statement: Statement, names: Names | None) -> bool:
    text = statement.text
    return statement.expression is not None and may_hold_a_moment(statement, text.lower() if text.isascii() else None, statement.start)


_HOLDS_DEFAULT = holding(TokenType.DEFAULT)


def _taken(statement: Statement, names: Names) -> bool:
    """take_digests' test: the rule reads only statements holding DEFAULT (reads_tokens); testing that first spares
    _selected's search of every other statement (on the 5 MB file: 1.5 of 2.7 us a statement, ~0.8% of its CPU)."""
    return _HOLDS_DEFAULT(statement, names) and _selected(statement, names)


@digest(selects=_selected, takes=_taken, serves=("SM632",), absent=(), memo=False)  # asked once per statement with a DEFAULT
def _moment_defaults(statement: Statement, names: Names | None) -> tuple[_MomentDefault, ...]:
    """The statement's column definitions and SET DEFAULTs whose default may be a moment, in the tree's order."""
    assert names is not None  # the rule passes its file's names
    found = []
    for column in statement.nodes(exp.ColumnDef):
        kind = column.args.get("kind")
        timed = isinstance(kind, exp.DataType) and kind.this in _TIME_TYPES
        for constraint in column.args.get("constraints") or []:
            default = constraint.args.get("kind")
            if isinstance(default, exp.DefaultColumnConstraint):
                frozen = _frozen(default.this, timed)
                if frozen:
                    found.append(_MomentDefault(names.ident(column.this), identifiers_extent(column), frozen, frozen, None))
    alter = statement.expression
    for change in statement.nodes(exp.AlterColumn):
        value = change.args.get("default")
        if value is None:
            continue
        frozen, frozen_if_timed = _frozen(value, False), _frozen(value, True)
        if frozen or frozen_if_timed:
            table = names.table(alter.this) if isinstance(alter, exp.Alter) else None
            found.append(_MomentDefault(names.ident(change.this), identifiers_extent(change), frozen, frozen_if_timed, table))
    return tuple(found)


def may_hold_a_moment(statement: Statement, lowered: str | None, lowered_from: int = 0) -> bool:
    """Whether a string literal of the statement's tree may be a moment (_is_moment), read from its tokens
    without walking the tree (the walk was 4% of a file of CREATE TABLEs with `DEFAULT now()`).

    sqlglot builds a string literal from a token's text (a string's, or a word's: an interval's unit, a
    date part), or from a fixed or mapped name (a default unit, a rewritten format) that is none of
    _MOMENTS; a word right before `(` (a function's name, as in `now()`, or a table's) is never a literal.
    `lowered`: the file's text lowered (FileContext.lowered, source.words_lowered), or a part of it starting at the
    file offset `lowered_from` that holds the statement (its own text lowered). A token whose text is a
    moment holds that word in the file's text (a doubled quote joins no letters, a template's stand-in
    holds none of them), but for a backslash escape: only the tokens where a moment word is written are
    read, unless the statement holds a backslash or `lowered` is None (then every token is)."""
    tokens = statement.tokens
    indexes: Iterable[int] = range(len(tokens))
    start, end = statement.start - lowered_from, statement.end - lowered_from
    if lowered is not None and lowered.find("\\", start, end) < 0:
        written = _written_moments(lowered, start, end)
        if not written:  # most statements, `DEFAULT now()` among them
            return False
        indexes = sorted(_tokens_at(tokens, (at + lowered_from for at in written)))
    for index in indexes:
        token = tokens[index]
        if token.text.strip().lower() in _MOMENTS:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if not (token.token_type == TokenType.VAR and following is not None and following.token_type == TokenType.L_PAREN):
                return True
    return False


def _written_moments(lowered: str, start: int, end: int) -> list[int]:
    """Where a moment word is written in lowered[start:end], but right before `(`: a token whose text is the
    word then ends at it (no quote closes it) and is a bare word, a function's name (`DEFAULT now()`, the most
    common default of all), never a literal; and no other token's text is the word."""
    written = []
    for moment in _MOMENTS:
        found = lowered.find(moment, start, end)
        while found >= 0:
            if not lowered.startswith("(", found + len(moment)):
                written.append(found)
            found = lowered.find(moment, found + 1, end)
    return written


def _tokens_at(tokens: list[Token], offsets: Iterable[int]) -> set[int]:
    """The indexes of the tokens holding these file offsets (a token's end is inclusive; tokens are in order)."""
    held = set()
    for offset in offsets:
        index = bisect.bisect_right(tokens, offset, key=_START) - 1
        if index >= 0 and offset <= tokens[index].end:
            held.add(index)
    return held


_START = attrgetter("start")


def _frozen(value: exp.Expr | None, timed_column: bool) -> str | None:
    """The part of a default that PostgreSQL reads as a moment at once, as written; None when there is none.

    A string literal is cast when the statement is parsed: `'now'::timestamp`, `timestamp 'now'`,
    `CAST('now' AS date)`, and `'now'` alone as a time column's default, become constants. A string
    cast to text first (`'now'::text::timestamp`) is converted at each insert instead, and stays live.
    """
    if value is None:
        return None
    bare = _unwrapped(value)
    if timed_column and _is_moment(bare):
        return bare.sql(dialect="postgres")
    for cast in value.find_all(exp.Cast):
        to = cast.args.get("to")
        if isinstance(to, exp.DataType) and to.this in _TIME_TYPES and _is_moment(_unwrapped(cast.this)):
            return cast.sql(dialect="postgres")
    return None


def _unwrapped(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _is_moment(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and node.this.strip().lower() in _MOMENTS

import bisect
from collections.abc import Iterable, Iterator
from operator import attrgetter

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.columns import column_after_file
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

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
        if statement.expression is None or statement.error is not None or not may_hold_a_moment(statement, context.lowered):
            return
        for column in statement.nodes(exp.ColumnDef):
            kind = column.args.get("kind")
            timed = isinstance(kind, exp.DataType) and kind.this in _TIME_TYPES
            for constraint in column.args.get("constraints") or []:
                default = constraint.args.get("kind")
                if isinstance(default, exp.DefaultColumnConstraint):
                    frozen = _frozen(default.this, timed)
                    if frozen:
                        yield self._finding(context, statement, column, context.names.ident(column.this), frozen)
        for change in statement.nodes(exp.AlterColumn):
            value = change.args.get("default")
            if value is None:
                continue
            name = context.names.ident(change.this)
            alter = statement.expression
            known = column_after_file(context, context.names.table(alter.this), name) if isinstance(alter, exp.Alter) else None
            frozen = _frozen(value, known is not None and known.type is not None and known.type.base in _MODEL_TIME_TYPES)
            if frozen:
                yield self._finding(context, statement, change, name, frozen)

    def _finding(self, context: FileContext, statement: Statement, node: exp.Expr, column: str, frozen: str):
        return context.finding(
            statement,
            f"the default of {column} is {frozen}, which PostgreSQL turns into a constant when this statement runs: "
            "every row inserted later gets the moment of the migration, not the moment it was written",
            "Call a function, which runs at each insert: `DEFAULT now()` or `DEFAULT CURRENT_TIMESTAMP` (`CURRENT_DATE` for 'today').",
            node,
        )


def may_hold_a_moment(statement: Statement, lowered: str | None) -> bool:
    """Whether a string literal of the statement's tree may be a moment (_is_moment), read from its tokens
    without walking the tree (the walk was 4% of a file of CREATE TABLEs with `DEFAULT now()`).

    sqlglot builds a string literal from a token's text (a string's, or a word's: an interval's unit, a
    date part), or from a fixed or mapped name (a default unit, a rewritten format) that is none of
    _MOMENTS; a word right before `(` (a function's name, as in `now()`, or a table's) is never a literal.
    `lowered`: the file's text lowered, when it is ASCII (FileContext.lowered). A token whose text is a
    moment holds that word in the file's text (a doubled quote joins no letters, a template's stand-in
    holds none of them), but for a backslash escape: only the tokens where a moment word is written are
    read, unless the statement holds a backslash or the file is not ASCII (then every token is)."""
    tokens = statement.tokens
    indexes: Iterable[int] = range(len(tokens))
    if lowered is not None and lowered.find("\\", statement.start, statement.end) < 0:
        indexes = sorted(_tokens_at(tokens, _written_moments(lowered, statement.start, statement.end)))
    for index in indexes:
        token = tokens[index]
        if token.text.strip().lower() in _MOMENTS:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if not (token.token_type == TokenType.VAR and following is not None and following.token_type == TokenType.L_PAREN):
                return True
    return False


def _written_moments(lowered: str, start: int, end: int) -> Iterator[int]:
    """Where a moment word is written in lowered[start:end]."""
    for moment in _MOMENTS:
        found = lowered.find(moment, start, end)
        while found >= 0:
            yield found
            found = lowered.find(moment, found + 1, end)


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

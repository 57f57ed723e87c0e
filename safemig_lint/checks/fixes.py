"""The mechanical fixes rules attach to their findings (`Finding.fix`), one call per rule.

Each helper returns the edits that add a guard (`IF NOT EXISTS`, `IF EXISTS`) where the
dialect's grammar has one for that kind of object, or no edits at all. They only insert
the guard words: `safemig_lint.fixing` re-parses the result and refuses any fix that
changes anything else about the statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.tokens import Token

from safemig_lint.diagnostics import Edit
from safemig_lint.dialects import ADD_COLUMN_IF_NOT_EXISTS, CREATE_IF_NOT_EXISTS, DROP_IF_EXISTS
from safemig_lint.operations.locator import Locator
from safemig_lint.reading.statements import ReleasedStatement, Statement, tokens_between

if TYPE_CHECKING:
    from safemig_lint.checks.base import FileContext

# The words between CREATE/DROP and the kind (OR REPLACE, UNIQUE, TEMP ...) are few; a kind
# word further in is part of something else.
_HEAD_TOKENS = 6


def if_not_exists(statement: Statement, kind: str, context: FileContext) -> tuple[Edit, ...]:
    """`CREATE <kind> name` -> `CREATE <kind> IF NOT EXISTS name`."""
    if kind not in CREATE_IF_NOT_EXISTS.get(context.dialect, set()):
        return ()
    return _guard_object(statement, context, "CREATE", kind, "IF NOT EXISTS")


def if_exists(statement: Statement, kind: str, at: Locator | None, context: FileContext) -> tuple[Edit, ...]:
    """`DROP <kind> name` -> `DROP <kind> IF EXISTS name`; a column: `DROP [COLUMN] IF EXISTS c`."""
    if kind not in DROP_IF_EXISTS.get(context.dialect, set()):
        return ()
    if kind == "column":
        return _guard_column(statement, context, at, "DROP", "IF EXISTS")
    return _guard_object(statement, context, "DROP", kind, "IF EXISTS")


def add_column_if_not_exists(statement: Statement, at: Locator | None, context: FileContext) -> tuple[Edit, ...]:
    """`ADD [COLUMN] c ...` -> `ADD [COLUMN] IF NOT EXISTS c ...`."""
    if context.dialect not in ADD_COLUMN_IF_NOT_EXISTS:
        return ()
    return _guard_column(statement, context, at, "ADD", "IF NOT EXISTS")


def statement_tokens(statement: Statement, context: FileContext) -> list[Token]:
    """The statement's tokens; a streamed statement's (streaming.py: let go as it was read) read again from the text.
    Only a finding asks for them: worked out for every statement as it is read, they cost 0.2 s on a 5 MB file."""
    if isinstance(statement, ReleasedStatement):
        return tokens_between(context.parsed, statement.start, statement.end, context.dialect)
    return statement.tokens


def _guard_object(statement: Statement, context: FileContext, verb: str, kind: str, guard: str) -> tuple[Edit, ...]:
    if statement.first_word != verb:
        return ()
    at = _guard_at(statement_tokens(statement, context), verb, kind)
    return () if at is None else (Edit(at, at, f"{guard} "),)


def _guard_column(statement: Statement, context: FileContext, at: Locator | None, verb: str, guard: str) -> tuple[Edit, ...]:
    """The guard goes right before the column's name, after `ADD`/`DROP` and an optional `COLUMN`."""
    start = at.name_start if at is not None else None
    if start is None:
        return ()
    read_as = statement.kind
    if read_as is None or not issubclass(read_as, exp.Alter):  # the only statements whose ops name a column with a node
        return ()
    tokens = statement_tokens(statement, context)
    position = next((index for index, token in enumerate(tokens) if token.start == start), None)
    if position is None or position < 1:
        return ()
    before = tokens[position - 1].text.upper()
    if before == "COLUMN" and position >= 2:
        before = tokens[position - 2].text.upper()
    if before != verb:
        return ()
    return (Edit(start, start, f"{guard} "),)


def _guard_at(tokens: list[Token], verb: str, kind: str) -> int | None:
    """Where the guard of `CREATE|DROP <kind> name` goes (the name's offset); None where none may go."""
    words = kind.upper().split()
    head = [token.text.upper() for token in tokens[: _HEAD_TOKENS + len(words)]]
    for index in range(1, len(head) - len(words) + 1):
        if head[index : index + len(words)] == words:
            after = index + len(words)
            break
    else:
        return None
    if after < len(tokens) and tokens[after].text.upper() == "CONCURRENTLY":
        if verb == "CREATE":
            # A failed concurrent build leaves an invalid index behind, which IF NOT EXISTS would
            # then skip silently: the remedy (drop it, build again) is no mechanical one.
            return None
        after += 1
    # Nothing to guard: no name follows (PostgreSQL's unnamed `CREATE INDEX ON t`), or a guard is there.
    if after >= len(tokens) or tokens[after].text.upper() in ("IF", "ON", "("):
        return None
    return tokens[after].start

"""The mechanical fixes rules attach to their findings (`Finding.fix`), one call per rule.

Each helper returns the edits that add a guard (`IF NOT EXISTS`, `IF EXISTS`) where the
dialect's grammar has one for that kind of object, or no edits at all. They only insert
the guard words: `safemig_lint.fixing` re-parses the result and refuses any fix that
changes anything else about the statement.
"""

from __future__ import annotations

from safemig_lint.diagnostics import Edit
from safemig_lint.dialects import ADD_COLUMN_IF_NOT_EXISTS, CREATE_IF_NOT_EXISTS, DROP_IF_EXISTS
from safemig_lint.operations.locator import Locator
from safemig_lint.reading.statements import Statement

# The words between CREATE/DROP and the kind (OR REPLACE, UNIQUE, TEMP ...) are few; a kind
# word further in is part of something else.
_HEAD_TOKENS = 6


def if_not_exists(statement: Statement, kind: str, dialect: str) -> tuple[Edit, ...]:
    """`CREATE <kind> name` -> `CREATE <kind> IF NOT EXISTS name`."""
    if kind not in CREATE_IF_NOT_EXISTS.get(dialect, set()):
        return ()
    return _guard_object(statement, "CREATE", kind, "IF NOT EXISTS")


def if_exists(statement: Statement, kind: str, at: Locator | None, dialect: str) -> tuple[Edit, ...]:
    """`DROP <kind> name` -> `DROP <kind> IF EXISTS name`; a column: `DROP [COLUMN] IF EXISTS c`."""
    if kind not in DROP_IF_EXISTS.get(dialect, set()):
        return ()
    if kind == "column":
        return _guard_column(statement, at, "DROP", "IF EXISTS")
    return _guard_object(statement, "DROP", kind, "IF EXISTS")


def add_column_if_not_exists(statement: Statement, at: Locator | None, dialect: str) -> tuple[Edit, ...]:
    """`ADD [COLUMN] c ...` -> `ADD [COLUMN] IF NOT EXISTS c ...`."""
    if dialect not in ADD_COLUMN_IF_NOT_EXISTS:
        return ()
    return _guard_column(statement, at, "ADD", "IF NOT EXISTS")


def _guard_object(statement: Statement, verb: str, kind: str, guard: str) -> tuple[Edit, ...]:
    tokens = statement.tokens
    words = kind.upper().split()
    if not tokens or tokens[0].text.upper() != verb:
        return ()
    head = [token.text.upper() for token in tokens[: _HEAD_TOKENS + len(words)]]
    for index in range(1, len(head) - len(words) + 1):
        if head[index : index + len(words)] == words:
            after = index + len(words)
            break
    else:
        return ()
    if after < len(tokens) and tokens[after].text.upper() == "CONCURRENTLY":
        if verb == "CREATE":
            # A failed concurrent build leaves an invalid index behind, which IF NOT EXISTS would
            # then skip silently: the remedy (drop it, build again) is no mechanical one.
            return ()
        after += 1
    # Nothing to guard: no name follows (PostgreSQL's unnamed `CREATE INDEX ON t`), or a guard is there.
    if after >= len(tokens) or tokens[after].text.upper() in ("IF", "ON", "("):
        return ()
    return (Edit(tokens[after].start, tokens[after].start, f"{guard} "),)


def _guard_column(statement: Statement, at: Locator | None, verb: str, guard: str) -> tuple[Edit, ...]:
    """The guard goes right before the column's name, after `ADD`/`DROP` and an optional `COLUMN`."""
    start = at.name_start if at is not None else None
    if start is None:
        return ()
    position = next((i for i, token in enumerate(statement.tokens) if token.start == start), None)
    if position is None or position < 1:
        return ()
    before = statement.tokens[position - 1].text.upper()
    if before == "COLUMN" and position >= 2:
        before = statement.tokens[position - 2].text.upper()
    if before != verb:
        return ()
    return (Edit(start, start, f"{guard} "),)

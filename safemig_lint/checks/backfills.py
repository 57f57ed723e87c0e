"""What a migration does to a column's rows before it constrains them: UPDATE fills them, DELETE and
TRUNCATE remove them. SM204 and SM207 ask whether NULLs (or other values a new constraint refuses) may
still be there when the constraint comes."""

from __future__ import annotations

import re

from safemig_lint.checks.base import FileContext
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.reading.statements import Statement


def rows_settled_before(context: FileContext, statement: Statement, table: str, column: str, any_delete: bool = False) -> bool:
    """Does an earlier statement of this file fill `column` (UPDATE t SET column = ...), or delete the
    table's rows that could hold NULL there (TRUNCATE, DELETE without WHERE or with one that reads it; with
    `any_delete`, any DELETE from the table: before a unique key comes back, that is how duplicates go)?
    A statement that could not be read at all but names the column is given the benefit of the doubt."""
    wanted = bare_name(table)
    for earlier in context.parsed.statements:
        if earlier.start >= statement.start:
            return False
        for op in context.operations(earlier):
            if isinstance(op, o.FillColumn) and bare_name(op.table) == wanted and op.column == column:
                return True
            if isinstance(op, o.Truncate) and bare_name(op.table) == wanted:
                return True
            if isinstance(op, o.DeleteRows) and bare_name(op.table) == wanted and (any_delete or op.reads is None or column in op.reads):
                return True
        if earlier.expression is None and earlier.error is not None and re.search(rf"\b{re.escape(column)}\b", earlier.text, re.IGNORECASE):
            return True  # a statement no one could read, naming the column: it may be the backfill
    return False

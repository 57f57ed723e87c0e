"""What a file does to rows before it constrains them: UPDATE fills a column, DELETE and TRUNCATE remove
rows, ADD COLUMN ... DEFAULT fills a new column. SM204 and SM207 ask whether NULLs (or other values a
new constraint refuses) may still be there when the constraint comes.

Read once per file (FileContext.row_changes): each question is a lookup of the first offset where
something happened, so a file of thousands of statements is not read again for each of them."""

from __future__ import annotations

import re

from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.reading.statements import ParsedFile, Statement

_WORD = re.compile(r"[A-Za-z_][\w$]*")


class RowChanges:
    """Where (the statement's offset) a file first fills each column, deletes or truncates each table's
    rows, and adds each column; keys are bare table names, as migrations spell a table both ways."""

    def __init__(self, parsed: ParsedFile, operations: dict[int, list[o.Op]]) -> None:
        self._filled: dict[tuple[str, str], int] = {}
        self._fills: dict[tuple[str, str], list[tuple[int, o.FillColumn]]] = {}  # every UPDATE of the column
        self._emptied: dict[str, int] = {}  # TRUNCATE, or DELETE without WHERE
        self._deleted: dict[str, int] = {}  # any DELETE
        self._deleted_by: dict[tuple[str, str], int] = {}  # DELETE whose WHERE reads the column
        self._added: dict[tuple[str, str], tuple[int, o.AddColumn]] = {}
        self._unreadable: dict[str, int] = {}  # a word of a statement no parser could read
        for statement in parsed.statements:
            at = statement.start
            for op in operations.get(at, ()):
                if isinstance(op, o.FillColumn):
                    self._filled.setdefault((bare_name(op.table), op.column), at)
                    self._fills.setdefault((bare_name(op.table), op.column), []).append((at, op))
                elif isinstance(op, o.Truncate) or isinstance(op, o.DeleteRows) and op.reads is None:
                    self._emptied.setdefault(bare_name(op.table), at)
                if isinstance(op, o.DeleteRows):
                    self._deleted.setdefault(bare_name(op.table), at)
                    for column in op.reads or ():
                        self._deleted_by.setdefault((bare_name(op.table), column), at)
                elif isinstance(op, o.AddColumn):
                    self._added.setdefault((bare_name(op.table), op.column.name), (at, op))
            if statement.error is not None and statement.kind is None:
                for word in _WORD.findall(statement.text):
                    self._unreadable.setdefault(word.lower(), at)

    def settled_before(self, statement: Statement, table: str, column: str, any_delete: bool = False) -> bool:
        """Does an earlier statement fill `column` (UPDATE t SET column = ...), or delete the rows that
        could hold NULL there (TRUNCATE, DELETE without WHERE or with one that reads it; with `any_delete`,
        any DELETE from the table: before a unique key comes back, that is how duplicates go)? A statement
        that could not be read at all but names the column is given the benefit of the doubt."""
        key, at = (bare_name(table), column), statement.start
        return any(
            first is not None and first < at
            for first in (
                self._filled.get(key),
                self._emptied.get(key[0]),
                self._deleted_by.get(key),
                self._deleted.get(key[0]) if any_delete else None,
                self._unreadable.get(column.lower()),
            )
        )

    def only_partly_filled_before(self, statement: Statement, table: str, column: str) -> o.FillColumn | None:
        """The column's one fill before `statement` when it is an UPDATE of some rows only (a WHERE, a join),
        with no row deleted nor the column named by a statement no parser read. Several partial UPDATEs
        may together reach every row: that is no evidence."""
        key, at = (bare_name(table), column), statement.start
        fills = [op for first, op in self._fills.get(key, ()) if first < at]
        if len(fills) != 1 or not fills[0].partial:
            return None
        others = (self._emptied.get(key[0]), self._deleted.get(key[0]), self._unreadable.get(column.lower()))
        return None if any(first is not None and first < at for first in others) else fills[0]

    def added_before(self, statement: Statement, table: str, column: str) -> o.AddColumn | None:
        """The ADD COLUMN of this file that created the column, if it comes before `statement`."""
        found = self._added.get((bare_name(table), column))
        return found[1] if found is not None and found[0] < statement.start else None

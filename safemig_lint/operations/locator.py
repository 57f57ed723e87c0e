"""Where in its statement an op comes from, without the statement's tree.

Findings need three things of the part of a statement an op was read from (operations/read.py):
the extent of its identifiers (the span a finding points at), the object's name as written
(messages quote `"Users"` as written, and template placeholders as the stand-ins spell them), and
the offset of a column's name (where a fix inserts IF [NOT] EXISTS). Ops, and the effects, locks
and verdicts made from them, carry a Locator instead of the sqlglot node, so that a statement's
tree can be let go once the statement is read (issue 25: trees and tokens are most of a big
file's memory).

A Locator holds its node until it is first asked, then works out all three answers and lets the
node go (settle). Working them out as ops are read would walk the node of every op, where
findings ask about few.
"""

from __future__ import annotations

import sys

from sqlglot import exp


class Locator:
    """One per node an op is read from: ops read from the same node share it (read.Names.locate)."""

    # The node until settled, then the answers: (start, length, name, name_start - start). One slot, and
    # lengths and distances (small ints: CPython keeps one of each up to 256), as a big file's ops hold
    # 150,000 Locators once their statements' trees are gone.
    __slots__ = ("_where",)

    def __init__(self, node: exp.Expr) -> None:
        self._where: exp.Expr | tuple[int | None, int, str | None, int | None] = node

    def settle(self) -> None:
        """Work out every answer now and let the node go (before its statement's tree is released)."""
        node = self._where
        if isinstance(node, tuple):
            return
        start, end = _extent(node)
        name = _written_name(node)
        if name is not None:
            name = sys.intern(name)  # the same few recur on most ops (a table's, on each statement using it)
        if start is None or end is None:  # no identifier has a position: nor has a column's name
            self._where = (None, 0, name, None)
        else:
            name_start = _column_name_start(node)
            self._where = (start, end - start, name, None if name_start is None else name_start - start)

    def _answers(self) -> tuple[int | None, int, str | None, int | None]:
        self.settle()
        assert isinstance(self._where, tuple)
        return self._where

    @property
    def extent(self) -> tuple[int, int] | None:
        """(start, end) in the file of the node's identifiers, the end excluded; None: none has a position."""
        start, length, _, _ = self._answers()
        return None if start is None else (start, start + length)

    @property
    def name(self) -> str | None:
        """The object's name as written (quoted: as is, else in lower case), when the node is a name or a
        table, column or index named by one; None otherwise."""
        return self._answers()[2]

    @property
    def name_start(self) -> int | None:
        """Where the name of a column (a column definition, or a column named) starts in the file; None
        for any other node, or a name without a position."""
        start, _, _, distance = self._answers()
        return None if start is None or distance is None else start + distance


def _extent(node: exp.Expr) -> tuple[int | None, int | None]:
    positions = [
        (identifier.meta["start"], identifier.meta["end"] + 1)  # sqlglot's ends are inclusive
        for identifier in node.find_all(exp.Identifier)
        if "start" in identifier.meta
    ]
    if not positions:
        return None, None
    return min(p[0] for p in positions), max(p[1] for p in positions)


def _written_name(node: exp.Expr) -> str | None:
    name = node.this if isinstance(node, (exp.Table, exp.Column, exp.Index)) else node
    if isinstance(name, exp.Identifier):
        return name.this if name.quoted else name.this.lower()
    return None


def _column_name_start(node: exp.Expr) -> int | None:
    name = node.this if isinstance(node, (exp.ColumnDef, exp.Column)) else None
    if not isinstance(name, exp.Identifier) or "start" not in name.meta:
        return None
    return name.meta["start"]

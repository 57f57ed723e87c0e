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

from sqlglot import exp


class Locator:
    """One per node an op is read from: ops read from the same node share it (read.Names.locate)."""

    __slots__ = ("_node", "_extent", "_name", "_name_start")

    _extent: tuple[int, int] | None
    _name: str | None
    _name_start: int | None

    def __init__(self, node: exp.Expr) -> None:
        self._node: exp.Expr | None = node

    def settle(self) -> None:
        """Work out every answer now and let the node go (before its statement's tree is released)."""
        node = self._node
        if node is None:
            return
        self._extent = _extent(node)
        self._name = _written_name(node)
        self._name_start = _column_name_start(node)
        self._node = None

    @property
    def extent(self) -> tuple[int, int] | None:
        """(start, end) in the file of the node's identifiers, the end excluded; None: none has a position."""
        self.settle()
        return self._extent

    @property
    def name(self) -> str | None:
        """The object's name as written (quoted: as is, else in lower case), when the node is a name or a
        table, column or index named by one; None otherwise."""
        self.settle()
        return self._name

    @property
    def name_start(self) -> int | None:
        """Where the name of a column (a column definition, or a column named) starts in the file; None
        for any other node, or a name without a position."""
        self.settle()
        return self._name_start


def _extent(node: exp.Expr) -> tuple[int, int] | None:
    positions = [
        (identifier.meta["start"], identifier.meta["end"] + 1)  # sqlglot's ends are inclusive
        for identifier in node.find_all(exp.Identifier)
        if "start" in identifier.meta
    ]
    if not positions:
        return None
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

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

from safemig_lint.reading.statements import CHILDLESS, PLAIN_VALUES


class Locator:
    """One per node an op is read from: ops read from the same node share it (read.Names.locate)."""

    # The node until settled, then the answers: (start, length, name, name_start - start). One slot, and
    # lengths and distances (small ints: CPython keeps one of each up to 256), as a big file's ops hold
    # 150,000 Locators once their statements' trees are gone.
    __slots__ = ("_where",)

    def __init__(self, node: exp.Expr) -> None:
        self._where: exp.Expr | tuple[int | None, int, str | None, int | None] = node

    def settle(self) -> None:
        """Work out every answer now and let the node go (before its statement's tree is released). One function
        with the readings of the name and the column name's start written in (written_name, _column_name_start), and
        a name on its own answered from itself: a streamed file settles each of its Locators (the 5 MB file's
        151,820), and the calls cost as much as the answers (tests/test_locators.py holds it to those functions)."""
        node = self._where
        if isinstance(node, tuple):
            return
        if type(node) is exp.Identifier:  # a third of them: its own extent and name
            meta = node._meta
            written = sys.intern(node.this if node.quoted else node.this.lower())
            if meta is None or "start" not in meta:
                self._where = (None, 0, written, None)
            else:
                start = meta["start"]
                self._where = (start, meta["end"] + 1 - start, written, None)
            return
        kind = type(node)
        # Most others are names of names (a table, a column: [schema.]table[.column]): their own names are read here,
        # with no walk; a node holding any other node is walked (identifiers_extent). Calling identifiers_extent for
        # every node instead cost 0.5% of the instructions of a generated 1.25 MB file.
        start = end = None
        for value in node.args.values():
            if type(value) is exp.Identifier:
                meta = value._meta
                if meta is not None and "start" in meta:
                    if start is None or meta["start"] < start:
                        start = meta["start"]
                    if end is None or meta["end"] >= end:
                        end = meta["end"] + 1  # sqlglot's ends are inclusive
            elif type(value) not in PLAIN_VALUES:
                start, end = identifiers_extent(node) or (None, None)
                break
        named = node.this if issubclass(kind, _NAMED_BY_THIS) else node
        name: str | None = None
        if type(named) is exp.Identifier:  # no class derives from Identifier
            name = sys.intern(named.this if named.quoted else named.this.lower())  # the same few recur on most ops
        if start is None or end is None:  # no identifier has a position: nor has a column's name
            self._where = (None, 0, name, None)
            return
        distance = None
        if issubclass(kind, _COLUMNS):
            column = node.this
            if type(column) is exp.Identifier and (meta := column._meta) is not None and "start" in meta:
                distance = meta["start"] - start
        self._where = (start, end - start, name, distance)

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


def identifiers_extent(node: exp.Expr) -> tuple[int, int] | None:
    """Where the node's identifiers are written, from the first one's start to the last one's end (exclusive);
    None when none has a position. A walk of its own, as cut_parent_links's: find_all(exp.Identifier) took twice
    as long (the 5 MB file's 151,820 Locators settled: 0.46 s against 0.23 s), and no class derives from
    Identifier. A child that is a name is read where it is met, and one that holds no name (a literal, a flag) is
    passed over: only the nodes that may hold names are stacked. The same extents as find_all's:
    tests/test_locators.py."""
    kind = type(node)
    if kind is exp.Identifier or kind in CHILDLESS:
        meta = node._meta  # not .meta, which gives a node without one an empty dict to keep
        if kind is not exp.Identifier or meta is None or "start" not in meta:
            return None
        return meta["start"], meta["end"] + 1
    first = last = None
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        for value in pop().args.values():
            children: list | tuple
            if type(value) is list:
                children = value
            elif type(value) in _HOLDS_NO_NAME:
                continue
            else:
                children = (value,)
            for child in children:
                kind = type(child)
                if kind is exp.Identifier:
                    meta = child._meta
                    if meta is not None and "start" in meta:
                        start, end = meta["start"], meta["end"] + 1  # sqlglot's ends are inclusive
                        if first is None or start < first:
                            first = start
                        if last is None or end > last:
                            last = end
                elif kind not in _HOLDS_NO_NAME and isinstance(child, exp.Expr):
                    push(child)
    return None if first is None or last is None else (first, last)


# Arguments identifiers_extent does not look into: plain values, and the nodes other than names that hold only plain values.
_HOLDS_NO_NAME = (CHILDLESS - {exp.Identifier}) | PLAIN_VALUES


def written_name(node: exp.Expr) -> str | None:
    """The object's name as written (quoted: as is, else in lower case), when the node is a name or a table, column
    or index named by one; None otherwise (Locator.name)."""
    name = node.this if isinstance(node, _NAMED_BY_THIS) else node
    if isinstance(name, exp.Identifier):
        return name.this if name.quoted else name.this.lower()
    return None


# The nodes named by their `this` (written_name), and those whose name is a column's (Locator.name_start).
_NAMED_BY_THIS = (exp.Table, exp.Column, exp.Index)
_COLUMNS = (exp.ColumnDef, exp.Column)

"""SQL that sqlglot writes for a tree: without a deep copy, and once per distinct tree.

sqlglot's generator may change the tree it writes, so `Expression.sql()` writes a deep copy, made
with copy.deepcopy for every node's positions: it cost more than the generator itself, and left
the copy's parent links as cyclic garbage. written() copies only what the generator can change
and cuts the copy's links once it is written, so reference counting frees it.

The same few column types, defaults and checks recur on most columns of a schema: a tree's shape
(shape()) holds everything the generator reads of it, so two trees of one shape are written alike
(WrittenSql).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from safemig_lint.reading.statements import cut_parent_links


def written(node: exp.Expr, dialect: str | None) -> str:
    """`node.sql(dialect=dialect)`, the same text."""
    return write_own(copy_tree(node), dialect)


def write_own(node: exp.Expr, dialect: str | None) -> str:
    """The SQL of a tree that is garbage once written (a copy made to be written): the generator
    may change it; its links to parents are cut after."""
    node.parent = None  # written as the root it would be as a copy
    try:
        return _dialect(dialect).generate(node, copy=False)
    finally:
        cut_parent_links(node)


@cache
def _dialect(name: str | None) -> Dialect:
    """Dialect.get_or_raise makes a new Dialect (its settings parsed from the name) at each call; a
    Dialect holds only those settings, and makes a new generator for each write: one serves them all."""
    return Dialect.get_or_raise(name)


def copy_tree(root: exp.Expr) -> exp.Expr:
    """Each node anew, with its own args, comments and meta; the values in them (names) shared, as
    the generator only reads those. A meta that holds only where the node was written is left out
    (most names have one): the generator never reads positions (shape() relies on that too).
    Expression.copy's order of work, without deepcopy, and with each child's links (parent,
    arg_key, index) set as Expression.set and append set them, without their walk up the new tree
    to forget cached hashes (a new node has none)."""
    top = root.__class__()
    stack = [(root, top)]
    while stack:
        node, copy = stack.pop()
        if node.comments is not None:
            copy.comments = list(node.comments)
        if node._type is not None:
            copy._type = deepcopy(node._type)
        meta = node._meta
        if meta and not POSITION.issuperset(meta):  # where a node was written: the generator never reads it
            copy._meta = dict(meta)
        args = copy.args
        for key, values in node.args.items():
            if isinstance(values, exp.Expr):
                child = values.__class__()
                child.parent, child.arg_key = copy, key
                args[key] = child
                stack.append((values, child))
            elif type(values) is list:
                items: list[object] = []
                for value in values:
                    if isinstance(value, exp.Expr):
                        child = value.__class__()
                        child.parent, child.arg_key, child.index = copy, key, len(items)
                        stack.append((value, child))
                        items.append(child)
                    else:
                        items.append(value)
                args[key] = items
            else:
                args[key] = values
    return top


POSITION = frozenset(("line", "col", "start", "end"))  # where a node was written: no part of its SQL


class Unshaped(Exception):
    """A node carries more than its shape records (an annotation, a spelling kept in its meta)."""


def shape(node: exp.Expr) -> tuple[object, ...]:
    """Each node's class, arguments in order and comments, recursively; scalars with their type
    (True and 1 differ). Raises Unshaped for a node the generator may read more of."""
    # The attributes: the `meta` property would make a dict, and `type` of a type is the node itself.
    meta = node._meta
    if node._type is not None or (meta and not POSITION.issuperset(meta)):
        raise Unshaped
    args: list[tuple[object, ...]] = []
    for key, value in node.args.items():
        if isinstance(value, exp.Expr):
            args.append((key, shape(value)))
        elif type(value) is list:
            args.append((key, list, tuple([shape(v) if isinstance(v, exp.Expr) else (type(v), v) for v in value])))
        else:
            args.append((key, type(value), value))
    return (type(node), tuple(args), tuple(node.comments or ()))


class WrittenSql:
    """What `write(node)` returned for each shape of node and dialect; bounded: emptied when full."""

    def __init__(self, write: Callable[[exp.Expr, str | None], str], size: int = 4096) -> None:
        self._write = write
        self._size = size
        self._written: dict[tuple[str | None, tuple[object, ...]], str] = {}

    def __call__(self, node: exp.Expr, dialect: str | None) -> str:
        try:
            key = (dialect, shape(node))
            sql = self._written.get(key)
        except (Unshaped, TypeError):  # TypeError: an argument that is no dict key (unhashable)
            return self._write(node, dialect)
        if sql is None:
            if len(self._written) >= self._size:
                self._written.clear()
            sql = self._written[key] = self._write(node, dialect)
        return sql

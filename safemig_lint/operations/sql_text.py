"""SQL that sqlglot writes for a tree, written once per distinct tree.

The same few column types, defaults and checks recur on most columns of a schema, and writing
one (sqlglot copies the tree, then runs its generator) cost more than reading the rest of the
column. A tree's shape (shape()) holds everything the generator reads of it, so two trees of
one shape are written alike.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

_POSITION = frozenset(("line", "col", "start", "end"))  # where a node was written: no part of its SQL


class Unshaped(Exception):
    """A node carries more than its shape records (an annotation, a spelling kept in its meta)."""


def shape(node: exp.Expr) -> tuple:
    """Each node's class, arguments in order and comments, recursively; scalars with their type
    (True and 1 differ). Raises Unshaped for a node the generator may read more of."""
    # The attributes: the `meta` property would make a dict, and `type` of a type is the node itself.
    meta = node._meta
    if node._type is not None or (meta and not _POSITION.issuperset(meta)):
        raise Unshaped
    args = []
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
        self._written: dict[tuple, str] = {}

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

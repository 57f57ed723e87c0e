"""What the schema replay needs of a file: where each statement is, and the ops it reads as.

The replay (analysis/schema/history.py) reads every file through FileOps. A file whose own rules
do not run (pre-commit names the staged files; the rest of the folder is history) can then come
from the content cache instead of being parsed again: FileOps round-trip through JSON. Only
plain values are kept: what only the statement's tree tells (ops.FROM_TREE: the ops' locators, for
findings' positions, and a few facts rules read) is not, and a file's own findings always come
from the parsed file.

The JSON names each object's class; only the ops and the model's value classes can be named,
and anything else, or anything that does not build, is a corrupt entry (ValueError). An attribute
that holds its default is left out (most do): a third less JSON for a staged file's run to read.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from safemig_lint.operations import model
from safemig_lint.operations import ops as o
from safemig_lint.operations.read import Reading
from safemig_lint.reading.statements import ParsedFile
from safemig_lint.values import value


@value  # one per statement read (safemig_lint/values.py)
class StatementOps:
    start: int  # the statement's offset in its file: effects are kept by it
    line: int  # where the model's notes about the statement point
    text: str  # for the words it mentions, should the replay trip on it
    ops: tuple[o.Op, ...]


@value
class FileOps:
    unreadable: bool
    statements: tuple[StatementOps, ...]


def file_ops(parsed: ParsedFile, reading: Reading) -> FileOps:
    """The file's ops as `reading` reads them (the very ops the rules see, locators included)."""
    operations = reading.of(parsed) if parsed.unreadable is None else {}
    statements = parsed.statements
    lines = parsed.lines.lines_of([s.start for s in statements])
    return FileOps(
        parsed.unreadable is not None,
        tuple([StatementOps(s.start, line, s.text, tuple(operations[s.start])) for s, line in zip(statements, lines)]),
    )


# --- JSON

_CLASSES = {
    cls.__name__: cls
    for cls in (
        *(value for value in vars(o).values() if isinstance(value, type) and issubclass(value, o.Op)),
        o.ColumnRef,
        model.ColumnType,
        model.Column,
        model.Index,
        model.Constraint,
    )
}
_KEEP = "KEEP"  # o.KEEP, the sentinel of an attribute AlterColumn leaves as it is


def to_json(file: FileOps) -> dict:
    return {
        "unreadable": file.unreadable,
        "statements": [[s.start, s.line, s.text, [_encode(op) for op in s.ops]] for s in file.statements],
    }


def from_json(data: dict) -> FileOps:
    try:
        unreadable = data["unreadable"]
        statements = tuple(
            StatementOps(int(start), int(line), str(text), tuple(_decode(op) for op in ops))
            for start, line, text, ops in data["statements"]
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"not a file's ops: {error}") from error
    if not isinstance(unreadable, bool) or not all(isinstance(op, o.Op) for s in statements for op in s.ops):
        raise ValueError("not a file's ops")
    return FileOps(unreadable, statements)


def _encode(value):
    kind: type = type(value)
    if kind in _PLAIN:
        return value
    if value is o.KEEP:
        return {"$": _KEEP}
    if kind is tuple:  # the only sequences ops and model values hold
        return [_encode(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {"$": kind.__name__}
        for name, default in _fields(kind):
            item = getattr(value, name)
            if not _same(item, default):
                fields[name] = item if type(item) in _PLAIN else _encode(item)
        return fields
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} in a file's ops")


_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def _fields(cls: type) -> tuple[tuple[str, object], ...]:
    """(name, default) of each attribute of the class that JSON keeps (not what only the tree tells: `at`
    ...); the default is dataclasses.MISSING for an attribute without one, which no value is the same as (_same)."""
    return tuple((f.name, f.default) for f in dataclasses.fields(cls) if not o.from_tree(f))


def _same(value: object, default: object) -> bool:
    """Is `value` the default, so that decoding gives it back as it is (False is not 0)?"""
    return value is default or (type(value) is type(default) and type(value) is not float and value == default)


def _decode(value):
    # By exact type (json.loads makes no subclasses), plain values first: a staged file's run
    # decodes its folder's history, tens of thousands of values.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return tuple([_decode(item) for item in value])
    if kind is dict:
        name = value["$"]
        if name == _KEEP:
            return o.KEEP
        cls = _CLASSES[name]
        return cls(**{key: item if type(item) in _PLAIN else _decode(item) for key, item in value.items() if key != "$"})
    raise ValueError(f"unexpected {kind.__name__}")

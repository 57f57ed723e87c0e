"""`@value`: a dataclass that nothing changes once made, frozen for the type checker only.

Ops and the schema model's columns, types, indexes and constraints are made by the ten thousand and
shared between versions of the history: changing one in place would change every version holding
it. A frozen dataclass forbids that at run time, but its __init__ sets each field through
object.__setattr__, three times the cost of a plain one. These classes are plain dataclasses when
the program runs, and frozen ones to mypy, which CI runs: assigning to a field is a type error
(`dataclasses.replace` makes a changed copy). Being plain, they are not hashable, unless made with
`@value(unsafe_hash=True)`: then they hash by their compared fields, as a frozen dataclass does (the
name is dataclass's own: safe here, since nothing changes them). `order=True` orders them by field.
Every value class of the package is one (the classes that were frozen dataclasses kept their hash):
a frozen dataclass also costs each process that imports it two more generated methods (~1.4 M
instructions a class, ~50 M of a one-file run).

They hold their fields in slots: a big file's history keeps ~100,000 of them alive (ops, columns),
and an instance without a `__dict__` is 40-50 bytes smaller. A class that caches a property
(functools.cached_property, which stores into the instance's `__dict__`) keeps its `__dict__`.

Their `__repr__` is one function for all (`_repr`), writing what dataclass's own writes: generating
one per class is ~0.45 M instructions of each process's start-up, for a method only a debugger or
a failing test reads.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, overload

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @overload
    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def value(cls: type[T], /) -> type[T]: ...
    @overload
    def value(*, order: bool = False, unsafe_hash: bool = False) -> Callable[[type[T]], type[T]]: ...
    def value(cls: type[T] | None = None, /, *, order: bool = False, unsafe_hash: bool = False) -> Any: ...

else:

    def value(cls=None, /, *, order=False, unsafe_hash=False):
        def make(cls):
            caches = any(isinstance(member, cached_property) for member in vars(cls).values())
            made = dataclass(cls, slots=not caches, repr=False, order=order, unsafe_hash=unsafe_hash)
            if "__repr__" not in vars(made):  # as dataclass does: a class's own __repr__ stays
                made.__repr__ = _repr
            return made

        return make if cls is None else make(cls)


@reprlib.recursive_repr()  # as dataclass's: `...` for a value that holds itself
def _repr(self) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"

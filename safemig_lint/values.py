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

dataclass generates only their `__init__`: `__repr__`, `__eq__`, `__hash__` and the orderings are
functions shared by every value class, doing what dataclass's generated ones do (its `__repr__` writes
the same text, `__eq__` and the rest compare the same tuple of compared fields, `__hash__` hashes it).
Generating them costs each process's start-up ~0.5 M instructions a method and class (~95 M of a
one-file run), and a run compares values only a few thousand times. A value class without a docstring
is given one naming its fields: dataclass would describe it by its signature, which `inspect` works out
at ~0.25 M instructions a class (~15 M of a one-file run).
"""

from __future__ import annotations

import operator
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
            if cls.__doc__ is None:
                cls.__doc__ = f"{cls.__name__}({', '.join(_field_names(cls))})"
            made = dataclass(cls, slots=not caches, repr=False, eq=False)
            made._value_compared = staticmethod(_getter(tuple(f.name for f in fields(made) if f.compare)))
            shared = {"__repr__": _repr, "__eq__": _eq, "__hash__": _hash if unsafe_hash else None}  # None: not hashable
            if order:
                shared.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
            for name, method in shared.items():
                if name not in vars(cls):  # as dataclass does: a class's own method stays
                    setattr(made, name, method)
            return made

        return make if cls is None else make(cls)


def _field_names(cls: type) -> list[str]:
    """The names of the fields dataclass will give `cls`, in its order: its bases' fields, then its own."""
    names = {name: None for base in reversed(cls.__mro__[1:]) for name in getattr(base, "__dataclass_fields__", {})}
    names.update(dict.fromkeys(vars(cls).get("__annotations__", {})))
    return list(names)


@reprlib.recursive_repr()  # as dataclass's: `...` for a value that holds itself
def _repr(self) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """What gives a value's `names` fields, as a tuple: one attrgetter (a generator of getattr cost a corpus run
    ~0.3%: values are dictionary keys), which gives the field itself when it is one."""
    if len(names) >= 2:
        return operator.attrgetter(*names)
    if names:
        get = operator.attrgetter(names[0])
        return lambda item: (get(item),)
    return lambda item: ()


def _compared(item: Any) -> tuple:
    """The fields that take part in comparisons, in their order: what dataclass's methods compare and hash."""
    return item._value_compared(item)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is self.__class__:
        return _compared(self) == _compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_compared(self))


def _ordering(compare: Callable[[tuple, tuple], bool]) -> Callable[[Any, object], bool]:
    def method(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compare(_compared(self), _compared(other))
        return NotImplemented

    return method


_lt, _le, _gt, _ge = (_ordering(compare) for compare in (operator.lt, operator.le, operator.gt, operator.ge))

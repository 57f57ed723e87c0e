"""`@value`: a dataclass that nothing changes once made, frozen for the type checker only.

Ops and the schema model's columns, types, indexes and constraints are made by the ten thousand and
shared between versions of the history: changing one in place would change every version holding
it. A frozen dataclass forbids that at run time, but its __init__ sets each field through
object.__setattr__, three times the cost of a plain one. These classes are plain dataclasses when
the program runs, and frozen ones to mypy, which CI runs: assigning to a field is a type error
(`dataclasses.replace` makes a changed copy). Being plain, they are not hashable.

They hold their fields in slots: a big file's history keeps ~100,000 of them alive (ops, columns),
and an instance without a `__dict__` is 40-50 bytes smaller. A class that caches a property
(functools.cached_property, which stores into the instance's `__dict__`) keeps its `__dict__`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def value(cls: type[T]) -> type[T]: ...

else:

    def value(cls: type[T]) -> type[T]:
        caches = any(isinstance(member, cached_property) for member in vars(cls).values())
        return dataclass(cls, slots=not caches)

"""`@value`: a dataclass that nothing changes once made, frozen for the type checker only.

Ops and the schema model's columns, types, indexes and constraints are made by the ten thousand and
shared between versions of the history: changing one in place would change every version holding
it. A frozen dataclass forbids that at run time, but its __init__ sets each field through
object.__setattr__, three times the cost of a plain one. These classes are plain dataclasses when
the program runs, and frozen ones to mypy, which CI runs: assigning to a field is a type error
(`dataclasses.replace` makes a changed copy). Being plain, they are not hashable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def value(cls: type[T]) -> type[T]: ...

else:
    value = dataclass

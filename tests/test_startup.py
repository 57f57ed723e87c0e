"""What a run does before and around linting, cut down: value classes described without `inspect`. Each is
compared here with the general path."""

from __future__ import annotations

from safemig_lint.values import value


@value
class _Base:
    first: int
    second: str = ""


@value
class _Undescribed(_Base):
    third: float = 0.0
    second: str = "kept in its place"


@value
class _Described:
    """Said here."""

    only: int


def test_a_value_class_without_a_docstring_is_described_by_its_fields_in_order():
    """dataclass would describe it by its signature (inspect); the fields named are those, in its order."""
    assert _Undescribed.__doc__ == "_Undescribed(first, second, third)"
    assert list(_Undescribed.__dataclass_fields__) == ["first", "second", "third"]
    assert _Base.__doc__ == "_Base(first, second)"
    assert _Described.__doc__ == "Said here."

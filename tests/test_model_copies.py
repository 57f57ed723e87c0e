"""The model's hand-written copies (spelled out for speed instead of dataclasses.replace) carry every
field: one added to the class and left out of its copy fails here."""

from __future__ import annotations

import dataclasses

from safemig_lint.operations.model import Column, ColumnType, Constraint, Index, Table


def _every_field_set(cls, **values):
    """An instance whose every field differs from its default (and from the other fields)."""
    for field in dataclasses.fields(cls):
        assert field.name in values, f"{cls.__name__}.{field.name}: give it a value here"
    return cls(**values)


def _same_fields(a, b) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(a))


def _column_with_every_field_set() -> Column:
    return _every_field_set(
        Column,
        name="c",
        type=ColumnType("INT"),
        nullable=False,
        default="1",
        generated=True,
        identity=True,
        unknown="why",
        cid=3,
        attributes=(("comment", "'x'"),),
        numbering="always",
    )


def test_a_key_named_again_keeps_every_other_field():
    index = _every_field_set(Index, name="", columns=("a", "b"), unique=True, where="a > 0")
    constraint = _every_field_set(Constraint, name="", kind="foreign", columns=("a",), references="t(id)", expression="x", inline="a")
    for key in (index, constraint):
        named = key.named("k")
        assert _same_fields(named, dataclasses.replace(key, name="k"))


def test_a_type_given_a_user_key_keeps_every_other_field():
    ctype = _every_field_set(ColumnType, base="USERDEFINED", params=(3,), values=("a",), user="", element=ColumnType("INT"), sql="mood")
    assert _same_fields(ctype.of_user("public.mood"), dataclasses.replace(ctype, user="public.mood"))


def test_a_column_identified_keeps_every_other_field():
    column = _column_with_every_field_set()
    assert _same_fields(column.identified(7), dataclasses.replace(column, cid=7))


def test_a_column_redefined_keeps_every_other_field():
    column = _column_with_every_field_set()
    redefined = column.redefined(ColumnType("TEXT"), True, None)
    assert _same_fields(redefined, dataclasses.replace(column, type=ColumnType("TEXT"), nullable=True, default=None))


def test_a_table_copy_keeps_every_field():
    table = _every_field_set(
        Table,
        name="t",
        columns={"c": Column("c", None)},
        constraints={"k": Constraint("k", "unique", ("c",))},
        indexes={"i": Index("i", ("c",))},
        unknown="why",
        keys_unknown="why not",
        oid=9,
        family=True,
        referenced=True,
    )
    copy = table.copy()
    assert _same_fields(copy, table)
    assert copy.columns is not table.columns and copy.constraints is not table.constraints and copy.indexes is not table.indexes

"""@value classes and the replay's effects hold their fields in slots (safemig_lint/values.py): a big
file's history keeps ~100,000 of them alive. A class between them and `object` without `__slots__`
gives every instance a `__dict__` back, silently; these tests say so."""

from __future__ import annotations

import pickle

from safemig_lint.analysis.schema import effects
from safemig_lint.operations import file_ops, model
from safemig_lint.operations import ops as o


def _classes(module, root: type) -> list[type]:
    """The module's classes under `root`, as the module names them (dataclass(slots=True) makes a new class:
    `__subclasses__()` may still list the one it replaced)."""
    return [cls for cls in vars(module).values() if isinstance(cls, type) and issubclass(cls, root)]


def test_ops_model_values_and_effects_have_no_instance_dict():
    classes = [*_classes(o, o.Op), *_classes(effects, effects.Effect), o.ColumnRef, file_ops.StatementOps, file_ops.FileOps]
    classes += [model.ColumnType, model.Column, model.Index, model.Table]
    for cls in classes:
        assert cls.__dictoffset__ == 0, f"{cls.__name__} instances have a __dict__"


def test_a_value_that_caches_a_property_keeps_its_dict():
    constraint = model.Constraint("fk", "foreign", ("a",), references="users(id)")
    assert constraint.referenced_tables == frozenset({"users(id)", "users"})


def test_slotted_values_pickle_and_compare():
    op = o.UsesColumn(o.ColumnRef("email", (("users",),), quoted=True), "target")
    column = model.Column("email", model.ColumnType("TEXT", sql="text"), nullable=False, cid=7)
    for item in (op, column, file_ops.StatementOps(0, 1, "SELECT 1", (op,))):
        assert pickle.loads(pickle.dumps(item)) == item
    assert pickle.loads(pickle.dumps(column)).cid == 7  # a field left out of comparisons survives too


def test_diagnostics_hash_compare_and_order_as_frozen_dataclasses_did():
    """Findings and diagnostics are `@value(unsafe_hash=True)` (thousands per run): kept in sets and
    dicts, they must hash by the fields they compare, and a diagnostic's suppression, fix and
    related places take no part."""
    from safemig_lint.diagnostics import Diagnostic, Edit, Finding, Related, Severity, Span, Suppression

    span = Span(1, 2, 3, 4)
    assert sorted([Span(2, 1, 2, 1), span, Span(1, 1, 9, 9)]) == [Span(1, 1, 9, 9), span, Span(2, 1, 2, 1)]
    plain = Diagnostic("SM101", "drop-table", Severity.ERROR, "m/1.up.sql", span, "message")
    extras = Diagnostic(
        "SM101",
        "drop-table",
        Severity.ERROR,
        "m/1.up.sql",
        Span(1, 2, 3, 4),
        "message",
        suppression=Suppression(1, "why"),
        fix=(Edit(0, 1, ""),),
        related=(Related("m/1.down.sql", span, "here"),),
    )
    assert plain == extras and hash(plain) == hash(extras) and len({plain, extras}) == 1
    assert plain != Diagnostic("SM101", "drop-table", Severity.ERROR, "m/1.up.sql", span, "other message")
    finding = Finding(span, "message", related=(Related("p", span, "here"),))
    assert {finding: 1}[Finding(Span(1, 2, 3, 4), "message", related=(Related("p", span, "here"),))] == 1
    for item in (span, plain, extras, finding):
        assert type(item).__dictoffset__ == 0
        assert pickle.loads(pickle.dumps(item)) == item

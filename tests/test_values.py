"""@value classes and the replay's effects hold their fields in slots (safemig_lint/values.py): a big
file's history keeps ~100,000 of them alive. A class between them and `object` without `__slots__`
gives every instance a `__dict__` back, silently; these tests say so."""

from __future__ import annotations

import pickle

from safemig_lint.analysis.schema import effects
from safemig_lint.diagnostics import Severity
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


def _as_dataclass_writes(item) -> str:
    """What dataclass's generated __repr__ would write for `item`: a twin class made with it holds the same fields."""
    from dataclasses import field, fields, make_dataclass

    twin = make_dataclass(type(item).__name__, [(f.name, object, field(repr=f.repr)) for f in fields(item)])
    twin.__qualname__ = type(item).__qualname__
    copy = object.__new__(twin)
    for f in fields(item):
        object.__setattr__(copy, f.name, getattr(item, f.name))
    return repr(copy)


def test_a_values_repr_is_what_dataclass_writes():
    """@value classes share one __repr__ (values._repr) instead of one generated per class at import: it
    writes what dataclass's own would, for every value the fixtures' ops and findings hold."""
    from dataclasses import field, fields, is_dataclass

    from safemig_lint import values
    from safemig_lint.config import Config
    from safemig_lint.engine import lint, read_and_parse
    from safemig_lint.operations.read import Reading
    from tests.conftest import FIXTURES

    found: dict[type, list[object]] = {}

    def collect(item: object) -> None:
        if isinstance(item, (tuple, list, frozenset)):
            for part in item:
                collect(part)
        elif isinstance(item, dict):
            for part in item.values():
                collect(part)
        elif is_dataclass(item) and not isinstance(item, type):
            if type(item).__repr__ is values._repr:
                found.setdefault(type(item), []).append(item)
            for f in fields(item):
                collect(getattr(item, f.name))

    for path in sorted(FIXTURES.rglob("*.sql")):
        dialect = next((d for d in ("mysql", "sqlite") if d in path.parent.name), "postgres")
        collect(list(Reading(dialect).of(read_and_parse(path, Config(dialect=dialect))).values()))
    collect(lint([str(FIXTURES)], Config()).diagnostics)
    collect(Config(severity={"SM1": Severity.INFO}, mysql_version=(8, 0)))
    assert len(found) >= 20  # ops, the model's values, findings, settings

    @values.value
    class Local:  # a class inside a function, and a field not shown: no package class has both
        shown: int
        hidden: str = field(default="", repr=False)

    found[Local] = [Local(1, "x")]
    for items in found.values():
        for item in items[:50]:
            assert repr(item) == _as_dataclass_writes(item)

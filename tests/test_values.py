"""@value classes and the replay's effects hold their fields in slots (safemig_lint/values.py): a big
file's history keeps ~100,000 of them alive. A class between them and `object` without `__slots__`
gives every instance a `__dict__` back, silently; these tests say so."""

from __future__ import annotations

import pickle

from safemig_lint import values
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


_TWINS: dict[type, type] = {}


def _hash_or_error(item: object) -> int | type[Exception]:
    try:
        return hash(item)
    except TypeError:
        return TypeError


def _twin(item):
    """`item` as an instance of a class dataclass generates every method of, with the same fields and
    the same options (compared, shown, hashable, ordered) as its @value class: what the shared methods
    of values.py must do as those generated ones do."""
    from dataclasses import field, fields, make_dataclass

    cls = type(item)
    twin = _TWINS.get(cls)
    if twin is None:
        ordered = cls.__lt__ is values._lt
        twin = make_dataclass(
            cls.__name__,
            [(f.name, object, field(repr=f.repr, compare=f.compare)) for f in fields(item)],
            order=ordered,
            unsafe_hash=cls.__hash__ is not None,
        )
        twin.__qualname__ = cls.__qualname__
        _TWINS[cls] = twin
    copy = object.__new__(twin)
    for f in fields(item):
        object.__setattr__(copy, f.name, getattr(item, f.name))
    return copy


def test_a_values_shared_methods_do_what_dataclass_generates():
    """@value classes share one __repr__, __eq__, __hash__ and ordering (values.py) instead of methods
    generated per class at import: each gives what dataclass's own would, for every value the
    fixtures' ops and findings hold (each compared with every other of its class and with a copy)."""
    import copy
    import itertools
    from dataclasses import field, fields, is_dataclass

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

    @values.value(order=True, unsafe_hash=True)
    class Local:  # a class inside a function, a field not shown, one not compared: no package class has them all
        shown: int
        hidden: str = field(default="", repr=False)
        ignored: int = field(default=0, compare=False)

    @values.value
    class Plain:
        shown: int

    found[Local] = [Local(1, "x"), Local(1, "x", 2), Local(2, "a"), Local(1, "y")]
    found[Plain] = [Plain(1), Plain(1), Plain(2)]
    assert Plain.__hash__ is None and o.CreateTable.__hash__ is None  # not hashable, as a plain dataclass with __eq__
    assert any(type(item).__lt__ is values._lt for items in found.values() for item in items)  # Span
    hashable = 0
    for cls, items in found.items():
        items = items[:30]
        assert (cls.__hash__ is None) == (type(_twin(items[0])).__hash__ is None)
        for item in items:
            assert repr(item) == repr(_twin(item))
            if cls.__hash__ is not None:
                hashable += 1
                assert _hash_or_error(item) == _hash_or_error(_twin(item))  # Config holds a dict: both raise
        for a, b in itertools.chain(itertools.product(items, repeat=2), ((item, copy.copy(item)) for item in items)):
            assert (a == b) == (_twin(a) == _twin(b)) and (a != b) == (_twin(a) != _twin(b))
            if cls.__lt__ is values._lt:
                ta, tb = _twin(a), _twin(b)
                assert (a < b, a <= b, a > b, a >= b) == (ta < tb, ta <= tb, ta > tb, ta >= tb)
        assert items[0] != object() and _twin(items[0]) != object()
    assert hashable > 0

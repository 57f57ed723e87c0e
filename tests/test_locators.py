"""Ops carry Locators (operations/locator.py), not their sqlglot nodes, and a few facts their tree told
(ops.FROM_TREE). Over every statement of fixtures/ and of the rule pages' examples, in each dialect:
each Locator answers what findings asked of the node before (the span FileContext.node_span worked
out, the name shown_name showed, the column name fixes._guard_column anchored at), before and after
it settles; ops share a Locator exactly when they shared a node; and each fact is what the rule (or
the replay) read from the node. The reference functions below are those readings, as they were.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import sql_texts
from sqlglot import exp

from safemig_lint.operations import ops as o
from safemig_lint.operations.read import Names, Reading
from safemig_lint.reading.statements import parse_file

# --- the readings of a node the Locators and facts replace, as base.py, fixes.py and the rules wrote them


def old_extent(node: exp.Expr) -> tuple[int, int] | None:
    positions = [(i.meta["start"], i.meta["end"] + 1) for i in node.find_all(exp.Identifier) if "start" in i.meta]
    return (min(p[0] for p in positions), max(p[1] for p in positions)) if positions else None


def old_name(node: exp.Expr) -> str | None:
    name = node.this if isinstance(node, (exp.Table, exp.Column, exp.Index)) else node
    return (name.this if name.quoted else name.this.lower()) if isinstance(name, exp.Identifier) else None


def old_name_start(node: exp.Expr) -> int | None:
    name = node.this if isinstance(node, (exp.ColumnDef, exp.Column)) else None
    return name.meta["start"] if isinstance(name, exp.Identifier) and "start" in name.meta else None


def old_facts(op: o.Op, node: exp.Expr | None, dialect: str) -> dict[str, object]:
    """The facts of the op as the rules (and resolve.py) read them from its node."""
    if isinstance(op, o.AddConstraint):
        named = node.find(exp.Constraint) if node is not None else None
        name = named.this.sql(dialect=dialect) if named is not None and isinstance(named.this, exp.Identifier) else ""
        inline = isinstance(node, exp.ColumnDef)
        return {"in_added_column": inline, "written_name": "" if inline else name}  # SM508 read no name of an inline key
    if isinstance(op, o.AddColumn):
        kinds = [c.args.get("kind") for c in node.args.get("constraints") or []] if isinstance(node, exp.ColumnDef) else []
        default = next((k.this for k in kinds if isinstance(k, exp.DefaultColumnConstraint)), None)
        constant = (
            isinstance(default, exp.Neg)
            if isinstance(default, (exp.Neg, exp.Paren)) and isinstance(default.this, exp.Literal)
            else isinstance(default, (exp.Literal, exp.Null, exp.Boolean, exp.Column, exp.Identifier))
        )
        variable = default.sql(dialect="sqlite") if default is not None and not constant and dialect == "sqlite" else ""
        return {"primary_key": any(isinstance(k, exp.PrimaryKeyColumnConstraint) for k in kinds), "variable_default": variable}
    if isinstance(op, o.AlterColumn):
        using = node.args.get("using") if isinstance(node, exp.Expression) and op.using else None
        if using is None:
            return {"converts": False, "nulls_rewritten": ()}
        inner = using
        while isinstance(inner, exp.Paren):
            inner = inner.this
        nulls = tuple(
            n.this.name.lower()
            for n in using.find_all(exp.Is, exp.Coalesce)
            if isinstance(n.this, exp.Column)
            and (isinstance(n, exp.Is) and isinstance(n.expression, exp.Null) or isinstance(n, exp.Coalesce) and n.expressions)
        )
        converts = not (isinstance(inner, exp.Column) or (isinstance(inner, exp.Cast) and isinstance(inner.this, exp.Column)))
        return {"converts": converts, "nulls_rewritten": nulls}
    if isinstance(op, o.ReplaceColumn):
        if node is None:
            return {"change": False, "definition_sql": "", "says_nullability": False, "says_default": ""}
        kinds = [c.args.get("kind") for c in node.this.args.get("constraints") or []]
        written = {type(kind) for kind in kinds}
        default_null = any(isinstance(k, exp.DefaultColumnConstraint) and isinstance(k.this, exp.Null) for k in kinds)
        return {
            "change": bool(node.args.get("rename_from")),
            "definition_sql": node.this.sql(dialect="mysql"),
            "says_nullability": exp.NotNullColumnConstraint in written,
            "says_default": "" if exp.DefaultColumnConstraint not in written else "null" if default_null else "value",
        }
    return {}


# --- what is read

EXTRA = {  # what the fixtures and pages hold few of: every fact, and a DO block's ops (no locator, no fact)
    "postgres": """
        ALTER TABLE t ALTER COLUMN c TYPE int USING COALESCE(c, 0)::int, ALTER COLUMN d TYPE date USING (d::date);
        ALTER TABLE t ALTER COLUMN e TYPE text USING CASE WHEN e IS NULL THEN '' ELSE e END;
        ALTER TABLE t ADD COLUMN c int PRIMARY KEY DEFAULT (random()) REFERENCES u (id), ADD CONSTRAINT "Fk" FOREIGN KEY (a) REFERENCES u (id);
        ALTER TABLE t ADD CONSTRAINT c1 CHECK (a > 0), ADD CONSTRAINT c2 UNIQUE (b);
        UPDATE t SET (a, b) = (1, 2);
        CREATE INDEX ON t (a);
        DO $$ BEGIN ALTER TABLE t ADD COLUMN c int REFERENCES u (id); END $$;
    """,
    "mysql": """
        ALTER TABLE t MODIFY c int NULL DEFAULT NULL COMMENT 'x', CHANGE COLUMN a b varchar(3) NOT NULL PRIMARY KEY;
        ALTER TABLE t MODIFY COLUMN d int DEFAULT 3;
    """,
    "sqlite": """
        ALTER TABLE t ADD COLUMN c int DEFAULT (1);
        ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT -1;
        ALTER TABLE t ADD COLUMN e text DEFAULT CURRENT_TIMESTAMP;
    """,
}


def check(text: str, dialect: str, monkeypatch: pytest.MonkeyPatch, counts: Counter) -> None:
    """Read the text's ops, and assert what the module says of each."""
    made: dict[int, tuple[object, exp.Expr]] = {}  # id(locator) -> (the locator, kept alive: its id stays its own; its node)
    locate = Names.locate

    def recording(self, node):
        at = locate(self, node)
        if at is not None:
            made[id(at)] = (at, node)
        return at

    with monkeypatch.context() as patched:
        patched.setattr(Names, "locate", recording)
        parsed = parse_file(text, dialect)
        operations = Reading(dialect).of(parsed)
    for statement in parsed.statements:
        ops = operations[statement.start]
        nodes = [made[id(op.at)][1] if op.at is not None else None for op in ops]
        # Ops share a Locator exactly when they shared a node (rules match ops and effects by it).
        assert _partition([op.at for op in ops]) == _partition(nodes), statement.text
        counts["shared"] += len(ops) - len({id(op.at) for op in ops})
        for op, node in zip(ops, nodes):
            counts["ops"] += 1
            facts = {name: getattr(op, name) for name in old_facts(op, node, dialect)}
            assert facts == old_facts(op, node, dialect), (statement.text, op)
            counts.update(f"fact {name}" for name, value in facts.items() if value)
            if node is None:
                continue
            at = op.at
            assert at is not None
            old = (old_extent(node), old_name(node), old_name_start(node))
            assert (at.extent, at.name, at.name_start) == old, (statement.text, op)
            counts.update(k for k, v in zip(("extent", "name", "name_start"), old) if v is not None)
    # Settled, a Locator answers without its node: take every position and name out of the trees.
    for at, _ in made.values():
        at.settle()
    answers = {key: (at.extent, at.name, at.name_start) for key, (at, _) in made.items()}
    for _, node in made.values():
        for identifier in node.find_all(exp.Identifier):
            identifier.meta.clear()
            identifier.set("this", "")
    assert {key: (at.extent, at.name, at.name_start) for key, (at, _) in made.items()} == answers


def _partition(items: list) -> list[list[int]]:
    """The positions of the items, grouped by identity (None being one item like any other)."""
    groups: dict[int, list[int]] = {}
    for position, item in enumerate(items):
        groups.setdefault(id(item), []).append(position)
    return sorted(groups.values())


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_locators_and_facts_answer_as_the_nodes_did(dialect, monkeypatch):
    counts: Counter = Counter()
    for text in [*sql_texts(), EXTRA[dialect]]:
        check(text, dialect, monkeypatch, counts)
    # What was compared: real spans, names, column names, shared locators, and the facts of this dialect.
    assert counts["ops"] > 900 and counts["extent"] > 800 and counts["name"] > 600 and counts["name_start"] > 150
    assert counts["shared"] > 20
    wanted = {
        "postgres": ("in_added_column", "written_name", "primary_key", "converts", "nulls_rewritten"),
        "mysql": ("change", "definition_sql", "says_nullability", "says_default"),
        "sqlite": ("variable_default",),
    }[dialect]
    assert all(counts[f"fact {name}"] for name in wanted), counts


def test_a_do_blocks_ops_have_no_locator_and_no_fact_of_its_tree():
    parsed = parse_file("DO $$ BEGIN ALTER TABLE t ADD COLUMN c int PRIMARY KEY REFERENCES u (id); END $$;", "postgres")
    ops = Reading("postgres").of(parsed)[0]
    assert {type(op) for op in ops} >= {o.AddColumn, o.AddConstraint}
    assert all(op.at is None for op in ops)
    assert not any(op.in_added_column for op in ops if isinstance(op, o.AddConstraint))
    assert not any(op.primary_key for op in ops if isinstance(op, o.AddColumn))


def test_facts_and_locators_are_not_kept_in_json():
    from safemig_lint.operations import file_ops

    parsed = parse_file("ALTER TABLE t ADD COLUMN c int PRIMARY KEY REFERENCES u (id);", "postgres")
    kept = file_ops.file_ops(parsed, Reading("postgres"))
    back = file_ops.from_json(file_ops.to_json(kept))
    assert back == kept  # equality leaves them out
    (added, *keys) = [op for op in kept.statements[0].ops if isinstance(op, (o.AddColumn, o.AddConstraint))]
    assert added.at is not None and added.primary_key and all(k.at is added.at and k.in_added_column for k in keys)
    assert all(op.at is None for op in back.statements[0].ops)
    assert not any(getattr(op, "in_added_column", False) or getattr(op, "primary_key", False) for op in back.statements[0].ops)
    written = json.dumps(file_ops.to_json(kept))
    assert '"$": "AddColumn"' in written and not any(f'"{name}"' in written for name in ("at", "in_added_column", "primary_key"))


def test_no_op_effect_lock_or_plan_holds_a_node_of_the_tree():
    """What outlives reading (ops, the replay's effects and verdicts, locks, MySQL's plans) holds Locators
    and plain values only, so that a statement's tree can go once it is read."""
    import dataclasses

    from safemig_lint.analysis import locks
    from safemig_lint.analysis.schema import effects

    def kinds(module, base):
        return [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, base)]

    classes = [*kinds(o, o.Op), *kinds(effects, effects.Effect), locks.Lock, locks.MysqlAlter]
    assert len(classes) > 40
    for cls in classes:
        for field in dataclasses.fields(cls):
            assert not any(word in str(field.type) for word in ("exp.", "Expr", "Expression")), (cls, field)


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_identifiers_extent_is_find_alls_for_every_node(dialect):
    """locator.identifiers_extent walks a node on its own: the extent find_all(exp.Identifier) gave, for every
    node of every statement (the Locators' nodes are some of them; digests ask of others). So does a Locator of
    each node, and it gives the name and column name's start the node did (Locator.settle reads them itself)."""
    from safemig_lint.operations.locator import Locator, identifiers_extent

    compared = placed = 0
    for text in [*sql_texts(), EXTRA[dialect]]:
        for statement in parse_file(text, dialect).statements:
            if statement.expression is None:
                continue
            for node in statement.expression.walk():
                extent = identifiers_extent(node)
                assert extent == old_extent(node), (statement.text, node.sql())
                at = Locator(node)
                assert (at.extent, at.name, at.name_start) == (extent, old_name(node), old_name_start(node)), (statement.text, node.sql())
                compared += 1
                placed += extent is not None
    assert compared > 4_000 and placed > 3_000

"""The shortcuts reading takes to a statement's SQL and keys give what the long way gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlglot import exp

from safemig_lint.operations import ops as o
from safemig_lint.operations import read, types
from safemig_lint.operations.read import Reading
from safemig_lint.operations.sql_text import copy_tree, written
from safemig_lint.reading.statements import _mask_placeholders, parse_file
from safemig_lint.rule_pages import load_page, pages_directory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _statements() -> list[tuple[str, exp.Expr]]:
    """(dialect, tree) of every statement sqlglot parses in the fixtures and the rule pages' examples."""
    texts: list[tuple[str, str]] = []
    for path in sorted(FIXTURES.rglob("*.sql")):
        texts.append((path.parent.name if path.parent.name in ("mysql", "sqlite") else "postgres", path.read_text()))
    for page in sorted(pages_directory().glob("*.md")):
        rule = load_page(page.stem.split("-")[0].upper())
        for example in (rule.bad, rule.good):
            dialect = re.search(r'dialect\s*=\s*"(\w+)"', example.config or "")
            texts += [(dialect.group(1) if dialect else "postgres", sql) for sql in example.files.values()]
    return [(d, s.expression) for d, text in texts for s in parse_file(text, d).statements if s.expression is not None]


STATEMENTS = _statements()


def _links(node: exp.Expr) -> list[tuple[object, ...]]:
    """Each node of the tree: its class, scalar args, comments, meta and its links to its parent, in order."""
    found = []
    for each in node.walk(bfs=False):
        scalars = sorted((k, repr(v)) for k, v in each.args.items() if not isinstance(v, (exp.Expr, list)))
        parent = None if each is node else (type(each.parent).__name__, each.arg_key, each.index)
        found.append((type(each).__name__, scalars, each.comments, each._meta, parent))
    return found


def test_the_fixtures_and_examples_give_trees_to_write():
    assert len(STATEMENTS) > 300
    assert {d for d, _ in STATEMENTS} == {"postgres", "mysql", "sqlite"}


def test_written_sql_is_sqlglots_and_leaves_the_tree_as_it_was():
    for dialect, tree in STATEMENTS:
        for node in [tree, *tree.iter_expressions()]:
            before = _links(node)
            assert written(node, dialect) == node.sql(dialect=dialect)
            assert _links(node) == before


def _written_part(links: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The links with a meta that holds only where its node was written as none (copy_tree leaves it out)."""
    positions = {"line", "col", "start", "end"}
    return [(*link[:3], None if not link[3] or positions.issuperset(link[3]) else link[3], link[4]) for link in links]


def test_a_copy_links_each_node_as_sqlglots_own_copy_does():
    for _, tree in STATEMENTS:
        for node in [tree, *tree.iter_expressions()]:
            copy, expected = copy_tree(node), node.copy()
            assert copy.parent is None
            assert _links(copy) == _written_part(_links(expected))
            assert all(a is not b for a, b in zip(copy.walk(), node.walk()))


def test_a_user_type_read_once_keeps_each_files_own_key():
    # The same type as sqlglot sees it: a template's stand-in in one file, a real name in the other.
    templated = parse_file("CREATE TABLE t (a {{ .Schema }}.mood);\n", "postgres")
    plain = parse_file("CREATE TABLE t (a x0___________.mood);\n", "postgres")
    for first, second in ((templated, plain), (plain, templated)):
        types._column_types.clear()
        keys = {}
        for parsed in (first, second):
            (created,) = Reading("postgres").of(parsed)[0]
            keys[id(parsed)] = created.columns[0].type.user
        assert keys == {id(templated): "{{}}.mood", id(plain): "x0___________.mood"}


# Types a key that left out a parameter, its type, a setting, a comment or the dialect would confuse (the fixtures
# hold few of them; MySQL reads BOOLEAN as TINYINT).
_TYPES = {
    "postgres": [
        "boolean",
        "varchar(20)",
        "varchar(20 /* wide */)",
        "varchar(200)",
        "numeric(12, 2)",
        "numeric(12)",
        "numeric(2, 12)",
        "numeric",
        "char(1)",
        "int[]",
        "mood",
    ],
    "mysql": ["boolean", "int", "int(11)", "int unsigned", "decimal(10, 2) unsigned", "decimal(10, 2)", "varchar(20)", "enum('a', 'b')"],
    "sqlite": ["varchar(9)", "varbinary", "varbinary(9)", "integer", "blob"],
}


def _commented(sql: str, on_parameter: bool) -> exp.DataType:
    """A type with a comment on itself or on its first parameter, where sqlglot's parser puts none but a tree can
    hold one (the generator writes it)."""
    node = exp.DataType.build(sql, dialect="postgres")
    (node.expressions[0] if on_parameter else node).add_comments(["wide"])
    return node


def test_each_type_read_through_the_cache_is_read_as_on_its_own():
    """Plain types (types._plain_key) and the others (sql_text.shape) share one cache: every type of the fixtures
    and examples, read through it in turn, is the type and the SQL that reading it alone gives."""
    found = [(d, node) for d, tree in STATEMENTS for node in tree.find_all(exp.DataType)]
    found += [(d, exp.DataType.build(sql, dialect=d, udt=True)) for d, listed in _TYPES.items() for sql in listed]
    found += [
        ("postgres", _commented("int", False)),
        ("postgres", _commented("varchar(20)", True)),
        ("postgres", _commented("varchar(20)", False)),
    ]
    plain = sum(types._plain_key(node, dialect) is not None for dialect, node in found)
    assert plain > 300 and len(found) - plain > 3
    types._column_types.clear()
    for dialect, node in found * 2:  # the second time from the cache
        fold = read.Names(dialect).type_name
        read_alone = types._column_type(node, dialect, fold)
        through_cache = types.column_type(node, dialect, fold)
        assert (through_cache, through_cache.sql) == (read_alone, read_alone.sql)


def test_names_read_alike_whether_their_keys_were_kept_or_forgotten(monkeypatch):
    sql = "CREATE TABLE a (x int REFERENCES b (y), z text DEFAULT lower('Q'), CHECK (x > 0));\nINSERT INTO a (x, z) VALUES (1, 'a');\n"
    kept = [Reading("postgres").of(parse_file(sql, "postgres"))]
    monkeypatch.setattr(read, "_NAMES_KEPT", 1)
    monkeypatch.setattr(types, "_TYPES_KEPT", 1)
    forgotten = [Reading("postgres").of(parse_file(sql, "postgres"))]
    assert forgotten == kept


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_definition_uses_finds_what_a_whole_walk_finds(dialect):
    sql = (
        "CREATE TABLE a (x int CONSTRAINT named REFERENCES b (y) CHECK (x > w), z text DEFAULT lower(q) NOT NULL,"
        " CONSTRAINT k FOREIGN KEY (z) REFERENCES c (v), CHECK (z <> x));\n"
    )
    (statement,) = parse_file(sql, dialect).statements
    names = read.Names(dialect)
    everything = []
    for node in statement.expression.this.walk(bfs=False):  # every CHECK, DEFAULT and REFERENCES, in order
        if isinstance(node, exp.CheckColumnConstraint):
            everything += read.expression_uses(node.this, "a", names)
        elif isinstance(node, exp.DefaultColumnConstraint):
            everything += read.expression_uses(node.this, None, names, "default")
        elif isinstance(node, exp.Reference):
            everything += read._reference_uses(node, names)
    assert len(everything) >= 6
    assert read.definition_uses(statement.expression.this, "a", names) == everything


def test_what_a_definition_names_is_read_with_its_columns_as_a_walk_of_it_finds():
    """CREATE TABLE and ADD COLUMN read what a column's CHECKs, DEFAULTs and REFERENCES name along with the
    column (read._column): the same ops, from the same nodes, in the same order, as definition_uses's walk
    of the whole definition, in every statement of the fixtures and examples."""
    found = 0
    written = [(dialect, s.expression) for dialect in ("postgres", "mysql", "sqlite") for s in parse_file(_DEFINITIONS, dialect).statements]
    for dialect, tree in STATEMENTS + [(d, tree) for d, tree in written if tree is not None]:
        for inline_foreign_keys in (True, False):
            names = read.Names(dialect, inline_foreign_keys=inline_foreign_keys)
            if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema) and str(tree.args.get("kind")).upper() == "TABLE":
                ops = read._create_table(tree, names)
                created = next(index for index, op in enumerate(ops) if isinstance(op, o.CreateTable))
                pairs = [(ops[created + 1 :], read.definition_uses(tree.this, ops[created].table, names))]
            elif isinstance(tree, exp.Alter):
                columns = [action for action in tree.args.get("actions") or [] if isinstance(action, exp.ColumnDef)]
                pairs = [
                    (
                        [op for op in read._alter_action("t", c, tree.this, names) if isinstance(op, o.Uses)],
                        read.definition_uses(c, "t", names),
                    )
                    for c in columns
                ]
            else:
                continue
            for read_with_columns, walked in pairs:
                assert read_with_columns == walked
                assert [op.at for op in read_with_columns] == [op.at for op in walked]  # the same Locators: the same nodes
                found += len(walked)
    assert found > 100


# Every kind of part definition_uses finds something in (the fixtures hold few): inline and table-level, named or not.
_DEFINITIONS = """
CREATE TABLE a (x int CONSTRAINT named REFERENCES b (y) CHECK (x > w), z text DEFAULT lower(q) NOT NULL,
  n int DEFAULT nextval('s') REFERENCES c, CONSTRAINT k FOREIGN KEY (z) REFERENCES c (v), CHECK (z <> x), UNIQUE (n));
CREATE TABLE d (LIKE a, e int PRIMARY KEY CHECK (e > 0) DEFAULT 1, f int REFERENCES d (e) ON DELETE CASCADE);
ALTER TABLE a ADD COLUMN g int REFERENCES b (y) CHECK (g <> x) DEFAULT upper(h);
ALTER TABLE a ADD COLUMN i int NOT NULL DEFAULT 0, ADD CONSTRAINT j CHECK (i > x);
"""


def test_a_statement_is_masked_as_the_whole_file_was():
    text = "".join(
        f"CREATE TABLE {{{{ .Schema }}}}.t{i} (id int);\n{{{{ if .X }}}}\nALTER TABLE t{i} ADD COLUMN {{{{.C}}}}_{i} text;\n{{{{ end }}}}\n"
        for i in range(40)
    )
    parsed = parse_file(text, "postgres")
    names = read.Names("postgres", parsed.placeholders)
    whole = _mask_placeholders(text, [])
    assert len(parsed.statements) == 80 and len(parsed.placeholders) == 160
    for statement in parsed.statements:
        assert names.masked(statement) == whole[statement.start : statement.end] != statement.text

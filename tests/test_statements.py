"""Splitting files into statements with exact positions, and parsing each on its own."""

from __future__ import annotations

import pytest
from sqlglot import exp

from safemig_lint.reading.source import LineIndex, Unreadable, decode
from safemig_lint.reading.statements import ReleasedStatement, parse_file


def texts(parsed):
    return [s.text for s in parsed.statements]


def test_statements_keep_exact_offsets():
    sql = "-- header\nCREATE TABLE a (id int);\n\n  DROP TABLE b ;\nSELECT 1"
    parsed = parse_file(sql, "postgres")
    assert texts(parsed) == ["CREATE TABLE a (id int)", "DROP TABLE b", "SELECT 1"]
    for statement in parsed.statements:
        assert sql[statement.start : statement.end] == statement.text
    assert parsed.lines.position(parsed.statements[1].start) == (4, 3)


def test_each_statement_is_parsed_on_its_own():
    parsed = parse_file("CREATE TABLE (;\nDROP TABLE b;", "postgres")
    broken, fine = parsed.statements
    assert broken.error and broken.expression is None
    assert isinstance(fine.expression, exp.Drop)


def test_parse_error_points_at_the_offending_token_without_token_repr():
    parsed = parse_file("CREATE TABLE (;", "postgres")
    statement = parsed.statements[0]
    assert (statement.error_start, statement.error_end) == (13, 14)
    assert "<Token" not in statement.error


def test_command_fallback_keeps_raw_text():
    parsed = parse_file("CREATE EXTENSION IF NOT EXISTS pgcrypto;", "postgres")
    statement = parsed.statements[0]
    assert statement.is_command and statement.text == "CREATE EXTENSION IF NOT EXISTS pgcrypto"


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_trigger_body_with_semicolons_is_one_statement(dialect):
    sql = (
        "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW BEGIN\n"
        "  IF NEW.x > 0 THEN UPDATE a SET y = 1; END IF;\n"
        "  UPDATE a SET z = CASE WHEN 1 THEN 2 END;\n"
        "END;\nDROP TABLE b;"
    )
    parsed = parse_file(sql, dialect)
    assert len(parsed.statements) == 2
    assert parsed.statements[0].text.endswith("END")
    assert parsed.statements[1].text == "DROP TABLE b"


def test_dollar_quoted_body_is_one_statement():
    sql = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN PERFORM 1; RETURN 1; END; $$ LANGUAGE plpgsql;\nSELECT 2;"
    assert len(parse_file(sql, "postgres").statements) == 2


@pytest.mark.parametrize(
    "sql, what",
    [
        ("SELECT 1;\nSELECT 'abc;\nDROP TABLE x;", "string literal"),
        ("SELECT 1;\nDO $$ BEGIN\n PERFORM 1;\n", "dollar-quoted body"),
        ("SELECT 1;\n/* never closed\nDROP TABLE x;", "block comment"),
    ],
)
def test_unterminated_constructs_become_one_error_statement(sql, what):
    parsed = parse_file(sql, "postgres")
    first, broken = parsed.statements
    assert first.text == "SELECT 1" and first.error is None
    assert what in broken.error
    assert parsed.lines.position(broken.error_start)[0] == 2


def test_comments_are_found_with_positions_but_not_inside_strings():
    sql = "SELECT '-- not a comment'; -- real\n/* block */ SELECT 1;"
    parsed = parse_file(sql, "postgres")
    assert [c.text for c in parsed.comments] == ["real", "block"]
    assert sql[parsed.comments[0].start : parsed.comments[0].end] == "-- real"


def test_mysql_hash_comments():
    parsed = parse_file("SELECT 1; # note\nSELECT 2;", "mysql")
    assert [c.text for c in parsed.comments] == ["note"]


def test_template_placeholders_are_masked_with_positions_kept():
    sql = "CREATE TABLE {{ .Schema }}.users (id int);\nSELECT '${NAME}';"
    parsed = parse_file(sql, "postgres")
    assert [p.text for p in parsed.placeholders] == ["{{ .Schema }}", "${NAME}"]
    assert all(s.error is None for s in parsed.statements)
    assert parsed.statements[0].text == "CREATE TABLE {{ .Schema }}.users (id int)"


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite", "tsql", "bigquery", "clickhouse", "oracle", "snowflake"])
def test_any_dialect_runs_without_crashing(dialect):
    sql = "CREATE TABLE a (id int);\nALTER TABLE a ADD b int;\nDROP TABLE a;\nSELECT 'x"
    parsed = parse_file(sql, dialect)
    assert parsed.statements


def test_decode_handles_bom_crlf_binary_and_bad_utf8():
    assert decode("\ufeffSELECT 1;\r\n".encode("utf-8")) == "SELECT 1;\r\n"
    binary = decode(b"SELECT 1;\n\x00\x01")
    assert isinstance(binary, Unreadable) and "binary" in binary.reason and binary.line == 2
    latin = decode("SELECT 1;\nSELECT 'caf\xe9';".encode("latin-1"))
    assert isinstance(latin, Unreadable) and "UTF-8" in latin.reason and (latin.line, latin.column) == (2, 12)
    assert isinstance(decode(b"x" * 11, max_bytes=10), Unreadable)


def test_line_index_with_crlf():
    lines = LineIndex("a\r\nbc\r\n")
    assert lines.position(3) == (2, 1)
    assert lines.line_text(1) == "a"
    assert lines.span(3, 5).end_column == 3


def test_shaped_by_template_with_and_without_placeholders():
    templated = parse_file("{{ if .pg }}\nCREATE TABLE a (id int);\n{{ end }}\nCREATE TABLE {{ .T }} (id int);\nDROP TABLE b;", "postgres")
    assert [templated.shaped_by_template(s) for s in templated.statements] == [True, False, False]
    plain = parse_file("CREATE TABLE a (id int);\nCREATE TABLE c (id int);", "postgres")
    assert not plain.placeholders and not any(plain.shaped_by_template(s) for s in plain.statements)


def test_lines_of_offsets_agree_with_position():
    text = "a\n\nbc\r\n\nd;\ne"
    lines = LineIndex(text)
    every = list(range(-2, len(text) + 3))  # out of range too: clamped, as position() does
    shuffled = [5, 1, 9, 3, 3, 0, len(text) + 1, 7]  # out of order: each looked up
    for offsets in (every, shuffled, []):
        assert lines.lines_of(offsets) == [lines.position(offset)[0] for offset in offsets]


def test_routine_the_parser_cannot_model_is_kept_as_raw_text_not_an_error():
    sql = "CREATE PROCEDURE add_col(IN tbl VARCHAR(64))\nBEGIN\n  IF tbl = '' THEN\n    SELECT 1;\n  END IF;\nEND;\nCREATE TABLE (;"
    routine, broken = parse_file(sql, "mysql").statements
    assert routine.error is None and routine.is_command and routine.text.endswith("END")
    # other statements are still read; without MySQL's grammar, one sqlglot cannot read is "not analysed"
    assert broken.error is None and "Expected table name" in broken.unanalysed


def test_internal_sqlglot_messages_are_not_shown_as_the_error():
    statement = parse_file("SELECT -;", "mysql").statements[0]
    assert "(its reader stops at: syntax the reader does not know)" in statement.unanalysed and "sqlglot" not in statement.unanalysed


@pytest.mark.parametrize("columns", [1, 40], ids=["small tree, scanned", "large tree, indexed"])
def test_nodes_of_given_types_come_grouped_by_type_in_walk_order(columns):
    from safemig_lint.reading import statements

    sql = "CREATE TABLE t (" + ", ".join(f"c{n} int DEFAULT {n} CHECK (c{n} > 0)" for n in range(columns)) + ");"
    statement = parse_file(sql, "postgres").statements[0]
    walked = list(statement.expression.walk())
    assert (len(walked) >= statements._INDEXED_FROM) == (columns == 40)  # both ways of answering are exercised
    kinds = (exp.Literal, exp.ColumnDef, exp.Identifier)
    expected = [node for kind in kinds for node in walked if type(node) is kind]
    assert [id(n) for n in statement.nodes(*kinds)] == [id(n) for n in expected]
    assert len(statement.nodes(exp.ColumnDef)) == columns and statement.nodes(exp.Drop) == []


def test_the_shared_empty_comments_of_tokens_stay_empty():
    """Tokens without comments share one empty list once parsed: nothing may ever add to it."""
    from pathlib import Path

    from safemig_lint.config import Config
    from safemig_lint.engine import lint
    from safemig_lint.reading import statements

    parsed = parse_file("SELECT 1 /* one */ + 2; -- two\nSELECT /* three */ 3;", "postgres")
    shared = [t for s in parsed.statements for t in s.tokens if t.comments is statements._NO_COMMENTS]
    assert shared and all(t.comments for s in parsed.statements for t in s.tokens if t.comments is not statements._NO_COMMENTS)
    assert lint([str(Path(__file__).resolve().parent.parent / "fixtures")], Config()).diagnostics
    assert statements._NO_COMMENTS == []


@pytest.mark.parametrize("walked", ["never", "scanned", "indexed"])
def test_releasing_a_tree_cuts_every_parent_link_whether_or_not_a_rule_walked_it(walked):
    """release_tree goes through the nodes the rules walked when there are (a tuple for a small tree,
    an index by type for a large one), else walks the tree itself: either way no node keeps its parent."""
    columns = 3 if walked == "scanned" else 40  # 40 columns: well over the nodes a tree is indexed from
    parsed = parse_file(f"CREATE TABLE t ({', '.join(f'c{n} int NOT NULL DEFAULT {n}' for n in range(columns))});", "postgres")
    statement = parsed.statements[0]
    if walked != "never":
        assert statement.nodes(exp.ColumnDef)  # a rule's question: the walk is kept
        assert isinstance(statement._walked, tuple if walked == "scanned" else dict)
    nodes = list(statement.expression.walk())
    assert sum(node.parent is not None for node in nodes) == len(nodes) - 1  # all but the root
    parsed.release_trees()
    assert all(node.parent is None for node in nodes)


def test_walking_and_cutting_parent_links_reach_every_node_walk_finds():
    """breadth_first and cut_parent_links do not look inside names and literals: on every fixture's
    statements (each dialect's) and on values of every kind, breadth_first finds the nodes walk()
    finds, in its order, and no node keeps its parent once cut."""
    from pathlib import Path

    from safemig_lint.reading import statements

    root = Path(__file__).resolve().parent.parent / "fixtures"
    texts = [
        (path.read_text(), "mysql" if "mysql" in path.parts else "sqlite" if "sqlite" in path.parts else "postgres")
        for path in sorted(root.rglob("*.sql"))
    ]
    texts.append(
        (
            "SELECT a.b, 'x', 1, NULL, TRUE, x'00', INTERVAL '1 day', ARRAY[1, (SELECT 2)], f(VARIADIC c) FROM a WHERE c IS NOT NULL;",
            "postgres",
        )
    )
    trees = [s.expression for text, dialect in texts for s in parse_file(text, dialect).statements if s.expression is not None]
    assert len(trees) > 50
    for tree in trees:
        nodes = list(tree.walk())
        found = statements.breadth_first(tree)
        assert len(found) == len(nodes) and all(a is b for a, b in zip(found, nodes))  # the same nodes, in walk()'s order
        statements.cut_parent_links(tree)
        assert all(node.parent is None for node in nodes)


def test_a_released_statements_tree_is_freed_without_a_collection():
    """A statement let go as it is read (parse_file's on_statement) has its nodes' arguments emptied (empty_trees,
    with a few other trees), which leaves no cycle in its tree: no node of it, as walk() finds them, holds a node any
    more (only links to parents are left), on every fixture and values of every kind, all the trees emptied at once;
    and with the cycle collector off, a streamed file's trees are all freed, over several pieces and batches."""
    import gc
    from pathlib import Path

    from safemig_lint.reading import statements

    root = Path(__file__).resolve().parent.parent / "fixtures"
    texts = [
        (path.read_text(), "mysql" if "mysql" in path.parts else "sqlite" if "sqlite" in path.parts else "postgres")
        for path in sorted(root.rglob("*.sql"))
    ]
    texts.append(("SELECT a.b, 'x', 1, NULL, TRUE, x'00', INTERVAL '1 day', ARRAY[1, (SELECT 2)], f(VARIADIC c) FROM a;", "postgres"))
    trees = [s.expression for text, dialect in texts for s in parse_file(text, dialect).statements if s.expression is not None]
    assert len(trees) > 50
    nodes = [node for tree in trees for node in tree.walk()]
    statements.empty_trees(trees)
    assert not [node for node in nodes for value in node.args.values() if isinstance(value, (exp.Expr, list))]

    # Statements the parser reads without trying alternatives (it leaves the nodes of a failed try to the collector).
    text = "".join(
        f"CREATE TABLE t{n} (id bigserial PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x');\n"
        f"CREATE INDEX t{n}_name ON t{n} (name);\nINSERT INTO t{n} (name) VALUES ('a'), ('b');\nALTER TABLE t{n} ADD COLUMN note text;\n"
        for n in range(501)  # 2,004 statements: the last trees emptied are fewer than EMPTIED_TOGETHER
    )
    assert len(text) > statements.PIECE  # two pieces at least
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = {id(node) for node in gc.get_objects() if isinstance(node, exp.Expr)}
        parsed = parse_file(text, "postgres", on_statement=lambda parsed, statement: True)
        assert all(type(s) is ReleasedStatement for s in parsed.statements) and len(parsed.statements) == 2004
        assert not [node for node in gc.get_objects() if isinstance(node, exp.Expr) and id(node) not in before]
    finally:
        if enabled:
            gc.enable()


def _reading(parsed):
    """Everything a file's reading holds, comparable."""
    return [
        (
            s.start,
            s.end,
            s.error,
            s.unanalysed,
            repr(s.expression),
            [(t.token_type, t.text, t.line, t.col, t.start, t.end) for t in s.tokens],
        )
        for s in parsed.statements
    ] + [parsed.comments]


def test_a_file_reads_the_same_after_files_that_failed_and_in_another_thread():
    # The tokenizer and parser of a dialect are made once per thread and reused for every file:
    # nothing of a file read before, even one that broke them off, may show in the next.
    import threading

    sql = "-- a\nCREATE TABLE t (id int, note text);\nINSERT INTO t VALUES (1, 'x'); /* b */ DROP TABLE u;\n"
    first = _reading(parse_file(sql, "postgres"))
    parse_file("CREATE TABLE (;\nSELECT 'unterminated", "postgres")  # a parse error, then a tokenizer error
    parse_file("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\nCREATE TABLE (", "postgres")
    assert _reading(parse_file(sql, "postgres")) == first
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(_reading(parse_file(sql, "postgres"))))
    thread.start()
    thread.join()
    assert elsewhere == [first]


_SPLIT = [
    "SELECT 1;;\n ; SELECT 2",
    "CREATE TABLE event (id int); CREATE TABLE t (a int, b text DEFAULT 'x;y'); INSERT INTO t VALUES (1, (2));",
    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT 1;",
    "CREATE OR REPLACE FUNCTION g() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; SELECT 2;",
    "CREATE TRIGGER t AFTER INSERT ON x BEGIN UPDATE y SET a = 1; END; SELECT 3;",
    "CREATE PROCEDURE p() BEGIN IF x THEN SELECT 1; END IF; CASE WHEN 1 THEN SELECT 1; END CASE; END; SELECT 4;",
    "CREATE DEFINER = u EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; END; SELECT 5;",
    "CREATE TABLE trigger_log (id int); SELECT CASE WHEN a THEN 1 END FROM t; CREATE INDEX i ON t (a);",
    "SELECT " + "(" * 40 + "1" + ")" * 40 + "; SELECT " + "(" * 41 + "1" + ")" * 41 + "; " + "(" * 41 + ";",
    "SELECT " + "CASE WHEN a THEN " * 41 + "1" + " END" * 41 + "; SELECT 6;",
    "SELECT " + ", ".join(["(1)"] * 30) + "; SELECT " + ", ".join(["f(a)"] * 45) + ";",
    # 260 tokens, 30 of them brackets (one too many to parse: its first brackets kept), then 259.
    "SELECT " + ", ".join(["(1)"] * 15 + ["a"] * 100) + "; SELECT DISTINCT " + ", ".join(["(1)"] * 15 + ["a"] * 99) + ";",
    "CREATE PROCEDURE p() CASE x WHEN 1 THEN SELECT 1; END CASE; SELECT 7;",
    # A routine keyword among the first six tokens makes a routine, even in the wrong place (here the
    # sixth), and after them it does not (the seventh).
    "CREATE a b c d TRIGGER BEGIN SELECT 1; END; CREATE a b c d e TRIGGER BEGIN SELECT 1; END;",
]


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
@pytest.mark.parametrize("piece", [1 << 30, 7])
def test_plain_statements_are_split_as_token_by_token(monkeypatch, dialect, piece):
    """The splitter takes a plain statement whole, up to its `;` (_plain); read token by token
    instead, every statement comes out the same: its tokens, end, size, and whether it is parsed."""
    from pathlib import Path

    from safemig_lint.reading import statements

    monkeypatch.setattr(statements, "PIECE", piece)
    monkeypatch.setattr(statements, "MAX_TOKENS", 259)  # the limits within reach of short texts
    monkeypatch.setattr(statements, "KEPT_BRACKETS", 10)
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    sources = _SPLIT + [path.read_text(encoding="utf-8") for path in sorted(fixtures.rglob("*.sql"))]
    tokenizer, _ = statements._readers(dialect)
    plain, taken = statements._plain, []

    def split(pieces, whole):
        """The statements of these pieces, with plain ones taken whole or not."""
        monkeypatch.setattr(
            statements, "_plain", (lambda *args: taken.append(plain(*args)) or taken[-1]) if whole else (lambda *args: None)
        )
        splitter, found = statements._Splitter(), []
        for tokens in pieces:
            found += splitter.feed(tokens)
        found.append(splitter.finish())
        return [group and ([id(t) for t in group.tokens], group.end, group.too_deep, group.count, group.parsable) for group in found]

    for text in sources:
        pieces = [tokens for tokens, *_ in statements._token_pieces(tokenizer, text)]
        assert split(pieces, whole=True) == split(pieces, whole=False), text
    assert any(group is not None for group in taken) and any(group is None for group in taken)  # both ways taken


_TYPED = [
    # A quoted name is tokenized to see whether it is a type's: "text" is, "Mood" is not.
    'CREATE TABLE t (a mood, b public.mood, c mood[], d "Mood", e "text", f "double precision", g my_schema.money_type)',
    "ALTER TABLE t ADD COLUMN g mood, ALTER COLUMN a TYPE other USING a::text::other",
    "SELECT CAST(x AS mood), y::public.mood FROM t",
    "CREATE FUNCTION f(a mood) RETURNS mood AS $$ SELECT a $$ LANGUAGE sql",
    "CREATE TABLE u (a int unsigned, b text, c serial, d geometry)",
    "SELECT CAST(x AS SIGNED), CAST(y AS DECIMAL(10, 2)) FROM t",
]


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_type_names_are_read_as_sqlglot_reads_them_with_no_tokenizer_made_per_name(monkeypatch, dialect):
    """The thread's parser tokenizes the names that may be types with a tokenizer of its dialect's
    own (see _readers), not a new one per name: the trees are sqlglot's own."""
    import sqlglot
    from sqlglot.tokens import Tokenizer

    def sqlglots(sql):
        try:
            return repr(sqlglot.parse_one(sql, read=dialect))
        except sqlglot.ParseError:
            return None  # not this dialect's

    readable = [(sql, tree) for sql, tree in zip(_TYPED, map(sqlglots, _TYPED)) if tree is not None]
    assert len(readable) >= 2
    parse_file("SELECT 1;", dialect)  # this thread's readers made
    made = []
    original = Tokenizer.__init__
    monkeypatch.setattr(Tokenizer, "__init__", lambda self, *args, **kwargs: made.append(1) or original(self, *args, **kwargs))
    parsed = parse_file("".join(f"{sql};\n" for sql, _ in readable), dialect)
    assert [repr(s.expression) for s in parsed.statements] == [tree for _, tree in readable]
    assert not made


@pytest.mark.parametrize("marks", [("--", "/*"), ("--", "/*", "#")])
def test_comment_marks_are_found_as_a_search_for_any_of_them_finds_them(marks):
    """_marks finds them with str.find, one mark at a time: in the same places as the regex."""
    import itertools
    import re

    from safemig_lint.reading.statements import _marks

    anywhere = re.compile("|".join(map(re.escape, marks)))
    for size in range(7):
        for chars in itertools.product("-/*#a", repeat=size):
            text = "x" + "".join(chars) + "y"
            for start, end in ((0, len(text)), (1, len(text) - 1), (2, len(text))):
                assert list(_marks(text, start, end, marks)) == [m.start() for m in anywhere.finditer(text, start, end)], (text, start, end)

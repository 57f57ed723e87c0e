"""The engine calls a rule's check_statement only on the statements that hold what the rule declares
it reads (Rule.reads_ops, reads_tokens, reads_effects), neither hook on a file whose text holds none
of the words it declares (reads_words), and rules that read the code of bodies skip statements whose
text holds none of their words (bodies.may_hold_words). A declaration or a word
list that leaves out something the rule does report on would hide findings silently: here every
rule page's examples and every fixture folder are linted as they are and with every rule called on
every statement and reading every statement's code, and the findings must be the same."""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, page_example_folders, write_migrations
from hypothesis import given, settings
from hypothesis import strategies as st

from safemig_lint.analysis import bodies
from safemig_lint.checks import all_rules
from safemig_lint.config import load_config
from safemig_lint.engine import LintResult, lint
from safemig_lint.rule_pages import load_page

DECLARATIONS = ("reads_ops", "reads_tokens", "reads_effects", "reads_words")
DECLARING = [rule for rule in all_rules() if any(getattr(rule, name) is not None for name in DECLARATIONS)]


def _findings(result: LintResult) -> list[tuple]:
    return sorted(d.sort_key for d in result.diagnostics)


def _called_everywhere(monkeypatch) -> None:
    for rule in DECLARING:
        for name in DECLARATIONS:
            monkeypatch.setattr(rule, name, None)
    monkeypatch.setattr(bodies, "may_hold_words", lambda statement, words, lowered: True)


def test_rules_declare_what_they_read():
    """Not vacuous: the rules this file guards do declare, of each kind."""
    for name in DECLARATIONS:
        assert any(getattr(rule, name) is not None for rule in DECLARING), name


def test_page_examples_find_the_same_when_called_everywhere(tmp_path, monkeypatch):
    """Every page's examples, linted together where they share a configuration (one run each)."""
    folders = page_example_folders(tmp_path, [rule.code for rule in all_rules()])
    declared = {text: _findings(lint(paths, config)) for text, (config, paths) in folders.items()}
    assert any(declared.values())
    _called_everywhere(monkeypatch)
    for text, (config, paths) in folders.items():
        assert _findings(lint(paths, config)) == declared[text], text


@pytest.mark.parametrize("code", sorted(rule.code for rule in all_rules() if rule.reads_words is not None))
def test_declared_words_are_plain_alternatives(code):
    """A match within a statement is then a match within the file (bodies.file_may_hold_words):
    an anchor, a word boundary or a look-around could match at a statement's edge and not in the file."""
    words = next(rule for rule in all_rules() if rule.code == code).reads_words
    assert words is not None
    assert all(re.fullmatch(r"[a-z_@]+", word) for word in words.pattern.split("|")), words.pattern


def _calls_of_check_statement(code: str, monkeypatch) -> list[str]:
    """The texts of the statements the rule `code`'s check_statement is called on from now on (it finds nothing)."""
    rule = next(rule for rule in all_rules() if rule.code == code)
    called: list[str] = []
    monkeypatch.setattr(rule, "check_statement", lambda self, statement, context: called.append(statement.text) or ())
    return called


def test_a_file_without_the_words_is_not_read(lint_sql, monkeypatch):
    """SM403 reads GRANTs only: a file that holds none is not given to it; one that does is."""
    called = _calls_of_check_statement("SM403", monkeypatch)
    lint_sql({"000001_t.up.sql": "CREATE TABLE t (id int);\n", "000001_t.down.sql": "DROP TABLE t;\n"})
    assert called == []
    lint_sql({"000001_t.up.sql": "CREATE TABLE t (id int);\nGRANT SELECT ON t TO app;\n", "000001_t.down.sql": "DROP TABLE t;\n"})
    assert len(called) == 2  # then on each statement: its own gate picks the GRANT


def test_a_backslash_or_a_letter_outside_ascii_lets_a_file_through():
    """Either can make a word of the code that the text does not hold (bodies.may_hold_words)."""
    words = re.compile("grant")
    assert not bodies.file_may_hold_words(words, "create table t (id int);")
    assert bodies.file_may_hold_words(words, "select e'\\x47rant';")
    assert bodies.file_may_hold_words(words, None)  # not all ASCII: left to the statements


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixtures_find_the_same_when_called_everywhere(folder, monkeypatch):
    directory = FIXTURES / folder
    config_file = directory / ".safemig-lint.toml"
    config = load_config(config_file if config_file.exists() else None, [rule.code for rule in all_rules()])
    declared = _findings(lint([str(directory)], config))
    _called_everywhere(monkeypatch)
    assert declared == _findings(lint([str(directory)], config))


@pytest.mark.parametrize("code", sorted(rule.code for rule in all_rules() if rule.dialects is not None))
def test_a_rule_is_called_only_on_its_dialects_files(code, lint_sql, monkeypatch):
    rule = next(rule for rule in all_rules() if rule.code == code)
    called: list[str] = []
    monkeypatch.setattr(rule, "reads_ops", None)  # every statement, whatever it does
    monkeypatch.setattr(rule, "reads_tokens", None)
    monkeypatch.setattr(rule, "reads_effects", None)
    monkeypatch.setattr(rule, "check_statement", lambda self, statement, context: called.append(context.dialect) or ())
    monkeypatch.setattr(rule, "check_file", lambda self, context: called.append(context.dialect) or ())
    files = {"000001_t.up.sql": "CREATE TABLE t (id int);\n", "000001_t.down.sql": "DROP TABLE t;\n"}
    for dialect in ("postgres", "mysql", "sqlite"):
        lint_sql(files, dialect=dialect)
    assert called and set(called) == set(rule.dialects)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GRANT SELECT ON t TO app", True),
        ("grant select on t to app", True),
        ("CREATE TABLE grants (id int)", True),  # a word within a name: read (a superset is safe)
        ("CREATE TABLE t (id int)", False),
        ("DO $$ BEGIN GRANT ALL ON t TO PUBLIC; END $$", True),  # in a body
        ("DO 'BEGIN GR''ANT ALL ON t TO PUBLIC; END'", False),  # a doubled quote joins no letters
        ("DO E'BEGIN \\107RANT ALL ON t TO PUBLIC; END'", True),  # an escape may make the word
        ("CREATE TABLE ĝ (id int)", True),  # letters outside ASCII may upper-case into it
    ],
)
def test_words_of_bodies_are_found_in_the_statements_text(text, expected):
    from safemig_lint.patterns import lazy
    from safemig_lint.reading.statements import parse_file

    parsed = parse_file(text + ";\n", "postgres")
    (statement,) = parsed.statements
    lowered = parsed.text.lower() if parsed.text.isascii() else None
    assert bodies.may_hold_words(statement, lazy("grant"), lowered) is expected
    assert bodies.may_hold_words(statement, lazy("grant"), None) is expected


_WORDS = ("grant", "copy", "exec", "nocheck", "foreign_keys", "plperlu")
_PIECES = ("x", "e", "1", "1e", "0x", "_", "$", "@", "@@", "#", ".", "(", ")", "'", "''", '"', "`", "[", "]", ";", " ", "\n", "--", "/*", "*/", "::", "{{", "}}", "$$", ",", "=", "\\")  # fmt: skip


def _words_read_whole_are_found(text: str, dialect: str) -> None:
    import re

    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import TokenError

    sql_dialect = Dialect.get_or_raise(dialect)
    for tokenizer in (sql_dialect.tokenizer(), bodies._tokenizer_class(dialect)[0](dialect=sql_dialect)):
        try:
            tokens = tokenizer.tokenize(text)
        except TokenError:
            tokens = tokenizer.tokens
        for token in tokens:
            if token.text.lower() in _WORDS:
                assert re.search(bodies.whole_words(token.text.lower()), text.lower()), (text, token)


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite", "tsql"])
def test_a_word_read_whole_is_never_followed_by_a_letter_digit_or_underscore(dialect):
    """bodies.whole_words' argument: wherever sqlglot's tokenizers read a name or keyword equal to a
    word, the text holds it with no letter, digit or `_` after it (so the gate matches there), and a
    literal or quoted name equal to it is followed by its quote: every piece before and after."""
    for word in ("copy", "plperlu"):
        for before in _PIECES:
            for after in _PIECES:
                _words_read_whole_are_found(before + word + after, dialect)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + _WORDS), max_size=12), st.sampled_from(("postgres", "mysql", "sqlite", "tsql")))
def test_words_read_whole_in_any_text_are_found(pieces, dialect):
    _words_read_whole_are_found("".join(pieces), dialect)


def test_a_rule_is_not_called_on_a_file_holding_nothing_it_reads(lint_sql, monkeypatch):
    """SM101 reads DROP TABLE ops: not called at all on a file without one, on each DROP TABLE of one with them."""
    called = _calls_of_check_statement("SM101", monkeypatch)
    lint_sql({"000001_t.up.sql": "CREATE TABLE t (id int);\n", "000001_t.down.sql": "SELECT 1;\n"})
    assert called == []
    lint_sql({"000001_t.up.sql": "CREATE TABLE t (id int);\nDROP TABLE t;\nDROP TABLE u;\n", "000001_t.down.sql": "SELECT 1;\n"})
    assert called == ["DROP TABLE t", "DROP TABLE u"]


def test_statements_that_cannot_be_chosen_fail_each_rule_reading_some_and_no_other(lint_sql, monkeypatch):
    """A defect in choosing a file's statements is an internal error of each rule that declares what it reads
    (as when each rule chose for itself), on that file; rules reading the whole file still run."""
    from safemig_lint import engine

    def broken(self, context):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine._Dispatch, "_choose", broken)
    result = lint_sql({"000001_t.up.sql": "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int;\n"}, dialect="mysql")
    failed = {d.message.split()[3] for d in result.diagnostics if d.code == "SM000"}
    assert failed == {rule.code for rule in all_rules() if rule.overrides("check_statement") and _declares(rule, "mysql")}
    assert "SM304" in {d.code for d in result.diagnostics}  # a rule reading the file: several DDL statements
    assert all("boom" in d.message for d in result.diagnostics if d.code == "SM000")


def _declares(rule, dialect: str) -> bool:
    reads = (rule.reads_ops, rule.reads_tokens, rule.reads_effects)
    return reads != (None, None, None) and (rule.dialects is None or dialect in rule.dialects) and rule.reads_words is None


def test_shapes_decided_for_other_rules_choose_as_a_fresh_run(tmp_path, monkeypatch):
    """Which declarations read a shape of statement is decided once per run for the same rules
    (engine._READERS_OF_SHAPE): a later run of other rules on the same statements chooses as a fresh
    process would, and every decision kept is the one _reads_shape gives."""
    from safemig_lint import engine
    from safemig_lint.config import Config

    sql = "CREATE TABLE t (id int);\nDELETE FROM t;\nCREATE INDEX i ON u (a);\nALTER TABLE u ADD COLUMN b int NOT NULL;\nDROP TABLE u;\n"
    folder = write_migrations(tmp_path / "migrations", {"000001_t.up.sql": sql, "000001_t.down.sql": "SELECT 1;\n"})
    monkeypatch.setattr(engine, "_READERS_OF_SHAPE", {})
    fresh = _findings(lint([str(folder)], Config()))
    assert {"SM101", "SM505"} <= {key[3] for key in fresh}  # read by declarations in the later run and not in the first
    monkeypatch.setattr(engine, "_READERS_OF_SHAPE", {})
    lint([str(folder)], Config(select=("SM1",)))  # the same shapes decided first for fewer declarations
    assert _findings(lint([str(folder)], Config())) == fresh
    assert len(engine._READERS_OF_SHAPE) == 2
    for declared, readers in engine._READERS_OF_SHAPE.items():
        for shape, chosen in readers.items():
            assert chosen == tuple(reads for reads in declared if engine._reads_shape(reads, shape))


def test_words_looked_for_where_their_literals_start_answer_as_a_search_of_each_statement():
    """may_hold_words searches only the statements in which the literal starting one of the pattern's alternatives is
    written (bodies._literal_starts): the same answers as a search of every statement, for every rule's gate (and
    patterns whose alternatives start otherwise, or with a letter a quantifier may leave out), on every fixture."""
    from safemig_lint.reading.statements import parse_file

    gates = [gate if not callable(gate) else gate(dialect) for dialect in ("postgres", "mysql") for gate in bodies._GATES]
    gates += [re.compile(p) for p in ("tables?|colum?n", r"(?:exec)ute|grant", r"\bcheck|x{0}check", "ab*c|se[lt]")]
    assert sum(bodies._leading_literals(gate.pattern) is not None for gate in gates) >= 6
    texts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    searched = admitted = 0
    for text in texts + ["SELECT 1; GRANT ALL ON t TO u; select checked; colun table", "ac; select 1; abbbc"]:
        lowered = text.lower()
        if not lowered.isascii():
            continue
        for statement in parse_file(text, "postgres").statements:
            for gate in gates:
                expected = (
                    "\\" in lowered[statement.start : statement.end] or gate.search(lowered, statement.start, statement.end) is not None
                )
                assert bodies.may_hold_words(statement, gate, lowered) is expected, (gate.pattern, statement.text)
                searched += 1
                admitted += expected
    assert admitted > 50 and searched - admitted > 500


def _chosen_one_by_one(dispatch, context) -> tuple[dict, int]:
    """What _Dispatch._choose must give: each statement's shape worked out on its own, and handed to every
    declaration _reads_shape says reads it, in the file's order; and how many declarations read statements
    of more than one shape (whose statements _choose merges)."""
    from safemig_lint import engine

    effects = context.history.effects(context.file)
    chosen: dict = {}
    shapes: dict = {}
    for statement in context.parsed.statements:
        shape = (
            frozenset(map(type, context.operations_by_start[statement.start])) if dispatch.reads_ops else None,
            dispatch.token_types & statement.token_types if dispatch.token_types else None,
            frozenset(map(type, effects.get(statement.start, ()))) if dispatch.reads_effects else None,
        )
        for reads in dispatch.declared:
            if engine._reads_shape(reads, shape):
                chosen.setdefault(reads, []).append(statement)
                shapes.setdefault(reads, set()).add(shape)
    return chosen, sum(len(found) > 1 for found in shapes.values())


def test_statements_chosen_by_group_are_those_chosen_one_by_one(tmp_path, monkeypatch):
    """_choose groups a file's statements by what they hold and merges the groups back into the file's
    order: every file of the fixtures and of the rule pages' examples gives each declaration the same
    statements, in the same order, as a choice made for each statement on its own."""
    from safemig_lint import engine
    from safemig_lint.config import Config

    choose = engine._Dispatch._choose
    compared = merged = 0
    wrong: list[str] = []  # an assertion inside the run would be caught and reported as SM000

    def checked(self, context):
        nonlocal compared, merged
        chosen = choose(self, context)
        expected, several = _chosen_one_by_one(self, context)
        if {reads: list(found) for reads, found in chosen.items()} != expected:
            wrong.append(context.file.display_path)
        compared += len(context.parsed.statements)
        merged += several
        return chosen

    monkeypatch.setattr(engine._Dispatch, "_choose", checked)
    every_code = [rule.code for rule in all_rules()]
    for directory in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        config_file = directory / ".safemig-lint.toml"
        lint([str(directory)], load_config(config_file if config_file.exists() else None, every_code))
    for rule in all_rules():
        page = load_page(rule.code)
        for kind, example in (("bad", page.bad), ("good", page.good)):
            if example.files:
                folder = write_migrations(tmp_path / f"{rule.code}-{kind}" / "migrations", example.files)
                config_file = tmp_path / f"{rule.code}-{kind}" / "config.toml"
                config_file.write_text(example.config or "", encoding="utf-8")
                lint([str(folder)], load_config(config_file, every_code))
    # Statements of several shapes taking turns, which one pass by shape would hand over out of order.
    taking_turns = "CREATE TABLE a (id int);\n" + "".join(
        f"ALTER TABLE a ADD COLUMN c{n} int;\nUPDATE a SET id = {n};\nALTER TABLE a DROP COLUMN c{n};\nDELETE FROM a;\n" for n in range(3)
    )
    for dialect in ("postgres", "mysql", "sqlite"):
        folder = write_migrations(tmp_path / dialect / "migrations", {"000001_a.up.sql": taking_turns, "000001_a.down.sql": taking_turns})
        lint([str(folder)], Config(dialect=dialect))
    assert not wrong
    assert compared > 400 and merged > 50, (compared, merged)

"""Digests (analysis/digests.py): rules and analyses read a statement's tree and tokens only through the statement's
digests, so that once `take_digests` has run on a statement its tree and tokens can go and the readers still find
the same.

The proof lints fixtures/ and every rule page's examples twice, with every rule: as a run does,
and with every statement's digests taken once its file is read (its ops read too, as streaming will), then its
tree and tokens taken away so that any read of them raises (the engine reports an internal error, SM000).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, write_migrations

from safemig_lint import engine
from safemig_lint.analysis import bodies, digests
from safemig_lint.analysis.digests import Taken, digest, registered, take_digests
from safemig_lint.checks import all_rules, rules_by_code
from safemig_lint.config import Config, load_config
from safemig_lint.engine import lint
from safemig_lint.operations.read import Names
from safemig_lint.reading.statements import ReleasedStatement, Statement, parse_file
from safemig_lint.rule_pages import load_page, pages_directory

# Every rule reads statements' trees and tokens only through digests, and so do the analyses they read (FileLocks,
# ExecutionModel, bodies' code, the file facts) and the engine's dispatch; ops and effects hold locators, no nodes.
EVERY_RULE = tuple(rule.code for rule in all_rules())
# Those reading the files' statements, whose Bad examples the proof must see flagged.
PER_FILE = {rule.code for rule in all_rules() if rule.overrides("check_statement") or rule.overrides("check_file")}


class _Released(ReleasedStatement):
    """A statement whose tree and tokens are gone: reading either raises."""

    __slots__ = ()

    @property
    def expression(self):
        raise AssertionError(f"the tree of {self.text[:40]!r} was read after its digests were taken")

    @property
    def tokens(self):
        raise AssertionError(f"the tokens of {self.text[:40]!r} were read after its digests were taken")

    def release_tree(self) -> None:
        """Nothing left to release (the engine releases every tree once the folder is linted)."""

    def __repr__(self) -> str:
        return f"released statement {self.text[:40]!r}"


def _release(statement: Statement) -> None:
    Statement.tokens.__set__(statement, [])  # type: ignore[attr-defined]  # the slots themselves: nothing kept
    Statement.expression.__set__(statement, None)  # type: ignore[attr-defined]
    statement._walked = None
    statement.__class__ = _Released


def _streaming(monkeypatch) -> None:
    """Before the rules run on a folder: every file read (ops, digests), then its trees and tokens taken away."""
    lint_files = engine._lint_files

    def released_after_reading(work, rules, parsed, history, *rest):
        enabled = frozenset(type(rule).code for rule in rules)
        for file in work.directory.files():
            read = parsed[file.path]
            names = history.reading.names(read)
            history.reading.of(read)
            unwritten = digests.unwritten(read.text.lower() if read.text.isascii() else None)
            for statement in read.statements:
                take_digests(statement, names, enabled, unwritten)
                _release(statement)
        return lint_files(work, rules, parsed, history, *rest)

    monkeypatch.setattr(engine, "_lint_files", released_after_reading)


def _findings(result) -> list[tuple[str, str]]:
    return sorted((d.code, repr(d)) for d in result.diagnostics)  # every field: span, message, help, snippet, fix, related


def _examples() -> list[tuple[str, str]]:
    return [(page.stem, which) for page in sorted(pages_directory().glob("SM*.md")) for which in ("bad", "good")]


def _lint_twice(monkeypatch, lint_one, select: tuple[str, ...] = EVERY_RULE) -> tuple[list, list]:
    as_today = _findings(lint_one(select))
    with monkeypatch.context() as patch:
        _streaming(patch)
        streamed = _findings(lint_one(select))
    return as_today, streamed


def _linter(directory: Path, config: Config):
    return lambda select: lint([str(directory)], dataclasses.replace(config, select=select))


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_rules_find_the_same_on_fixtures_without_trees(folder, monkeypatch):
    directory = FIXTURES / folder
    settings = directory / ".safemig-lint.toml"
    config = load_config(settings, list(rules_by_code())) if settings.exists() else Config()
    as_today, streamed = _lint_twice(monkeypatch, _linter(directory, config))
    assert as_today == streamed


def _example(code: str, which: str, root: Path):
    """A rule page's example written out as a folder, and its settings."""
    example = getattr(load_page(code), which)
    directory = write_migrations(root / "migrations", example.files)
    if not example.config:
        return directory, Config()
    settings = root / ".safemig-lint.toml"
    settings.write_text(example.config, encoding="utf-8")
    return directory, load_config(settings, list(rules_by_code()))


def test_rules_find_the_same_on_the_rule_pages_without_trees(tmp_path, monkeypatch):
    """Every page's examples, each in a folder of its own (one test: a test per page costs more in set-up than in linting)."""
    found = set()
    for number, (code, which) in enumerate(_examples()):
        as_today, streamed = _lint_twice(monkeypatch, _linter(*_example(code, which, tmp_path / str(number))))
        assert as_today == streamed, f"{code} {which}"
        found.update(code for code, _ in as_today)
    assert found >= PER_FILE  # each rule's Bad example at least: the runs compared findings


def test_a_rule_reading_its_tree_is_caught(tmp_path, monkeypatch):
    """The proof bites: SM105 made to look at its statement's tree fails once the tree is gone."""
    rule = rules_by_code()["SM105"]
    check = rule.check_statement
    monkeypatch.setattr(
        rule, "check_statement", lambda self, statement, context: (statement.expression, *check(self, statement, context))[1:]
    )
    as_today, streamed = _lint_twice(monkeypatch, _linter(*_example("SM105", "bad", tmp_path)), ("SM105",))
    assert [code for code, _ in as_today] == ["SM105"]
    assert [code for code, _ in streamed] == ["SM000"]


# --- the mechanism


def _statement(sql: str) -> Statement:
    return parse_file(sql, "postgres").statements[0]


_BUILT: list[str] = []


@digest(absent="none", kinds=None, selects=lambda statement, names: "x" in statement.text, serves=("SM999",))
def _letters(statement: Statement, names: Names | None) -> str:
    _BUILT.append(statement.text)
    return "".join(sorted({token.text for token in statement.tokens}))


def test_a_digest_is_worked_out_once_and_kept_until_taken():
    _BUILT.clear()
    statement = _statement("SELECT x FROM t")
    assert _letters(statement) == _letters(statement) == "FROMSELECTtx"
    assert _BUILT == ["SELECT x FROM t"]
    assert _letters(_statement("SELECT 1")) == "none"  # not selected: not built
    assert _BUILT == ["SELECT x FROM t"]


def test_taken_digests_are_read_without_the_tree():
    names = Names("postgres")
    selected, unselected = _statement("SELECT x FROM t"), _statement("SELECT 1")
    for statement in (selected, unselected):
        take_digests(statement, names, frozenset({"SM999"}))
        _release(statement)
    assert _letters(selected) == "FROMSELECTtx"
    assert _letters(unselected) == "none"  # its selector did not select it: the absent value, no build
    assert isinstance(selected.derived, Taken)


def test_a_disabled_rules_digest_is_not_taken():
    statement = _statement("SELECT x FROM t")
    take_digests(statement, Names("postgres"), frozenset({"SM001"}))
    _release(statement)
    assert _letters(statement) == "none"


def test_every_digest_has_a_name_of_its_own_and_is_imported_to_be_taken():
    """take_digests imports the rules and the analyses listed in digests._ANALYSES: a digest elsewhere could be missed."""
    names = [each.name for each in registered() if each is not _letters.digest]
    assert len(names) == len(set(names))
    assert {name.rpartition(".")[0] for name in names if ".checks.sm" not in name} <= set(digests._ANALYSES)


def _statements_everywhere():
    """(statement, its file's names) of every statement of fixtures/ and the rule pages, read in each dialect."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    texts += [sql for code, which in _examples() for sql in getattr(load_page(code), which).files.values()]
    for dialect in ("postgres", "mysql", "sqlite"):
        for text in texts:
            parsed = parse_file(text, dialect)
            names = Names(dialect, parsed.placeholders)
            for statement in parsed.statements:
                yield statement, names


def _taken(statement: Statement, names: Names) -> dict[str, object]:
    take_digests(statement, names, frozenset(EVERY_RULE))
    assert statement.derived is not None
    return {key: repr(value) if isinstance(value, bodies.Code) else value for key, value in statement.derived.items()}


def test_digests_do_not_read_what_the_grammar_settles_after_the_file():
    """check_grammar settles error, unanalysed and rejected_by once the whole file is read, after the streaming step
    takes a statement's digests: no digest may depend on them."""
    taken = 0
    for statement, names in _statements_everywhere():
        judged = dataclasses.replace(statement, error="rejected", error_start=statement.start, unanalysed="no", rejected_by="X")
        unjudged = dataclasses.replace(statement, error=None, error_start=None, error_end=None, unanalysed=None, rejected_by=None)
        assert _taken(judged, names) == _taken(unjudged, names), statement.text
        taken += len(judged.derived or ())
    assert taken > 500


def test_what_a_statement_is_set_at_parse_time_is_read_from_its_tree_and_tokens():
    """Statement.kind, first_word, token_types and tokenless, set once a statement is parsed (and so kept when it is
    released), are what its tree and tokens say; a streamed file's released statements hold the same."""
    checked = 0
    for statement, _ in _statements_everywhere():
        tokens, expression = statement.tokens, statement.expression
        assert statement.kind is (None if expression is None else type(expression)), statement.text
        assert statement.first_word == (tokens[0].text.upper() if tokens else ""), statement.text
        assert statement.token_types == {token.token_type for token in tokens}, statement.text
        assert statement.tokenless == (not tokens), statement.text
        checked += bool(tokens)
    assert checked > 1000
    text = "CREATE TABLE t (id int);\nselect 1;\nDO $$ BEGIN END $$;\nVACUUM FULL t;\nselect 'never closed;\n"
    read = parse_file(text, "postgres").statements
    # As streaming.py releases them: those with a tree.
    released = parse_file(text, "postgres", on_statement=lambda parsed, statement: statement.expression is not None).statements
    assert [type(statement) is ReleasedStatement for statement in released] == [True, True, True, True, False]
    assert [(s.kind, s.first_word, s.token_types, s.tokenless) for s in released] == [
        (s.kind, s.first_word, s.token_types, s.tokenless) for s in read
    ]
    assert [s.tokenless for s in read] == [False, False, False, False, True]  # the unterminated rest holds no token


def test_the_code_gate_admits_what_one_of_the_rules_gates_admits():
    """bodies.code is taken for the statements one of the registered gates admits: one pattern of their alternatives,
    grouped by first character (8x faster than joined), admits the same texts as the gates one by one."""
    gates = [gate if not callable(gate) else gate(dialect) for dialect in ("postgres", "mysql") for gate in bodies._GATES]
    words = [word for gate in gates for word in re.findall(r"[a-z_@$]+", gate.pattern)]
    texts = [text.lower() for statement, _ in _statements_everywhere() for text in [statement.text]]
    texts += [f"x {word} y" for word in words] + [f"{word}s" for word in words] + ["execute function f()", "execute procedure p"]
    admitted = 0
    for dialect in ("postgres", "mysql", "sqlite"):
        gate = bodies._code_gate(dialect, len(bodies._GATES))
        own = [g if not callable(g) else g(dialect) for g in bodies._GATES]
        for text in texts:
            expected = any(g.search(text) for g in own)
            assert (gate.search(text) is not None) == expected, (dialect, text)
            admitted += expected
    assert admitted > 100


def test_a_digest_with_words_is_absent_where_its_statement_holds_none():
    """Digest.words: a file whose text holds none of a digest's words does not have it taken (digests.unwritten), as it
    would be absent for every statement: wherever it is not, the statement's text holds one of them."""
    worded = [each for each in registered() if each.words is not None]
    assert worded
    present = 0
    for statement, names in _statements_everywhere():
        for each in worded:
            statement.derived = None  # worked out, not taken
            found = each.reader()(statement, names)
            if found != each.absent:
                assert any(word in statement.text.lower() for word in each.words), (each.name, statement.text)
                present += 1
    assert present > 20
    everyone = {each.name for each in worded}
    assert digests.unwritten("select 1;") == everyone and not digests.unwritten(" ".join(w for e in worded for w in e.words)) & everyone
    assert not digests.unwritten(None)


def test_tokens_read_again_between_a_statements_offsets_are_its_tokens():
    """statements.tokens_between (the fixes' tokens of a released statement): every statement of fixtures/, the rule pages
    and a file of template placeholders, in each dialect, read again from the text gives the same tokens (text, type,
    offsets) as parse_file read."""
    from safemig_lint.reading.statements import tokens_between

    templated = "CREATE TABLE {{.Schema}}.t (a int);\n{{ if .x }}DROP INDEX {{.Name}};{{ end }}\nCREATE INDEX {{.I}} ON t (a);"
    texts = [templated, *(path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql")))]
    texts += [sql for code, which in _examples() for sql in getattr(load_page(code), which).files.values()]
    compared = masked = 0
    for dialect in ("postgres", "mysql", "sqlite"):
        for text in texts:
            parsed = parse_file(text, dialect)
            for statement in parsed.statements:
                if statement.expression is None:
                    continue  # never released (streaming.py)
                again = tokens_between(parsed, statement.start, statement.end, dialect)
                key = [(t.text, t.token_type, t.start, t.end) for t in statement.tokens]
                assert [(t.text, t.token_type, t.start, t.end) for t in again] == key, statement.text
                compared += 1
                masked += any(p.start < statement.end and p.end > statement.start for p in parsed.placeholders)
    assert compared > 1000 and masked >= 9

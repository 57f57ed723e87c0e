"""Streaming (safemig_lint/streaming.py): a large file's statements read as they are parsed, their trees and tokens
let go before any rule runs. Every file is streamed here (STREAM_MIN_CHARS = 0), and must give what it gives read
whole: the same findings from every rule, the same ops (every field, and their Locators' answers and sharing)."""

from __future__ import annotations

import dataclasses
import gc
import re
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, write_migrations
from secret_forms import FORMS, SECRET, form
from sqlglot import exp

from safemig_lint import engine, streaming
from safemig_lint.analysis import masking
from safemig_lint.checks import base, rules_by_code
from safemig_lint.config import Config, load_config
from safemig_lint.engine import lint
from safemig_lint.operations.read import Reading
from safemig_lint.reading import source, statements
from safemig_lint.reading.statements import RELEASED_TOKENS, ReleasedError, ReleasedStatement, parse_file
from safemig_lint.rule_pages import load_page, pages_directory
from safemig_lint.streaming import Streaming


def _findings(result) -> list:
    return list(result.diagnostics)  # every field of each, in order


def _both(monkeypatch, directory: Path, config: Config) -> tuple[list, list]:
    """The findings of the folder read whole, then with every file streamed."""
    whole = _findings(lint([str(directory)], config))
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    streamed = _findings(lint([str(directory)], config))
    monkeypatch.undo()
    return whole, streamed


def _config(settings: Path) -> Config:
    return load_config(settings, list(rules_by_code())) if settings.exists() else Config()


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_rule_finds_the_same_on_fixtures_streamed(folder, monkeypatch):
    directory = FIXTURES / folder
    whole, streamed = _both(monkeypatch, directory, _config(directory / ".safemig-lint.toml"))
    assert whole == streamed


def _page_examples(root: Path):
    """Each rule page's Bad and Good example written out as a folder of its own, with its settings."""
    for number, page in enumerate(sorted(pages_directory().glob("SM*.md"))):
        for which in ("bad", "good"):
            example = getattr(load_page(page.stem), which)
            folder = root / f"{number}-{which}"
            directory = write_migrations(folder / "migrations", example.files)
            if example.config:
                (folder / ".safemig-lint.toml").write_text(example.config, encoding="utf-8")
            yield f"{page.stem} {which}", directory, example.files, _config(folder / ".safemig-lint.toml")


def test_every_rule_finds_the_same_on_the_rule_pages_streamed(tmp_path, monkeypatch):
    """One test for all pages (a test per page costs more in set-up than in linting)."""
    flagged = set()
    for name, directory, _, config in _page_examples(tmp_path):
        whole, streamed = _both(monkeypatch, directory, config)
        assert whole == streamed, name
        flagged.update(finding.code for finding in whole)
    # The runs compared findings, not empty lists: each rule that reads the files' statements flagged its Bad example.
    assert {code for code, rule in rules_by_code().items() if rule.overrides("check_statement") or rule.overrides("check_file")} <= flagged


def _dump(ops_by_start: dict) -> list:
    """Every field of every op, each Locator by its answers and by the first op holding it (ops read from one node
    share one: rules match them by it)."""
    holders: dict[int, int] = {}
    dumped = []
    for start, ops in ops_by_start.items():
        for op in ops:
            at = op.at
            fields = tuple((f.name, getattr(op, f.name)) for f in dataclasses.fields(op) if f.name != "at")
            located = None if at is None else (at.extent, at.name, at.name_start, holders.setdefault(id(at), len(dumped)))
            dumped.append((start, type(op).__name__, fields, located))
    return dumped


def test_streamed_ops_are_the_ops_read_whole(tmp_path, monkeypatch):
    """Reading.read_parsed, statement by statement as parse_file hands them over, against Reading.of on the file
    parsed whole: the rule pages' files and fixtures/, in their dialects."""
    files = [(directory / name, config.dialect) for _, directory, names, config in _page_examples(tmp_path) for name in names]
    for folder in FIXTURES.iterdir():
        if folder.is_dir():
            dialect = _config(folder / ".safemig-lint.toml").dialect
            files += [(path, dialect) for path in sorted(folder.glob("*.sql"))]
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    compared = 0
    for path, dialect in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        whole = Reading(dialect).of(parse_file(text, dialect))
        reading = Reading(dialect)
        streamer = Streaming(reading, [rule() for rule in rules_by_code().values()])
        parsed = parse_file(text, dialect, None, streamer.reader(text))
        assert _dump(reading.of(parsed)) == _dump(whole), path
        compared += sum(map(len, whole.values()))
    assert compared > 500  # ops compared, not empty files


def _big_folder(root: Path, tables: int) -> Path:
    """The 5 MB benchmark file's four statements per table (benchmarks/bench.py big-file), and a down file."""
    up = "".join(
        f"CREATE TABLE big_{n} (id bigserial PRIMARY KEY, name varchar(200) NOT NULL, created_at timestamptz DEFAULT now());\n"
        f"CREATE INDEX big_{n}_name_idx ON big_{n} (name);\n"
        f"INSERT INTO big_{n} (name) VALUES ('first'), ('second');\n"
        f"ALTER TABLE big_{n} ADD COLUMN note text;\n"
        for n in range(tables)
    )
    return write_migrations(
        root / "m", {"000001_big.up.sql": up, "000001_big.down.sql": "".join(f"DROP TABLE big_{n};\n" for n in range(tables))}
    )


def _nodes_alive_when_rules_run(monkeypatch, directory: Path) -> int:
    """How many sqlglot nodes made during the run are alive (reachable) when the rules start on the first file."""
    gc.collect()
    before = {id(node) for node in gc.get_objects() if isinstance(node, exp.Expression)}
    counted: list[int] = []
    dispatch = engine._Dispatch.file

    def counting(self, context):
        if not counted:
            gc.collect()  # garbage the reading left in cycles (a Table built and dropped) is no tree of the file
            counted.append(sum(1 for node in gc.get_objects() if isinstance(node, exp.Expression) and id(node) not in before))
        return dispatch(self, context)

    with monkeypatch.context() as patch:
        patch.setattr(engine._Dispatch, "file", counting)
        lint([str(directory)], Config())
    return counted[0]


def test_no_tree_of_a_streamed_file_is_alive_when_the_rules_run(tmp_path, monkeypatch):
    directory = _big_folder(tmp_path, 100)
    assert _nodes_alive_when_rules_run(monkeypatch, directory) > 100 * 20  # read whole: every tree
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    assert _nodes_alive_when_rules_run(monkeypatch, directory) == 0


def test_a_released_statement_raises_where_its_tree_or_tokens_are_read(monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    reading, sql = Reading("postgres"), "CREATE TABLE t (id int);\nSELECT 'unterminated"
    parsed = parse_file(sql, "postgres", None, Streaming(reading, []).reader(sql))
    released, unterminated = parsed.statements
    assert type(released) is ReleasedStatement
    assert released.tokens is RELEASED_TOKENS and released.tokens  # it had tokens: that much is known
    with pytest.raises(ReleasedError):
        assert released.expression
    with pytest.raises(ReleasedError):
        assert released.tokens[0]
    with pytest.raises(ReleasedError):
        list(released.tokens)
    assert type(unterminated) is not ReleasedStatement and unterminated.error  # no tree: kept whole
    assert [type(op).__name__ for op in reading.of(parsed)[released.start]] == ["CreateTable"]


def test_tokens_read_again_are_the_tokens_read_with_the_file(tmp_path):
    """check_grammar reads a rejected statement's tokens again from the text (ReleasedStatement.tokens_again): the
    same tokens at the same offsets, for every statement of the rule pages and fixtures/."""
    files = [
        (directory / name, config.dialect)
        for _, directory, names, config in _page_examples(tmp_path)
        for name in names
        if name.endswith(".sql")
    ]
    files += [(path, _config(path.parent / ".safemig-lint.toml").dialect) for path in sorted(FIXTURES.glob("*/*.sql"))]
    compared = 0
    for path, dialect in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        parsed = parse_file(text, dialect)
        masked = statements._mask_placeholders(text, [])
        for statement in parsed.statements:
            again = ReleasedStatement.tokens_again(statement, masked, dialect)  # as a released statement reads them
            assert _tokens(again) == _tokens(statement.tokens), (path, statement.start)
            compared += len(again)
    assert compared > 5000


def _tokens(tokens) -> list[tuple]:
    return [(t.token_type, t.text, t.start, t.end) for t in tokens]  # what check_grammar reads of them


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("mysql", "CREATE TABLE t (id int);\nSELECT id::text FROM t;\nSELECT 'a::b';\n"),  # `::`: MySQL rejects the first
        ("postgres", "CREATE TABLE t (id int);\nCREATE TABLE u (id int,);\nALTER TABLE t ADD COLUMN;\n"),  # a token, the end
        ("sqlite", "CREATE TABLE t (id int);\nCREATE TABLE u (id int,);\n"),
    ],
)
def test_the_grammar_judges_streamed_statements_as_whole_ones(dialect, sql, monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    whole = parse_file(sql, dialect)
    streamed = parse_file(sql, dialect, None, Streaming(Reading(dialect), []).reader(sql))
    assert any(type(statement) is ReleasedStatement for statement in streamed.statements)
    verdicts = [(s.error, s.error_start, s.error_end, s.unanalysed, s.rejected_by) for s in whole.statements]
    assert [(s.error, s.error_start, s.error_end, s.unanalysed, s.rejected_by) for s in streamed.statements] == verdicts
    assert any(error for error, *_ in verdicts)


def test_every_large_file_is_streamed(tmp_path, monkeypatch):
    streamer = Streaming(Reading("postgres"), [])
    large = "CREATE TABLE t (id int);\n" * (streaming.STREAM_MIN_CHARS // 25 + 1)
    assert streamer.reader(large) is not None
    assert streamer.reader(large[: streaming.STREAM_MIN_CHARS - 1]) is None
    assert streamer.reader(large + "CREATE USER u PASSWORD 'p';\n") is not None  # read again masked, streamed again
    assert streamer.reader(large + "-- déjà vu\n") is not None


def test_the_fixes_of_sm508_are_the_same_streamed(tmp_path, monkeypatch):
    """SM508's fix names the ALTER TABLE's table only for one action with a named constraint (_altered_alone, whose
    digest a streamed file takes only for statements holding a CONSTRAINT token): the rule pages make no fix."""
    (tmp_path / ".safemig-lint.toml").write_text("driver-options = { x-multi-statement = true }\n")
    up = (
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n"
        'ALTER TABLE "Orders" ADD CONSTRAINT "Orders_check" CHECK (total > 0);\n'
        "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);\n"
    )
    directory = write_migrations(tmp_path / "m", {"000001_fk.up.sql": up, "000001_fk.down.sql": "SELECT 1;\n"})
    whole, streamed = _both(monkeypatch, directory, _config(tmp_path / ".safemig-lint.toml"))
    assert whole == streamed
    assert [bool(finding.fix) for finding in whole if finding.code == "SM508"] == [True, True, False]


def _secrets_and_accents(root: Path) -> Path:
    """A history of one migration per way of writing a secret (secret_forms.py), each with text that is not ASCII
    before findings on the same line, and the secret's value written again as a name before and after it."""
    files = {}
    for number, name in enumerate(sorted(FORMS), 1):
        files[f"{number:06d}_f.up.sql"] = (
            f"-- Crée « clients » ☕ (déjà vu)\nDROP TABLE {SECRET};\n"
            f"COMMENT ON TABLE t IS 'Ünïcödé'; DROP TABLE old_{number}; -- ✓\n{form(name)}\n"
            f"ALTER TABLE accounts DROP COLUMN c_{number}, DROP COLUMN {SECRET}; -- fin ✓\n"
        )
        files[f"{number:06d}_f.down.sql"] = "SELECT 1;\n"
    return write_migrations(root / "m", files)


def test_files_with_secrets_and_text_not_ascii_find_the_same_streamed(tmp_path, monkeypatch):
    """Their statements' secrets are taken as each is parsed (masking.SecretsAsParsed); a file holding one is read
    again masked, streamed again. The same findings at the same lines and columns, and no secret in any of them."""
    whole, streamed = _both(monkeypatch, _secrets_and_accents(tmp_path), Config())
    assert list(map(repr, whole)) == list(map(repr, streamed))  # every field, their fixes and related spans too
    # (Where the secret is more than SECRET, its value written again is no secret: the bearer token's has digits
    # after it, an unterminated literal runs to the end of the file, a template writes part of one.)
    shown = {Path(finding.path).name[:6] for finding in streamed if SECRET in repr(finding)}
    assert {sorted(FORMS)[int(number) - 1] for number in shown} == {"bearer token", "unterminated string", "template-built password"}
    codes = [finding.code for finding in whole]
    assert codes.count("SM402") > len(FORMS) // 2 and codes.count("SM101") >= len(FORMS)  # compared, not empty
    # Columns after text that is not ASCII on the same line: in characters (45), not bytes (49).
    assert {(f.span.line, f.span.column) for f in whole if f.code == "SM101" and f.span.line == 3} == {(3, 45)}


def test_no_tree_of_a_streamed_file_with_a_secret_is_alive_when_the_rules_run(tmp_path, monkeypatch):
    """Read once to find its secrets, then again masked: neither reading keeps a tree."""
    directory = _big_folder(tmp_path, 100)
    up = directory / "000001_big.up.sql"
    up.write_text(up.read_text() + f"-- déjà vu\n{form('role password')}\n", encoding="utf-8")
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    assert _nodes_alive_when_rules_run(monkeypatch, directory) == 0


def _into_ascii(character: str) -> bool:
    forms = character.upper() + character.lower() + character.casefold() + character.title()
    return len(character.lower()) != 1 or re.match("[a-z]", character, re.IGNORECASE) is not None or any(map(str.isascii, forms))


def test_the_letters_that_make_ascii_ones_are_those_of_this_pythons_unicode_data():
    assert "".join(filter(_into_ascii, map(chr, range(0x80, sys.maxunicode + 1)))) == source.INTO_ASCII


def _lowered_wide(text: str) -> str:
    """A text lowered without stand-ins (as words_lowered did before them): 4 bytes a character after an emoji."""
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def _classes(text: str) -> str:
    """Each character of `text` as `re` tells it: a decimal digit, another word character, a blank, or any other."""
    return re.sub(r"\d", "d", re.sub(r"[^\W\d]", "w", re.sub(r"\s", "s", re.sub(r"[^\w\s]", ".", text))))


def test_a_lowered_text_holds_characters_outside_latin_1_as_stand_ins_re_tells_apart_as_them(monkeypatch):
    """Every character outside Latin-1 (but the decimal digits, and INTO_ASCII's) is held in one byte, outside ASCII,
    and in the class of `re` it is in: a word character (so `\\b` is where it was), a blank, or neither."""
    monkeypatch.setattr(source, "_STAND_IN_TABLE", source._StandIns())  # a million stand-ins, let go after the test
    wide = re.sub(rf"[\d{source.INTO_ASCII}]", "", "".join(map(chr, range(0x100, sys.maxunicode + 1))))
    lowered = source.words_lowered(f"SELECT {wide} Ω")
    assert lowered is not None and len(lowered) == len(wide) + 9 and lowered.isascii() is False
    assert lowered.encode("latin-1").decode("latin-1") == lowered  # one byte a character
    assert lowered.startswith("select ") and lowered.endswith(" ª")
    stood = lowered[7:-2]
    assert _classes(stood) == _classes(wide) and not any(map(str.isascii, stood))
    assert set(stood) == {"\u00aa", "\u00a0", "\u00a4"}


def test_a_text_holding_a_decimal_digit_outside_latin_1_is_lowered_as_it_is():
    for text in ("SELECT 1 -- ３ 🎉", "Ab٣ 中 é"):
        assert source.words_lowered(text) == _lowered_wide(text)


# Words the patterns searched in a lowered text look for, and what may follow them (execute's lookahead, `\b`).
_GATED_WORDS = (
    "exec", "execute function(", "execute procedure ", "execute immediate(", "prepare", "grant", "definer", "owner", "copy",
    "load", "outfile", "disable", "enable", "check", "reset", "pw", "password", "passwd", "secret", "token", "api_key",
    "private key", "@x", "$1", "://u:p@h", "-u", "-pw", "--password", "jdbc", "bearer", "identified", "mysql",
)  # fmt: skip
_WIDE_CHARACTERS = ("中", "🎉", "\u3000", "\u2028", "\u0301", "\U0001d400", "\u216b", "é", " ", "\t")


def test_every_pattern_searched_in_a_lowered_text_matches_where_it_matches_in_the_text_lowered_as_it_is():
    """The patterns searched in a lowered text (FileContext.lowered, the credential finders' _Reading.lowered) find
    the same matches in it as in the text lowered without stand-ins, whatever is written beside their words."""
    from safemig_lint.analysis import bodies, credentials, digests
    from safemig_lint.checks import all_rules

    pieces = []
    for word in _GATED_WORDS:
        for before in _WIDE_CHARACTERS:
            for after in _WIDE_CHARACTERS:
                pieces += [before, word.replace(" ", after).upper(), after, word, before]
    text = "".join(pieces)
    lowered, wide = source.words_lowered(text), _lowered_wide(text)
    assert lowered is not None and lowered != wide and len(lowered) == len(wide)
    rules = all_rules()  # each rule's module registers its gates
    patterns = [credentials._LOWER_TRIGGER, credentials._STATEMENT_TRIGGER, credentials._LOWER_PROSE_KEY]
    patterns += [rule.reads_words for rule in rules if rule.reads_words is not None]
    for dialect in ("postgres", "mysql", "sqlite"):
        patterns += [gate(dialect) if callable(gate) and not isinstance(gate, re.Pattern) else gate for gate in bodies._GATES]
        patterns.append(bodies._code_gate(dialect, len(bodies._GATES)))
    found = 0
    for pattern in patterns:
        spans = [match.span() for match in pattern.finditer(wide)]
        assert [match.span() for match in pattern.finditer(lowered)] == spans, pattern.pattern
        found += len(spans)
    assert found > 1000
    # The words looked for as they are (str.find, `in`): ASCII, held by no stand-in.
    assert all(word.isascii() for digest in digests.registered() for word in digest.words or ())


def test_words_are_searched_in_a_text_not_ascii_lowered_as_in_each_statement(tmp_path, monkeypatch):
    """A text holding letters outside ASCII (none of INTO_ASCII) is lowered and searched as an ASCII one
    (source.words_lowered), by the rules' word gates, the digests taken and the credential finders' prefilter: the
    same findings as where it was not (each statement then searched on its own, or read), on the secret forms and on
    the rule pages' examples with a comment in French added to each file, every file streamed."""
    folders = [(_secrets_and_accents(tmp_path / "secrets"), Config())]
    for _, directory, names, config in _page_examples(tmp_path / "pages"):
        for name in names:
            path = directory / name
            if name.endswith(".sql"):
                path.write_text(path.read_text(encoding="utf-8") + "\n-- Crée « déjà » ☕ 🎉 中文\u3000grant\n", encoding="utf-8")
        folders.append((directory, config))
    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    lowered = [[repr(finding) for finding in lint([str(directory)], config).diagnostics] for directory, config in folders]
    for module in (base, streaming, masking):
        monkeypatch.setattr(module, "words_lowered", lambda text: text.lower() if text.isascii() else None)
    assert [[repr(finding) for finding in lint([str(directory)], config).diagnostics] for directory, config in folders] == lowered
    assert sum(map(len, lowered)) > 500


def test_a_streamed_files_reader_tells_the_engine_which_rules_words_it_may_hold(monkeypatch):
    """ParsedFile.words_held, kept by the reader of a streamed file, is what the engine works out from the text itself
    for a file read whole (bodies.file_may_hold_words; rules without words are called on every file)."""
    from safemig_lint.analysis.bodies import file_may_hold_words
    from safemig_lint.checks import all_rules

    monkeypatch.setattr(streaming, "STREAM_MIN_CHARS", 0)
    rules = all_rules()
    for sql in ("CREATE TABLE t (id int);\n", "GRANT SELECT ON t TO app;\nCOPY t FROM '/x';\n", "SELECT 'exec';\n"):
        parsed = parse_file(sql, "postgres", None, Streaming(Reading("postgres"), rules).reader(sql))
        lowered = sql.lower()
        expected = {rule.code for rule in rules if rule.reads_words is None or file_may_hold_words(rule.reads_words, lowered)}
        assert parsed.words_held == expected
        assert parse_file(sql, "postgres").words_held is None  # read whole: the engine searches the text

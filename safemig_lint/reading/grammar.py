"""Decide whether each statement is valid SQL with the database's own grammar, where one is at hand.

sqlglot stays the model the rules read; it does not decide validity. PostgreSQL's own parser
(libpg_query, through pglast) and SQLite's (the standard library's sqlite3) do. Where no real
grammar is at hand (MySQL and the rest), a statement sqlglot cannot read is "not analysed"
(SM011), never a syntax error, unless it is certainly invalid: an unterminated string or
comment, or a MySQL `--` comment without the space MySQL requires.

Afterwards `Statement.error` means "the database rejects this" (SM001) and
`Statement.unanalysed` means "valid as far as we know, but no rule could read it" (SM011).
"""

from __future__ import annotations

import bisect
import operator
import os
import re
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from safemig_lint.dialects import database_name
from safemig_lint.patterns import lazy

if TYPE_CHECKING:
    from safemig_lint.reading.statements import ParsedFile, Statement

POSTGRES_DIALECTS = frozenset({"postgres"})
SQLITE_DIALECTS = frozenset({"sqlite"})
MYSQL_DIALECTS = frozenset({"mysql", "doris", "starrocks", "singlestore"})


def check_grammar(parsed: ParsedFile, masked: str, dialect: str, accepted_before: Callable[[str], bool] | None = None) -> None:
    """Settle each statement's `error` (the database rejects it) and `unanalysed` (no rule read it).

    `accepted_before(key)`: whether PostgreSQL accepted, earlier, every statement of a file with
    these statements (`parsed.accepted_key`, remembered by the content cache); when it did, its
    parser is not run (nor imported) again. Given only when the caller may remember the key."""
    statements = parsed.statements
    if not statements:
        return
    verdicts: Mapping[int, tuple[str, int | None, int | None] | None]
    if dialect in POSTGRES_DIALECTS:
        key = accepted_key(statements, masked) if accepted_before is not None else None
        if key is not None and accepted_before is not None and accepted_before(key):
            return  # accepted, as before: and every statement was read (`key` asks that), so nothing to settle
        verdicts, whole = _postgres_verdicts(statements, masked)
        if key is not None and whole and not verdicts and _each_ends_with_semicolon(statements, masked):
            parsed.accepted_key = key
        grammar = "PostgreSQL"
    elif dialect in SQLITE_DIALECTS:
        verdicts = {id(s): _sqlite_verdict(masked[s.start : s.end], s.start) for s in statements}
        grammar = "SQLite"
    else:
        _without_grammar(parsed, masked, dialect)
        return
    for statement in statements:
        verdict = verdicts.get(id(statement))
        if verdict is None:  # the real grammar accepts it
            if statement.error is not None:
                if grammar != "PostgreSQL" or not _nothing_to_check(masked[statement.start : statement.end]):
                    cannot = statement.error if statement.too_large else "safemig-lint cannot read its structure"
                    statement.unanalysed = f"{grammar} accepts it, but {cannot}"
                statement.error = statement.error_start = statement.error_end = None
            continue
        message, start, end = verdict
        if not statement.tokens and statement.error is not None:
            # Unterminated: the tokenizer's account (where it opens, what it swallows) and PostgreSQL's words.
            statement.error = f"{statement.error} ({grammar}: {message})"
            statement.rejected_by = grammar
            continue
        if _has_value_placeholder(parsed, statement) and not parsed.shaped_by_template(statement):
            # A masked placeholder may stand for more than a name ({{ .Columns }}): no certainty.
            statement.unanalysed = f"{grammar} rejects it with its template placeholders masked ({message}); check the rendered SQL"
            statement.error = statement.error_start = statement.error_end = None
            continue
        statement.error = f"{grammar} rejects it: {message}"
        statement.rejected_by = grammar
        statement.error_start, statement.error_end = _span_of_error(statement, masked, dialect, start, end)


def _has_value_placeholder(parsed: ParsedFile, statement: Statement) -> bool:
    return any(not p.is_control and statement.start <= p.start < max(statement.end, statement.start + 1) for p in parsed.placeholders)


def _span_of_error(statement: Statement, masked: str, dialect: str, start: int | None, end: int | None) -> tuple[int, int]:
    """The token the database names, within the statement; its last token for 'end of input'."""
    tokens = statement.tokens_again(masked, dialect) if statement.tokens else []
    if start is None:
        last = tokens[-1] if tokens else None
        return (last.start, last.end + 1) if last else (statement.start, statement.end)
    if end is None:
        token = next((t for t in tokens if t.start <= start <= t.end), None)
        end = token.end + 1 if token and token.start == start else _word_end(masked, start)
    return start, max(end, start + 1)


_WORD_END = lazy(r"\w+|\S")


def _word_end(text: str, start: int) -> int:
    match = _WORD_END.match(text, start)
    return match.end() if match else start + 1


# --- PostgreSQL: libpg_query through pglast -------------------------------------------------


# A longer text is parsed this many characters or so at a time: libpg_query's reading of all of a 5 MB file at once
# took ~90 MB, the largest part of that file's peak after the rules' (tests/test_grammar.py compares the verdicts).
PIECE = 1 << 20


def _postgres_verdicts(statements: list[Statement], masked: str) -> tuple[dict[int, tuple[str, int | None, int | None]], bool]:
    """id(statement) -> (PostgreSQL's message, error offset or None for 'end of input', None); and
    whether the parser judged the whole file (it raised nothing but its syntax errors).

    The file is parsed a PIECE at a time (fast), each piece ending where a statement starts (_piece_end);
    after an error, parsing resumes at the statement after the rejected one, so one mistake hides no other.
    A piece read to its end without an error leaves the parser where the whole text would at that point:
    between two statements. One whose end cuts a literal, a comment or a statement in two (the parser says
    'unterminated' or 'end of input') is read again with the next piece, as the whole text.
    """
    from pglast import parser

    verdicts: dict[int, tuple[str, int | None, int | None]] = {}
    resume = statements[0].start
    end = _piece_end(statements, masked, resume)
    while True:
        try:
            parser.split(masked[resume:end], with_parser=True)  # the parser's verdict, and only the statements' bounds back
        except parser.ParseError as error:
            message, location = error.args[0], error.args[1] if len(error.args) > 1 else None
            if end < len(masked) and (location is None or "unterminated" in message):
                end = _piece_end(statements, masked, end)
                continue
            offset = resume + location if location is not None else None
            index = _statement_at(statements, offset, resume)
            verdicts[id(statements[index])] = (_without_index(message), offset, None)
            if index + 1 >= len(statements):
                return verdicts, True
            resume = statements[index + 1].start
            continue
        except Exception:  # not a verdict on the SQL (pglast raises little else): judge no further
            return verdicts, False
        if end >= len(masked):
            return verdicts, True
        resume, end = end, _piece_end(statements, masked, end)


def _piece_end(statements: list[Statement], masked: str, start: int) -> int:
    """Where a piece from `start` ends: the start of the first statement PIECE characters on or more (every
    statement but the last ends at a `;`), else the end of the text."""
    index = bisect.bisect_left(statements, start + PIECE, key=_START)
    return statements[index].start if index < len(statements) else len(masked)


_START = operator.attrgetter("start")


# --- PostgreSQL's acceptance, remembered ---------------------------------------------------------
#
# A pre-commit run parses the file just edited again, and most edits leave most of its text as it
# was. What PostgreSQL's parser sees of a file is its tokens from the first statement on, comments
# and whitespace dropped: when each statement, up to and with its `;`, is scanned on its own into
# tokens ending with that `;`, the scanner is back at its start state after it, and a gap of only
# whitespace and `--` comments that end at a line break leaves it there. Then the file's tokens are
# those of its statements, one after the other, whatever such gaps hold; and PostgreSQL's verdict on
# the same statements (the same parser) is the same. So `accepted_key` hashes the parser's identity
# and the statements, and is given only where the gaps are of that kind; `_each_ends_with_semicolon`
# scans each statement before its key is remembered as accepted.

_SEMICOLON_AFTER = lazy(r"[ \t\n\r\f]*;")
# PostgreSQL's whitespace ([ \t\n\r\f], and \v since 16) and `--` comments, which end at a line
# break (or at the end of the text, in the gap after the last statement).
_NEUTRAL_GAP = lazy(r"(?:[ \t\n\r\f]+|--[^\n\r]*[\n\r])*")
_NEUTRAL_TAIL = lazy(r"(?:[ \t\n\r\f]+|--[^\n\r]*(?:[\n\r]|\Z))*")


def accepted_key(statements: list[Statement], masked: str) -> str | None:
    """The key under which PostgreSQL's acceptance of these statements is remembered; None when
    it could not stand for the file: a statement that sqlglot could not read (its kind is then
    asked of PostgreSQL too), one not ended by `;`, a gap between statements that is not only
    whitespace and `--` comments, or no PostgreSQL parser to name."""
    identity = _postgres_parser_identity()
    if identity is None:
        return None
    import hashlib  # here: a run that lints every file asks no key, and importing it (it starts OpenSSL) costs ~1%

    digest = hashlib.sha256(f"postgres\0{identity}\0".encode("utf-8", "surrogateescape"))
    position = statements[0].start
    for statement in statements:
        if statement.error is not None or not statement.tokens or statement.start < position:
            return None
        if position != statements[0].start and not _NEUTRAL_GAP.fullmatch(masked, position, statement.start):
            return None
        semicolon = _SEMICOLON_AFTER.match(masked, statement.end)
        if semicolon is None:
            return None
        piece = masked[statement.start : semicolon.end()].encode("utf-8", "surrogateescape")
        digest.update(len(piece).to_bytes(8, "big") + piece)
        position = semicolon.end()
    return digest.hexdigest() if _NEUTRAL_TAIL.fullmatch(masked, position) else None


def _each_ends_with_semicolon(statements: list[Statement], masked: str) -> bool:
    """Does PostgreSQL's scanner read each statement (as `accepted_key` cut it), on its own, into
    tokens of which the last is the `;` that ends it?"""
    from pglast import parser

    for statement in statements:
        semicolon = _SEMICOLON_AFTER.match(masked, statement.end)
        if semicolon is None:
            return False
        piece = masked[statement.start : semicolon.end()]
        try:
            tokens = parser.scan(piece)
        except Exception:  # an unterminated string or comment (ParseError), or anything odd: not so
            return False
        if not tokens or tokens[-1].name != "ASCII_59" or tokens[-1].end != len(piece) - 1:
            return False
    return True


@cache
def _postgres_parser_identity() -> str | None:
    """pglast's parser (libpg_query, compiled in) named by its path, size and time, without importing
    pglast: a reinstall or another version is another parser, whose verdicts are not reused."""
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import find_spec

    try:
        spec = find_spec("pglast")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for suffix in EXTENSION_SUFFIXES:
            try:
                status = os.stat(os.path.join(folder, f"parser{suffix}"))
            except OSError:
                continue
            return f"{os.path.join(folder, f'parser{suffix}')}\0{status.st_size}\0{status.st_mtime_ns}"
    return None


# PostgreSQL statements no rule has anything to check in: saying "not analysed" would be noise.
_NOTHING_TO_CHECK = frozenset(
    {"CommentStmt", "DeallocateStmt", "NotifyStmt", "ListenStmt", "UnlistenStmt", "VariableShowStmt", "CheckPointStmt"}
)


def _nothing_to_check(sql: str) -> bool:
    """Is this (valid) PostgreSQL statement of a kind no rule reads, such as COMMENT ON?"""
    from pglast import parser

    try:
        (raw,) = parser.parse_sql(sql)
    except (parser.ParseError, ValueError):
        return False
    return type(raw.stmt).__name__ in _NOTHING_TO_CHECK


def _statement_at(statements: list[Statement], offset: int | None, resume: int) -> int:
    """The statement holding `offset` (its `;` included); None ('end of input') means the last one parsed."""
    if offset is None:
        return len(statements) - 1
    for index, statement in enumerate(statements):
        if statement.start >= resume and offset <= statement.end:
            return index
    return len(statements) - 1


_AT_INDEX = lazy(r", at index \d+$")


def _without_index(message: str) -> str:
    return _AT_INDEX.sub("", message)


# --- SQLite: its own parser, through the standard library ------------------------------------

_SQLITE_SYNTAX = lazy(r"syntax error|incomplete input|unrecognized token")
_SQLITE_NEAR = lazy(r'near "(.*)": syntax error$|unrecognized token: "(.*)"$', re.DOTALL)


@lru_cache(maxsize=1)
def _sqlite_connection():
    import sqlite3

    # An empty in-memory database: preparing a statement checks its syntax without touching files.
    return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)


def _sqlite_verdict(sql: str, offset: int) -> tuple[str, int | None, int | None] | None:
    """SQLite's syntax error for one statement, or None when its parser accepts it.

    The statement is compiled under EXPLAIN, which prepares it and lists its program without
    running it. A missing table or column ("no such table") is a valid statement against an
    empty database, not a syntax error.
    """
    import sqlite3

    words = sql.lstrip().split(None, 1)
    explained = sql if words and words[0].upper() == "EXPLAIN" else "EXPLAIN " + sql
    try:
        _sqlite_connection().execute(explained).fetchall()
    except sqlite3.Error as error:
        message = str(error)
        missing = _SQLITE_NO_SUCH_TABLE.fullmatch(message)
        if missing and words and words[0].upper() == "ALTER":
            # SQLite looks the table up halfway through parsing ALTER TABLE, before the column
            # definition: parse again where a stand-in table of that name exists.
            message = _sqlite_error_with_table(explained, missing.group(1)) or ""
        if not _SQLITE_SYNTAX.search(message):
            return None  # a name it cannot resolve in an empty database, or a limit: not grammar
        return message, *_sqlite_position(sql, offset, message)
    except (sqlite3.Warning, ValueError):  # more than one statement, or a NUL character: not a verdict
        return None
    return None


def sqlite_accepts(sql: str) -> bool:
    return _sqlite_verdict(sql, 0) is None


_SQLITE_NO_SUCH_TABLE = lazy(r"no such table: (\w+)")


def _sqlite_error_with_table(explained: str, table: str) -> str | None:
    """The error preparing `explained` in a scratch in-memory database holding an empty `table`."""
    import sqlite3

    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        scratch.execute(f'CREATE TABLE "{table}" (stand_in)')  # our own DDL, on a database that dies here
        scratch.execute(explained).fetchall()
    except sqlite3.Error as error:
        return str(error)
    except (sqlite3.Warning, ValueError):
        return None
    finally:
        scratch.close()
    return None


def _sqlite_position(sql: str, offset: int, message: str) -> tuple[int | None, int | None]:
    """File offsets of the token SQLite names when it occurs once in the statement; None for 'incomplete
    input' (the end); otherwise the whole statement (SQLite's library does not say where)."""
    if "incomplete input" in message:
        return None, None
    match = _SQLITE_NEAR.search(message)
    near = match and (match.group(1) or match.group(2))
    if near and sql.count(near) == 1:
        start = offset + sql.index(near)
        return start, start + len(near)
    return offset, offset + len(sql)


# --- Dialects without a real grammar at hand -------------------------------------------------


def _without_grammar(parsed: ParsedFile, masked: str, dialect: str) -> None:
    for statement in parsed.statements:
        # An unterminated literal (no tokens: the tokenizer stopped) is invalid in every dialect.
        if statement.error is not None and statement.tokens:
            statement.unanalysed = (
                f"safemig-lint cannot read its structure (its reader stops at: {statement.error}), and has no {database_name(dialect)} "
                f"grammar to tell whether {database_name(dialect)} accepts it"
            )
            statement.error = statement.error_start = statement.error_end = None
    if dialect in MYSQL_DIALECTS:
        for statement in parsed.statements:
            _mysql_dash_without_space(statement)
            if statement.rejected_by is None:
                _mysql_double_colon(statement, masked, dialect)
            if statement.rejected_by is None:
                _mysql_alter_table_only(statement)
    if dialect == "mysql":
        for statement in parsed.statements:
            if statement.rejected_by is None and statement.tokens and not _has_value_placeholder(parsed, statement):
                _mysql_grammar(statement, masked)


_DASH_WITHOUT_SPACE = lazy(r"--[^\s\x00-\x1f]")


def _mysql_dash_without_space(statement: Statement) -> None:
    """MySQL reads `--` as a comment only when a space or control character follows it.

    Otherwise `--DROP INDEX i ON t` is SQL (`- -DROP ...`). Inside an expression that can be
    valid (`SELECT 1 --1` is 2), but no statement begins with a minus sign.
    """
    match = _DASH_WITHOUT_SPACE.match(statement.text)
    if match is None:
        return
    _reject_for_mysql(
        statement,
        "MySQL reads `--` as a comment only when a space follows it; without one it is SQL, and a syntax error",
        statement.start,
        statement.start + len(statement.text.split(None, 1)[0]),
    )


def _reject_for_mysql(statement: Statement, error: str, start: int, end: int) -> None:
    """The statement is MySQL's syntax error `error`, at file offsets start..end (a verdict: nothing to analyse)."""
    statement.unanalysed = None
    statement.rejected_by = "MySQL"
    statement.error = error
    statement.error_start, statement.error_end = start, end


def _mysql_double_colon(statement: Statement, masked: str, dialect: str) -> None:
    """MySQL has no `::` operator (PostgreSQL's cast): outside a string or comment it is a syntax error.
    (sqlfluff's MySQL grammar accepts it, so it is settled here, from the tokens.)"""
    from sqlglot.tokens import TokenType

    if "::" not in statement.text:  # a `::` token's text is written there (masking makes no colons)
        return
    token = next((t for t in statement.tokens_again(masked, dialect) if t.token_type == TokenType.DCOLON), None)
    if token is None:
        return
    error = "MySQL rejects it: `::` is PostgreSQL's cast, MySQL has no such operator (write CAST(value AS type))"
    _reject_for_mysql(statement, error, token.start, token.end + 1)


# `ALTER TABLE ONLY t <action>`: ONLY is PostgreSQL's (not the inheritance children); MySQL reads it as the
# table's name and stops at the next word. A table named `only` is followed by its action directly.
_ALTER_TABLE_ONLY = lazy(
    r"(?:\s+|--[^\n]*\n|/\*.*?\*/)*ALTER\s+TABLE\s+(?P<only>ONLY)\s+(?:`[^`]+`|[\w$]+)(?:\.(?:`[^`]+`|[\w$]+))?\s+"
    r"(?:ADD|ALTER|DROP|CHANGE|MODIFY|RENAME|ENABLE|DISABLE|OWNER|SET|VALIDATE|ATTACH|DETACH)\b",
    re.IGNORECASE | re.DOTALL,
)


def _mysql_alter_table_only(statement: Statement) -> None:
    """(sqlfluff's MySQL grammar reads ONLY as a table name and accepts some of these.)"""
    match = _ALTER_TABLE_ONLY.match(statement.text)
    if match is None:
        return
    error = "MySQL rejects it: `ALTER TABLE ONLY` is PostgreSQL's, MySQL has no ONLY (write ALTER TABLE t ...)"
    _reject_for_mysql(statement, error, statement.start + match.start("only"), statement.start + match.end("only"))


# --- MySQL: sqlfluff's MySQL grammar, on the statement kinds where it agrees with the server -------
#
# No parser of MySQL's or MariaDB's own is available to Python. Measured against a real MariaDB
# 10.11 on the corpus's MySQL files (2,755 statements, 398 of them rejected by the server; README,
# "Validity"), sqlfluff's MySQL grammar rejected 285 statements the server rejects and that nothing
# else here catches, and no statement the server accepts, on these kinds, once MariaDB's
# `IF [NOT] EXISTS` guards (which sqlfluff's MySQL grammar lacks) are blanked out. On CREATE TABLE it
# rejects expression defaults (`DEFAULT ('[]')`, MySQL 8.0.13+), so CREATE TABLE is left alone, as are
# the kinds the corpus does not hold. sqlglot's strict parse, sqloxide and polyglot-sql were measured
# too and caught far less (README).
_MYSQL_JUDGED = lazy(r"(ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX|DROP\s+INDEX|DROP\s+TABLE)\b", re.IGNORECASE)
_MARIADB_GUARD = lazy(r"\bIF\s+(?:NOT\s+)?EXISTS\b", re.IGNORECASE)
_LEADING = lazy(r"(?:\s+|--[^\n]*\n?|#[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
MYSQL_GRAMMAR_LIMIT = 20_000  # characters: longer statements are not judged (sqlfluff's parser is slow on them)
_UNPARSABLE = lazy(r"Found unparsable section: '(?P<section>.*?)'(?:\. |$)", re.DOTALL)


def _mysql_grammar(statement: Statement, masked: str) -> None:
    text = masked[statement.start : statement.end]
    body = leading.end() if (leading := _LEADING.match(text)) else 0  # it matches the empty string: always
    if len(text) > MYSQL_GRAMMAR_LIMIT or not _MYSQL_JUDGED.match(text, body):
        return
    judged = _MARIADB_GUARD.sub(lambda m: " " * len(m.group()), text)  # same length: positions stay true
    if judged.rstrip().endswith(";"):
        judged = judged.rstrip()[:-1]
    violation = _sqlfluff_mysql_violation(judged)
    if violation is None:
        return
    offset, section = violation
    start = statement.start + min(offset, len(text) - 1)
    shown = " ".join(section.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    _reject_for_mysql(
        statement, f"MySQL rejects it: its grammar cannot read `{shown}`", start, min(statement.end, start + max(len(section), 1))
    )


@lru_cache(maxsize=4096)  # a history repeats statements (the same index dropped in many versions' downs)
def _sqlfluff_mysql_violation(sql: str) -> tuple[int, str] | None:
    """(offset in `sql`, the unparsable text) of sqlfluff's first parse error, or None when it parses."""
    lines = LineOffsets(sql)
    for violation in sqlfluff_mysql_violations(sql):
        found = _UNPARSABLE.search(violation.desc())
        if found is None:
            continue  # not a verdict on the grammar (a templating or lexing note)
        return lines.offset(violation.line_no, violation.line_pos), found.group("section")
    return None


# What Linter.parse_string would read differently from the text as it is: template syntax (its
# default templater is Jinja) and inline configuration comments (`-- sqlfluff:...`).
_TEMPLATED_OR_CONFIGURED = lazy(r"\{[{%#]|sqlfluff", re.IGNORECASE)
_LINE_BREAKS = lazy(r"\r\n|\r")


def sqlfluff_mysql_violations(sql: str) -> list:
    """sqlfluff's lexing and parse violations for `sql`, as Linter.parse_string finds them.

    parse_string deep-copies the whole configuration (every rule's settings) and runs the Jinja
    templater on each call: most of a short statement's cost. Where neither can change the text,
    the text goes straight to sqlfluff's lexer and parser (Linter.parse_rendered), newlines
    normalised as parse_string does."""
    linter = _sqlfluff_mysql()
    if _TEMPLATED_OR_CONFIGURED.search(sql):
        return linter.parse_string(sql).violations
    from sqlfluff.core.linter import RenderedFile
    from sqlfluff.core.templaters import TemplatedFile

    text = _LINE_BREAKS.sub("\n", sql)
    rendered = RenderedFile([TemplatedFile.from_string(text)], [], linter.config, {}, "<string>", "utf-8", text)
    return linter.parse_rendered(rendered).violations


@lru_cache(maxsize=1)
def _sqlfluff_mysql():
    from sqlfluff.core import FluffConfig, Linter

    return Linter(config=FluffConfig(overrides={"dialect": "mysql"}))


class LineOffsets:
    """1-based (line, column) to a 0-based offset in a text."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def offset(self, line: int, column: int) -> int:
        line = min(max(line, 1), len(self._starts))
        return self._starts[line - 1] + max(column, 1) - 1

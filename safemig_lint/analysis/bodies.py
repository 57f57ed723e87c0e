"""The code sqlglot keeps as raw text, tokenized so that checks can read the statements inside it.

sqlglot reads a routine's body (`AS $$ ... $$`), a `DO` block and the tail of a statement it
only knows as a command (`PREPARE ...`, `EXECUTE ...`) as one string. Security checks need
what is inside: this module finds those strings in a Statement, tokenizes each once with
the file's dialect, and gives every token its offsets in the file, so that a finding inside a
body points at the right place. A body token's line and column are left as the tokenizer counted
them in the body's text: nothing reads them (spans are made from offsets, LineIndex.span), and
working them out in the file cost ~1% of a run.

`code(statement, names)` is computed once per statement, a digest (analysis/digests.py); every check shares the result,
and reads its statements as `Unit`s whose words and statement extents are computed once too.
"""

from __future__ import annotations

import bisect
import functools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer, TokenType

from safemig_lint.analysis.digests import digest
from safemig_lint.reading.source import lowered_may_hold
from safemig_lint.reading.statements import Statement
from safemig_lint.values import value

STRING_TOKENS = frozenset(
    {
        TokenType.STRING,
        TokenType.HEREDOC_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.BYTE_STRING,
        TokenType.RAW_STRING,
        TokenType.UNICODE_STRING,
        TokenType.NATIONAL_RAW_STRING,
    }
)
# Bodies in these languages are SQL or PL/pgSQL and are tokenized; others (plpython3u, c ...) are not.
SQL_LANGUAGES = frozenset({"", "sql", "plpgsql"})
_ROUTINE_KINDS = {"FUNCTION", "PROCEDURE", "PROC"}
_NOT_A_ROUTINE = {"TRIGGER", "EVENT", "ON", "EXECUTE", "TABLE", "INDEX", "VIEW", "TYPE"}
_MAX_NESTING = 4  # a DO block creating a function that EXECUTEs a constant ... deeper is not looked at
_RUN_WORDS = frozenset({"EXECUTE", "EXEC", "PREPARE", "SP_EXECUTESQL"})  # may run a constant string
_BODY_WORDS = _RUN_WORDS | {"CREATE", "DO"}  # a unit without any of these holds no body
_NOT_WORDS = STRING_TOKENS | {TokenType.IDENTIFIER}  # tokens whose word() is ''


def word(token: Token) -> str:
    """The upper-cased text of a keyword or unquoted name; '' for literals and quoted names."""
    return "" if token.token_type in _NOT_WORDS else token.text.upper()


def first_word(token: Token) -> str:
    """The first word of word(token): sqlglot reads `double precision`, `sql SECURITY` as one token."""
    return (word(token).split() or [""])[0]


def name(token: Token) -> str:
    """An identifier as the database folds it: quoted names keep their case."""
    return token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower()


def closing(tokens: list[Token], index: int) -> int:
    """The index of the `)` matching the `(` at `index` (or the last index when it is missing)."""
    depth = 0
    for position in range(index, len(tokens)):
        kind = tokens[position].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return position
    return len(tokens) - 1


# Words after which a new statement starts inside a PL/pgSQL or BEGIN ... END block.
_BLOCK_WORDS = frozenset({"BEGIN", "THEN", "ELSE", "LOOP", "ATOMIC"})


def statement_extents(tokens: list[Token], words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each statement in a unit (its tokens and their words), end exclusive: up
    to where the next one starts. A statement starts at the unit's first token, and after BEGIN,
    THEN, ELSE, LOOP, ATOMIC, except inside brackets or a CASE expression (`SELECT CASE WHEN a
    THEN b END`: no statement starts at `b`). A CASE at a statement's start is PL/pgSQL's CASE
    statement, whose THEN and ELSE do start statements. Extents never overlap, so a check
    reading each statement reads the unit once."""
    if _BLOCK_WORDS.isdisjoint(words):  # no statement starts after the first
        return [(0, len(tokens))] if tokens else []
    starts = [0]
    nesting = 0  # open brackets and CASE expressions
    for index, token in enumerate(tokens):
        kind, upper = token.token_type, words[index]
        if kind == TokenType.L_PAREN or (upper == "CASE" and index != starts[-1]):
            nesting += 1
        elif nesting and (kind == TokenType.R_PAREN or upper == "END"):
            nesting -= 1
        elif not nesting and upper in _BLOCK_WORDS and index + 1 < len(tokens):
            starts.append(index + 1)
    return list(zip(starts, [*starts[1:], len(tokens)]))


@value(unsafe_hash=True)
class Unit:
    """The tokens between two `;` (a statement, or a statement inside a body), with what every
    check and the credential finder read of them, computed once: each token's word() and the
    extents of the statements in it (several in a BEGIN ... END block)."""

    tokens: list[Token]
    words: list[str]
    extents: list[tuple[int, int]]

    @classmethod
    def of(cls, tokens: list[Token]) -> Unit:
        # word(token), interned: a big file's statements repeat the same few words, one copy each
        words = ["" if token.token_type in _NOT_WORDS else sys.intern(token.text.upper()) for token in tokens]
        return cls(tokens, words, statement_extents(tokens, words))


def split_units(tokens: list[Token]) -> list[Unit]:
    """Tokens split at semicolons (statements inside a body), empty pieces dropped."""
    semicolon = TokenType.SEMICOLON
    ends = [index for index, token in enumerate(tokens) if token.token_type == semicolon] + [len(tokens)]
    if len(ends) == 1:  # one unit, most statements: its tokens are the statement's, not a copy
        return [Unit.of(tokens)] if tokens else []
    starts = [0] + [end + 1 for end in ends[:-1]]
    return [Unit.of(tokens[start:end]) for start, end in zip(starts, ends) if start < end]


def inside_quotes(token: Token, text: str, offset: int = 0) -> tuple[int, int]:
    """Where a string literal token's content lies (between its quotes or $tag$s), as offsets
    like the token's; `text` is the source from `offset` on."""
    first, last = _between_quotes(token.token_type, text[token.start - offset : token.end - offset + 1])
    return token.start + first, token.start + last


def _between_quotes(kind: TokenType, raw: str) -> tuple[int, int]:
    """Where the content of a string literal written `raw` lies in it (end exclusive)."""
    if kind == TokenType.HEREDOC_STRING and raw.startswith("$") and "$" in raw[1:]:
        tag = raw.index("$", 1) + 1
        return tag, len(raw) - tag
    quote = min((i for i in (raw.find("'"), raw.find('"')) if i >= 0), default=-1)
    return quote + 1, max(quote + 1, len(raw) - 1)


@value(unsafe_hash=True)
class Param:
    name: str  # folded; "$1", "$2" ... for unnamed PostgreSQL parameters
    type: str  # upper-cased first word of its type


@value(unsafe_hash=True)
class Routine:
    """A CREATE FUNCTION / PROCEDURE (or a DO block): what its header says."""

    kind: str  # FUNCTION, PROCEDURE or DO
    params: tuple[Param, ...]
    language: str  # lower-cased LANGUAGE, "" when not given
    header: tuple[Token, ...]  # the statement's tokens outside the body: name, parameters, attributes


@value(unsafe_hash=True)
class Body:
    """Code held in a string: a routine's or DO block's body, or a constant run by EXECUTE."""

    start: int  # file offsets of the text between the quotes; end exclusive
    end: int
    language: str
    tokens: list[Token]  # file offsets (not lines and columns); empty when the language is not SQL
    routine: Routine | None  # None for a constant string run by EXECUTE / PREPARE
    units: list[Unit]  # its tokens split at `;`

    @property
    def is_plpgsql(self) -> bool:
        return self.language == "plpgsql"


@dataclass
class Code:
    """A statement as code: its tokens (command tails tokenized), and the bodies inside it."""

    tokens: list[Token]
    routine: Routine | None  # when the statement creates a routine or is a DO block
    own_units: list[Unit]  # the statement itself, split at `;` when it holds a BEGIN ... END body
    bodies: list[Body] = field(default_factory=list)  # nested ones too, outermost first
    # Every statement in this code: the statement's own units and each statement inside its SQL bodies.
    units: list[Unit] = field(init=False)

    def __post_init__(self) -> None:
        self.units = self.own_units + [unit for body in self.bodies for unit in body.units]


# The word gates (may_hold_words) of the rules that read statements' code, each a pattern or a function of the dialect
# giving one: `code` is taken for the statements one of them admits, and a rule asks for the code of those only.
_GATES: list[re.Pattern[str] | Callable[[str], re.Pattern[str]]] = []
_BODY_RULES = ("SM401", "SM403", "SM404", "SM405", "SM406")


def code_read_where(gate: re.Pattern[str] | Callable[[str], re.Pattern[str]]) -> None:
    """Register a rule's gate for `code` (see _GATES)."""
    _GATES.append(gate)


def _read_by_a_rule(statement: Statement, names: Any) -> bool:
    """Does one of the registered gates admit the statement (take_digests' test: each rule asks for the code only of
    statements its own gate admits)?"""
    return may_hold_words(statement, _code_gate(names.dialect, len(_GATES)), None)


@functools.cache
def _code_gate(dialect: str, gates: int) -> re.Pattern[str]:
    """The registered gates as one pattern (`gates`: how many were registered, so that a later one is not missed):
    their alternatives grouped by first character, which `re` searches 8x faster than the gates joined."""
    from safemig_lint.analysis.credentials import alternation

    patterns = [gate if isinstance(gate, re.Pattern) or not callable(gate) else gate(dialect) for gate in _GATES[:gates]]
    return re.compile(alternation(word for pattern in patterns for word in _alternatives_of(pattern.pattern)))


@functools.cache
def _alternatives_of(pattern: str) -> tuple[str, ...]:
    """A pattern's alternatives: split at each `|` outside groups and character sets."""
    found, depth, start, escaped, in_set = [], 0, 0, False, False
    for index, character in enumerate(pattern):
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif in_set:
            in_set = character != "]"
        elif character == "[":
            in_set = True
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "|" and depth == 0:
            found.append(pattern[start:index])
            start = index + 1
    return (*found, pattern[start:])


@digest(takes=_read_by_a_rule, serves=_BODY_RULES)
def code(statement: Statement, names: Any) -> Code:
    """The statement as code, with its bodies (`names`: anything naming the file's dialect, as Names does). Its tokens
    are the statement's own unless a command's tail was tokenized: kept only for the statements a gate admits."""
    return _Builder(statement, names.dialect).build()


def may_hold_words(statement: Statement, words: re.Pattern[str], lowered: str | None) -> bool:
    """Whether a word of the statement's code, its bodies' included (Unit.words), may hold a match of
    `words`, a pattern of lower-case words: False only when none can, so that a rule that reads
    only such words need not build the code. A body's words are written in the statement's text:
    the quotes around a body are read away (`''` as `'`, which joins no letters) and a template
    placeholder's stand-in joins the letters beside it into another word; only a backslash escape
    (E'\\105XECUTE') or a letter outside ASCII that upper-cases into ASCII (`ı` into `I`) makes a
    word the text does not hold, and a statement with either is read whole. `lowered`: the file's
    text lowered (FileContext.lowered, source.words_lowered), searched in place."""
    if lowered is None:
        text = statement.text
        return not text.isascii() or "\\" in text or words.search(text.lower()) is not None
    start, end = statement.start, statement.end
    if lowered.find("\\", start, end) != -1:
        return True
    starts = _literal_starts(words, lowered)
    if starts is not None:
        at = bisect.bisect_left(starts, start)
        if at == len(starts) or starts[at] >= end:
            return False  # every match starts with one of the literals, and none starts in the statement
    return words.search(lowered, start, end) is not None


def _literal_starts(words: re.Pattern[str], lowered: str) -> list[int] | None:
    """Where in `lowered` the literal that starts each of `words`' alternatives is written, in order (None: an
    alternative starts with no literal): a superset of where its matches start, found with str.find, some twenty
    times faster than the pattern's search, so that only the statements holding one are searched (the search of
    every statement of each file a rule's gate lets through was 1-2% of a cold run). Worked out once per file: the
    last file's are kept for each pattern (and so its lowered text, until the next file's)."""
    kept = _KEPT_STARTS.get(words)
    if kept is not None and kept[0] is lowered:
        return kept[1]
    literals = _leading_literals(words.pattern)
    starts: list[int] | None = None
    if literals is not None:
        starts = []
        for literal in literals:
            at = lowered.find(literal)
            while at != -1:
                starts.append(at)
                at = lowered.find(literal, at + 1)
        starts.sort()
    _KEPT_STARTS[words] = (lowered, starts)
    return starts


_KEPT_STARTS: dict[re.Pattern[str], tuple[str, list[int] | None]] = {}


@functools.cache
def _leading_literals(pattern: str) -> tuple[str, ...] | None:
    """The characters each alternative of `pattern` must start with (lower-case letters, digits, `_`), or None if one
    may start otherwise (with a group, a set, an escape ...). A character a quantifier may leave out is not one."""
    literals = []
    for alternative in _alternatives_of(pattern):
        literal = alternative[: len(alternative) - len(alternative.lstrip(_LITERAL_CHARACTERS))]
        if alternative[len(literal) : len(literal) + 1] in ("?", "*", "{"):
            literal = literal[:-1]
        if not literal:
            return None
        literals.append(literal)
    return tuple(literals)


_LITERAL_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def whole_words(*words: str) -> str:
    """A pattern for may_hold_words: each of `words` (lower-case; regexes of letters, digits and `_`, no `|` outside brackets)
    where no letter, digit or `_` follows it, for a rule that compares a Unit's words whole. A word
    equal to one of them is a token sqlglot read as a name or keyword, whose end in the text is a
    blank, a punctuation mark or the end: its tokenizer reads letters, digits and `_` on into the
    same token (_scan_var; its keyword trie holds only keywords with a blank or punctuation mark in
    them, and no single-character token is a letter, digit or `_`). In a body or command tail the
    text after it is the same, or the quote closing it. A template placeholder masked right after it
    is blanks where the text holds `{{`, or a stand-in (x0___) joined to it into another word.
    What comes before a word is not asked: a token may start right after a number (`1e` `copy`).
    An alternation, each word with its own lookahead: `re` then tries only where a first letter is
    (grouped and followed by one lookahead, the words were searched for at every position)."""
    return "|".join(rf"{word}(?![a-z0-9_])" for word in words)


def file_may_hold_words(words: re.Pattern[str], lowered: str | None) -> bool:
    """may_hold_words for every statement of a file at once: False only when none may. `words` must be
    plain alternatives of words (`grant|owner`), so that a match within a statement is one within the
    file, and each word is looked for as a substring (twice as fast as the pattern, whose search was
    3% of a cold run); a file whose `lowered` is None (source.words_lowered) is left to its statements."""
    return lowered_may_hold(lowered, ("\\", *_alternatives_of(words.pattern)))  # a backslash escape may spell any word


@functools.cache
def _tokenizer_class(dialect: str) -> tuple[type[Tokenizer], Dialect]:
    """The dialect's tokenizer, minus its habit of reading everything after `EXECUTE` or
    `PREPARE` at the start of a statement as one string: inside bodies we want those tokens."""
    sql_dialect = Dialect.get_or_raise(dialect)
    return type("BodyTokenizer", (sql_dialect.tokenizer_class,), {"COMMANDS": set()}), sql_dialect


class _Builder:
    def __init__(self, statement: Statement, dialect: str) -> None:
        self.statement = statement
        self.dialect = dialect
        self.commands = _tokenizer_class(dialect)[1].tokenizer_class.COMMANDS
        self.bodies: list[Body] = []
        # A body's string tokens, by id: the text they were read from, their offsets in it, and
        # how that text maps into the file (a body inside one of them is mapped through it).
        self.read_from: dict[int, tuple[str, int, int, Callable[[int], int]]] = {}

    def build(self) -> Code:
        tokens = self._expand_command_tails(self.statement.tokens)
        units = split_units(tokens)
        routine = self._find_bodies(units, depth=0)
        return Code(tokens, routine, units, self.bodies)

    # -- tokenizing text held in strings -------------------------------------------------

    def _tokenize(self, text: str, offset_of: Callable[[int], int]) -> list[Token]:
        """Tokens of `text`, with offsets mapped into the file by `offset_of` (line and column stay
        the tokenizer's, in `text`: see the module's docstring)."""
        tokenizer_class, sql_dialect = _tokenizer_class(self.dialect)
        tokenizer = tokenizer_class(dialect=sql_dialect)
        try:  # the text comes from the file's tokens, so template placeholders are masked already
            tokens = tokenizer.tokenize(text)
        except TokenError:  # an unterminated literal: keep what came before it
            tokens = tokenizer.tokens
        statement = self.statement
        for token in tokens:  # this tokenizer's own tokens, moved to where they are in the file
            local_start, local_end = token.start, token.end
            token.start, token.end = offset_of(local_start), offset_of(local_end)
            if token.token_type in STRING_TOKENS:
                self.read_from[id(token)] = (text, local_start, local_end, offset_of)
                # A literal written with a doubled quote in a quoted body (''x'' in DO '...') starts
                # at that pair: moved to its last quote, so that inside_quotes finds its content.
                content = offset_of(local_start + _between_quotes(token.token_type, text[local_start : local_end + 1])[0])
                if token.token_type != TokenType.HEREDOC_STRING and inside_quotes(token, statement.text, statement.start)[0] != content:
                    token.start = content - 1
        return tokens

    def _expand_command_tails(self, tokens: list[Token]) -> list[Token]:
        """Replace the raw tail sqlglot keeps after a command keyword (as its tokenizer does: a
        command word at the start of a statement, after `;` or BEGIN) by the tail's tokens."""
        string, commands, statement_breaks = TokenType.STRING, self.commands, (TokenType.SEMICOLON, TokenType.BEGIN)
        raw_tails = [
            index
            for index, token in enumerate(tokens)
            if token.token_type == string
            and index > 0
            and tokens[index - 1].token_type in commands
            and (index == 1 or tokens[index - 2].token_type in statement_breaks)
        ]
        if not raw_tails:
            return tokens  # not a copy: nothing changes them
        expanded, done = [], 0
        for index in raw_tails:
            token = tokens[index]
            # The tail's text is stripped and its start offset unreliable; its end is right up to
            # the whitespace before a `;`.
            end = token.end - self.statement.start
            while end > 0 and self.statement.text[end].isspace():
                end -= 1
            base = self.statement.start + end + 1 - len(token.text)
            expanded += tokens[done:index]
            expanded += self._tokenize(token.text, _offset_by(base))
            done = index + 1
        return expanded + tokens[done:]

    def _string_body(self, token: Token) -> tuple[int, int, Callable[[int], int]]:
        """Where the text of a string token lies in the file, and how to map offsets in it."""
        read_from = self.read_from.get(id(token))
        if read_from is None:  # a token of the statement: read from the file
            text, local_start, local_end = self.statement.text, token.start - self.statement.start, token.end - self.statement.start
            outer = _offset_by(self.statement.start)
        else:  # a token of a body: read from the body's text (quotes doubled once less than in the file)
            text, local_start, local_end, outer = read_from
        first, last = _between_quotes(token.token_type, text[local_start : local_end + 1])
        content_start, content_end = local_start + first, local_start + last
        start, end = outer(content_start), outer(content_end)
        if token.token_type == TokenType.HEREDOC_STRING:
            return start, end, lambda i: outer(content_start + i)
        offsets = _align(text[content_start:content_end], token.text)
        if offsets is None:  # escapes we do not model: positions fall back to the string's start
            return start, end, lambda i: start
        return start, end, lambda i: outer(content_start + offsets[min(i, len(offsets) - 1)])

    # -- finding bodies ------------------------------------------------------------------

    def _find_bodies(self, units: list[Unit], depth: int) -> Routine | None:
        """Record the bodies in `units` (recursively); return the routine they define, if any."""
        if depth >= _MAX_NESTING:
            return None
        routine = None
        for unit in units:
            tokens, words = unit.tokens, unit.words
            if _BODY_WORDS.isdisjoint(words):
                continue
            # A routine's header ends where the next CREATE begins: `CREATE FUNCTION CREATE
            # FUNCTION ...` must not read the rest of the unit once per CREATE.
            candidates = [index for index, upper in enumerate(words) if upper in _BODY_WORDS]
            creates = [index for index in candidates if words[index] == "CREATE"] + [len(tokens)]
            for index in candidates:
                upper = words[index]
                # Only a routine or DO block that is the statement itself is the statement's routine.
                own = depth == 0 and index == 0
                if upper == "CREATE":
                    following = creates[bisect.bisect_right(creates, index)]
                    found = self._routine_body(tokens[index:following], depth)
                    routine = routine or (found if own else None)
                elif (
                    upper == "DO"
                    and index + 1 < len(tokens)
                    and (tokens[index + 1].token_type in STRING_TOKENS or words[index + 1] == "LANGUAGE")
                ):
                    # DO [LANGUAGE name] 'body' [LANGUAGE name]: six tokens at most.
                    found = self._do_body(tokens[index : index + 6], depth)
                    routine = routine or (found if own else None)
                elif upper in _RUN_WORDS:
                    self._constant_body(tokens, index, depth)
        return routine

    def _add_body(self, token: Token, language: str, routine: Routine | None, depth: int) -> None:
        start, end, offset_of = self._string_body(token)
        tokens = self._tokenize(token.text, offset_of) if language in SQL_LANGUAGES else []
        units = split_units(tokens)
        self.bodies.append(Body(start, end, language, tokens, routine, units))
        if units:
            self._find_bodies(units, depth + 1)

    def _routine_body(self, tokens: list[Token], depth: int) -> Routine | None:
        """CREATE [OR REPLACE] [DEFINER = x] FUNCTION|PROCEDURE name (...) ... [AS 'body']."""
        kind_index = None
        for index, token in enumerate(tokens[:8]):
            if word(token) in _ROUTINE_KINDS:
                kind_index = index
                break
            if word(token) in _NOT_A_ROUTINE:  # CREATE EVENT TRIGGER ... EXECUTE FUNCTION f()
                return None
        if kind_index is None:
            return None
        body_index = next(
            (
                i
                for i in range(kind_index + 1, len(tokens) - 1)
                if tokens[i].token_type == TokenType.ALIAS and tokens[i + 1].token_type in STRING_TOKENS
            ),
            None,
        )
        is_c_function = body_index is not None and body_index + 2 < len(tokens) and tokens[body_index + 2].token_type == TokenType.COMMA
        header = [t for i, t in enumerate(tokens) if body_index is None or i != body_index + 1]
        routine = Routine(
            "PROCEDURE" if word(tokens[kind_index]) in ("PROCEDURE", "PROC") else "FUNCTION",
            tuple(_params(tokens, kind_index + 1)),
            _language(header),
            tuple(header),
        )
        if body_index is not None and not is_c_function:
            self._add_body(tokens[body_index + 1], routine.language, routine, depth)
        return routine

    def _do_body(self, tokens: list[Token], depth: int) -> Routine | None:
        body = next((t for t in tokens[1:4] if t.token_type in STRING_TOKENS), None)
        if body is None:
            return None
        header = [t for t in tokens if t is not body]
        routine = Routine("DO", (), _language(header) or "plpgsql", tuple(header))
        self._add_body(body, routine.language, routine, depth)
        return routine

    def _constant_body(self, unit: list[Token], index: int, depth: int) -> None:
        """A constant string run as SQL: EXECUTE 'GRANT ...', PREPARE s FROM '...', EXEC('...')."""
        following = unit[index + 1 : index + 7]  # [name FROM] [sp_executesql] [(] 'constant' and what follows it
        if word(unit[index]) == "PREPARE":
            following = following[2:] if len(following) > 2 and word(following[1]) == "FROM" else []
        elif following and word(following[0]) == "SP_EXECUTESQL":
            following = following[1:]
        if following and following[0].token_type == TokenType.L_PAREN:
            following = following[1:]
        if not following or following[0].token_type not in STRING_TOKENS:
            return
        after = following[1] if len(following) > 1 else None
        if after is None or after.token_type in (TokenType.R_PAREN, TokenType.COMMA) or word(after) in ("USING", "INTO"):
            self._add_body(following[0], "sql", None, depth)


def _language(header: list[Token]) -> str:
    for index, token in enumerate(header[:-1]):
        if word(token) == "LANGUAGE":  # sqlglot reads `LANGUAGE sql SECURITY DEFINER` as sql + "SECURITY DEFINER"
            return (header[index + 1].text.split() or [""])[0].lower()  # 'plpgsql' may be quoted
    return ""


def _params(tokens: list[Token], index: int) -> list[Param]:
    """The parameters after a routine's name: `(mode name type, ...)`, or T-SQL's `@name type, ... AS`."""
    while index < len(tokens) and tokens[index].token_type not in (TokenType.L_PAREN, TokenType.PARAMETER):
        if tokens[index].token_type == TokenType.ALIAS or word(tokens[index]) == "BEGIN":
            return []
        index += 1
    if index >= len(tokens):
        return []
    if tokens[index].token_type == TokenType.L_PAREN:
        inner = tokens[index + 1 : closing(tokens, index)]
    else:  # T-SQL: parameters run up to AS
        end = next((i for i in range(index, len(tokens)) if tokens[i].token_type == TokenType.ALIAS), len(tokens))
        inner = tokens[index:end]
    params = []
    for position, piece in enumerate(split_commas(inner), start=1):
        while piece and word(piece[0]) in ("IN", "OUT", "INOUT", "VARIADIC"):
            piece = piece[1:]
        if piece and piece[0].token_type == TokenType.PARAMETER and len(piece) > 1:  # @name
            params.append(Param("@" + name(piece[1]), _type_word(piece[2:])))
        elif len(piece) > 1 and piece[0].token_type not in Parser.TYPE_TOKENS:
            params.append(Param(name(piece[0]), _type_word(piece[1:])))
        else:
            params.append(Param(f"${position}", _type_word(piece)))
    return params


def _type_word(tokens: list[Token]) -> str:
    return first_word(tokens[0]) if tokens else ""


def split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split at the commas outside brackets."""
    pieces: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        if token.token_type == TokenType.COMMA and depth == 0:
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [piece for piece in pieces if piece]


def _align(raw: str, text: str) -> list[int] | None:
    """Offsets in `raw` (a literal's source between its quotes) of each character of `text`
    (its value, escapes resolved), plus one past the end; None when they do not line up."""
    offsets = []
    i = 0
    for char in text:
        if i >= len(raw):
            return None
        if raw[i] in "'\"" and raw[i + 1 : i + 2] == raw[i] and char == raw[i]:
            offsets.append(i)  # a doubled quote
            i += 2
        elif raw[i] == "\\" and char != "\\" and i + 1 < len(raw):
            offsets.append(i)  # a backslash escape (E'...' strings, MySQL)
            i += 2
        elif raw[i] == "\\" and char == "\\" and raw[i + 1 : i + 2] == "\\":
            offsets.append(i)
            i += 2
        else:
            offsets.append(i)
            i += 1
    offsets.append(i)
    return offsets


def _offset_by(base: int) -> Callable[[int], int]:
    """Maps an offset in a string's text to the file: the text starts at `base`."""
    return lambda i: base + i

"""Split a migration's text into statements with exact positions, and parse each one on its own.

This is the only place that tokenizes or parses SQL: every file is read once, and every
check works from the ParsedFile built here. Building it is pure (text in, value out), so
it can run in parallel and be cached.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import re
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import NoReturn

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer, TokenType

from safemig_lint import values
from safemig_lint.patterns import lazy
from safemig_lint.reading.grammar import check_grammar
from safemig_lint.reading.source import LineIndex, Unreadable

# sqlglot logs a warning for every statement it falls back to exp.Command for;
# for a linter that is expected input, not news.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

# Go templates ({{ .Schema }}) and shell-style ${VAR} substitutions filled in at deploy time:
# `{{` up to the first `}}`, and `${` + a letter up to the first `}` on the same line.
_TEMPLATE_OPENER = lazy(r"(?=\{\{|\$\{[A-Za-z_])")
_BRACE_OR_NEWLINE = lazy(r"[}\n]")


def template_placeholders(text: str) -> list[tuple[int, int]]:
    """(start, end) of each placeholder, leftmost first, without overlaps.

    Linear by construction: where a placeholder ends is looked up once per closing
    position, not once per opening (a lazy `{{.*?}}` regex rescans the rest of the file
    from every `{{` that is never closed).
    """
    found: list[tuple[int, int]] = []
    if "{{" not in text and "${" not in text:
        return found  # most files: two substring searches instead of trying the pattern at every character
    next_close = next_brace = -2  # cached: the first `}}`, and the first `}` or newline, at or after a point
    resume = 0
    for opener in _TEMPLATE_OPENER.finditer(text):
        start = opener.start()
        if start < resume:
            continue
        if text.startswith("{{", start):
            if next_close != -1 and next_close < start + 2:
                next_close = text.find("}}", start + 2)
            if next_close >= 0:
                found.append((start, next_close + 2))
                resume = next_close + 2
            continue
        if next_brace != -1 and next_brace < start + 3:
            stop = _BRACE_OR_NEWLINE.search(text, start + 3)
            next_brace = stop.start() if stop else -1
        if next_brace >= 0 and text[next_brace] == "}":
            found.append((start, next_brace + 1))
            resume = next_brace + 1
    return found


_ROUTINE_KEYWORDS = {"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"}
# `END IF`, `END LOOP` ... close blocks that we do not count as opening.
_END_QUALIFIERS = {"IF", "LOOP", "WHILE", "REPEAT", "FOR"}


@values.value(unsafe_hash=True)
class Comment:
    start: int
    end: int
    text: str  # without the comment markers


@values.value(unsafe_hash=True)
class Placeholder:
    start: int
    end: int
    text: str
    mask: str  # what the tokenizer saw instead: a unique identifier of the same length, or blanks

    @property
    def is_control(self) -> bool:
        """`{{ if }}`, `{{ end }}`, `{{/* */}}` ... shape the SQL but substitute no value."""
        return not self.mask.strip()


# Trees of this many nodes or more are indexed by node type for Statement.nodes; smaller ones are scanned.
_INDEXED_FROM = 64


@dataclass(slots=True)  # one per statement: without a __dict__, ~100 bytes less each (1.2 MB per MB of SQL)
class Statement:
    start: int  # offsets into the file text; end is exclusive and excludes the `;`
    end: int
    text: str
    tokens: list[Token]
    expression: exp.Expr | None
    error: str | None = None  # why it could not be parsed
    error_start: int | None = None
    error_end: int | None = None
    unanalysed: str | None = None  # why no rule could read it, though it may well be valid (grammar.py)
    rejected_by: str | None = None  # the grammar that rejects it ("PostgreSQL", "SQLite", "MySQL"); None: the tokenizer
    too_large: str | None = None  # why it was not handed to the parser at all (too deep, too long)
    # What readers ask of every statement, set once it is parsed (_parse_statement), so that a released statement
    # keeps them: the class of its tree (None: no tree), its first token's text upper-cased ("": no token), and the
    # types of its tokens (one frozenset for all the statements holding the same ones).
    kind: type | None = field(default=None, repr=False, compare=False)
    first_word: str = field(default="", repr=False, compare=False)
    token_types: frozenset[TokenType] = field(default=frozenset(), repr=False, compare=False)
    # The tree's nodes as walked (see _walk), once a rule asked for some; None until then.
    _walked: tuple[exp.Expr, ...] | dict[type, list[exp.Expr]] | None = field(default=None, init=False, repr=False, compare=False)
    # Its digests (analysis/digests.py) by name, as worked out or taken; None until then.
    derived: dict[str, object] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def is_command(self) -> bool:
        """sqlglot parsed only the first keyword; the rest is raw text."""
        return isinstance(self.expression, exp.Command)

    @property
    def tokenless(self) -> bool:
        """It holds no token (the rest of a file after an unterminated literal): told from its token types, which a
        released statement keeps."""
        return not self.token_types

    @property
    def keywords(self) -> list[str]:
        """The statement's leading words, upper-cased, for checks that read raw text."""
        return [t.text.upper() for t in self.tokens[:6]]

    def nodes(self, *types: type) -> list[exp.Expr]:
        """All nodes of the given types (those of the first type first, each in walk order), from one
        shared walk of the statement's tree."""
        walked = self._walked
        if walked is None:
            walked = self._walked = _walk(self.expression)
        if isinstance(walked, tuple):
            return [node for kind in types for node in walked if type(node) is kind]
        return [node for kind in types for node in walked.get(kind, ())]

    def tokens_again(self, masked: str, dialect: str) -> list[Token]:
        """Its tokens (ReleasedStatement reads them again from the text)."""
        return self.tokens

    def release_tree(self) -> None:
        """Cut each node's link to its parent, the only cycle in a tree, so that reference counting
        frees it: through the nodes as the rules walked them, when one did (iterating them costs a
        fifth of walking the tree again; a tree is never changed once parsed, sql_text.py writes
        copies), else by a walk of its own (cut_parent_links)."""
        if self.expression is None:
            return
        walked = self._walked
        if walked is None:
            cut_parent_links(self.expression)
            return
        for node in walked if isinstance(walked, tuple) else itertools.chain.from_iterable(walked.values()):
            node.parent = None

    @property
    def normalized_text(self) -> str:
        return " ".join(self.text.split())


class ReleasedStatement(Statement):
    """A statement read as it was parsed (parse_file's `on_statement`), whose tree and tokens are gone: its ops,
    digests and Locators were taken from them first. Only the tokens' presence stays (RELEASED_TOKENS: it had
    some). Reading a part that is gone raises, so that a reader that still needs it fails loudly (SM000)
    instead of finding nothing."""

    __slots__ = ()

    @property  # read-only: a released statement's parts are never set again
    def expression(self) -> exp.Expr | None:  # type: ignore[override]
        raise ReleasedError(f"the tree of the statement at offset {self.start} was let go once it was read")

    def release_tree(self) -> None:
        """Released already, as it was read."""

    def tokens_again(self, masked: str, dialect: str) -> list[Token]:
        """Its tokens, read again from the file's masked text: as parse_file read them (a statement starts where
        the tokenizer holds no state), for the few reads check_grammar makes of a rejected statement's."""
        tokenizer = _readers(dialect)[0]
        try:
            return _tokens_of(tokenizer, masked, self.start, self.end, masked.count("\n", 0, self.start))
        finally:
            tokenizer.tokenize("")  # holds no text of the file after it

    def __repr__(self) -> str:  # the dataclass's would read the released tree
        return f"ReleasedStatement({self.start}, {self.end})"


class ReleasedError(LookupError):
    """A released statement's tree or tokens were read (ReleasedStatement)."""


class _ReleasedTokens:
    """What a released statement holds for its tokens: that it had some (`if statement.tokens`), nothing more."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def _gone(self, *_: object) -> NoReturn:
        raise ReleasedError("the tokens of a statement were let go once it was read")

    __len__ = __iter__ = __getitem__ = _gone


RELEASED_TOKENS: list[Token] = _ReleasedTokens()  # type: ignore[assignment]


def _release(statement: Statement, trees: list[exp.Expr]) -> None:
    """The statement's tree and tokens go: its tree is added to `trees`, for empty_trees."""
    if statement.expression is not None:
        trees.append(statement.expression)
    statement.expression = None
    statement._walked = None
    statement.tokens = RELEASED_TOKENS
    statement.__class__ = ReleasedStatement


def cut_parent_links(tree: exp.Expr) -> None:
    """Set the parent of every node of the tree to None. A walk of its own rather than
    Expression.walk(): it does not look for children in names and literals (CHILDLESS), which hold
    none, and it visits nodes in no particular order; a sixth less time than walk() on the
    PostgreSQL corpus (tests/test_statements.py holds it to walk()'s nodes)."""
    stack = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        node.parent = None
        if type(node) in CHILDLESS:
            continue
        for value in node.args.values():
            kind = type(value)
            if kind in PLAIN_VALUES:
                continue
            if kind is list:
                for item in value:
                    if isinstance(item, exp.Expr):
                        push(item)
            elif isinstance(value, exp.Expr):
                push(value)


def empty_trees(trees: list[exp.Expr]) -> None:
    """Empty the arguments of every node of the trees that holds nodes, which breaks every cycle in them (a node and
    its parent) as cut_parent_links does, for trees nothing reads again: each name and literal is freed as soon as its
    parent lets it go, and is not looked into (half of all nodes: CHILDLESS), where cutting parent links visits every
    node and frees none until the last link goes. The trees are walked a level at a time, all of them at once, by
    builtins that loop in C (map, filter, compress), each value told by its exact class (_BRANCHES, _LISTS), rather
    than node by node and value by value in Python: a sixth less of the instructions it takes on a generated 1.25 MB
    file's trees, freeing included. tests/test_statements.py holds it to emptying every node that holds a node."""
    level = trees
    while level:
        arguments = list(map(_ARGS, level))
        # Most values are absent parts and flags (None, False): filter(None) drops them before any other test.
        values = list(filter(None, _chained(map(dict.values, arguments))))
        any(map(dict.clear, arguments))  # clear() answers None: any() calls it on each, in C
        kinds = list(map(type, values))
        items = list(_chained(itertools.compress(values, map(_LISTS.__getitem__, kinds))))
        level = list(itertools.compress(values, map(_BRANCHES.__getitem__, kinds)))
        level += itertools.compress(items, map(_BRANCHES.__getitem__, map(type, items)))


class _Branches(dict[type, bool]):
    """A value's class -> whether it is a node that may hold nodes (a node, but not CHILDLESS), found on first meeting."""

    def __missing__(self, kind: type) -> bool:
        branch = self[kind] = issubclass(kind, exp.Expr) and kind not in CHILDLESS
        return branch


class _Lists(dict[type, bool]):
    """A value's class -> whether it is a list (of nodes, as a node's argument may be), found on first meeting."""

    def __missing__(self, kind: type) -> bool:
        listed = self[kind] = issubclass(kind, list)
        return listed


_BRANCHES, _LISTS = _Branches(), _Lists()
# Trees parse_file empties at once: enough that empty_trees' steps for each level cost little per tree, and few enough
# that they are still in the CPU's caches, as they were just read (a piece of the file's ~900 at once took fewer
# instructions but more time on the 5 MB file).
EMPTIED_TOGETHER = 16
_ARGS = operator.attrgetter("args")
_chained = itertools.chain.from_iterable


def breadth_first(tree: exp.Expr) -> list[exp.Expr]:
    """The tree's nodes in the order Expression.walk() yields them (breadth first, each node's
    children in the order of its arguments), without looking for children in names and literals
    (CHILDLESS): an eighth less time than tuple(walk()) on the PostgreSQL corpus's trees
    (tests/test_statements.py holds the two to the same nodes in the same order)."""
    nodes = [tree]
    append = nodes.append
    for node in nodes:  # grows as it goes: each node's children are queued behind it
        if type(node) in CHILDLESS:
            continue
        for value in node.args.values():
            if type(value) in PLAIN_VALUES:
                continue
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, exp.Expr):
                        append(item)
            elif isinstance(value, exp.Expr):
                append(value)
    return nodes


# Node classes whose arguments are plain values only (a name's text, a literal's), never a node: about
# half of all nodes. By exact class (a subclass is looked into). operations/references.py skips them too.
CHILDLESS = frozenset({exp.Identifier, exp.Literal, exp.Var, exp.Null, exp.Boolean})
# Most of a node's arguments are flags, words and absent parts (None, True, False, "TABLE"): a look at the exact
# class of each passes over them at once, before the tests for a node or a list of nodes (7-19% of the instructions of
# each walk below, on the trees of a generated 1.25 MB file).
PLAIN_VALUES = frozenset({type(None), bool, str})


def _walk(tree: exp.Expr | None) -> tuple[exp.Expr, ...] | dict[type, list[exp.Expr]]:
    """The tree's nodes as walked, or, for a large tree, indexed by type: a small one is scanned for
    each question, as its index (a dict and a list per type) would hold 6x the memory of a tuple."""
    nodes = breadth_first(tree) if tree is not None else []
    if len(nodes) < _INDEXED_FROM:
        return tuple(nodes)
    index: dict[type, list[exp.Expr]] = {}
    for node in nodes:
        index.setdefault(type(node), []).append(node)
    return index


@dataclass
class ParsedFile:
    text: str
    lines: LineIndex
    statements: list[Statement] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    unreadable: Unreadable | None = None
    # Where analysis/masking.py found credentials in the file as written; `text` has them masked.
    secrets: list = field(default_factory=list)
    # PostgreSQL accepted every statement, and the content cache may remember so under this key (grammar.py).
    accepted_key: str | None = None
    # The codes of the rules whose words (Rule.reads_words) the text may hold, as the reader of a streamed file worked
    # them out (streaming.py), for the engine to call the rules on it without searching its text again; None: not asked.
    words_held: frozenset[str] | None = None

    def release_trees(self) -> None:
        """Once nothing reads the file's trees any more: cut each node's link to its parent, the
        only cycle in a tree, so that reference counting frees them (no cycle collection)."""
        for statement in self.statements:
            statement.release_tree()

    def shaped_by_template(self, statement: Statement) -> bool:
        """Is this statement's text decided by the template rather than written out?

        True when a template action cuts through it, when it sits inside a conditional
        (`{{ if .mysql }} ... {{ end }}`: maybe another dialect's SQL), or when it starts with a
        placeholder (`{{ addColumnIfNeeded ... }}` renders whole statements).
        """
        if not self.placeholders:  # most files: no template at all (SM011 asks of each statement)
            return False
        controls, values = self._placeholder_starts
        first = bisect.bisect_left(controls, statement.start)  # looked up, not scanned per statement
        if first < len(controls) and controls[first] < statement.end or statement.start in values:
            return True
        return any(start <= statement.start < end for start, end in self._conditional_regions)

    @cached_property
    def _placeholder_starts(self) -> tuple[list[int], set[int]]:
        """Where control actions start (in order), and where value placeholders start."""
        controls = [p.start for p in self.placeholders if p.is_control]
        return controls, {p.start for p in self.placeholders if not p.is_control}

    @cached_property
    def _conditional_regions(self) -> list[tuple[int, int]]:
        regions, opened = [], []
        for placeholder in self.placeholders:
            action = _TEMPLATE_CONTROL.match(placeholder.text)
            keyword = action.group(1) if action else ""
            if keyword in _TEMPLATE_BLOCK_OPENERS:
                opened.append(placeholder.start)
            elif keyword == "end" and opened:
                regions.append((opened.pop(), placeholder.end))
        return regions


def parse_file(
    text: str | Unreadable,
    dialect: str,
    accepted_before: Callable[[str], bool] | None = None,
    on_statement: Callable[[ParsedFile, Statement], bool] | None = None,
) -> ParsedFile:
    """`accepted_before`: what the content cache remembers of PostgreSQL's verdicts (check_grammar).
    `on_statement(parsed, statement)`: called on each statement once it is parsed, in order (`parsed`
    holds the statements before it, and every placeholder); when it answers True, the statement's tree
    and tokens go (it becomes a ReleasedStatement: its tree is emptied with those of the few released
    before or after it, EMPTIED_TOGETHER), so that a large file's are never all alive."""
    if isinstance(text, Unreadable):
        return ParsedFile("", LineIndex(""), unreadable=text)
    parsed = ParsedFile(text, LineIndex(text))
    masked = _mask_placeholders(text, parsed.placeholders)
    tokenizer, parser = _readers(dialect)
    splitter = _Splitter()
    failure, last_type = None, None

    released: list[exp.Expr] = []  # the trees of the statements released, emptied EMPTIED_TOGETHER at a time (empty_trees)

    def add(statement: Statement) -> None:
        parsed.statements.append(statement)
        if on_statement is not None and on_statement(parsed, statement):
            _release(statement, released)  # its tokens go at once: not worth compacting
            if len(released) == EMPTIED_TOGETHER:
                empty_trees(released)
                released.clear()
            return
        # Once parsed, a token is only read: the empty list of comments of each (a third of a token's memory, 13 MB
        # per MB of SQL) gives way to one shared by all, and equal texts to one string (keywords and names repeat:
        # 7 MB per MB). The tree keeps what it took. Written here rather than called: it runs for every statement.
        for token in statement.tokens:
            token.text = sys.intern(token.text)
            if not token.comments:
                token.comments = _NO_COMMENTS

    # Tokens come a piece of the file at a time, and each statement is parsed once its last token is
    # read: no more than a piece's tokens that belong to no statement are alive at once (a file of
    # nothing but `;` holds none).
    for tokens, start, end, failed_at in _token_pieces(tokenizer, masked):
        failure = failed_at
        parsed.comments += _comments(masked, text, tokens, start, end, dialect)
        if tokens:
            last_type = tokens[-1].token_type
        # A piece's statements are parsed before any is handed over: parsing and reading in turn, statement by
        # statement, would cost a fifth more of both (each evicts the other's working set from the CPU's caches).
        for statement in [_parse_statement(parser, masked, text, group) for group in splitter.feed(tokens)]:
            add(statement)
    in_progress = splitter.finish()
    if failure is not None and in_progress is not None and last_type != TokenType.SEMICOLON:
        # The statement in progress when tokenizing failed is part of the unterminated one.
        add(_unterminated(text, in_progress.tokens[0].start, failure))
    else:
        if in_progress is not None:
            add(_parse_statement(parser, masked, text, in_progress))
        if failure is not None:
            add(_unterminated(text, failure, failure))
    empty_trees(released)
    # The reused tokenizer and parser would hold what they read last (the text; all its tokens when it
    # was read in one piece: 18 MB of the 5 MB file's) until the next file.
    tokenizer.tokenize("")
    parser.reset()
    check_grammar(parsed, masked, dialect.lower(), accepted_before)  # the database's own grammar decides validity
    return parsed


class _Readers(threading.local):
    """This thread's tokenizer and parser of each dialect (see _readers)."""

    def __init__(self) -> None:
        self.of_dialect: dict[str, tuple[Tokenizer, Parser]] = {}


_READERS = _Readers()


def _readers(dialect: str) -> tuple[Tokenizer, Parser]:
    """The dialect's tokenizer and parser, made once and used for every file: each starts afresh
    on every text it is given (tokenize() and parse() reset them), and making them costs ~30 us,
    1.3% of a run over 2,000 files. One pair per thread, as each holds the text it read last."""
    readers = _READERS.of_dialect.get(dialect)
    if readers is None:
        sql_dialect = Dialect.get_or_raise(dialect)  # a new one, this thread's alone
        names = sql_dialect.tokenizer()
        # The parser tokenizes each name it reads where a type may stand (`_parse_types`) with its
        # dialect's tokenize(), which makes a new Tokenizer each time (~15 us: half the parse of a
        # CREATE TABLE with a user-defined type; 1,200 times over the PostgreSQL corpus). This one
        # tokenizes them with a tokenizer of its own, which reads each text afresh.
        sql_dialect.tokenize = lambda sql, dialect=None: (names if dialect is None else sql_dialect.tokenizer(dialect)).tokenize(sql)  # type: ignore[method-assign]
        readers = _READERS.of_dialect[dialect] = (sql_dialect.tokenizer(), sql_dialect.parser())
    return readers


_TEMPLATE_CONTROL = lazy(r"^\{\{-?\s*(/\*|(?:if|else|end|range|with|define|block|break|continue)\b)")
_TEMPLATE_BLOCK_OPENERS = {"if", "range", "with", "define", "block"}


def _mask_placeholders(text: str, found: list[Placeholder]) -> str:
    """Replace template placeholders by same-length text, so positions stay true.

    A value placeholder becomes a unique identifier (x0___, x1___ ...) that can be mapped back
    for messages; a control action becomes blanks, so `{{ if .pg }}` leaves plain SQL behind.
    """

    pieces, previous = [], 0
    for start, end in template_placeholders(text):
        raw = text[start:end]
        if _TEMPLATE_CONTROL.match(raw):
            masked = "".join(c if c == "\n" else " " for c in raw)
        else:
            name = f"x{len(found)}"
            masked = name.ljust(len(raw), "_") if len(name) <= len(raw) else "x" * len(raw)
        found.append(Placeholder(start, end, raw, masked))
        pieces += [text[previous:start], masked]
        previous = end
    return "".join(pieces) + text[previous:]


# Stand-ins are x0___, x1___ ... (or xxxx when the number does not fit): candidates in a message.
_STAND_IN = lazy(r"x[0-9x]*_*")


def tokens_between(parsed: ParsedFile, start: int, end: int, dialect: str) -> list[Token]:
    """The tokens parse_file read between two offsets at which the tokenizer holds no state (a statement's), read
    again from the text with its placeholders masked as parse_file masked them: the same texts, types and offsets
    (lines and columns are the piece's own). For the few reads made of a released statement's tokens once a finding
    asks (checks/fixes.py), where the file's whole masked text is not at hand."""
    text, pieces, previous = parsed.text, [], start
    placeholders = parsed.placeholders  # in order, none overlapping: their ends are in order too
    for placeholder in placeholders[bisect.bisect_right(placeholders, start, key=_END) :]:
        if placeholder.start >= end:
            break
        cut_start, cut_end = max(placeholder.start, start), min(placeholder.end, end)
        pieces += [text[previous:cut_start], placeholder.mask[cut_start - placeholder.start : cut_end - placeholder.start]]
        previous = cut_end
    tokenizer = _readers(dialect)[0]
    try:
        tokens = tokenizer.tokenize("".join(pieces) + text[previous:end])
    finally:
        tokenizer.tokenize("")  # holds no text of the file after it
    for token in tokens:
        token.start += start
        token.end += start
    return tokens


_END = operator.attrgetter("end")


def stand_ins(placeholders: list[Placeholder]) -> dict[str, str]:
    """Stand-in -> the placeholder it replaced, for unmask (built once per file)."""
    return {p.mask: p.text for p in placeholders if not p.is_control}


def unmask(message: str, masks: dict[str, str]) -> str:
    """Put a file's template placeholders back into text derived from the masked SQL: each
    stand-in in the message is looked up, not each placeholder of the file searched for."""
    if not masks:
        return message
    return _STAND_IN.sub(lambda match: masks.get(match.group(), match.group()), message)


_BLANK_OR_COMMENT = lazy(r"\s+|--[^\n]*\n|/\*.*?\*/", re.DOTALL)


# Characters tokenized at a time, at least: a piece ends just after a `;` or bracket token.
PIECE = 1 << 16
_PIECE_END = lazy(r";(?=[;\r\n])|[()](?=[()])")
_PIECE_ENDERS = {TokenType.SEMICOLON, TokenType.L_PAREN, TokenType.R_PAREN}


def _token_pieces(tokenizer: Tokenizer, text: str) -> Iterator[tuple[list[Token], int, int, int | None]]:
    """The text's tokens a piece at a time, with file offsets: (tokens, the piece's start and end,
    and with the last piece the offset where tokenizing failed (an unterminated literal), else
    None). A piece that failed ends where the failure starts.

    A piece ends just after a `;` or a bracket that is a token of its own: there the tokenizer
    holds no state (no open literal or comment; what follows is read as it is anywhere else, and a
    statement is only started after a `;`, as in the text), so the pieces' tokens are the text's.
    Only a `;` followed by another or by a line break will do (a comment on the same line after it
    would belong to it), or a bracket followed by another (a piece must not start with a word: the
    tokenizer reads a command such as EXECUTE at the start of a text as a whole statement). Up to one inside a literal or a comment, tokenizing fails or ends on another
    token: the piece is then tried twice as long (so each character is tokenized a bounded number
    of times)."""
    start, size = 0, PIECE
    counted = lines = 0  # the line breaks before `counted`
    while start < len(text):
        found = _PIECE_END.search(text, start + size)
        final = found is None
        end = len(text) if found is None else found.end()
        lines, counted = lines + text.count("\n", counted, start), start
        try:
            tokens = _tokens_of(tokenizer, text, start, end, lines)
        except TokenError:
            if not final:
                size *= 2
                continue
            tokens = tokenizer.tokens
            resume = tokens[-1].end + 1 if tokens else start
            # The failing token starts at the first character that is not blank or a finished comment.
            while blank := _BLANK_OR_COMMENT.match(text, resume):
                resume = blank.end()
            # The last token may be the first part of the unterminated construct; drop what is past it.
            yield [t for t in tokens if t.end < resume], start, resume, resume
            return
        if not final and not (tokens and tokens[-1].token_type in _PIECE_ENDERS and tokens[-1].end == end - 1):
            size *= 2
            continue
        yield tokens, start, end, None
        start, size = end, PIECE


def _tokens_of(tokenizer: Tokenizer, text: str, start: int, end: int, lines: int) -> list[Token]:
    """The tokens of text[start:end], as tokenizer.tokenize() reads that piece (`lines`: the line breaks before it),
    where they are in the text: offsets, lines, and the columns of those on its first line. sqlglot's scanner is
    started at `start` in the text and stopped at `end` (its state set as tokenize() sets it, but for where it
    starts), rather than given the piece and its tokens moved into place after: writing the attributes of sqlglot's
    compiled tokens from Python took ~360 ns a token (2-3% of the 5 MB file's CPU). tests/test_bounded_memory.py
    holds the tokens of pieces cut anywhere to those of the whole text."""
    if start == 0 and end == len(text):  # the whole text (most files are one piece): the scanner set up from C
        return tokenizer.tokenize(text)
    core = tokenizer._core
    core.reset()
    core.sql, core.size = text, end
    core._current, core._line, core._col = start, lines + 1, start - (text.rfind("\n", 0, start) + 1)
    try:
        core._scan()
    except Exception as error:  # as tokenize() reports any failure
        raise TokenError(f"Error tokenizing at offset {core._current}") from error
    return core.tokens


def _comments(masked: str, text: str, tokens: list[Token], start: int, end: int, dialect: str) -> list[Comment]:
    """Comments live in the gaps between tokens; read them from there, with their positions.

    `tokens`: those of masked[start:end], one piece of the file (_token_pieces). Only where a
    comment can start is looked at: each `--`, `/*` (or `#`) that lies between two tokens (one
    inside a string literal is not a comment)."""
    hashes = dialect.lower() in _HASH_COMMENT_DIALECTS
    regex, marks = (_HASH_COMMENT, _HASH_COMMENT_MARKS) if hashes else (_COMMENT, _COMMENT_MARKS)
    comments = []
    resume = start
    for position in _marks(masked, start, end, marks):
        if position < resume:
            continue
        # The first token after it, looked up among the tokens themselves (a list of their starts
        # would cost a step per token of every piece, mostly for no comment at all).
        following = bisect.bisect_right(tokens, position, key=_START)
        if following and tokens[following - 1].end >= position:
            continue  # inside a token
        gap_end = tokens[following].start if following < len(tokens) else end
        match = regex.match(masked, position, gap_end)
        if match is None:
            continue
        raw = text[match.start() : match.end()]
        body = raw[2:-2] if raw.startswith("/*") else raw[1:] if raw.startswith("#") else raw[2:]
        comments.append(Comment(match.start(), match.end(), body.strip()))
        resume = match.end()
    return comments


def _marks(text: str, start: int, end: int, marks: tuple[str, ...]) -> Iterator[int]:
    """Where each of `marks` occurs in text[start:end], leftmost first, as a regex search for any of
    them finds them (no two marks share a character, so none overlap another), but by str.find,
    which skips to the next one: a regex alternation had its engine look at every character of
    every file, 2 ns each (a third of reading the comments)."""
    upcoming = {}
    for mark in marks:
        if (position := text.find(mark, start, end)) >= 0:
            upcoming[mark] = position
    while upcoming:
        mark = min(upcoming, key=upcoming.__getitem__)
        position = upcoming[mark]
        yield position
        if (following := text.find(mark, position + len(mark), end)) >= 0:
            upcoming[mark] = following
        else:
            del upcoming[mark]


_START = operator.attrgetter("start")
_COMMENT = lazy(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_HASH_COMMENT = lazy(r"--[^\n]*|/\*.*?\*/|#[^\n]*", re.DOTALL)
_HASH_COMMENT_DIALECTS = {"mysql", "doris", "starrocks", "singlestore"}
_COMMENT_MARKS = ("--", "/*")
_HASH_COMMENT_MARKS = ("--", "/*", "#")


# sqlglot parses (and checks walk) nested expressions recursively: past this depth it runs out of
# stack (a RecursionError after seconds of work), so deeper statements are not handed to it.
MAX_NESTING = 40
# Nor is a statement of more tokens than this (a seed INSERT of several MB): its tree would take
# hundreds of MB.
MAX_TOKENS = 250_000
# Of a statement that is not parsed for either reason, only the first brackets are kept among its
# tokens: 4 MB of `(` would otherwise be 4 million tokens held for nothing.
KEPT_BRACKETS = 10_000
_OPENERS = {TokenType.L_PAREN, TokenType.CASE}
_CLOSERS = {TokenType.R_PAREN, TokenType.END}
_BRACKETS = {TokenType.L_PAREN, TokenType.R_PAREN}
_BLOCK_OPENERS = frozenset({TokenType.BEGIN, TokenType.CASE})  # in a routine's body, closed by END


@dataclass(slots=True)
class _Group:
    """One statement's tokens, as the splitter gathers them."""

    tokens: list[Token] = field(default_factory=list)
    end: int = 0  # just past its last token (which may be a bracket not kept)
    too_deep: bool = False  # brackets and CASE ... END nest more than MAX_NESTING levels deep in it
    count: int = 0  # tokens read, kept or not
    brackets: int = 0  # brackets add() has kept
    kinds: list[TokenType] | None = None  # the types of its tokens, as _plain found them (None: not gathered)

    @property
    def parsable(self) -> bool:
        return not self.too_deep and self.count <= MAX_TOKENS

    def add(self, token: Token) -> None:
        if self.count == MAX_TOKENS + 1 and self.brackets > KEPT_BRACKETS:  # it has just become too long to parse
            tokens, self.brackets = [], 0
            for kept in self.tokens:
                if kept.token_type in _BRACKETS:
                    if self.brackets == KEPT_BRACKETS:
                        continue
                    self.brackets += 1
                tokens.append(kept)
            self.tokens = tokens
        if token.token_type in _BRACKETS:
            if self.brackets >= KEPT_BRACKETS and not self.parsable:
                return
            self.brackets += 1
        self.tokens.append(token)


_KIND = operator.attrgetter("token_type")
_TEXT = operator.attrgetter("text")


class _Splitter:
    """Groups tokens into statements at semicolons, keeping BEGIN ... END bodies of routines whole.
    Fed a piece of the file at a time, it hands each statement out as soon as its last token is read.

    Most statements are plain (see _plain): such a statement is its tokens up to the next `;`, found
    by a search of the piece's token types in C instead of a look at each token from Python (reading
    a token's attribute from Python costs ~40 ns; the search takes more than half of this class's
    time off). The others, and a statement that runs on into the next piece, are read token by token
    (_by_token); tests/test_statements.py holds the two ways to the same groups."""

    def __init__(self) -> None:
        self.current = _Group()
        self.depth = 0  # brackets and CASE ... END
        self.in_routine = False
        self.block_depth = 0  # BEGIN / CASE ... END in a routine's body

    def feed(self, tokens: list[Token]) -> Iterator[_Group]:
        kinds = list(map(_KIND, tokens))
        position, size = 0, len(tokens)
        while position < size:
            if not self.current.tokens:  # between statements: nothing read is carried over
                try:
                    stop = kinds.index(TokenType.SEMICOLON, position)
                except ValueError:
                    stop = size  # the statement runs on into the next piece
                if stop == position:
                    position += 1  # a `;` after another: no statement between them
                    continue
                plain = _plain(tokens, kinds, position, stop) if stop < size else None
                if plain is not None:
                    yield plain
                    position = stop + 1
                    continue
            position = yield from self._by_token(tokens, position)

    def _by_token(self, tokens: list[Token], position: int) -> Generator[_Group, None, int]:
        """Reads tokens[position:] until a `;` ends the statement (handed out unless it is empty) or
        the piece ends; returns where it stopped. The state is read into locals and written back
        when it stops: looked up on self and the group at each token, it cost a tenth of this loop."""
        semicolon, create, limit, nesting = TokenType.SEMICOLON, TokenType.CREATE, MAX_TOKENS, MAX_NESTING
        group, depth, in_routine, block_depth = self.current, self.depth, self.in_routine, self.block_depth
        kept, too_deep, count, end = group.tokens, group.too_deep, group.count, group.end
        for index in range(position, len(tokens)):
            token = tokens[index]
            kind = token.token_type
            if kind == semicolon and block_depth <= 0:
                self.current, self.depth, self.in_routine, self.block_depth = _Group(), 0, False, 0
                if kept:
                    group.too_deep, group.count, group.end = too_deep, count, end
                    yield group
                return index + 1
            end = token.end + 1
            count += 1
            if kind in _OPENERS:
                depth += 1
                too_deep = too_deep or depth > nesting
            elif kind in _CLOSERS and depth:
                depth -= 1
            if count <= limit and kind not in _BRACKETS:
                kept.append(token)  # what add() does with such a token, without the call
            else:
                group.too_deep, group.count = too_deep, count  # what add() reads
                group.add(token)
                kept = group.tokens  # add() may have replaced the list
            if not in_routine:
                if len(kept) > 6 or kept[0].token_type != create or token.text.upper() not in _ROUTINE_KEYWORDS:
                    continue
                in_routine = True
            if kind in _BLOCK_OPENERS:
                block_depth += 1
            elif kind == TokenType.END:
                following = tokens[index + 1].text.upper() if index + 1 < len(tokens) else ""
                if following not in _END_QUALIFIERS:
                    block_depth -= 1
        self.current, self.depth, self.in_routine, self.block_depth = group, depth, in_routine, block_depth
        group.too_deep, group.count, group.end = too_deep, count, end
        return len(tokens)

    def finish(self) -> _Group | None:
        """The statement still open at the end of the file (no `;` after it), if any."""
        return self.current if self.current.tokens else None


def _plain(tokens: list[Token], kinds: list[TokenType], start: int, stop: int) -> _Group | None:
    """tokens[start:stop], the statement the `;` at `stop` ends, as _Splitter._by_token would gather
    it, when that is plain to see; None for any other, which is read token by token. Plain: no
    longer than MAX_TOKENS and holding no more than MAX_NESTING brackets and CASEs (so not nested
    too deep to parse, and every token kept, none through add()); and not a routine whose body may
    hold a `;` that does not end it. A routine (CREATE and a routine keyword among its first six
    tokens) counts the blocks its body opens and closes: one that opens none (BEGIN, CASE) before
    this `;` ends here, as a PostgreSQL function does (its body is a single string token)."""
    count, held = stop - start, kinds[start:stop]
    if count > MAX_TOKENS or (count > MAX_NESTING and held.count(TokenType.L_PAREN) + held.count(TokenType.CASE) > MAX_NESTING):
        return None
    if (
        held[0] == TokenType.CREATE
        and not _BLOCK_OPENERS.isdisjoint(held)
        and not _ROUTINE_KEYWORDS.isdisjoint(map(str.upper, map(_TEXT, tokens[start + 1 : min(stop, start + 6)])))
    ):
        return None
    # Its fields in order (tokens, end, too_deep, count, brackets, kinds): by keyword, the call took twice as long.
    return _Group(tokens[start:stop], tokens[stop - 1].end + 1, False, count, 0, held)


def _parse_statement(parser: Parser, masked: str, text: str, group: _Group) -> Statement:
    statement = _parsed_statement(parser, masked, text, group)
    expression, tokens = statement.expression, group.tokens
    statement.kind = None if expression is None else type(expression)
    statement.first_word = sys.intern(tokens[0].text.upper())  # one string for all the statements starting alike
    held = frozenset(map(_TOKEN_TYPE, tokens) if group.kinds is None else group.kinds)  # a plain one's read already
    statement.token_types = _TOKEN_TYPE_SETS.setdefault(held, held)
    return statement


_NO_COMMENTS: list[str] = []
_TOKEN_TYPE = operator.attrgetter("token_type")
_TOKEN_TYPE_SETS: dict[frozenset[TokenType], frozenset[TokenType]] = {}


def _parsed_statement(parser: Parser, masked: str, text: str, group: _Group) -> Statement:
    tokens = group.tokens
    start, end = tokens[0].start, group.end
    statement = Statement(start, end, text[start:end], tokens, None)
    if not group.parsable:
        if group.too_deep:
            why = f"brackets or CASE expressions nest more than {MAX_NESTING} levels deep"
        else:
            why = f"it is longer than {MAX_TOKENS:,} tokens"
        statement.too_large = why
        statement.error = f"{why}: this statement is not analysed (review it by hand)"
        statement.error_start, statement.error_end = start, end
        return statement
    try:
        expressions = [e for e in parser.parse(tokens, masked) if e is not None]
    except ParseError as error:
        if _is_routine_definition(tokens):
            # sqlglot does not model procedural bodies (BEGIN ... END, IF ... END IF); keep the
            # routine as raw text, as sqlglot does for other syntax it does not know.
            # bodies.py reads the body; the database checks its syntax.
            statement.expression = exp.Command(this="CREATE", expression=masked[tokens[1].start : end])
            return statement
        detail = error.errors[0] if error.errors else {}
        description = _TOKEN_REPR.sub(r"'\1'", detail.get("description") or str(error).splitlines()[0])
        if "<class " in description:  # an internal sqlglot message, not one about the SQL
            description = "syntax the reader does not know"
        statement.error = description
        culprit = _token_at(tokens, detail.get("line"), detail.get("col"))
        statement.error_start, statement.error_end = (culprit.start, culprit.end + 1) if culprit else (start, end)
        return statement
    except Exception as error:  # sqlglot raises more than ParseError on odd input
        statement.error = f"the reader failed on this statement ({type(error).__name__}: {error})"
        statement.error_start, statement.error_end = start, end
        return statement
    statement.expression = expressions[0] if expressions else None
    return statement


def _is_routine_definition(tokens: list[Token]) -> bool:
    """CREATE [OR REPLACE] [DEFINER = ...] PROCEDURE | FUNCTION | TRIGGER | EVENT ..."""
    head = tokens[:12]
    return head[0].token_type == TokenType.CREATE and any(t.text.upper() in _ROUTINE_KEYWORDS for t in head[1:])


_TOKEN_REPR = lazy(r"<Token token_type: [\w.]+, text: (.*?), line: \d+, col: \d+, start: \d+, end: \d+, comments: \[.*?\]>")


def _token_at(tokens: list[Token], line: int | None, column: int | None) -> Token | None:
    for token in tokens:
        if token.line == line and token.col == column:
            return token
    return None


_UNTERMINATED = [
    (lazy(r"\$[A-Za-z_]*\$"), "dollar-quoted body"),
    (lazy(r"/\*"), "block comment"),
    (lazy(r"[EeBbXxNnUu]?&?'"), "string literal"),
    (lazy(r'"'), "quoted identifier"),
    (lazy(r"`"), "quoted identifier"),
]


def _unterminated(text: str, start: int, offset: int) -> Statement:
    """The rest of the file from `start`, whose literal opened at `offset` never closes."""
    what = next((name for regex, name in _UNTERMINATED if regex.match(text, offset)), "token")
    statement = Statement(start, len(text), text[start:], [], None)
    statement.error = f"unterminated {what}: everything from here to the end of the file is unchecked"
    line_end = text.find("\n", offset)
    statement.error_start = offset
    statement.error_end = line_end if line_end >= 0 else len(text)
    return statement

"""Split a migration's text into statements with exact positions, and parse each one on its own.

This is the only place that tokenizes or parses SQL: every file is read once, and every
check works from the ParsedFile built here. Building it is pure (text in, value out), so
it can run in parallel and be cached.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

from safemig_lint.reading.grammar import check_grammar
from safemig_lint.reading.source import LineIndex, Unreadable

# sqlglot logs a warning for every statement it falls back to exp.Command for;
# for a linter that is expected input, not news.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

# Go templates ({{ .Schema }}) and shell-style ${VAR} substitutions filled in at deploy time:
# `{{` up to the first `}}`, and `${` + a letter up to the first `}` on the same line.
_TEMPLATE_OPENER = re.compile(r"(?=\{\{|\$\{[A-Za-z_])")
_BRACE_OR_NEWLINE = re.compile(r"[}\n]")


def template_placeholders(text: str) -> list[tuple[int, int]]:
    """(start, end) of each placeholder, leftmost first, without overlaps.

    Linear by construction: where a placeholder ends is looked up once per closing
    position, not once per opening (a lazy `{{.*?}}` regex rescans the rest of the file
    from every `{{` that is never closed).
    """
    found: list[tuple[int, int]] = []
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


@dataclass(frozen=True)
class Comment:
    start: int
    end: int
    text: str  # without the comment markers


@dataclass(frozen=True)
class Placeholder:
    start: int
    end: int
    text: str
    mask: str  # what the tokenizer saw instead: a unique identifier of the same length, or blanks

    @property
    def is_control(self) -> bool:
        """`{{ if }}`, `{{ end }}`, `{{/* */}}` ... shape the SQL but substitute no value."""
        return not self.mask.strip()


@dataclass
class Statement:
    start: int  # offsets into the file text; end is exclusive and excludes the `;`
    end: int
    text: str
    tokens: list[Token]
    expression: exp.Expression | None
    error: str | None = None  # why it could not be parsed
    error_start: int | None = None
    error_end: int | None = None
    unanalysed: str | None = None  # why no rule could read it, though it may well be valid (grammar.py)
    rejected_by: str | None = None  # the grammar that rejects it ("PostgreSQL", "SQLite", "MySQL"); None: the tokenizer

    @property
    def is_command(self) -> bool:
        """sqlglot parsed only the first keyword; the rest is raw text."""
        return isinstance(self.expression, exp.Command)

    @property
    def keywords(self) -> list[str]:
        """The statement's leading words, upper-cased, for checks that read raw text."""
        return [t.text.upper() for t in self.tokens[:6]]

    @cached_property
    def _nodes_by_type(self) -> dict[type, list[exp.Expression]]:
        index: dict[type, list[exp.Expression]] = {}
        if self.expression is not None:
            for node in self.expression.walk():
                index.setdefault(type(node), []).append(node)
        return index

    def nodes(self, *types: type) -> list[exp.Expression]:
        """All nodes of the given types, from one shared walk of the statement's tree."""
        return [node for kind in types for node in self._nodes_by_type.get(kind, ())]

    @property
    def normalized_text(self) -> str:
        return " ".join(self.text.split())


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

    def shaped_by_template(self, statement: Statement) -> bool:
        """Is this statement's text decided by the template rather than written out?

        True when a template action cuts through it, when it sits inside a conditional
        (`{{ if .mysql }} ... {{ end }}`: maybe another dialect's SQL), or when it starts with a
        placeholder (`{{ addColumnIfNeeded ... }}` renders whole statements).
        """
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


def parse_file(text: str | Unreadable, dialect: str) -> ParsedFile:
    if isinstance(text, Unreadable):
        return ParsedFile("", LineIndex(""), unreadable=text)
    parsed = ParsedFile(text, LineIndex(text))
    sql_dialect = Dialect.get_or_raise(dialect)
    masked = _mask_placeholders(text, parsed.placeholders)
    tokens, failure = _tokenize(sql_dialect, masked)
    parsed.comments = _comments(masked, text, tokens, failure, dialect)
    groups = _split(tokens)
    unterminated_from = failure
    if failure is not None and groups and tokens[-1].token_type != TokenType.SEMICOLON:
        # The statement in progress when tokenizing failed is part of the unterminated one.
        unterminated_from = groups.pop()[0].start
    parser = sql_dialect.parser()  # one for the file: parse() resets it
    for group in groups:
        parsed.statements.append(_parse_statement(parser, masked, text, group))
    if failure is not None:
        parsed.statements.append(_unterminated(text, unterminated_from, failure))
    check_grammar(parsed, masked, dialect.lower())  # the database's own grammar decides validity
    return parsed


_TEMPLATE_CONTROL = re.compile(r"^\{\{-?\s*(/\*|(?:if|else|end|range|with|define|block|break|continue)\b)")
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
_STAND_IN = re.compile(r"x[0-9x]*_*")


def stand_ins(placeholders: list[Placeholder]) -> dict[str, str]:
    """Stand-in -> the placeholder it replaced, for unmask (built once per file)."""
    return {p.mask: p.text for p in placeholders if not p.is_control}


def unmask(message: str, masks: dict[str, str]) -> str:
    """Put a file's template placeholders back into text derived from the masked SQL: each
    stand-in in the message is looked up, not each placeholder of the file searched for."""
    if not masks:
        return message
    return _STAND_IN.sub(lambda match: masks.get(match.group(), match.group()), message)


_BLANK_OR_COMMENT = re.compile(r"\s+|--[^\n]*\n|/\*.*?\*/", re.DOTALL)


def _tokenize(dialect: Dialect, text: str) -> tuple[list[Token], int | None]:
    """Tokens of the text, and the offset where tokenizing failed (an unterminated literal)."""
    tokenizer = dialect.tokenizer()
    try:
        return tokenizer.tokenize(text), None
    except TokenError:
        tokens = tokenizer.tokens
        resume = tokens[-1].end + 1 if tokens else 0
        # The failing token starts at the first character that is not blank or a finished comment.
        while blank := _BLANK_OR_COMMENT.match(text, resume):
            resume = blank.end()
        # The last token may be the first part of the unterminated construct; drop what is past it.
        return [t for t in tokens if t.end < resume], resume


def _comments(masked: str, text: str, tokens: list[Token], failure: int | None, dialect: str) -> list[Comment]:
    """Comments live in the gaps between tokens; read them from there, with their positions.

    Only where a comment can start is looked at: each `--`, `/*` (or `#`) of the text that lies
    between two tokens (one inside a string literal is not a comment)."""
    hashes = dialect.lower() in _HASH_COMMENT_DIALECTS
    regex, opener = (_HASH_COMMENT, _HASH_OPENER) if hashes else (_COMMENT, _OPENER)
    starts = [token.start for token in tokens]
    text_end = failure if failure is not None else len(masked)
    comments = []
    resume = 0
    for candidate in opener.finditer(masked, 0, text_end):
        position = candidate.start()
        if position < resume:
            continue
        following = bisect.bisect_right(starts, position)  # the first token after it
        if following and tokens[following - 1].end >= position:
            continue  # inside a token
        gap_end = starts[following] if following < len(tokens) else text_end
        match = regex.match(masked, position, gap_end)
        if match is None:
            continue
        raw = text[match.start() : match.end()]
        body = raw[2:-2] if raw.startswith("/*") else raw[1:] if raw.startswith("#") else raw[2:]
        comments.append(Comment(match.start(), match.end(), body.strip()))
        resume = match.end()
    return comments


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_HASH_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/|#[^\n]*", re.DOTALL)
_HASH_COMMENT_DIALECTS = {"mysql", "doris", "starrocks", "singlestore"}
_OPENER = re.compile(r"--|/\*")
_HASH_OPENER = re.compile(r"--|/\*|#")


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into statements at semicolons, keeping BEGIN ... END bodies of routines whole."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    in_routine = False
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON and depth <= 0:
            if current:
                statements.append(current)
            current, depth, in_routine = [], 0, False
            continue
        current.append(token)
        upper = token.text.upper()
        if len(current) <= 6 and current[0].token_type == TokenType.CREATE and upper in _ROUTINE_KEYWORDS:
            in_routine = True
        if not in_routine:
            continue
        if token.token_type in (TokenType.BEGIN, TokenType.CASE):
            depth += 1
        elif token.token_type == TokenType.END:
            following = tokens[index + 1].text.upper() if index + 1 < len(tokens) else ""
            if following not in _END_QUALIFIERS:
                depth -= 1
    if current:
        statements.append(current)
    return statements


# sqlglot parses (and checks walk) nested expressions recursively: past this depth it runs out of
# stack (a RecursionError after seconds of work), so deeper statements are not handed to it.
MAX_NESTING = 40


def _nesting(tokens: list[Token]) -> int:
    """How deep brackets and CASE ... END nest in the statement."""
    depth = deepest = 0
    for token in tokens:
        if token.token_type in (TokenType.L_PAREN, TokenType.CASE):
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type in (TokenType.R_PAREN, TokenType.END) and depth:
            depth -= 1
    return deepest


def _parse_statement(parser: Parser, masked: str, text: str, tokens: list[Token]) -> Statement:
    start, end = tokens[0].start, tokens[-1].end + 1
    statement = Statement(start, end, text[start:end], tokens, None)
    if _nesting(tokens) > MAX_NESTING:
        statement.error = (
            f"brackets or CASE expressions nest more than {MAX_NESTING} levels deep: this statement is not analysed (review it by hand)"
        )
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


_TOKEN_REPR = re.compile(r"<Token token_type: [\w.]+, text: (.*?), line: \d+, col: \d+, start: \d+, end: \d+, comments: \[.*?\]>")


def _token_at(tokens: list[Token], line: int | None, column: int | None) -> Token | None:
    for token in tokens:
        if token.line == line and token.col == column:
            return token
    return None


_UNTERMINATED = [
    (re.compile(r"\$[A-Za-z_]*\$"), "dollar-quoted body"),
    (re.compile(r"/\*"), "block comment"),
    (re.compile(r"[EeBbXxNnUu]?&?'"), "string literal"),
    (re.compile(r'"'), "quoted identifier"),
    (re.compile(r"`"), "quoted identifier"),
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

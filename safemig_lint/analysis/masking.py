"""Mask every credential in a file once, before any other stage reads it.

The engine (and `schema`/`diff`) read each file through `mask_file` (the engine through `masks`, so
that it frees the first reading before making the second): credentials are found in the text as
written, replaced by `*` of the same length (so every offset, line and column holds), and the
masked text is parsed again. Every statement, token, parsed tree, operation, schema model,
message, snippet, fingerprint and source line downstream comes from the masked text, so no rule
or report can show a secret, whichever rule built the text. The secrets' positions stay on
`ParsedFile.secrets` for SM402, which reports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from safemig_lint.analysis.credentials import (
    Secret,
    StatementsToRead,
    comment_secrets,
    commented_secrets,
    file_statement_secrets,
    first_statement_word,
    may_hold_secrets,
    token_secrets,
)
from safemig_lint.reading.source import words_lowered
from safemig_lint.reading.statements import ParsedFile, Statement, parse_file

# A secret's value is masked wherever else it is written as a word too: in a suppression's
# reason, a comment, a name. Values shorter than this are too likely to be ordinary words.
_MIN_ECHO_LENGTH = 4
_WORD = re.compile(r"[^\s'\"`,;()=]+")
_TRAILING_PUNCTUATION = ".,:;!?"


@dataclass
class _Reading:
    """What the credential finders need of a file: the ParsedFile and its dialect, the text lowered
    for word searches (source.words_lowered: the same offsets, each statement and literal is searched
    in place), and whether it holds any word a text finder looks for."""

    parsed: ParsedFile | _PlainText  # plain text: only commented_secrets reads it (its text and placeholders)
    dialect: str
    # What credentials.token_secrets found in each statement taken as it was parsed (SecretsAsParsed), by its start.
    taken: dict[int, list[Secret | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        text = self.parsed.text
        self.lowered = words_lowered(text)

    @cached_property
    def first_statement_word(self) -> int:
        """Where the first word a statement's finder needs starts (credentials.statements_to_read)."""
        return first_statement_word(self.parsed.text, self.lowered)

    @cached_property
    def may_hold_secrets(self) -> bool:
        """Asked once, when a text finder first runs (a file whose statements hold no word a finder
        needs, and that has no comment, never asks: a 5 MB file of plain DDL). Every word a text finder
        needs is one a statement's finder needs too (commented_secrets declares them all), so none
        starts before the first of those: most files hold none, and are not searched again."""
        first = self.first_statement_word
        return first < len(self.parsed.text) and may_hold_secrets(self.parsed.text, first, lowered=self.lowered)


def file_secrets(parsed: ParsedFile, dialect: str, reading: _Reading | None = None) -> list[Secret]:
    """Every credential in the file as written, in statements (their bodies and unterminated
    literals too) and comments. `reading`: SecretsAsParsed's, when its statements were taken as parsed."""
    reading = _Reading(parsed, dialect) if reading is None else reading
    found = file_statement_secrets(parsed.statements, reading)
    found += comment_secrets(reading)
    unique: dict[tuple[int, int], Secret] = {}
    for secret in found:  # a span two finders found: reported if either reports it
        if (secret.start, secret.end) not in unique or secret.reported:
            unique[secret.start, secret.end] = secret
    return sorted(unique.values(), key=lambda s: (s.start, s.end))


def mask_file(parsed: ParsedFile, dialect: str) -> ParsedFile:
    """`parsed` read again from its text with every secret masked (the same ParsedFile when
    there is none), with the secrets on `.secrets`."""
    secrets, spans = masks(parsed, dialect)
    if not spans:
        return parsed
    masked = parse_file(masked_text(parsed.text, spans), dialect)
    masked.secrets = secrets
    return masked


def masks(parsed: ParsedFile, dialect: str, taken: SecretsAsParsed | None = None) -> tuple[list[Secret], list[tuple[int, int]]]:
    """The file's secrets, and every span of its text to mask: each secret, and its value wherever
    else it is written as a word. None for an unreadable file. `taken`: the file's on_statement, when
    its statements were read as they were parsed."""
    if parsed.unreadable is not None:
        return [], []
    secrets = file_secrets(parsed, dialect, taken.reading if taken is not None else None)
    return secrets, [(s.start, s.end) for s in secrets] + _echoes(parsed.text, secrets)


class SecretsAsParsed:
    """parse_file's on_statement for a file whose statements go as they are parsed (streaming.py): first takes what
    the credential finders read of each statement's tokens (credentials.token_secrets, for `masks`), then hands the
    statement to `read`. Once a secret is found, the file will be read again with its secrets masked
    (engine.parse_bytes): this reading is then left unread, its trees let go as they come."""

    def __init__(self, dialect: str, read: Callable[[ParsedFile, Statement], bool]) -> None:
        self.dialect, self.read = dialect, read
        self.reading: _Reading | None = None  # made with the file's ParsedFile, at its first statement
        self.found = False

    def __call__(self, parsed: ParsedFile, statement: Statement) -> bool:
        if self.reading is None:
            self.reading = _Reading(parsed, self.dialect)
            self.chooses = StatementsToRead(self.reading)
        if self.chooses(statement) and statement.tokens:
            found = self.reading.taken[statement.start] = token_secrets(statement, self.reading)
            self.found = self.found or any(secret is not None for secret in found)
        if self.found:
            return statement.expression is not None
        return self.read(parsed, statement)


@dataclass
class _PlainText:
    """A text that is not SQL (a Makefile, a CI file), as the finders read a file: no templates."""

    text: str
    placeholders: tuple = ()


def mask_plain_text(text: str) -> str:
    """`text` (a Makefile, a compose file ...) with every credential the text finders know masked:
    what its shown lines may hold besides the database URLs reading/invocations.py reads."""
    reading = _Reading(_PlainText(text), "")
    secrets = [s for s in commented_secrets(0, len(text), reading) if s is not None]
    spans = [(s.start, s.end) for s in secrets]
    return masked_text(text, spans + _echoes(text, secrets)) if spans else text


def masked_text(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with text[start:end] of each span replaced by `*` (line breaks kept), in one pass."""
    pieces, position = [], 0
    for start, end in sorted(spans):
        start = max(start, position)
        if start >= end:
            continue
        pieces += [text[position:start], "".join(c if c in "\r\n" else "*" for c in text[start:end])]
        position = end
    return "".join(pieces) + text[position:]


def _echoes(text: str, secrets: list[Secret]) -> list[tuple[int, int]]:
    """Where a secret's value is written again as a word of its own."""
    values = {text[s.start : s.end] for s in secrets if s.end - s.start >= _MIN_ECHO_LENGTH}
    if not values:
        return []
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        stripped = word.rstrip(_TRAILING_PUNCTUATION)
        if word in values or stripped in values:
            found.append((match.start(), match.start() + (len(word) if word in values else len(stripped))))
    return found

"""Inline suppression comments.

    -- safemig-lint: ignore SM101 the table was emptied by 000041
    -- safemig-lint: ignore-file SM3 legacy schema, rebuilt from scratch on deploy

`ignore` covers the statement the comment is on, or else the next one; `ignore-file`
covers the whole file. Codes may be prefixes (SM3). What follows the codes is the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from safemig_lint.reading.source import LineIndex
from safemig_lint.reading.statements import ParsedFile, Statement

_DIRECTIVE = re.compile(r"^safemig-lint\s*:\s*(?P<kind>ignore-file|ignore)\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_CODE = re.compile(r"^SM\d+$", re.IGNORECASE)


@dataclass
class InlineSuppression:
    kind: str  # "ignore" or "ignore-file"
    codes: list[str]
    reason: str
    line: int  # of the comment
    column: int
    end_column: int
    first_line: int  # lines of the statement covered (the whole file for ignore-file)
    last_line: int
    used_codes: set[str] = field(default_factory=set)

    def covers(self, code: str, line: int) -> str | None:
        """The code or prefix of this suppression that silences `code` at `line`, if any."""
        if not self.first_line <= line <= self.last_line:
            return None
        return next((c for c in self.codes if code.startswith(c)), None)


def find_suppressions(parsed: ParsedFile) -> list[InlineSuppression]:
    found = []
    for comment in parsed.comments:
        match = _DIRECTIVE.match(comment.text)
        if not match:
            continue
        words = match.group("rest").replace(",", " ").split()
        codes = []
        while words and _CODE.match(words[0]):
            codes.append(words.pop(0).upper())
        line, column = parsed.lines.position(comment.start)
        _, end_column = parsed.lines.position(comment.end)
        first, last = _covered_lines(parsed, comment.start, match.group("kind").lower())
        found.append(
            InlineSuppression(match.group("kind").lower(), codes, " ".join(words), line, column, end_column, first, last)
        )
    return found


_LINE_COMMENT = re.compile(r"(?:^|(?<=\s))(?:#|//)[ \t]*(?P<body>safemig-lint\s*:[^\n]*)", re.IGNORECASE)


def find_line_suppressions(text: str, lines: LineIndex) -> list[InlineSuppression]:
    """Suppressions in a file that is not SQL (a Makefile, workflow, Go source): `#` or `//` comments.

    `ignore` covers the comment's own line and the next line with text on it.
    """
    found = []
    for comment in _LINE_COMMENT.finditer(text):
        match = _DIRECTIVE.match(comment.group("body").strip())
        if not match:
            continue
        words = match.group("rest").replace(",", " ").split()
        codes = []
        while words and _CODE.match(words[0]):
            codes.append(words.pop(0).upper())
        line, column = lines.position(comment.start())
        _, end_column = lines.position(comment.end())
        kind = match.group("kind").lower()
        last = line
        if kind == "ignore-file":
            line_first, last = 1, lines.line_count
        else:
            line_first = line
            while last < lines.line_count and not lines.line_text(last + 1).strip():
                last += 1
            last = min(last + 1, lines.line_count)
        found.append(InlineSuppression(kind, codes, " ".join(words), line, column, end_column, line_first, last))
    return found


def _covered_lines(parsed: ParsedFile, offset: int, kind: str) -> tuple[int, int]:
    if kind == "ignore-file":
        return 1, parsed.lines.line_count
    comment_line, _ = parsed.lines.position(offset)
    trailing = None  # the last statement that ends on the comment's line, before it
    for statement in parsed.statements:
        if statement.start <= offset < statement.end:
            return _lines_of(parsed, statement)
        if statement.start > offset:
            return _lines_of(parsed, trailing or statement)
        if parsed.lines.position(statement.end)[0] == comment_line:
            trailing = statement
    return _lines_of(parsed, trailing) if trailing else (comment_line, comment_line)


def _lines_of(parsed: ParsedFile, statement: Statement) -> tuple[int, int]:
    return parsed.lines.position(statement.start)[0], parsed.lines.position(statement.end)[0]

"""Inline suppression comments.

    -- safemig-lint: ignore SM101 the table was emptied by 000041
    -- safemig-lint: ignore-file SM3 legacy schema, rebuilt from scratch on deploy

    -- safemig-lint: ignore index-without-concurrently the table is empty here

`ignore` covers the statement the comment is on, or else the next one; `ignore-file`
covers the whole file. Codes may be prefixes (SM3), and rules may be named by name as well
(as `safemig-lint rules` lists them). What follows the codes is the reason.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from safemig_lint.reading.source import LineIndex
from safemig_lint.reading.statements import ParsedFile, Statement

_DIRECTIVE = re.compile(r"^safemig-lint\s*:\s*(?P<kind>ignore-file|ignore)\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)


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


_LEADING_WORD = re.compile(r"\s*([A-Za-z0-9-]+)(?:\s*,\s*|\s+|$)")


def _codes_and_reason(rest: str) -> tuple[list[str], str]:
    """`SM101, drop-table, SM3 the reason, in full` -> (["SM101", "SM101", "SM3"], "the reason, in full")."""
    codes, position = [], 0
    while match := _LEADING_WORD.match(rest, position):
        word = match.group(1)
        if re.fullmatch(r"SM\d+", word, re.IGNORECASE):
            codes.append(word.upper())
        elif word.lower() in _rule_names():
            codes.append(_rule_names()[word.lower()])
        else:
            break
        position = match.end()
    return codes, " ".join(rest[position:].split())


@cache
def _rule_names() -> dict[str, str]:
    """{rule name: code}, so a suppression may name a rule as `safemig-lint rules` lists it."""
    from safemig_lint.checks import rules_by_code

    return {rule.name: code for code, rule in rules_by_code().items()}


def find_suppressions(parsed: ParsedFile) -> list[InlineSuppression]:
    found = []
    for comment in parsed.comments:
        match = _DIRECTIVE.match(comment.text)
        if not match:
            continue
        codes, reason = _codes_and_reason(match.group("rest"))
        line, column = parsed.lines.position(comment.start)
        _, end_column = parsed.lines.position(comment.end)
        first, last = _covered_lines(parsed, comment.start, match.group("kind").lower())
        found.append(InlineSuppression(match.group("kind").lower(), codes, reason, line, column, end_column, first, last))
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
        codes, reason = _codes_and_reason(match.group("rest"))
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
        found.append(InlineSuppression(kind, codes, reason, line, column, end_column, line_first, last))
    return found


def _covered_lines(parsed: ParsedFile, offset: int, kind: str) -> tuple[int, int]:
    """The lines of the statement the comment is in, else of the one ending on its line before
    it, else of the next one (found by bisection: a file of many suppressions stays linear)."""
    if kind == "ignore-file":
        return 1, parsed.lines.line_count
    comment_line, _ = parsed.lines.position(offset)
    statements = parsed.statements
    following = bisect.bisect_right(statements, offset, key=lambda s: s.start)  # the first starting after it
    before = statements[following - 1] if following else None
    if before is not None and offset < before.end:
        return _lines_of(parsed, before)
    trailing = before if before is not None and parsed.lines.position(before.end)[0] == comment_line else None
    if following < len(statements):
        return _lines_of(parsed, trailing or statements[following])
    return _lines_of(parsed, trailing) if trailing else (comment_line, comment_line)


class SuppressionIndex:
    """A file's suppressions by the lines they cover, so a finding finds its own without
    trying every suppression of the file."""

    def __init__(self, suppressions: list[InlineSuppression]) -> None:
        self.by_line: dict[int, list[tuple[int, InlineSuppression]]] = {}
        self.whole_file: list[tuple[int, InlineSuppression]] = []
        by_range: dict[tuple[int, int], list[tuple[int, InlineSuppression]]] = {}
        for order, inline in enumerate(suppressions):
            if inline.kind == "ignore-file":
                self.whole_file.append((order, inline))
            else:
                by_range.setdefault((inline.first_line, inline.last_line), []).append((order, inline))
        for (first, last), entries in by_range.items():  # statements do not overlap: linear in lines
            for line in range(first, last + 1):
                self.by_line.setdefault(line, []).extend(entries)

    def find(self, code: str, line: int) -> tuple[InlineSuppression, str] | None:
        """The first suppression (in file order) silencing `code` at `line`, and its matching code."""
        for _, inline in sorted(self.by_line.get(line, []) + self.whole_file, key=lambda entry: entry[0]):
            matched = inline.covers(code, line)
            if matched:
                return inline, matched
        return None


def _lines_of(parsed: ParsedFile, statement: Statement) -> tuple[int, int]:
    return parsed.lines.position(statement.start)[0], parsed.lines.position(statement.end)[0]

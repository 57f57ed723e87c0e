"""`--format markdown`: a summary for $GITHUB_STEP_SUMMARY or a pull-request comment.

A table of the findings per rule first (always whole), then one table of findings per file,
each rule linked to its page, until GitHub's limit; the end says how many findings were cut, and
from which files.
"""

from __future__ import annotations

import html
from collections import Counter
from itertools import groupby
from typing import TextIO

from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult
from safemig_lint.reporters import one_line, plural, printable, rule_url, summary_parts, verification_summary

# GitHub's limit for a pull-request comment (a job summary takes up to 1 MiB): a report this
# long fits either, so it can go to both.
MAX_CHARACTERS = 65_536


def report(result: LintResult, stream: TextIO, limit: int = MAX_CHARACTERS) -> None:
    out = _Capped(limit)
    out.write("## safemig-lint\n\n")
    out.write(_summary(result) + "\n")
    for path in result.missing_paths:
        out.write(f"\n**Error:** {_code(path)}: no such file or directory\n")
    if result.active:
        out.write(_per_rule(result.active))
    for path, diagnostics in groupby(result.active, key=lambda d: d.path):
        out.section(f"\n### {_code(path)}\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n")
        for d in diagnostics:
            out.row(f"| {d.span.line}:{d.span.column} | {d.severity.value} | {_rule_link(d)} | {_message(d)} |\n", path)
    suppressed = [d for d in result.diagnostics if d.suppression is not None]
    if suppressed:
        out.section("\n### Suppressed\n\n| Where | Rule | Reason |\n| --- | --- | --- |\n")
        for d in suppressed:
            reason = escape_cell(d.suppression.reason if d.suppression is not None else "") or "(no reason given)"
            out.row(f"| {_code(f'{d.path}:{d.span.line}')} | {_rule_link(d)} | {reason} |\n", "the suppressed findings")
    stream.write(out.text())


def _per_rule(diagnostics: list[Diagnostic]) -> str:
    """`| [SM101 drop-table](...) | 3 |`, the most frequent first: the whole picture, whatever is cut below."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    rows = "".join(f"| [{code} {name}]({rule_url(code)}) | {count} |\n" for (code, name), count in sorted(counts.items(), key=_most))
    return f"\n| Rule | Findings |\n| --- | ---: |\n{rows}"


def _most(item: tuple[tuple[str, str], int]) -> tuple[int, str]:
    return -item[1], item[0][0]


class _Capped:
    """Markdown that stops before `limit` characters, ending with how many rows did not fit, and where from."""

    _TAIL = (
        "\n… and {count} more findings were cut (in {where}) to fit GitHub's {limit:,}-character limit; run safemig-lint for all of them\n"
    )
    _NAMED = 5  # files named in the tail; more are counted

    def __init__(self, limit: int) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit
        self._pending = ""  # a section heading, written with its first row
        self.left_out = 0
        self._cut_from: dict[str, None] = {}  # in order

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def section(self, heading: str) -> None:
        self._pending = heading

    def row(self, text: str, where: str) -> None:
        piece = self._pending + text
        room = self._limit - len(self._TAIL.format(count=10**9, where="x" * 400, limit=self._limit))
        if self.left_out or self._size + len(piece) > room:
            self.left_out += 1
            self._cut_from[where] = None
            return
        self._pending = ""
        self.write(piece)

    def text(self) -> str:
        if not self.left_out:
            return "".join(self._parts)
        places = [_code(where) if where != "the suppressed findings" else where for where in self._cut_from]
        named: list[str] = []
        for place in places[: self._NAMED]:
            if len(", ".join([*named, place])) > 300:  # within the room kept for the tail
                break
            named.append(place)
        rest = len(places) - len(named)
        where = ", ".join(named) + (f" and {rest} more files" if rest else "") if named else f"{rest} files"
        return "".join(self._parts) + self._TAIL.format(count=self.left_out, where=where, limit=self._limit)


def _summary(result: LintResult) -> str:
    problems, files, suppressed = summary_parts(result)
    verified = verification_summary(result)
    lead = f"{verified} " if verified is not None else ""
    if not result.active:
        return f"{lead}No problems found in {files}.{suppressed}"
    return f"{lead}**{plural(len(result.active), 'problem')}** ({problems}) in {files}.{suppressed}"


def _rule_link(d: Diagnostic) -> str:
    return f"[{d.code} {d.name}]({rule_url(d.code)})"


def _message(d: Diagnostic) -> str:
    return escape_cell(d.message) + (f"<br>{escape_cell(d.help)}" if d.help else "")


def _code(text: str) -> str:
    return "`" + one_line(text).replace("`", "'") + "`"


def escape_cell(text: str) -> str:
    """Text safe inside a table cell: no raw HTML, no column or line breaks.

    Messages quote SQL in `code spans`, where `<` is shown as typed and must not be escaped.
    """
    parts = printable(text).replace("\t", " ").split("`")
    # With an odd number of backticks the last one is unpaired, and what follows it is no code span.
    paired = len(parts) if len(parts) % 2 else len(parts) - 1
    escaped = [part if index % 2 and index < paired else html.escape(part, quote=False) for index, part in enumerate(parts)]
    return "`".join(escaped).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")

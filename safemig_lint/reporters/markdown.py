"""`--format markdown`: a summary for $GITHUB_STEP_SUMMARY or a pull-request comment.

One table of findings per file, each rule linked to its page.
"""

from __future__ import annotations

import html
from itertools import groupby
from typing import TextIO

from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult
from safemig_lint.reporters import plural, rule_url, summary_parts, verification_summary

# GitHub's limit for a pull-request comment (a job summary takes up to 1 MiB): a report this
# long fits either, so it can go to both.
MAX_CHARACTERS = 65_536


def report(result: LintResult, stream: TextIO, limit: int = MAX_CHARACTERS) -> None:
    out = _Capped(limit)
    out.write("## safemig-lint\n\n")
    out.write(_summary(result) + "\n")
    for path in result.missing_paths:
        out.write(f"\n**Error:** {_code(path)}: no such file or directory\n")
    for path, diagnostics in groupby(result.active, key=lambda d: d.path):
        out.section(f"\n### {_code(path)}\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n")
        for d in diagnostics:
            out.row(f"| {d.span.line}:{d.span.column} | {d.severity.value} | {_rule_link(d)} | {_message(d)} |\n")
    suppressed = [d for d in result.diagnostics if d.suppression is not None]
    if suppressed:
        out.section("\n### Suppressed\n\n| Where | Rule | Reason |\n| --- | --- | --- |\n")
        for d in suppressed:
            reason = escape_cell(d.suppression.reason) or "(no reason given)"
            out.row(f"| {_code(f'{d.path}:{d.span.line}')} | {_rule_link(d)} | {reason} |\n")
    stream.write(out.text())


class _Capped:
    """Markdown that stops before `limit` characters, ending with how many rows did not fit."""

    _TAIL = "\n… and {count} more (the report was cut to fit GitHub's {limit:,}-character limit; run safemig-lint for all of them)\n"

    def __init__(self, limit: int) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit
        self._pending = ""  # a section heading, written with its first row
        self.left_out = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def section(self, heading: str) -> None:
        self._pending = heading

    def row(self, text: str) -> None:
        piece = self._pending + text
        room = self._limit - len(self._TAIL.format(count=10**9, limit=self._limit))
        if self.left_out or self._size + len(piece) > room:
            self.left_out += 1
            return
        self._pending = ""
        self.write(piece)

    def text(self) -> str:
        tail = self._TAIL.format(count=self.left_out, limit=self._limit) if self.left_out else ""
        return "".join(self._parts) + tail


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
    return "`" + text.replace("`", "'") + "`"


def escape_cell(text: str) -> str:
    """Text safe inside a table cell: no raw HTML, no column or line breaks.

    Messages quote SQL in `code spans`, where `<` is shown as typed and must not be escaped.
    """
    parts = text.split("`")
    # With an odd number of backticks the last one is unpaired, and what follows it is no code span.
    paired = len(parts) if len(parts) % 2 else len(parts) - 1
    escaped = [part if index % 2 and index < paired else html.escape(part, quote=False) for index, part in enumerate(parts)]
    return "`".join(escaped).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")

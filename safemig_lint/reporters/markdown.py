"""`--format markdown`: a summary for $GITHUB_STEP_SUMMARY or a pull-request comment.

One table of findings per file, each rule linked to its page.
"""

from __future__ import annotations

import html
from itertools import groupby
from typing import TextIO

from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult
from safemig_lint.reporters import plural, rule_url, summary_parts


def report(result: LintResult, stream: TextIO) -> None:
    stream.write("## safemig-lint\n\n")
    stream.write(_summary(result) + "\n")
    for path in result.missing_paths:
        stream.write(f"\n**Error:** {_code(path)}: no such file or directory\n")
    for path, diagnostics in groupby(result.active, key=lambda d: d.path):
        stream.write(f"\n### {_code(path)}\n\n")
        stream.write("| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n")
        for d in diagnostics:
            stream.write(f"| {d.span.line}:{d.span.column} | {d.severity.value} | {_rule_link(d)} | {_message(d)} |\n")


def _summary(result: LintResult) -> str:
    problems, files, suppressed = summary_parts(result)
    if not result.active:
        return f"No problems found in {files}.{suppressed}"
    return f"**{plural(len(result.active), 'problem')}** ({problems}) in {files}.{suppressed}"


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

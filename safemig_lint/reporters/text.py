"""The default, human report: each finding with its source lines and the span marked."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from safemig_lint.diagnostics import Diagnostic, Severity
from safemig_lint.engine import LintResult
from safemig_lint.reporters import plural, printable, summary_parts
from safemig_lint.reading.source import LineIndex

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_MAX_SOURCE_LINES = 4
_CONTEXT_COLUMNS = 100  # of a long source line, shown on each side of the span's start


def report(result: LintResult, stream: TextIO) -> None:
    # rich honours NO_COLOR and drops colour when the stream is not a terminal.
    console = Console(file=stream, highlight=False, soft_wrap=True)
    for diagnostic in result.active:
        _print_diagnostic(console, diagnostic, result.sources.get(diagnostic.path))
    _print_suppressed(console, [d for d in result.diagnostics if d.suppression is not None])
    console.print(_summary(result))


def _print_suppressed(console: Console, suppressed: list[Diagnostic]) -> None:
    """One line each, with the reason given, so a review sees what was waived and why."""
    if not suppressed:
        return
    console.print(Text("Suppressed:", style="bold"))
    for d in suppressed:
        reason = d.suppression.reason or "(no reason given)"
        console.print(Text.assemble(f"  {printable(d.path)}:{d.span.line}:{d.span.column}: {d.code} {d.name}: ", (printable(reason), "dim")))
    console.print()


def _print_diagnostic(console: Console, d: Diagnostic, lines: LineIndex | None) -> None:
    header = Text()
    header.append(f"{printable(d.path)}:{d.span.line}:{d.span.column}", style="bold")
    header.append(": ")
    header.append(f"{d.code} ", style=_STYLE[d.severity])
    header.append(f"[{d.severity.value}] ", style=_STYLE[d.severity])
    header.append(d.name, style="dim")
    console.print(header)
    console.print(Text(f"  {printable(d.message)}"))  # a Text: no markup to parse (or escape) in it
    if lines is not None and lines.text and not d.span.is_empty:
        _print_source(console, d, lines)
    if d.help:
        console.print(Text.assemble(("  help: ", "bold cyan"), printable(d.help)))
    console.print()


def _print_source(console: Console, d: Diagnostic, lines: LineIndex) -> None:
    last = min(d.span.end_line, d.span.line + _MAX_SOURCE_LINES - 1, lines.line_count)
    gutter = len(str(last))
    for number in range(d.span.line, last + 1):
        text = lines.line_text(number).expandtabs(1)
        start = d.span.column if number == d.span.line else 1
        end = d.span.end_column if number == d.span.end_line else len(text) + 1
        # A window of a long line around the span: a 100 KB line is not printed once per finding.
        left = max(0, start - 1 - _CONTEXT_COLUMNS)
        right = min(len(text), max(start - 1 + _CONTEXT_COLUMNS, left + 2 * _CONTEXT_COLUMNS))
        shown = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
        start, end = start - left + (1 if left else 0), min(end, right + 1) - left + (1 if left else 0)
        text = printable(shown)
        console.print(Text.assemble((f"  {number:>{gutter}} | ", "blue"), text))
        width = max(1, end - start)
        if text.strip():
            console.print(Text.assemble((f"  {'':>{gutter}} | ", "blue"), " " * (start - 1), ("^" * width, _STYLE[d.severity])))
    if last < d.span.end_line:
        console.print(Text(f"  {'':>{gutter}} | ...", style="blue"))


def _summary(result: LintResult) -> Text:
    problems, files, suppressed = summary_parts(result)
    if not result.active:
        text = Text(f"No problems found in {files}.", style="bold green")
    else:
        text = Text(f"Found {plural(len(result.active), 'problem')} ({problems}) in {files}.", style="bold")
    text.append(suppressed, style="dim")
    return text

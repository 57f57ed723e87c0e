"""The default, human report: each finding with its source lines and the span marked."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from safemig_lint.diagnostics import Diagnostic, Severity
from safemig_lint.engine import LintResult
from safemig_lint.reporters import plural, summary_parts
from safemig_lint.reading.source import LineIndex

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_MAX_SOURCE_LINES = 4


def report(result: LintResult, stream: TextIO, quiet: bool = False, statistics: bool = False, color: str = "auto") -> None:
    """`quiet`: the findings and nothing else; `statistics`: counts per rule instead of findings;
    `color`: auto (rich: on a terminal, unless NO_COLOR is set), always or never."""
    console = _console(stream, color)
    if statistics:
        _print_statistics(console, result)
    else:
        for diagnostic in result.active:
            _print_diagnostic(console, diagnostic, result.sources.get(diagnostic.path))
    if quiet:
        return
    _print_suppressed(console, [d for d in result.diagnostics if d.suppression is not None])
    console.print(_summary(result))


def _console(stream: TextIO, color: str) -> Console:
    # Wrapped to the terminal's width on a terminal; one line per message in a pipe, for grep.
    wrap = {"soft_wrap": not (hasattr(stream, "isatty") and stream.isatty())}
    if color == "always":
        return Console(file=stream, highlight=False, force_terminal=True, no_color=False, **wrap)
    if color == "never":
        return Console(file=stream, highlight=False, no_color=True, color_system=None, **wrap)
    return Console(file=stream, highlight=False, **wrap)


def _print_statistics(console: Console, result: LintResult) -> None:
    """`  12  SM301  [warning]  create-without-if-not-exists  (fixable)`, most frequent first."""
    from collections import Counter

    counts = Counter((d.code, d.name, d.severity) for d in result.active)
    fixable = {d.code for d in result.active if d.fix}
    width = len(str(max(counts.values(), default=0)))
    for (code, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][0])):
        line = Text(f"{count:>{width}}  ")
        line.append(code, style=_STYLE[severity])
        line.append(f"  [{severity.value}]  {name}")
        if code in fixable:
            line.append("  (fixable with --fix)", style="dim")
        console.print(line)
    if counts:
        console.print()


def _print_suppressed(console: Console, suppressed: list[Diagnostic]) -> None:
    """One line each, with the reason given, so a review sees what was waived and why."""
    if not suppressed:
        return
    console.print(Text("Suppressed:", style="bold"))
    for d in suppressed:
        reason = d.suppression.reason or "(no reason given)"
        console.print(Text.assemble(f"  {d.path}:{d.span.line}:{d.span.column}: {d.code} {d.name}: ", (reason, "dim")))
    console.print()


def _print_diagnostic(console: Console, d: Diagnostic, lines: LineIndex | None) -> None:
    header = Text()
    header.append(f"{d.path}:{d.span.line}:{d.span.column}", style="bold")
    header.append(": ")
    header.append(f"{d.code} ", style=_STYLE[d.severity])
    header.append(f"[{d.severity.value}] ", style=_STYLE[d.severity])
    header.append(d.name, style="dim")
    console.print(header)
    _print_indented(console, Text(d.message))
    if lines is not None and lines.text and not d.span.is_empty:
        _print_source(console, d, lines)
    if d.help:
        # Wrapped lines of the help keep its indent, under the text rather than under "help:".
        _print_indented(console, Text.assemble(("help: ", "bold cyan"), d.help))
    console.print()


def _print_indented(console: Console, text: Text) -> None:
    """Indented by two; on a terminal wrapped to its width with the indent kept, in a pipe one line."""
    if console.soft_wrap:
        console.print(Text("  ") + text)
    else:
        console.print(Padding(text, (0, 0, 0, 2), expand=False))


def _print_source(console: Console, d: Diagnostic, lines: LineIndex) -> None:
    last = min(d.span.end_line, d.span.line + _MAX_SOURCE_LINES - 1, lines.line_count)
    gutter = len(str(last))
    for number in range(d.span.line, last + 1):
        text = lines.line_text(number).expandtabs(1)
        # Source lines are cut, not wrapped, at the terminal's edge, so the marker stays under its text.
        console.print(Text.assemble((f"  {number:>{gutter}} | ", "blue"), text), no_wrap=True, overflow="ellipsis")
        start = d.span.column if number == d.span.line else 1
        end = d.span.end_column if number == d.span.end_line else len(text) + 1
        width = max(1, end - start)
        if text.strip():
            console.print(Text.assemble((f"  {'':>{gutter}} | ", "blue"), " " * (start - 1), ("^" * width, _STYLE[d.severity])), no_wrap=True, overflow="crop")
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

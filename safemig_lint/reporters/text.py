"""The default, human report: each finding with its source lines and the span marked.

The report is assembled as (text, style) pieces and written once, styled the way rich
would style it: one rich print per line cost seconds on reports with thousands of findings.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import COLOR_SYSTEMS, Console
from rich.control import strip_control_codes
from rich.style import Style
from rich.text import Text

from safemig_lint.diagnostics import Diagnostic, Severity
from safemig_lint.engine import LintResult
from safemig_lint.reporters import plural, summary_parts
from safemig_lint.reading.source import LineIndex

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_MAX_SOURCE_LINES = 4


def report(result: LintResult, stream: TextIO) -> None:
    # rich honours NO_COLOR and drops colour when the stream is not a terminal.
    console = Console(file=stream, highlight=False, soft_wrap=True)
    text = _Pieces()
    for diagnostic in result.active:
        _diagnostic(text, diagnostic, result.sources.get(diagnostic.path))
    _suppressed(text, [d for d in result.diagnostics if d.suppression is not None])
    _summary(text, result)
    text.append("\n")
    text.write(console)


class _Pieces:
    """The report as (text, style) pieces, written in one go."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, str | None]] = []

    def append(self, text: str, style: str | None = None) -> None:
        self.pieces.append((text, style))

    def write(self, console: Console) -> None:
        if any("\t" in text for text, _ in self.pieces):  # rich expands tabs by display cells: let it
            console.print(Text.assemble(*self.pieces), end="")
            return
        color_system = COLOR_SYSTEMS.get(console.color_system) if console.color_system else None
        styles: dict[str, Style] = {}
        out = []
        for text, name in self.pieces:
            text = strip_control_codes(text)  # as rich.Text does
            if name and color_system is not None:
                if name not in styles:
                    style = Style.parse(name)
                    styles[name] = style.without_color if console.no_color else style
                text = styles[name].render(text, color_system=color_system, legacy_windows=console.legacy_windows)
            out.append(text)
        console.file.write("".join(out))
        console.file.flush()


def _suppressed(out: _Pieces, suppressed: list[Diagnostic]) -> None:
    """One line each, with the reason given, so a review sees what was waived and why."""
    if not suppressed:
        return
    out.append("Suppressed:", style="bold")
    out.append("\n")
    for d in suppressed:
        reason = d.suppression.reason or "(no reason given)"
        out.append(f"  {d.path}:{d.span.line}:{d.span.column}: {d.code} {d.name}: ")
        out.append(reason, style="dim")
        out.append("\n")
    out.append("\n")


def _diagnostic(out: _Pieces, d: Diagnostic, lines: LineIndex | None) -> None:
    style = _STYLE[d.severity]
    out.append(f"{d.path}:{d.span.line}:{d.span.column}", style="bold")
    out.append(": ")
    out.append(f"{d.code} ", style=style)
    out.append(f"[{d.severity.value}] ", style=style)
    out.append(d.name, style="dim")
    out.append(f"\n  {d.message}\n")
    if lines is not None and lines.text and not d.span.is_empty:
        _source(out, d, lines)
    if d.help:
        out.append("  help: ", style="bold cyan")
        out.append(f"{d.help}\n")
    out.append("\n")


def _source(out: _Pieces, d: Diagnostic, lines: LineIndex) -> None:
    last = min(d.span.end_line, d.span.line + _MAX_SOURCE_LINES - 1, lines.line_count)
    gutter = len(str(last))
    for number in range(d.span.line, last + 1):
        text = lines.line_text(number).expandtabs(1)
        out.append(f"  {number:>{gutter}} | ", style="blue")
        out.append(f"{text}\n")
        start = d.span.column if number == d.span.line else 1
        end = d.span.end_column if number == d.span.end_line else len(text) + 1
        width = max(1, end - start)
        if text.strip():
            out.append(f"  {'':>{gutter}} | ", style="blue")
            out.append(" " * (start - 1))
            out.append("^" * width, style=_STYLE[d.severity])
            out.append("\n")
    if last < d.span.end_line:
        out.append(f"  {'':>{gutter}} | ...", style="blue")
        out.append("\n")


def _summary(out: _Pieces, result: LintResult) -> None:
    problems, files, suppressed = summary_parts(result)
    if not result.active:
        line, style = f"No problems found in {files}.", "bold green"
    else:
        line, style = f"Found {plural(len(result.active), 'problem')} ({problems}) in {files}.", "bold"
    out.append(line, style)
    out.append(suppressed, f"{style} dim")

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
from safemig_lint.reading.source import LineIndex
from safemig_lint.reporters import plural, printable, summary_parts, verification_summary

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_MAX_SOURCE_LINES = 4
_CONTEXT_COLUMNS = 100  # of a long source line, shown on each side of the span's start


def report(result: LintResult, stream: TextIO, quiet: bool = False, statistics: bool = False, color: str = "auto") -> None:
    """`quiet`: the findings and nothing else; `statistics`: counts per rule instead of findings;
    `color`: auto (rich: on a terminal, unless NO_COLOR is set), always or never."""
    console = _console(stream, color)
    # On a terminal, messages wrap to its width with their indent; in a pipe each stays one line, for grep.
    width = console.width if _is_terminal(stream) else None
    text = _Pieces()
    if statistics:
        _statistics(text, result)
    else:
        for diagnostic in result.active:
            _diagnostic(text, diagnostic, result.sources.get(diagnostic.path), width)
    if not quiet:
        _suppressed(text, [d for d in result.diagnostics if d.suppression is not None])
        _summary(text, result)
        text.append("\n")
    text.write(console)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _console(stream: TextIO, color: str) -> Console:
    if color == "always":
        return Console(file=stream, highlight=False, soft_wrap=True, force_terminal=True)
    if color == "never":
        return Console(file=stream, highlight=False, soft_wrap=True, no_color=True, color_system=None)
    # rich honours NO_COLOR and drops colour when the stream is not a terminal.
    return Console(file=stream, highlight=False, soft_wrap=True)


def _statistics(out: _Pieces, result: LintResult) -> None:
    """`  12  SM301  [warning]  create-without-if-not-exists  (fixable with --fix)`, most frequent first."""
    from collections import Counter

    counts = Counter((d.code, d.name, d.severity) for d in result.active)
    fixable = {d.code for d in result.active if d.fix}
    width = len(str(max(counts.values(), default=0)))
    for (code, name, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0][0])):
        out.append(f"{count:>{width}}  ")
        out.append(code, style=_STYLE[severity])
        out.append(f"  [{severity.value}]  {name}")
        if code in fixable:
            out.append("  (fixable with --fix)", style="dim")
        out.append("\n")
    if counts:
        out.append("\n")


class _Pieces:
    """The report as (text, style) pieces, written in one go."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, str | None]] = []

    def append(self, text: str, style: str | None = None) -> None:
        # SQL, paths and reasons may hold ESC/CSI/OSC sequences: shown as escapes, never acted on.
        self.pieces.append((printable(text), style))

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


def _diagnostic(out: _Pieces, d: Diagnostic, lines: LineIndex | None, width: int | None) -> None:
    style = _STYLE[d.severity]
    out.append(f"{d.path}:{d.span.line}:{d.span.column}", style="bold")
    out.append(": ")
    out.append(f"{d.code} ", style=style)
    out.append(f"[{d.severity.value}] ", style=style)
    out.append(d.name, style="dim")
    out.append("\n")
    _indented(out, "", d.message, width)
    if lines is not None and lines.text and not d.span.is_empty:
        _source(out, d, lines, width)
    if d.help:
        _indented(out, "help: ", d.help, width)
    out.append("\n")


def _indented(out: _Pieces, label: str, text: str, width: int | None) -> None:
    """`  label text`, and on a terminal wrapped to `width` with every line indented by two."""
    import textwrap

    lines = textwrap.wrap(label + text, width - 2, break_on_hyphens=False) if width and width > 20 else [label + text]
    for index, line in enumerate(lines or [label]):
        out.append("  ")
        if index == 0 and label:
            out.append(label, style="bold cyan")
            line = line[len(label) :]
        out.append(f"{line}\n")


def _source(out: _Pieces, d: Diagnostic, lines: LineIndex, width: int | None) -> None:
    last = min(d.span.end_line, d.span.line + _MAX_SOURCE_LINES - 1, lines.line_count)
    gutter = len(str(last))
    for number in range(d.span.line, last + 1):
        text = lines.line_text(number).expandtabs(1)
        start = d.span.column if number == d.span.line else 1
        end = d.span.end_column if number == d.span.end_line else len(text) + 1
        if len(text) > 2 * _CONTEXT_COLUMNS:
            # A window of a long line around the span: a 100 KB line is not printed once per finding.
            left = max(0, start - 1 - _CONTEXT_COLUMNS)
            right = min(len(text), max(start - 1 + _CONTEXT_COLUMNS, left + 2 * _CONTEXT_COLUMNS))
            text = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
            start, end = start - left + (1 if left else 0), min(end, right + 1) - left + (1 if left else 0)
        out.append(f"  {number:>{gutter}} | ", style="blue")
        # On a terminal a long line is cut at its edge, not wrapped, so the marker stays under its text.
        room = width - gutter - 5 if width else None
        out.append(f"{text if room is None or len(text) <= room else text[: max(room - 1, 1)] + '…'}\n")
        marked = max(1, end - start)
        if text.strip():
            out.append(f"  {'':>{gutter}} | ", style="blue")
            carets = "^" * (marked if room is None else max(0, min(marked, room - (start - 1))))
            out.append(" " * (start - 1 if room is None else min(start - 1, room)))
            out.append(carets, style=_STYLE[d.severity])
            out.append("\n")
    if last < d.span.end_line:
        out.append(f"  {'':>{gutter}} | ...", style="blue")
        out.append("\n")


def _summary(out: _Pieces, result: LintResult) -> None:
    problems, files, suppressed = summary_parts(result)
    verified = verification_summary(result)
    if verified is not None:
        covered = result.verification
        out.append(verified, "bold green" if covered.verified == covered.total else "bold yellow")
        out.append(" ")
    if not result.active:
        line, style = f"No problems found in {files}.", "bold green"
    else:
        line, style = f"Found {plural(len(result.active), 'problem')} ({problems}) in {files}.", "bold"
    out.append(line, style)
    out.append(suppressed, f"{style} dim")

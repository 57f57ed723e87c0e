"""The default, human report: each finding with its source lines and the span marked.

The report is assembled as (text, style) pieces and written once, styled the way rich
would style it: one rich print per line cost seconds on reports with thousands of findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from rich.console import COLOR_SYSTEMS, Console
from rich.control import strip_control_codes
from rich.style import Style
from rich.text import Text

from safemig_lint.diagnostics import Diagnostic, Severity
from safemig_lint.engine import LintResult
from safemig_lint.reading.source import LineIndex
from safemig_lint.reporters import fixable_line, one_line, plural, printable, summary_parts, verification_summary

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold blue"}
_MAX_SOURCE_LINES = 4
_CONTEXT_COLUMNS = 100  # of a long source line, shown on each side of the span's start
# Findings of one rule on one line shown in full; the rest are counted in one line (every one is
# in the JSON and SARIF reports): 64,000 placeholders on one line are not 64,000 excerpts of it.
_MAX_PER_LINE = 10
_MAX_REASON = 200  # characters of a suppression's reason shown in the list of suppressed findings


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
        for diagnostic in _capped(text, result.active, "findings"):
            _diagnostic(text, diagnostic, result.sources.get(diagnostic.path), width, result.is_fixable(diagnostic))
    if not quiet:
        _suppressed(text, [d for d in result.diagnostics if d.suppression is not None])
        _summary(text, result)
        text.append("\n")
    text.write(console)


def _capped(out: _Pieces, diagnostics: list[Diagnostic], what: str) -> Iterator[Diagnostic]:
    """The diagnostics to show in full (sorted, so a line's findings come together); after each
    line, how many more of each rule it had."""
    shown: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    place = ("", 0)  # the (path, line) being shown
    for d in [*diagnostics, None]:
        if d is None or (d.path, d.span.line) != place:
            for code, count in sorted(hidden.items()):
                out.append(
                    f"  … and {count:,} more {code} {what} on line {place[1]} of {one_line(place[0])} (all of them: --format json)", "dim"
                )
                out.append("\n\n")
            shown.clear()
            hidden.clear()
            if d is None:
                return
            place = (d.path, d.span.line)
        shown[d.code] += 1
        if shown[d.code] > _MAX_PER_LINE:
            hidden[d.code] += 1
        else:
            yield d


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
    counts = Counter((d.code, d.name, d.severity) for d in result.active)
    fixable = {d.code for d in result.active if result.is_fixable(d)}
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
        # SQL, paths and reasons may hold ESC/CSI/OSC sequences: shown as escapes, never acted on
        # (values are one_line() where they are put into a line; what is left here is the report's own).
        self.pieces.append((printable(text), style))

    def write(self, console: Console) -> None:
        if any("\t" in text for text, _ in self.pieces):  # rich expands tabs by display cells: let it
            console.print(Text.assemble(*(text if style is None else (text, style) for text, style in self.pieces)), end="")
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
    for d in _capped(out, suppressed, "suppressed findings"):
        reason = (d.suppression.reason if d.suppression is not None else "") or "(no reason given)"
        reason = reason if len(reason) <= _MAX_REASON else reason[:_MAX_REASON] + "…"
        out.append(f"  {one_line(d.path)}:{d.span.line}:{d.span.column}: {d.code} {one_line(d.name)}: ")
        out.append(one_line(reason), style="dim")
        out.append("\n")
    out.append("\n")


def _diagnostic(out: _Pieces, d: Diagnostic, lines: LineIndex | None, width: int | None, fixable: bool) -> None:
    style = _STYLE[d.severity]
    out.append(f"{one_line(d.path)}:{d.span.line}:{d.span.column}", style="bold")
    out.append(": ")
    out.append(f"{d.code} ", style=style)
    out.append(f"[{d.severity.value}] ", style=style)
    if fixable:  # ruff's mark: `--fix` fixes this one
        out.append("[*] ", style="bold cyan")
    out.append(one_line(d.name), style="dim")
    out.append("\n")
    _indented(out, "", one_line(d.message), width)
    if lines is not None and lines.text and not d.span.is_empty:
        _source(out, d, lines, width)
    if d.help:
        _indented(out, "help: ", one_line(d.help), width)
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
        start = d.span.column if number == d.span.line else 1
        # A window of a long line around the span, cut before anything else is done to it: a
        # 100 KB line is neither printed nor copied once per finding. (expandtabs(1) keeps lengths.)
        length = lines.line_length(number)
        left = max(0, start - 1 - _CONTEXT_COLUMNS) if length > 2 * _CONTEXT_COLUMNS else 0
        right = min(length, max(start - 1 + _CONTEXT_COLUMNS, left + 2 * _CONTEXT_COLUMNS)) if length > 2 * _CONTEXT_COLUMNS else length
        text = one_line(lines.line_text(number, left, right).expandtabs(1))
        end = d.span.end_column if number == d.span.end_line else length + 1
        if (left, right) != (0, length):
            text = ("…" if left else "") + text + ("…" if right < length else "")
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
    verified, covered = verification_summary(result), result.verification
    if verified is not None and covered is not None:
        out.append(verified, "bold green" if covered.verified == covered.total else "bold yellow")
        out.append(" ")
    if not result.active:
        line, style = f"No problems found in {files}.", "bold green"
    else:
        line, style = f"Found {plural(len(result.active), 'problem')} ({problems}) in {files}.", "bold"
    out.append(line, style)
    out.append(suppressed, f"{style} dim")
    if fixable := fixable_line(result):
        out.append("\n")
        out.append(fixable, "bold cyan")

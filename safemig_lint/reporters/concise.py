"""`--format concise`: one line per finding, `path:line:col: CODE [*] message`, as ruff's concise
and squawk's gcc formats print them (editors and `grep` read it); `[*]` marks what --fix fixes."""

from __future__ import annotations

from typing import TextIO

from safemig_lint.engine import LintResult
from safemig_lint.reporters import fixable_line, one_line, plural


def report(result: LintResult, stream: TextIO, quiet: bool = False) -> None:
    lines = []
    for d in result.active:
        mark = "[*] " if result.is_fixable(d) else ""
        # one_line: a name or message holding a line break cannot start a finding line of its own.
        lines.append(one_line(f"{d.path}:{d.span.line}:{d.span.column}: {d.code} {mark}{d.message}") + "\n")
    if not quiet:
        lines.append(f"Found {plural(len(result.active), 'problem')}.\n" if result.active else "All checks passed.\n")
        if fixable := fixable_line(result):
            lines.append(fixable + "\n")
    stream.write("".join(lines))

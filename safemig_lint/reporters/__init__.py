"""Reporters turn a LintResult into one output format; they never decide what is a finding."""

from __future__ import annotations

import errno
import importlib
import io
import os
import re
import stat
from collections import Counter
from pathlib import Path
from typing import Protocol, TextIO

from safemig_lint import __version__
from safemig_lint.atomic import replace_file
from safemig_lint.diagnostics import Severity
from safemig_lint.engine import LintResult

# format name -> module defining `report(result, stream)`; imported only when used.
FORMATS = {
    "text": "safemig_lint.reporters.text",
    "json": "safemig_lint.reporters.json_report",
    "sarif": "safemig_lint.reporters.sarif",
    "github": "safemig_lint.reporters.github",
    "markdown": "safemig_lint.reporters.markdown",
}

# Where reports link to: the project, and each rule's page (rules/SMxxx.md) in its repository,
# as of this version's tag, so a link says what the rule meant in the version that reported it.
PROJECT_URL = "https://github.com/safemig-lint/safemig-lint"
RULE_PAGES_URL = f"{PROJECT_URL}/blob/v{__version__}/rules"


# Control characters a terminal acts on (ESC starts ANSI and OSC sequences, CSI is 0x9b): SQL
# text shown on a terminal must not be able to recolour it, retitle it or hide lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with terminal control characters (and bidi overrides) shown as escapes: `\\x1b`."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def rule_url(code: str) -> str:
    return f"{RULE_PAGES_URL}/{code}.md"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_parts(result: LintResult) -> tuple[str, str, str]:
    """What every human report's closing line says: problems by severity, files, suppressed."""
    counts = Counter(d.severity for d in result.active)
    problems = ", ".join(plural(counts[s], s.value) for s in Severity if counts[s])
    suppressed = len(result.diagnostics) - len(result.active)
    return problems, plural(result.files_checked, "file"), f" {suppressed} suppressed." if suppressed else ""


def verification_summary(result: LintResult) -> str | None:
    """`Verified 3 of 4 versions.` for a `verify` run (None for `check`): a version without a verdict is no pass."""
    covered = result.verification
    if covered is None:
        return None
    return f"Verified {covered.verified} of {plural(covered.total, 'version')}."


class Reporter(Protocol):
    def __call__(self, result: LintResult, stream: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    return importlib.import_module(FORMATS[name]).report


def write_report(name: str, result: LintResult, path: Path) -> None:
    """Write one report to `path` atomically: a CI step never uploads a half-written file.

    A symlink is written through (its target is replaced, the link stays); a FIFO, a terminal or
    /dev/stdout is written to as it is, since there is no file to replace; a file already there
    keeps its permissions.
    """
    buffer = io.StringIO()
    get_reporter(name)(result, buffer)
    target = Path(os.path.realpath(path))
    try:
        status = target.stat()
    except FileNotFoundError:
        status = None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory")
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(target, "w", encoding="utf-8", newline="") as stream:
            stream.write(buffer.getvalue())
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_file(target, buffer.getvalue().encode("utf-8"))

"""Reporters turn a LintResult into one output format; they never decide what is a finding."""

from __future__ import annotations

import importlib
from collections import Counter
import io
import os
import tempfile
from pathlib import Path
from typing import Protocol, TextIO

from safemig_lint import __version__
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


class Reporter(Protocol):
    def __call__(self, result: LintResult, stream: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    return importlib.import_module(FORMATS[name]).report


def write_report(name: str, result: LintResult, path: Path) -> None:
    """Write one report to `path` atomically: a CI step never uploads a half-written file."""
    buffer = io.StringIO()
    get_reporter(name)(result, buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(buffer.getvalue())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would hide the report from other users
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

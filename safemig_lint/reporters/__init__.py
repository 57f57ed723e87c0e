"""Reporters turn a LintResult into one output format; they never decide what is a finding."""

from __future__ import annotations

import importlib
from typing import Protocol, TextIO

from safemig_lint.engine import LintResult

# format name -> module defining `report(result, stream, **options)`; imported only when used.
FORMATS = {
    "text": "safemig_lint.reporters.text",
    "json": "safemig_lint.reporters.json_report",
}


class Reporter(Protocol):
    def __call__(self, result: LintResult, stream: TextIO) -> None: ...


def get_reporter(name: str) -> Reporter:
    return importlib.import_module(FORMATS[name]).report

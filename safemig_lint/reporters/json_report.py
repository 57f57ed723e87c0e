"""`--format json`: one JSON object with every active diagnostic and a summary (see README)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from safemig_lint import __version__
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult


def _diagnostic(d: Diagnostic) -> dict:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "path": d.path,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "message": d.message,
        "help": d.help,
    }


def as_dict(result: LintResult) -> dict:
    active = result.active
    counts = Counter(d.severity.value for d in active)
    return {
        "version": __version__,
        "diagnostics": [_diagnostic(d) for d in active],
        "suppressed": [
            {**_diagnostic(d), "reason": d.suppression.reason, "suppression_line": d.suppression.line}
            for d in result.diagnostics
            if d.suppression is not None
        ],
        "summary": {
            "files": result.files_checked,
            "diagnostics": len(active),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "suppressed": len(result.diagnostics) - len(active),
        },
    }


def report(result: LintResult, stream: TextIO) -> None:
    json.dump(as_dict(result), stream, indent=2, ensure_ascii=False)
    stream.write("\n")

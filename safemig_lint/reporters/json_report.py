"""`--format json`: one JSON object with every active diagnostic and a summary (see README)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from safemig_lint import __version__
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult


def _diagnostic(d: Diagnostic) -> dict[str, object]:
    item: dict[str, object] = {
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
    if d.related:  # the other places one finding is about (an up statement, the other files of a folder-wide cause)
        item["related"] = [
            {
                "path": r.path,
                "line": r.span.line,
                "column": r.span.column,
                "end_line": r.span.end_line,
                "end_column": r.span.end_column,
                "message": r.message,
            }
            for r in d.related
        ]
    return item


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
            **(
                {"versions_verified": result.verification.verified, "versions": result.verification.total}
                if result.verification is not None
                else {}
            ),
        },
    }


def report(result: LintResult, stream: TextIO) -> None:
    stream.write(render(as_dict(result)))


def render(document: dict) -> str:
    """The object indented, with each diagnostic on one line of its own: as readable and as
    greppable as a fully indented dump, and written by json's C encoder (which does not indent),
    so tens of thousands of findings take milliseconds, not most of a second."""

    def entries(items: list[dict]) -> str:
        return "[\n" + ",\n".join(f"    {_compact(item)}" for item in items) + "\n  ]" if items else "[]"

    fields = [f'  "{key}": {entries(value) if isinstance(value, list) else _compact(value)}' for key, value in document.items()]
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

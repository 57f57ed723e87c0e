"""`--format json`: one JSON object with every active diagnostic and a summary (see README)."""

from __future__ import annotations

import json
from collections import Counter
from json.encoder import encode_basestring
from typing import TextIO

from safemig_lint import __version__
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult


def report(result: LintResult, stream: TextIO) -> None:
    active = result.active
    suppressed = [(d, d.suppression) for d in result.diagnostics if d.suppression is not None]
    counts = Counter(d.severity.value for d in active)
    summary = {
        "files": result.files_checked,
        "diagnostics": len(active),
        "errors": counts["error"],
        "warnings": counts["warning"],
        "infos": counts["info"],
        "suppressed": len(suppressed),
        **(
            {"versions_verified": result.verification.verified, "versions": result.verification.total}
            if result.verification is not None
            else {}
        ),
    }
    text = _Escaped()
    diagnostics = [_line(d, text) for d in active]
    # A suppressed finding is written as an active one, with why and where it was silenced.
    silenced = [_line(d, text, f', "reason": {text[why.reason]}, "suppression_line": {why.line}') for d, why in suppressed]
    stream.write(
        f'{{\n  "version": {_compact(__version__)},\n  "diagnostics": {_entries(diagnostics)},\n'
        f'  "suppressed": {_entries(silenced)},\n  "summary": {_compact(summary)}\n}}\n'
    )


def _entries(lines: list[str]) -> str:
    """The object indented, with each diagnostic on one line of its own: as readable and as
    greppable as a fully indented dump, at a fraction of its cost."""
    return "[\n" + ",\n".join(lines) + "\n  ]" if lines else "[]"


def _line(d: Diagnostic, text: _Escaped, more: str = "") -> str:
    """The diagnostic's line: its JSON object (with `more` fields at the end), indented, written
    as json.dumps would (tests/test_json_report.py holds them equal): each string escaped by
    json's own escaper, once per distinct string (a rule's advice recurs in each of its findings)."""
    related = ""
    if d.related:  # the other places one finding is about (an up statement, the other files of a folder-wide cause)
        places = ", ".join(
            f'{{"path": {text[r.path]}, "line": {r.span.line}, "column": {r.span.column}, '
            f'"end_line": {r.span.end_line}, "end_column": {r.span.end_column}, "message": {text[r.message]}}}'
            for r in d.related
        )
        related = f', "related": [{places}]'
    span = d.span
    return (
        f'    {{"code": {text[d.code]}, "name": {text[d.name]}, "severity": {text[d.severity.value]}, "path": {text[d.path]}, '
        f'"line": {span.line}, "column": {span.column}, "end_line": {span.end_line}, "end_column": {span.end_column}, '
        f'"message": {text[d.message]}, "help": {text[d.help]}{related}{more}}}'
    )


class _Escaped(dict):
    """Each string as a JSON string literal (non-ASCII kept, as ensure_ascii=False writes it),
    escaped once however often it is written: a dict lookup for every string seen before."""

    def __missing__(self, value: str) -> str:
        escaped = self[value] = encode_basestring(value)
        return escaped


# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _compact(value) -> str:
    return _ENCODER.encode(value)

"""`--format json`: one JSON object with every active diagnostic and a summary (see README)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import TextIO, TypeVar

from safemig_lint import __version__
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import LintResult

T = TypeVar("T")


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
    stream.write(f'{{\n  "version": {_compact(__version__)},\n  "diagnostics": ')
    _write_entries(stream, active, lambda d: _line(d, text))
    stream.write(',\n  "suppressed": ')
    # A suppressed finding is written as an active one, with why and where it was silenced.
    _write_entries(stream, suppressed, lambda s: _line(s[0], text, f', "reason": {text[s[1].reason]}, "suppression_line": {s[1].line}'))
    stream.write(f',\n  "summary": {_compact(summary)}\n}}\n')


def _write_entries(stream: TextIO, items: list[T], line: Callable[[T], str]) -> None:
    """A list, each item's `line` on one line of its own: as readable and as greppable as a fully
    indented dump, at a fraction of its cost. Written some lines at a time: the report of
    thousands of findings is megabytes, which would otherwise be held (and copied) whole."""
    if not items:
        stream.write("[]")
        return
    for start in range(0, len(items), _CHUNK):
        stream.write(("[\n" if start == 0 else ",\n") + ",\n".join(map(line, items[start : start + _CHUNK])))
    stream.write("\n  ]")


_CHUNK = 64  # lines written at a time: some tens of kilobytes


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

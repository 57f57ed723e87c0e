"""`--format json` writes each diagnostic's line itself (json_report.py): it must be what json.dumps writes."""

from __future__ import annotations

import io
import json

import pytest

from safemig_lint import __version__
from safemig_lint.diagnostics import Diagnostic, Related, Severity, Span, Suppression
from safemig_lint.engine import LintResult, Verification
from safemig_lint.reporters.json_report import report

# What a path, a message or a quoted statement may hold: quotes, backslashes, control and
# non-ASCII characters, the line separators JavaScript reads as line breaks, a lone surrogate
# (a file name that is not UTF-8, read with surrogateescape), an empty string.
AWKWARD = ['say "hi"', "C:\\dir\\", "tab\tnew\nline\r\x00\x1f\x7f", "é ü 中文 😀", "\u2028\u2029", "bad\udcff.sql", ""]


def _diagnostic(text: str, line: int, suppression: Suppression | None = None, related: tuple[Related, ...] = ()) -> Diagnostic:
    return Diagnostic(
        "SM101",
        f"name {text}",
        Severity.WARNING,
        f"m/{text}.up.sql",
        Span(line, 2, line + 1, 3),
        f"msg {text}",
        text,
        "",
        suppression,
        (),
        related,
    )


def _expected_item(d: Diagnostic) -> dict:
    """The object the README documents, built field by field as a reader of the report sees it."""
    item: dict = {
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
    if d.related:
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
    if d.suppression is not None:
        item.update(reason=d.suppression.reason, suppression_line=d.suppression.line)
    return item


@pytest.mark.parametrize("verification", [None, Verification(2, 3)])
def test_each_line_is_what_json_dumps_writes_and_the_whole_parses_back(verification):
    related = (Related("m/1.up.sql", Span(4, 1, 4, 9), 'the "up" statement \u2028'),)
    active = [_diagnostic(text, i + 1, related=related if i % 2 else ()) for i, text in enumerate(AWKWARD)]
    active += [_diagnostic(AWKWARD[0], 1)]  # the same strings again: escaped once, written twice
    suppressed = [_diagnostic(text, 9, Suppression(9, f"because {text}")) for text in AWKWARD[:3]]
    result = LintResult(active + suppressed, 5, [], verification=verification)
    stream = io.StringIO()
    report(result, stream)
    written = stream.getvalue()

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    lines = written.split("\n")  # not splitlines: U+2028 is written as it is, and is no line break in JSON
    for d in active + suppressed:
        assert f"    {dumps(_expected_item(d))}" in (line.rstrip(",") for line in lines)
    document = json.loads(written)
    assert document["version"] == __version__
    assert document["diagnostics"] == [_expected_item(d) for d in active]
    assert document["suppressed"] == [_expected_item(d) for d in suppressed]
    summary = {"files": 5, "diagnostics": len(active), "errors": 0, "warnings": len(active), "infos": 0, "suppressed": len(suppressed)}
    if verification is not None:
        summary |= {"versions_verified": 2, "versions": 3}
    assert document["summary"] == summary
    assert written.endswith("\n}\n") and list(document) == ["version", "diagnostics", "suppressed", "summary"]


def test_an_empty_report():
    stream = io.StringIO()
    report(LintResult([], 0, []), stream)
    assert stream.getvalue() == (
        f'{{\n  "version": "{__version__}",\n  "diagnostics": [],\n  "suppressed": [],\n'
        '  "summary": {"files": 0, "diagnostics": 0, "errors": 0, "warnings": 0, "infos": 0, "suppressed": 0}\n}\n'
    )


def test_a_report_of_many_findings_is_written_in_pieces_that_make_one_document():
    active = [_diagnostic(f"n{i}", i + 1) for i in range(150)]  # more lines than are written at a time
    suppressed = [_diagnostic(f"s{i}", 1, Suppression(1, f"why {i}")) for i in range(70)]
    stream = io.StringIO()
    report(LintResult(active + suppressed, 1, []), stream)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode

    def listed(items: list[Diagnostic]) -> str:
        return "[\n" + ",\n".join(f"    {dumps(_expected_item(d))}" for d in items) + "\n  ]"

    summary = {"files": 1, "diagnostics": 150, "errors": 0, "warnings": 150, "infos": 0, "suppressed": 70}
    assert stream.getvalue() == (
        f'{{\n  "version": "{__version__}",\n  "diagnostics": {listed(active)},\n  "suppressed": {listed(suppressed)},\n'
        f'  "summary": {dumps(summary)}\n}}\n'
    )

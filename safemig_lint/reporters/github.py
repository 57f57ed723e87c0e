"""`--format github`: GitHub Actions workflow commands, shown as annotations on the changed files.

::error file=db/migrations/000004_drop.up.sql,line=2,col=12,endLine=2,endColumn=20,title=SM101 drop-table::DROP TABLE ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from safemig_lint.diagnostics import Diagnostic, Severity
from safemig_lint.engine import LintResult
from safemig_lint.escaping import one_line, printable
from safemig_lint.reporters import verification_summary
from safemig_lint.reporters.location import memoized, repository_path

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def report(result: LintResult, stream: TextIO) -> None:
    path_of = memoized(repository_path)
    stream.write("".join(annotation(d, path_of) + "\n" for d in result.active))
    for path in result.missing_paths:
        stream.write(f"::error title=safemig-lint::{escape_data(one_line(f'{path}: no such file or directory'))}\n")
    covered, summary = result.verification, verification_summary(result)
    if covered is not None and summary is not None:  # a verify run: how much of the history it covered, on the run's summary
        command = "notice" if covered.verified == covered.total else "warning"
        stream.write(f"::{command} title=safemig-lint verify::{escape_data(one_line(summary))}\n")


def annotation(d: Diagnostic, path_of: Callable[[str], str | None] = repository_path) -> str:
    properties = {"file": path_of(d.path) or d.path, "line": d.span.line}
    empty = d.span.is_empty
    # GitHub applies columns only within one line; an empty span (the whole file) marks the line.
    if d.span.line == d.span.end_line and not empty:
        properties.update(col=d.span.column, endLine=d.span.end_line, endColumn=d.span.end_column)
    else:
        properties["endLine"] = d.span.end_line
    properties["title"] = f"{d.code} {d.name}"
    # Line breaks in the message are data to GitHub (%0A below); properties are one line.
    message = printable(f"{d.message}\n{d.help}" if d.help else d.message)
    rendered = ",".join(f"{key}={escape_property(one_line(str(value)))}" for key, value in properties.items())
    return f"::{_COMMAND[d.severity]} {rendered}::{escape_data(message)}"


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")

"""The values that flow from checks to reporters: severities, spans and diagnostics."""

from __future__ import annotations

import enum
from dataclasses import field

from safemig_lint.values import value


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warning": 2, "error": 3}[self.value]


@value(order=True, unsafe_hash=True)  # thousands per run (safemig_lint/values.py)
class Span:
    """A region of a file: 1-based lines and columns, end column exclusive (one past the last character)."""

    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def is_empty(self) -> bool:
        """A finding about a file as a whole, not about any of its text."""
        return (self.line, self.column) == (self.end_line, self.end_column)


@value(unsafe_hash=True)
class Suppression:
    """An inline `-- safemig-lint: ignore ...` comment that silenced a diagnostic."""

    line: int
    reason: str


@value(unsafe_hash=True)
class Edit:
    """One replacement in a file's text, by character offsets (end exclusive): a piece of a fix."""

    start: int
    end: int
    replacement: str


@value(unsafe_hash=True)
class Related:
    """Another place a finding is about: the up-file statement behind a down file's finding."""

    path: str  # display path, like Diagnostic.path
    span: Span
    message: str


@value(unsafe_hash=True)
class Finding:
    """What a check reports; the engine turns it into a Diagnostic."""

    span: Span
    message: str
    help: str = ""
    # Normalised text the finding is about (a statement), used for stable fingerprints.
    snippet: str = ""
    # A safe, mechanical rewrite that resolves the finding without changing what the migration
    # means (`check --fix` applies it); empty when there is none.
    fix: tuple[Edit, ...] = ()
    # A lower severity for this finding alone (a lock on a table the configuration marks as small).
    severity: Severity | None = None
    related: tuple[Related, ...] = ()


@value(unsafe_hash=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    path: str
    span: Span
    message: str
    help: str = ""
    snippet: str = ""
    suppression: Suppression | None = field(default=None, compare=False)
    fix: tuple[Edit, ...] = field(default=(), compare=False)  # from Finding.fix, for `check --fix`
    related: tuple[Related, ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

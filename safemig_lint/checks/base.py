"""What a check is, and what it is shown.

A check is a Rule subclass with a stable code, a kebab-case name, a default severity and
a one-line summary. It overrides whichever hooks it needs:

- check_statement: once per parsed statement (most rules);
- check_file: once per file (parse errors, unreadable files, templates);
- check_directory: once per migration directory (naming, pairing, versions);
- check_invocation: once per file that runs golang-migrate (Makefile, CI workflow, compose ...).

Hooks only look and yield Findings; the engine owns severities, selection, suppression
and paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator

from sqlglot import exp
from sqlglot.tokens import Token

from safemig_lint.operations.changes import Change, ObjectRef, statement_changes
from safemig_lint.diagnostics import Edit, Finding, Severity, Span
from safemig_lint.reading.discovery import Migration, MigrationDirectory, MigrationFile
from safemig_lint.reading.statements import ParsedFile, Statement

if TYPE_CHECKING:
    from safemig_lint.analysis.execution import ExecutionModel
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.config import Config
    from safemig_lint.integrity.review import IntegrityReview
    from safemig_lint.reading.invocations import InvocationFile


@dataclass
class FileContext:
    file: MigrationFile
    parsed: ParsedFile
    migration: Migration
    counterpart: ParsedFile | None  # the down file of an up, the up file of a down
    dialect: str
    history: History | None = None  # the directory's replayed schema, built on first use
    config: Config | None = None  # the directory's settings; None: the defaults
    _changes: dict[int, list[Change]] = field(default_factory=dict, repr=False)

    @property
    def is_down(self) -> bool:
        return self.file.direction == "down"

    @cached_property
    def execution(self) -> ExecutionModel:
        """How golang-migrate's driver runs this file: its transactions, what a failure leaves applied."""
        from safemig_lint.analysis.execution import ExecutionModel, settings_for
        from safemig_lint.config import Config

        return ExecutionModel(self.parsed.statements, settings_for(self.config or Config(), self.dialect))

    def rerun_reason(self, statement: Statement) -> str | None:
        """Why a re-run after a failure part-way meets this statement's effect again; None: it cannot (SM301-SM303)."""
        if self.config is not None and self.config.idempotency == "strict":
            return 'the project asks for re-runnable DDL everywhere: idempotency = "strict"'
        return self.execution.partial_failure_persists(statement)

    def changes(self, statement: Statement) -> list[Change]:
        key = id(statement)
        if key not in self._changes:
            self._changes[key] = statement_changes(statement)
        return self._changes[key]

    @cached_property
    def created_by_up(self) -> set[ObjectRef]:
        """Objects the up file of this migration creates (tables, columns, indexes ...)."""
        if not self.is_down or self.counterpart is None:
            return set()
        return {
            change.target
            for statement in self.counterpart.statements
            for change in statement_changes(statement)
            if change.action in ("create", "add")
        }

    @cached_property
    def _created_in_file(self) -> list[tuple[int, ObjectRef]]:
        return [
            (statement.start, change.target)
            for statement in self.parsed.statements
            for change in self.changes(statement)
            if change.action in ("create", "add")
        ]

    def created_in_migration(self, target: ObjectRef, statement: Statement) -> bool:
        """Was `target` created by this migration: earlier in this file, or (for a down) by its up?

        Removing such an object is cleanup or the expected undo, not data loss.
        """
        wanted = _with_table(target)
        if self.is_down and wanted & self.created_by_up:
            return True
        return any(self.created_earlier_in_file(ref, statement) for ref in wanted)

    def created_earlier_in_file(self, target: ObjectRef, statement: Statement) -> bool:
        """Was `target` itself created (or added, for a column) before `statement` in this file?"""
        return any(offset < statement.start and ref == target for offset, ref in self._created_in_file)

    def destroys(self, statement: Statement, action: str, kinds: set[str]) -> Iterator[Change]:
        """The statement's `action` changes on objects of `kinds` that existed before this migration."""
        for change in self.changes(statement):
            if change.action == action and change.target.kind in kinds:
                if not self.created_in_migration(change.target, statement):
                    yield change

    def span(self, start: int, end: int) -> Span:
        return self.parsed.lines.span(start, end)

    def tokens_span(self, first: Token, last: Token) -> Span:
        """From the first token to the last, both included (token ends are inclusive offsets)."""
        return self.span(first.start, last.end + 1)

    def node_span(self, node: exp.Expression | None, statement: Statement) -> Span:
        """The exact span of the identifiers in `node`, or of the statement when unknown."""
        positions = [
            (identifier.meta["start"], identifier.meta["end"] + 1)
            for identifier in (node.find_all(exp.Identifier) if node is not None else ())
            if "start" in identifier.meta
        ]
        if not positions:
            return self.span(statement.start, statement.end)
        return self.span(min(p[0] for p in positions), max(p[1] for p in positions))

    def finding(
        self, statement: Statement, message: str, help: str = "", node: exp.Expression | None = None, fix: tuple[Edit, ...] = ()
    ) -> Finding:
        """A finding about a statement, pointing at `node` within it when given, with its fix if any."""
        return Finding(self.node_span(node, statement), message, help, statement.normalized_text, fix)


def _with_table(target: ObjectRef) -> set[ObjectRef]:
    """The object, and for a column its table too: a column is born and dies with its table."""
    if target.kind == "column":
        return {target, ObjectRef("table", target.name.split(".")[0])}
    return {target}


@dataclass(frozen=True)
class FileFinding:
    """A directory-level finding, placed in one file."""

    path: Path
    display_path: str
    finding: Finding


@dataclass
class DirectoryContext:
    directory: MigrationDirectory
    parsed: dict[Path, ParsedFile]
    dialect: str
    history: History | None = None
    integrity: IntegrityReview | None = None  # the directory against its lock file and --base


FILE_SPAN = Span(1, 1, 1, 1)  # where a finding about a file as a whole points (an empty span)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    # Security rules carry a CVSS-like score used by GitHub code scanning.
    security_severity: ClassVar[float | None] = None
    # Its findings can carry a mechanical fix (`check --fix`); its page says "Fix: available".
    fixable: ClassVar[bool] = False

    def check_statement(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        return ()

    def check_file(self, context: FileContext) -> Iterable[Finding]:
        return ()

    def check_directory(self, context: DirectoryContext) -> Iterable[FileFinding]:
        return ()

    def check_invocation(self, file: InvocationFile) -> Iterable[Finding]:
        return ()

    @classmethod
    def overrides(cls, hook: str) -> bool:
        return getattr(cls, hook) is not getattr(Rule, hook)

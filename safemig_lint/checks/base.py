"""What a check is, and what it is shown.

A check is a Rule subclass with a stable code, a kebab-case name, a default severity and
a one-line summary. It overrides whichever hooks it needs:

- check_statement: once per statement (most rules); a rule that reads only some statements says
  which in `reads_ops` (the ops, operations/ops.py, of the statements it can report on),
  `reads_tokens` (sqlglot token types one of which such a statement holds) and/or `reads_effects`
  (what the replayed history says the statement did, analysis/schema/effects.py), and the engine
  calls it only on those. A rule that declares none is called on every statement;
- check_file: once per file (parse errors, unreadable files, templates);
- a rule whose findings are all about statements holding certain words (GRANT, EXECUTE ...) says
  which in `reads_words`, and neither hook is called on a file that holds none of them;
- check_directory: once per migration directory (naming, pairing, versions); it reads facts of
  each file (`context.facts`, analysis/file_facts.py), not the files, which another process may hold;
- check_invocation: once per file that runs golang-migrate (Makefile, CI workflow, compose ...).

Hooks only look and yield Findings; the engine owns severities, selection, suppression
and paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis.execution import ExecutionModel, settings_for  # no sqlglot: asked of every file
from safemig_lint.diagnostics import Edit, Finding, Severity, Span
from safemig_lint.operations.locator import Locator, identifiers_extent, written_name
from safemig_lint.operations.model import bare_name
from safemig_lint.operations.ops import (
    CREATING_OPS,
    DropColumn,
    DropObject,
    DropTable,
    Op,
    RenameColumn,
    RenameTable,
    created_objects,
)
from safemig_lint.operations.read import Names, Reading
from safemig_lint.reading.discovery import Migration, MigrationDirectory, MigrationFile
from safemig_lint.reading.source import words_lowered
from safemig_lint.reading.statements import ParsedFile, Statement
from safemig_lint.values import value

if TYPE_CHECKING:
    from safemig_lint.analysis.file_facts import FolderFacts
    from safemig_lint.analysis.locks import FileLocks
    from safemig_lint.analysis.schema.effects import Effect
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.checks.backfills import RowChanges
    from safemig_lint.checks.sm101_drop_table import TableRebuilds
    from safemig_lint.checks.sm102_drop_column import ColumnSteps
    from safemig_lint.config import Config
    from safemig_lint.integrity.review import IntegrityReview
    from safemig_lint.reading.dialect_check import WrongDialect
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
    folder: FolderFacts | None = None  # the facts of the folder's files, for what follows from them all

    def wrong_dialect(self) -> WrongDialect | None:
        """The folder's verdict on its dialect (reading/dialect_check.py); None: right, or not known here."""
        return self.folder.wrong_dialect if self.folder is not None else None

    @property
    def is_down(self) -> bool:
        return self.file.direction == "down"

    def release(self) -> None:
        """Drop what the rules cached about the file, once they have all run. Some of it refers
        back to the context (FileLocks), a cycle that would otherwise live until the folder's
        garbage is collected (engine: the collector is paused while a folder is linted)."""
        cached = self.__dict__
        for name in _CACHED_PROPERTIES & cached.keys():
            del cached[name]

    @cached_property
    def reading(self) -> Reading:
        """The directory's one reading of DDL, shared with the replay."""
        return (
            self.history.reading if self.history is not None else Reading(self.dialect, self.config.mysql_version if self.config else None)
        )

    @cached_property
    def lowered(self) -> str | None:
        """The file's text in lower case, where words are searched (reading/source.words_lowered); else None."""
        return words_lowered(self.parsed.text)

    @property
    def names(self) -> Names:
        """How this file's names become model keys (for rules that read a node themselves)."""
        return self.reading.names(self.parsed)

    def operations(self, statement: Statement) -> list[Op]:
        """What the statement does to the schema: the same ops the replay applies."""
        return self.operations_by_start[statement.start]

    @cached_property
    def operations_by_start(self) -> dict[int, list[Op]]:
        """operations() of each statement, by its start."""
        return self.reading.of(self.parsed)

    @cached_property
    def execution(self) -> ExecutionModel:
        """How golang-migrate's driver runs this file: its transactions, what a failure leaves applied."""
        return ExecutionModel(self.parsed.statements, settings_for(self.config, self.dialect), self.lowered)

    def rerun_reason(self, statement: Statement) -> str | None:
        """Why a re-run after a failure part-way meets this statement's effect again; None: it cannot (SM301-SM303)."""
        if self.config is not None and self.config.idempotency == "strict":
            return 'the project asks for re-runnable DDL everywhere: idempotency = "strict"'
        return self.execution.partial_failure_persists(statement)

    @cached_property
    def created_by_up(self) -> set[tuple[str, str]]:
        """Objects the up file of this migration creates (tables, columns, indexes ...), as loose keys."""
        if not self.is_down or self.counterpart is None:
            return set()
        return {created for _, created in _created(self.reading.of(self.counterpart))}

    @cached_property
    def _created_in_file(self) -> dict[tuple[str, str], int]:
        """Each object this file creates, with the offset of its first creation: one lookup per question."""
        first: dict[tuple[str, str], int] = {}
        for offset, ref in _created(self.reading.of(self.parsed)):
            first[ref] = min(offset, first.get(ref, offset))
        return first

    def created_in_migration(self, kind: str, name: str, statement: Statement) -> bool:
        """Was this object created by this migration: earlier in this file, or (for a down) by its up?

        Removing such an object is cleanup or the expected undo, not data loss. A column is
        `table.column`, and counts as created with its table.
        """
        wanted = _with_table(_loose(kind, name))
        if self.is_down and wanted & self.created_by_up:
            return True
        return any(self._created_in_file.get(ref, statement.start) < statement.start for ref in wanted)

    @cached_property
    def _dropped_in_file(self) -> dict[tuple[str, str], int]:
        """Each table or view this file drops, with the offset of its last drop."""
        last: dict[tuple[str, str], int] = {}
        for offset, ops in self.reading.of(self.parsed).items():
            for op in ops:
                if isinstance(op, DropTable):
                    last[_loose("table", op.table)] = offset
                elif isinstance(op, DropObject) and op.kind == "view":
                    last[_loose("view", op.name)] = offset
        return last

    def dropped_from_here_in_file(self, kind: str, name: str, statement: Statement) -> bool:
        """Does `statement` itself (DROP TABLE a, b) or a statement after it in this file drop this table or view?"""
        return self._dropped_in_file.get(_loose(kind, name), -1) >= statement.start

    def created_earlier_in_file(self, kind: str, name: str, statement: Statement) -> bool:
        """Was this object itself created (or added, for a column) before `statement` in this file?"""
        return self._created_in_file.get(_loose(kind, name), statement.start) < statement.start

    @cached_property
    def counterpart_changes(self) -> dict[tuple[str, str], Statement]:
        """The first statement of the counterpart file that creates or drops each (kind, bare name)."""
        from safemig_lint.checks.related import first_changes

        return first_changes(self.counterpart, self.reading.of(self.counterpart)) if self.counterpart is not None else {}

    @cached_property
    def table_rebuilds(self) -> TableRebuilds:
        """Table renames and copies of rows in this file, for telling a rebuild from a drop (SM101)."""
        from safemig_lint.checks.sm101_drop_table import TableRebuilds

        return TableRebuilds(self.reading.of(self.parsed))

    @cached_property
    def column_steps(self) -> ColumnSteps:
        """The file's ops in order, with each table's column renames and copies (SM102)."""
        from safemig_lint.checks.sm102_drop_column import ColumnSteps

        return ColumnSteps(self.reading.of(self.parsed))

    @cached_property
    def row_changes(self) -> RowChanges:
        """Where the file fills columns, deletes rows and adds columns, for telling a backfill (SM204, SM207)."""
        from safemig_lint.checks.backfills import RowChanges

        return RowChanges(self.parsed, self.reading.of(self.parsed))

    @cached_property
    def locks(self) -> FileLocks:
        """What the file's statements lock, on which tables that existed before it (analysis/locks.py)."""
        from safemig_lint.analysis.locks import FileLocks

        return FileLocks(self)

    def span(self, start: int, end: int) -> Span:
        return self.parsed.lines.span(start, end)

    def tokens_span(self, first: Token, last: Token) -> Span:
        """From the first token to the last, both included (token ends are inclusive offsets)."""
        return self.span(first.start, last.end + 1)

    def node_span(self, at: Locator | exp.Expr | None, statement: Statement) -> Span:
        """The exact span of the identifiers of what `at` locates (an op's Locator, or a node of the
        statement's tree), or of the statement when unknown."""
        extent = at.extent if isinstance(at, Locator) else identifiers_extent(at) if at is not None else None
        if extent is None:
            return self.span(statement.start, statement.end)
        return self.span(*extent)

    def finding(
        self, statement: Statement, message: str, help: str = "", at: Locator | exp.Expr | None = None, fix: tuple[Edit, ...] = ()
    ) -> Finding:
        """A finding about a statement, pointing at what `at` locates within it when given, with its fix if any."""
        return Finding(self.node_span(at, statement), message, help, statement.normalized_text, fix)


# What FileContext.release drops, looked up once rather than once a file.
_CACHED_PROPERTIES = frozenset(name for name, value in vars(FileContext).items() if isinstance(value, cached_property))


def _created(operations: dict[int, list[Op]]) -> list[tuple[int, tuple[str, str]]]:
    """(statement start, loose key) of each object the file creates, under each name it is given:
    a table built as `t_new` and renamed to `t` is created as `t` too, unless it took the place
    of a `t` this file dropped (a rebuild of `t`: its rows predate the migration); columns alike."""
    found: list[tuple[int, tuple[str, str]]] = []
    keys: set[tuple[str, str]] = set()
    dropped: set[tuple[str, str]] = set()
    for start, ops in operations.items():
        for op in ops:
            if not isinstance(op, _CREATING_OR_DROPPING):  # most ops (Uses ...): they create and drop nothing
                continue
            created = [_loose(*c) for c in created_objects(op)]
            if isinstance(op, DropTable):
                dropped.add(_loose("table", op.table))
            elif isinstance(op, DropColumn):
                dropped.add(_loose("column", f"{op.table}.{op.column}"))
            elif isinstance(op, RenameTable) and ("table", bare_name(op.table)) in keys:
                created += [new] if (new := _loose("table", op.new)) not in dropped else []
            elif isinstance(op, RenameColumn) and _loose("column", f"{op.table}.{op.column}") in keys:
                created += [new] if (new := _loose("column", f"{op.table}.{op.new}")) not in dropped else []
            found.extend((start, key) for key in created)
            keys.update(created)
    return found


# The ops _created reads: those created_objects finds an object in, and the drops and renames it follows.
_CREATING_OR_DROPPING = (*CREATING_OPS, DropTable, DropColumn, RenameTable, RenameColumn)


def _loose(kind: str, name: str) -> tuple[str, str]:
    """An object's key without its schema: migrations often spell the same table both ways."""
    if kind == "column":
        table, _, column = name.rpartition(".")
        return kind, f"{bare_name(table)}.{column}"
    return kind, bare_name(name)


def _with_table(target: tuple[str, str]) -> set[tuple[str, str]]:
    """The object, and for a column its table too: a column is born and dies with its table."""
    kind, name = target
    if kind == "column":
        return {target, ("table", name.rpartition(".")[0])}
    return {target}


def shown_name(key: str, at: Locator | exp.Expr | None = None) -> str:
    """An object's name for a message: as the statement spells it where `at` (an op's Locator, or a node
    of the statement's tree) locates it, else the key without its schema."""
    written = at.name if isinstance(at, Locator) else written_name(at) if at is not None else None
    return written if written is not None else bare_name(key)


@value(unsafe_hash=True)
class FileFinding:
    """A directory-level finding, placed in one file."""

    path: Path
    display_path: str
    finding: Finding


@dataclass
class DirectoryContext:
    """What a directory rule is shown: the folder, and facts of its files (not the files: a folder
    linted in shares has no process that parsed them all; analysis/file_facts.py)."""

    directory: MigrationDirectory
    facts: FolderFacts
    dialect: str
    integrity: IntegrityReview | None = None  # the directory against its lock file and --base
    linted: frozenset[Path] | None = None  # the migration files reported on (None: every one)

    def reports_on(self, path: Path) -> bool:
        """Would a finding in this migration file be reported? (If not, reading it is wasted.)"""
        return self.linted is None or path in self.linted


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
    # The statements check_statement can report on (see the module's text); all None: every one.
    # It must find nothing in a statement that has no op of these classes (or subclasses), no token
    # of these types and no effect of these classes: the engine does not call it there. (Effects
    # exist only where the history was replayed: a rule reading them finds nothing without one.)
    reads_ops: ClassVar[tuple[type[Op], ...] | None] = None
    reads_tokens: ClassVar[frozenset[TokenType] | None] = None
    reads_effects: ClassVar[tuple[type[Effect], ...] | None] = None
    # The dialects (Config.dialect) whose files its check_statement and check_file can report on;
    # None: every one. The engine does not call them on a folder of another dialect.
    dialects: ClassVar[frozenset[str] | None] = None
    # Lower-case words, one of which every statement it reports on holds in its code, bodies
    # included (bodies.may_hold_words): the engine calls neither hook on a file whose text cannot
    # hold one (bodies.file_may_hold_words; most files). Plain alternatives only: no anchor or
    # look-around, so that a match within a statement is a match within the file.
    reads_words: ClassVar[re.Pattern[str] | None] = None

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

"""The round trip: for each version, up, snapshot, down, compare, up again, compare; as diagnostics.

A version whose file the database rejects stops the run there: the database is then in a state
no later version was written for, so going on would only report the consequences.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from safemig_lint.checks.base import FILE_SPAN, FileContext
from safemig_lint.config import Config
from safemig_lint.diagnostics import Diagnostic, Span, Suppression
from safemig_lint.reading.discovery import MigrationDirectory, MigrationFile
from safemig_lint.reading.source import LineIndex
from safemig_lint.reading.statements import ParsedFile
from safemig_lint.reading.suppressions import find_suppressions
from safemig_lint.verify import catalog, extensions
from safemig_lint.verify.targets import ApplyError

UP_FAILS, DOWN_FAILS, NOT_RESTORED, UP_FAILS_AGAIN, REAPPLY_DIFFERS, EXTENSION, MODEL, UNVERIFIABLE, DATA_LOST = (
    "SM701",
    "SM702",
    "SM703",
    "SM704",
    "SM705",
    "SM706",
    "SM707",
    "SM708",
    "SM709",
)
# The SQLSTATE of "function does not exist": with a stand-in in place, it is put down to the extension.
UNDEFINED_FUNCTION = "42883"


@dataclass
class VerifyOptions:
    from_version: int | None = None
    to_version: int | None = None
    compare_model: bool = False
    run_timeout: float = 3600.0
    keep_going: bool = False  # after a failing down or second up, rebuild the database at the version and go on
    with_data: bool = False  # generated rows through down and up again, in a transaction rolled back (data.py)
    progress: Callable[[str], None] | None = None


@dataclass
class VerifyOutcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, LineIndex] = field(default_factory=dict)
    versions_total: int = 0
    versions_round_tripped: int = 0
    stopped: str | None = None  # where the run stopped, and why
    stopped_versions: list[str] = field(default_factory=list)  # failures --keep-going went past


class _Stop(Exception):
    """A version failed: the run stops here; the message says where and why. `recoverable`: the
    version's first up went through, so --keep-going can rebuild the database at it and go on."""

    def __init__(self, message: str, recoverable: bool = False, still_after_up: bool = False) -> None:
        super().__init__(message)
        self.recoverable = recoverable
        self.still_after_up = still_after_up  # a down that failed as a whole: the database is as the up left it


class RoundTrip:
    def __init__(self, directory: MigrationDirectory, config: Config, new_target: Callable[[], object], options: VerifyOptions) -> None:
        from safemig_lint.engine import read_and_parse

        self.directory = directory
        self.config = config
        self._new_target = new_target
        self.target = new_target()
        self.options = options
        self.outcome = VerifyOutcome()
        self.parsed: dict[Path, ParsedFile] = {f.path: read_and_parse(f.path, config) for f in directory.files()}
        self._contexts: dict[Path, FileContext] = {}
        self._secrets: dict[Path, list[str]] = {}
        self.extensions = (
            extensions.ExtensionState(self.target.available_extensions(), set(), set()) if self.target.dialect == "postgres" else None
        )
        self._history = None
        self._model_reported: set[str] = set()  # SM707 texts already said, at the version they appeared
        # --keep-going: a second database that only ever gets first ups, to copy from instead of replaying the history.
        self._shadow = new_target() if options.keep_going and hasattr(self.target, "clone") else None

    # --- the run

    def run(self) -> VerifyOutcome:
        try:
            return self._run()
        finally:
            self.target.close()
            if self._shadow is not None:
                self._shadow.close()

    def _run(self) -> VerifyOutcome:
        deadline = time.monotonic() + self.options.run_timeout
        migrations = [
            m
            for m in self.directory.migrations
            if (self.options.from_version is None or m.version >= self.options.from_version)
            and (self.options.to_version is None or m.version <= self.options.to_version)
        ]
        self.outcome.versions_total = len(migrations)
        before_range = [
            m for m in self.directory.migrations if self.options.from_version is not None and m.version < self.options.from_version
        ]
        try:
            for migration in before_range:  # --from: bring the database to the version before, without checks
                if migration.up is not None:
                    self._apply(migration.up, UP_FAILS)
                    if self._shadow is not None:
                        self._keep_shadow(migration.up)
            for number, migration in enumerate(migrations, 1):
                if time.monotonic() > deadline:
                    raise _Stop(f"the run took longer than {self.options.run_timeout:g} s (--timeout)")
                if len(migration.ups) > 1 or len(migration.downs) > 1:
                    raise _Stop(f"version {migration.version} has several up or down files (SM003), which golang-migrate refuses to run")
                if self.options.progress:
                    self.options.progress(f"[{number}/{len(migrations)}] version {migration.version}")
                try:
                    clean = self._round_trip(migration)
                except _Stop as stop:
                    if not (self.options.keep_going and stop.recoverable):
                        raise
                    self.outcome.stopped_versions.append(str(stop))
                    if not stop.still_after_up:
                        self._rebuild(migration.version)
                    continue
                self.outcome.versions_round_tripped += clean
        except _Stop as stop:
            self.outcome.stopped = str(stop)
        self.outcome.diagnostics.sort(key=lambda d: d.sort_key)
        return self.outcome

    def _rebuild(self, version: int) -> None:
        """The database as every up file up to `version` leaves it: a copy of the shadow database, or else
        a fresh one with those up files applied, unchecked (they all went through once)."""
        self.target.close()
        if self._shadow is not None:
            self.target = self._shadow.clone()
            for name in sorted(self.extensions.standins if self.extensions else ()):
                self.extensions.install_standin(self.target, name)  # the copy has them; the new session's path does not
            return
        self.target = self._new_target()
        for migration in self.directory.migrations:
            if migration.version > version:
                break
            if migration.up is not None:
                self._apply(migration.up, UP_FAILS, quiet=True)

    def _keep_shadow(self, up: MigrationFile) -> None:
        try:
            self._apply(up, UP_FAILS, quiet=True, target=self._shadow)
        except _Stop:  # it went through on the main database; without a shadow, rebuilds replay the history
            self._shadow.close()
            self._shadow = None

    def _round_trip(self, migration) -> bool:
        """Whether the version round-tripped cleanly (no difference found)."""
        up, down = migration.up, migration.down
        if up is None:
            return True  # a down file alone: nothing to run on the way up (SM006)
        before = self.target.snapshot()
        self._apply(up, UP_FAILS)
        if self._shadow is not None:
            self._keep_shadow(up)
        after = self.target.snapshot()
        if self.options.compare_model:
            self._compare_model(migration.version, up, after)
        if down is None:
            return False  # no way back to test (SM004)
        if self.options.with_data:
            self._check_data(up, down, before, after)
        self._apply(down, DOWN_FAILS)
        restored = self.target.snapshot()
        not_restored = [
            d
            for d in catalog.compare(before, restored)
            # a down that keeps an extension is the norm (shared, dangerous to drop), as SM201 holds
            if not (d.kind == "extension" and d.change == "extra")
        ]
        for difference in not_restored:
            self._add(
                NOT_RESTORED,
                down,
                FILE_SPAN,
                f"after up and down, {difference.describe('before the up', 'after the down')}",
                "Make the down file undo exactly what the up file did, so that a rollback gives the previous "
                "release the schema it was written for.",
            )
        self._apply(up, UP_FAILS_AGAIN)
        again = self.target.snapshot()
        reapplied = catalog.compare(after, again)
        said = {(d.kind, d.name) for d in not_restored}
        for difference in reapplied:
            if (difference.kind, difference.name) in said:
                continue  # the same object the down file did not restore: one finding is enough
            self._add(
                REAPPLY_DIFFERS,
                up,
                FILE_SPAN,
                f"after up, down and up again, {difference.describe('after the first up', 'after the second')}",
                "The down file leaves something behind that the up file then skips or builds differently; make the "
                "down file undo all of the up file.",
            )
        if reapplied:
            # Later versions were written for the schema of the first up, not this one.
            raise _Stop(f"{up.display_path}: up, down and up again left a different schema than the first up", recoverable=True)
        return not not_restored

    def _check_data(self, up: MigrationFile, down: MigrationFile, before: catalog.Snapshot, after: catalog.Snapshot) -> None:
        """Seed, down, up, read back, all rolled back; the failures of down and up are the round trip's to report."""
        from safemig_lint.verify.data import DataCheck

        target = self.target
        parsed_up, parsed_down = self.parsed[up.path], self.parsed[down.path]
        if not hasattr(target, "begin") or any(
            p.unreadable or _has_transaction_control(p) or not target.all_or_nothing(p.text) for p in (parsed_up, parsed_down)
        ):
            return
        check = DataCheck(target, before, after)
        target.begin()
        try:
            check.seed()
            seeded = check.contents()
            for file, parsed in ((down, parsed_down), (up, parsed_up)):
                if target.apply(self._with_extensions_handled(file, parsed, target, quiet=True), within_transaction=True):
                    return
            for loss in check.losses(seeded, check.contents()):
                self._add(
                    DATA_LOST,
                    down,
                    FILE_SPAN,
                    f"after down and up again with generated rows, {loss.detail}",
                    "The down file loses data of columns that existed before the up file (a rebuild that does not "
                    "copy them, a DELETE, a narrowing): make it keep them, or say in the file why it cannot.",
                )
        finally:
            target.rollback()

    def _apply(self, file: MigrationFile, code: str, quiet: bool = False, target=None) -> None:
        """Run `file`; `quiet`: no findings, a failure just stops (rebuilding, or keeping the shadow)."""
        target = target or self.target
        parsed = self.parsed[file.path]
        if parsed.unreadable is not None:
            raise _Stop(f"{file.display_path}: cannot read the file ({parsed.unreadable.reason}); SM008")
        text = self._with_extensions_handled(file, parsed, target, quiet)
        error = target.apply(text)
        if error is None:
            return
        if quiet:
            raise _Stop(f"{file.display_path}: failed while rebuilding the database: {self._hide(file, error.message)}")
        span, where = self._locate(file, parsed, text, error)
        message = self._hide(file, error.message)
        lacking = self._what_the_database_lacks(error)
        if lacking:
            self._add(
                UNVERIFIABLE,
                file,
                span,
                f"{file.direction} file failed{where}: {message}; {lacking}, so verify stopped here and the rest "
                "of the history is unverified",
                "Verify on a database that has it: --pg-bin DIR (a PostgreSQL installation with the extension) or "
                "--database-url; or, if the name is a typo, fix the statement.",
            )
            raise _Stop(f"{file.display_path}{where}: {message} ({lacking})")
        problem = {
            UP_FAILS: ("the database rejects the up file", "Fix the statement: golang-migrate stops here and marks the version dirty."),
            DOWN_FAILS: ("the database rejects the down file", "Fix the statement: this rollback fails on the day it is needed."),
            UP_FAILS_AGAIN: (
                "the up file fails when run again after its down file",
                "The down file does not undo what this statement needs undone (or the statement cannot run twice); "
                "make the down file reverse the up file completely.",
            ),
        }[code]
        self._add(code, file, span, f"{problem[0]}{where}: {message}", problem[1])
        rolled_back = code == DOWN_FAILS and self.target.all_or_nothing(parsed.text) and not _has_transaction_control(parsed)
        raise _Stop(f"{file.display_path}{where}: {message}", recoverable=code != UP_FAILS, still_after_up=rolled_back)

    # --- extensions (PostgreSQL)

    def _with_extensions_handled(self, file: MigrationFile, parsed: ParsedFile, target, quiet: bool) -> str:
        text = parsed.text
        state = self.extensions
        if state is None:
            return text
        for statement in parsed.statements:
            name = extensions.created_extension(statement.text)
            names = [name] if name else extensions.dropped_extensions(statement.text)
            missing = [n for n in names if n not in state.available]
            if not missing:
                continue
            end = statement.end + (1 if text[statement.end : statement.end + 1] == ";" else 0)
            text = extensions.blank(text, statement.start, end)
            if not name or quiet:
                if name in extensions.STANDINS:
                    state.install_standin(target, name)
                continue  # DROP EXTENSION of one verify never created: skipped silently, it was reported at its CREATE
            span = parsed.lines.span(statement.start, statement.end)
            if name in extensions.STANDINS:
                new = name not in state.standins
                state.install_standin(target, name)
                if new:
                    self._add(
                        EXTENSION,
                        file,
                        span,
                        f"extension {name} is not installed on the verify server; verify skipped this statement and "
                        f"provides a stand-in: {extensions.STANDINS[name][0]}",
                        "To verify with the real extension, use --pg-bin DIR or --database-url.",
                    )
            elif name not in state.skipped:
                state.skipped.add(name)
                self._add(
                    EXTENSION,
                    file,
                    span,
                    f"extension {name} is not available on the verify server; verify skipped this statement, and a "
                    "later statement that fails is put down to the missing extension (and stops the run)",
                    "To verify with the extension, use --pg-bin DIR (a PostgreSQL installation that has it) or --database-url.",
                )
        return text

    def _what_the_database_lacks(self, error: ApplyError) -> str | None:
        """Why a failure may lie with the verify database rather than the migration, or None."""
        if self.target.dialect == "sqlite" and error.message.startswith("no such function:"):
            return (
                "that function is not built into SQLite: an application-defined function (registered by the "
                "program's driver), one compiled out of this SQLite build, or a misspelt name"
            )
        state = self.extensions
        if state is None:
            return None
        if state.skipped:
            return f"it may need extension {', '.join(sorted(state.skipped))}, which the verify server does not have"
        if state.standins and error.sqlstate == UNDEFINED_FUNCTION:
            return (
                f"the function may belong to extension {', '.join(sorted(state.standins))}, which the verify server "
                "does not have, and verify's stand-in does not provide it"
            )
        return None

    # --- locations and messages

    def _locate(self, file: MigrationFile, parsed: ParsedFile, text: str, error: ApplyError) -> tuple[Span, str]:
        statements = parsed.statements
        offset = error.offset
        if offset is None and error.statement_index is not None and error.statement_index < len(statements):
            offset = statements[error.statement_index].start
        if offset is None and len(statements) == 1:
            offset = statements[0].start
        if offset is None and not _has_transaction_control(parsed):
            offset = self.target.locate([(s.start, text[s.start : s.end]) for s in statements if text[s.start : s.end].strip()])
        if offset is None:
            return FILE_SPAN, ""
        statement = next((s for s in statements if s.start <= offset <= s.end), None)
        line, column = parsed.lines.position(offset)
        if statement is None:
            return Span(line, column, line, column + 1), f" at line {line}"
        # From where the database points (its error position, or the statement's start) to the statement's end.
        return parsed.lines.span(offset, statement.end), f" at line {line}"

    def _context(self, file: MigrationFile) -> FileContext:
        if file.path not in self._contexts:
            migration = next(m for m in self.directory.migrations if file in (*m.ups, *m.downs))
            counterpart = migration.counterpart(file)
            self._contexts[file.path] = FileContext(
                file,
                self.parsed[file.path],
                migration,
                self.parsed.get(counterpart.path) if counterpart else None,
                self.config.dialect,
            )
        return self._contexts[file.path]

    def _source(self, file: MigrationFile) -> LineIndex:
        """The file as reports may show it: every secret masked, as `check` shows it."""
        parsed = self.parsed[file.path]
        # read_and_parse masked every secret already (analysis/masking.py): the database is sent
        # the masked text too, so its error messages cannot echo one either.
        masked = parsed.text
        if file.path not in self._secrets:
            self._secrets[file.path] = sorted(
                {parsed.text[a:b].strip() for a, b in _changed_runs(parsed.text, masked)} - {""}, key=len, reverse=True
            )
        return parsed.lines if masked == parsed.text else LineIndex(masked)

    def _hide(self, file: MigrationFile, message: str) -> str:
        self._source(file)
        for secret in self._secrets[file.path]:
            message = message.replace(secret, "***")
        return message

    def _add(self, code: str, file: MigrationFile, span: Span, message: str, help: str) -> None:
        from safemig_lint.checks import rules_by_code

        if not self.config.is_enabled(code):
            return
        rule = rules_by_code()[code]
        suppression = None
        for inline in find_suppressions(self.parsed[file.path]):
            if inline.covers(code, span.line):
                suppression = Suppression(inline.line, inline.reason)
                break
        self.outcome.sources[file.display_path] = self._source(file)
        self.outcome.diagnostics.append(
            Diagnostic(
                code,
                rule.name,
                self.config.severity_for(code, rule.severity),
                file.display_path,
                span,
                self._hide(file, message),
                help,
                suppression=suppression,
            )
        )

    # --- the static model

    def _compare_model(self, version: int, up: MigrationFile, found: catalog.Snapshot) -> None:
        from safemig_lint.analysis.schema.history import History
        from safemig_lint.verify.model import model_differences

        if self._history is None:
            self._history = History(self.directory, self.parsed, self.config.dialect, mysql_version=self.config.mysql_version)
        for text in model_differences(self._history.after(version), found, self.config.dialect):
            if text in self._model_reported:
                continue  # said at the version where it first appeared
            self._model_reported.add(text)
            self._add(
                MODEL,
                up,
                FILE_SPAN,
                f"after this up file, {text}",
                "The static model (`safemig-lint schema`) and the database disagree here: a gap in safemig-lint's "
                "model, worth reporting with the migration.",
            )


def _has_transaction_control(parsed: ParsedFile) -> bool:
    return any(s.keywords[:1] in (["BEGIN"], ["COMMIT"], ["START"], ["END"], ["ROLLBACK"]) for s in parsed.statements)


def _changed_runs(original: str, masked: str) -> list[tuple[int, int]]:
    runs, start = [], None
    for index, (a, b) in enumerate(zip(original, masked)):
        if a != b and start is None:
            start = index
        elif a == b and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, len(original)))
    return runs

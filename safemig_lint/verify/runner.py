"""The round trip: for each version, up, snapshot, down, compare, up again, compare; as diagnostics.

Every version gets a verdict or a reason why it has none. A version whose down file fails (or
whose up file fails after it) is reported, the database is rebuilt at that version from the up
files alone, and the run goes on: one run reports every broken rollback. A version whose first up
file fails stops the run, because later versions were written for the schema it builds; so does
`--fail-fast` at the first failure. A version the run could not complete for a reason that is not
the migration's (a timeout, a file it cannot read, something the verify database lacks: SM708)
is not verified, and neither is any version after a stop: each is said, with its reason (SM710).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from safemig_lint.checks.base import FILE_SPAN
from safemig_lint.config import Config
from safemig_lint.diagnostics import Diagnostic, Span, Suppression
from safemig_lint.reading.discovery import Migration, MigrationDirectory, MigrationFile
from safemig_lint.reading.source import LineIndex
from safemig_lint.reading.statements import ParsedFile
from safemig_lint.reading.suppressions import find_suppressions
from safemig_lint.values import value
from safemig_lint.verify import catalog, extensions, server_version
from safemig_lint.verify.migrations_table import MigrationsTable
from safemig_lint.verify.targets import ApplyError

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.verify.targets import PostgresTarget, SqliteTarget

UP_FAILS, DOWN_FAILS, NOT_RESTORED, UP_FAILS_AGAIN, REAPPLY_DIFFERS, EXTENSION, MODEL, UNVERIFIABLE, DATA_LOST, NOT_VERIFIED = (
    "SM701",
    "SM702",
    "SM703",
    "SM704",
    "SM705",
    "SM706",
    "SM707",
    "SM708",
    "SM709",
    "SM710",
)
FUNCTION_STANDIN = "SM711"
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass
class VerifyOptions:
    from_version: int | None = None
    to_version: int | None = None
    compare_model: bool = False
    run_timeout: float = 3600.0
    fail_fast: bool = False  # stop at the first failing version instead of rebuilding the database there and going on
    with_data: bool = False  # generated rows through down and up again, in a transaction rolled back (data.py)
    progress: Callable[[str], None] | None = None


@value(unsafe_hash=True)
class Unverified:
    version: int
    reason: str


@dataclass
class VerifyOutcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, LineIndex] = field(default_factory=dict)
    versions_total: int = 0  # the versions asked for (all, or those in --from/--to)
    versions_verified: int = 0  # round trips that ran to a verdict: clean, or with findings against the migration
    versions_round_tripped: int = 0  # of those, the ones with no difference found
    unverified: list[Unverified] = field(default_factory=list)  # versions without a verdict, and why
    stopped: str | None = None  # where the run stopped, and why
    gone_past: list[str] = field(default_factory=list)  # failing versions the run rebuilt the database after and went on


class _Failure(Exception):
    """A version did not complete its round trip. `message` says where and why (for standard error).

    `verdict`: the failure is the migration's, reported as SM701-SM705 (the version is verified, and
    broken); otherwise the version is unverified, and `reason` says why (`reported`: SM708 said it
    already). `go_on`: the version's first up went through, so the database can be rebuilt at it and
    later versions still run. `still_after_up`: nothing of the failing file stayed applied."""

    def __init__(
        self,
        message: str,
        *,
        verdict: bool,
        go_on: bool,
        reason: str = "",
        reported: bool = False,
        still_after_up: bool = False,
        location: tuple[MigrationFile, Span] | None = None,
    ) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.go_on = go_on
        self.reason = reason
        self.reported = reported
        self.still_after_up = still_after_up
        self.location = location


def _first_file(migration: Migration) -> MigrationFile:
    return migration.up or migration.down or (migration.ups + migration.downs)[0]


def _versions(migrations: list[Migration]) -> str:
    if len(migrations) == 1:
        return f"version {migrations[0].version} was"
    return f"versions {migrations[0].version} to {migrations[-1].version} ({len(migrations)} versions) were"


class _Report:
    """The findings of one folder, shown as `check` shows them (secrets masked, suppressions honoured)."""

    def __init__(self, directory: MigrationDirectory, config: Config) -> None:
        from safemig_lint.engine import read_and_parse

        self.directory = directory
        self.config = config
        self.outcome = VerifyOutcome()
        self.parsed: dict[Path, ParsedFile] = {f.path: read_and_parse(f.path, config) for f in directory.files()}
        self._originals: dict[Path, str] = {}  # files with credentials, as written (they are run so)
        self._secrets: dict[Path, list[str]] = {}  # their values, hidden in the database's messages

    def _stop(self, remaining: list[Migration], why: str, help: str = "") -> None:
        """The run ends here: every version left is not verified, said once for all of them (SM710)."""
        self.outcome.stopped = why
        if not remaining:
            return
        self.outcome.unverified.extend(Unverified(m.version, why) for m in remaining)
        self._add(
            NOT_VERIFIED,
            _first_file(remaining[0]),
            FILE_SPAN,
            f"{_versions(remaining)} not verified: {why}",
            help or "Fix what stopped the run and verify again; a range that leaves these versions out (--from/--to) says so on purpose.",
        )

    def _executed(self, file: MigrationFile) -> str:
        """The file's text as golang-migrate sends it: as written. `self.parsed` holds it with every credential
        masked, for what reports show (a masked '{}' default would not even be valid JSON); masking keeps every
        offset, so statements are where the masked text has them. The credentials' values are hidden in messages."""
        parsed = self.parsed[file.path]
        if not parsed.secrets:
            return parsed.text
        if file.path not in self._originals:
            from safemig_lint.reading.source import decode, read_limited

            try:
                original = decode(read_limited(file.path, self.config.max_file_bytes), self.config.max_file_bytes)
            except OSError:
                original = None
            as_read = original if isinstance(original, str) and len(original) == len(parsed.text) else None
            self._originals[file.path] = as_read if as_read is not None else parsed.text
            values = {as_read[s.start : s.end] for s in parsed.secrets} if as_read is not None else set()
            self._secrets[file.path] = sorted(values - {""}, key=len, reverse=True)
        return self._originals[file.path]

    def _source(self, file: MigrationFile) -> LineIndex:
        """The file as reports may show it: every secret masked, as `check` shows it."""
        return self.parsed[file.path].lines

    def _hide(self, file: MigrationFile, message: str) -> str:
        for secret in self._secrets.get(file.path, ()):
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


def in_range(migration: Migration, options: VerifyOptions) -> bool:
    low, high = options.from_version, options.to_version
    return (low is None or migration.version >= low) and (high is None or migration.version <= high)


def unverified_directory(directory: MigrationDirectory, config: Config, reason: str, options: VerifyOptions) -> VerifyOutcome:
    """A folder verify has no database for: every version asked for is not verified, for `reason`."""
    report = _Report(directory, config)
    migrations = [m for m in directory.migrations if in_range(m, options)]
    report.outcome.versions_total = len(migrations)
    report._stop(migrations, reason, "Give verify a database for these migrations, or leave the folder out of the paths verified.")
    return report.outcome


class RoundTrip(_Report):
    def __init__(self, directory: MigrationDirectory, config: Config, new_target: Callable[[], object], options: VerifyOptions) -> None:
        super().__init__(directory, config)
        self.options = options
        self._history: History | None = None  # the static model, replayed on first use (--compare-model)
        self._functions_reported: set[str] = set()  # SQLite stand-ins said (SM711), at the statement that first needed each
        self._model_reported: set[str] = set()  # SM707 texts already said, at the version they appeared
        self._deadline = time.monotonic() + options.run_timeout
        self._new_target = lambda: self._prepared(new_target())
        self._shadow: PostgresTarget | SqliteTarget | None = None  # only a database that can be copied is kept
        self.target = self._new_target()
        try:
            self.migrations_table: MigrationsTable = self.target.migrations_table
            self.extensions = (
                extensions.ExtensionState(self.target.available_extensions(), set(), set()) if self.target.dialect == "postgres" else None
            )
        except BaseException:
            self.target.close()
            raise

    def _prepared(self, target):
        """A new database as golang-migrate finds it when it opens one: with its own table, empty."""
        target.deadline = self._deadline
        target.bookkeeping(target.migrations_table.create())
        return target

    # --- the run

    def run(self) -> VerifyOutcome:
        try:
            return self._run()
        finally:
            for target in (self.target, self._shadow):
                if target is not None:
                    target.close()

    def _run(self) -> VerifyOutcome:
        migrations = [m for m in self.directory.migrations if in_range(m, self.options)]
        self.outcome.versions_total = len(migrations)
        low = self.options.from_version
        try:
            for migration in (m for m in self.directory.migrations if low is not None and m.version < low):
                if migration.up is not None:  # --from: bring the database to the version before, without checks
                    self._apply(migration.up, UP_FAILS, quiet=True, version=migration.version)
                    self._keep_shadow(migration.up, migration.version)
        except _Failure as failure:
            self._stop(migrations, f"the run stopped before --from: {failure}")
            return self._finish()
        for index, migration in enumerate(migrations):
            if time.monotonic() > self._deadline:
                self._stop(migrations[index:], f"the run reached its --timeout ({self.options.run_timeout:g} s) first")
                break
            if len(migration.ups) > 1 or len(migration.downs) > 1:
                self._stop(
                    migrations[index:],
                    f"version {migration.version} has several up or down files (SM003), and golang-migrate refuses to run the folder",
                )
                break
            if self.options.progress:
                self.options.progress(f"[{index + 1}/{len(migrations)}] version {migration.version}")
            try:
                clean = self._round_trip(migration)
            except _Failure as failure:
                if failure.verdict:
                    self.outcome.versions_verified += 1
                else:
                    self._not_verified(migration, failure)
                if not failure.go_on or self.options.fail_fast:
                    why = "--fail-fast stopped the run there" if failure.go_on else "later versions were written for the schema it builds"
                    self._stop(migrations[index + 1 :], f"the run stopped at version {migration.version} ({failure}); {why}")
                    break
                self.outcome.gone_past.append(str(failure))
                if not failure.still_after_up:
                    try:
                        self._rebuild(migration.version)
                    except _Failure as rebuild:
                        self._stop(migrations[index + 1 :], f"the database could not be rebuilt at version {migration.version}: {rebuild}")
                        break
                continue
            self.outcome.versions_verified += 1
            self.outcome.versions_round_tripped += clean
        return self._finish()

    def _finish(self) -> VerifyOutcome:
        self.outcome.diagnostics.sort(key=lambda d: d.sort_key)
        return self.outcome

    def _not_verified(self, migration: Migration, failure: _Failure) -> None:
        self.outcome.unverified.append(Unverified(migration.version, failure.reason))
        if failure.reported:
            return  # SM708 said why, at the statement
        file, span = failure.location or (_first_file(migration), FILE_SPAN)
        self._add(
            NOT_VERIFIED,
            file,
            span,
            f"version {migration.version} was not verified: {failure.reason}",
            "Verify it again with what it needs (a longer --statement-timeout or --timeout, a readable file).",
        )

    def _rebuild(self, version: int) -> None:
        """The database as every up file up to `version` leaves it, unchecked (they all went through once): a copy
        of the shadow, a second database that only ever gets first ups. The shadow is made at the first failure, by
        replaying the up files, and kept from then on, so that a history without failures costs nothing more; MySQL,
        which cannot copy a database, replays each time."""
        self.target.close()
        self.target = None
        if self._shadow is None:
            replayed = self._new_target()
            try:
                for migration in self.directory.migrations:
                    if migration.version > version:
                        break
                    if migration.up is not None:
                        self._apply(migration.up, UP_FAILS, quiet=True, target=replayed, version=migration.version)
            except BaseException:
                replayed.close()
                raise
            if not hasattr(replayed, "clone"):
                self.target = replayed
                return
            self._shadow = replayed
        self.target = self._shadow.clone()
        self.target.deadline = self._deadline
        if self.extensions is not None:
            for name in sorted(self.extensions.standins):
                self.extensions.install_standin(self.target, name)  # the copy has them; the new session's path does not

    def _keep_shadow(self, up: MigrationFile, version: int) -> None:
        if self._shadow is None:
            return
        try:
            self._apply(up, UP_FAILS, quiet=True, target=self._shadow, version=version)
        except _Failure:  # it went through on the main database; without a shadow, rebuilds replay the history
            self._shadow.close()
            self._shadow = None

    def _previous_version(self, migration: Migration) -> int | None:
        """The version golang-migrate records after this version's down: the one before it, or none."""
        earlier = [m.version for m in self.directory.migrations if m.version < migration.version]
        return earlier[-1] if earlier else None

    def _snapshot(self) -> catalog.Snapshot:
        return self.migrations_table.left_out(self.target.snapshot())

    def _round_trip(self, migration: Migration) -> bool:
        """Whether the version round-tripped cleanly (no difference found)."""
        up, down = migration.up, migration.down
        if up is None:
            return True  # a down file alone: nothing to run on the way up (SM006)
        before = self._snapshot()
        self._apply(up, UP_FAILS, version=migration.version)
        self._keep_shadow(up, migration.version)
        after = self._snapshot()
        if self.options.compare_model:
            self._compare_model(migration.version, up, after)
        if down is None:
            return False  # no way back to test (SM004)
        if self.options.with_data:
            self._check_data(up, down, before, after)
        self._apply(down, DOWN_FAILS, version=self._previous_version(migration))
        restored = self._snapshot()
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
        self._apply(up, UP_FAILS_AGAIN, version=migration.version)
        again = self._snapshot()
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
            raise _Failure(f"{up.display_path}: up, down and up again left a different schema than the first up", verdict=True, go_on=True)
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

    def _apply(self, file: MigrationFile, code: str, quiet: bool = False, target=None, version: int | None = None) -> None:
        """Run `file` as golang-migrate does, its table marked dirty at `version` before and clean after.
        `quiet`: no findings, a failure just stops (rebuilding, or keeping the shadow)."""
        target = target or self.target
        parsed = self.parsed[file.path]
        first_up = code == UP_FAILS
        if parsed.unreadable is not None:
            reason = f"its {file.direction} file cannot be read ({parsed.unreadable.reason}; SM008)"
            raise _Failure(f"{file.display_path}: {reason}", verdict=False, go_on=not first_up, reason=reason)
        text = self._with_extensions_handled(file, parsed, target, quiet)
        table = self.migrations_table
        target.bookkeeping(table.set_version(version, True))
        known = set(getattr(target, "standin_functions", ()))
        error = target.apply(text)
        if not quiet:
            self._report_function_standins(file, parsed, target, known)
        if error is None:
            target.bookkeeping(table.set_version(version, False))
            return
        message = self._hide(file, error.message)
        if quiet:
            raise _Failure(
                f"{file.display_path}: failed while rebuilding the database: {message}", verdict=False, go_on=False, reason=message
            )
        # A statement stopped by a time limit is not run again one by one to find it: it would only hit the limit again.
        located = not error.timed_out or error.offset is not None or error.statement_index is not None
        span, where = self._locate(file, parsed, text, error) if located else (FILE_SPAN, "")
        rolled_back = target.all_or_nothing(parsed.text) and not _has_transaction_control(parsed)
        after_up = code == DOWN_FAILS and rolled_back
        if error.timed_out:
            limit = (
                f"the run reached its --timeout ({self.options.run_timeout:g} s)"
                if error.timed_out == "run"
                else f"a statement of its {file.direction} file ran longer than --statement-timeout ({error.limit:g} s)"
            )
            raise _Failure(
                f"{file.display_path}{where}: {limit}",
                verdict=False,
                go_on=not first_up and error.timed_out != "run",
                reason=f"{limit}{where}",
                still_after_up=after_up,
                location=(file, span),
            )
        lacks = self._what_the_database_lacks(error)
        if lacks:
            lacking, help = lacks
            self._add(
                UNVERIFIABLE,
                file,
                span,
                f"{file.direction} file failed{where}: {message}; {lacking}, so this version is not verified"
                + (", nor the versions after it" if first_up else ""),
                help,
            )
            raise _Failure(
                f"{file.display_path}{where}: {message} ({lacking})",
                verdict=False,
                go_on=not first_up,
                reason=lacking,
                reported=True,
                still_after_up=after_up,
            )
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
        raise _Failure(f"{file.display_path}{where}: {message}", verdict=True, go_on=not first_up, still_after_up=after_up)

    # --- extensions (PostgreSQL)

    def _with_extensions_handled(self, file: MigrationFile, parsed: ParsedFile, target, quiet: bool) -> str:
        text = self._executed(file)
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
            if not name:
                continue  # DROP EXTENSION of one verify never created: skipped silently, it was reported at its CREATE
            new = name not in state.missing
            if name in extensions.STANDINS:
                state.install_standin(target, name)
            else:
                state.skipped.add(name)
            if quiet or not new:
                continue
            span = parsed.lines.span(statement.start, statement.end)
            if name in extensions.STANDINS:
                self._add(
                    EXTENSION,
                    file,
                    span,
                    f"extension {name} is not installed on the verify server; verify skipped this statement and "
                    f"provides a stand-in: {extensions.STANDINS[name][0]}",
                    "To verify with the real extension, use --pg-bin DIR or --database-url.",
                )
            else:
                self._add(
                    EXTENSION,
                    file,
                    span,
                    f"extension {name} is not available on the verify server; verify skipped this statement, and a later "
                    "statement that fails for want of a function, type or operator the extension provides is put down to it",
                    "To verify with the extension, use --pg-bin DIR (a PostgreSQL installation that has it) or --database-url.",
                )
        return text

    def _what_the_database_lacks(self, error: ApplyError) -> tuple[str, str] | None:
        """Why a failure lies with the verify database rather than the migration, and what to do; or None."""
        dialect = self.target.dialect
        name = self._standin_in_statement(error) if dialect == "sqlite" else None
        if name:
            return (
                f"it calls {name}(), which SQLite does not have and for which verify registered a stand-in that returns "
                "its first argument: the failure may come from the stand-in's value",
                "Verify it where the program's functions are registered, or say in the file what the function computes.",
            )
        if dialect == "sqlite" and error.message.startswith("no such function:"):
            return (
                "that function is not built into SQLite: an application-defined function (registered by the "
                "program's driver), one compiled out of this SQLite build, or a misspelt name",
                "Verify with a SQLite that has the function (--database-url sqlite:///FILE does not add functions either); "
                "if the name is a typo, fix the statement.",
            )
        if dialect == "sqlite" and error.message.startswith(("not authorized", "authorization denied")):
            return (
                "verify does not let a migration attach another database file or VACUUM INTO one, as that reads and "
                "writes files anywhere on the machine it runs on",
                "Verify this version where such files are expected, with --database-url sqlite:///FILE beside them.",
            )
        if dialect != "postgres":
            return None
        if error.sqlstate == INSUFFICIENT_PRIVILEGE and self.target.restricted:
            return (
                "it needs a privilege verify's role does not have: verify runs migrations as a role that owns the "
                "database but is not a superuser, so that they cannot reach the files, programs and network of the "
                "machine it runs on",
                "If the migration must run as a superuser, verify it with --superuser on a server where that is safe "
                "(a throwaway container), or with --database-url as a role that has the privilege.",
            )
        blamed = self.extensions.blame(error.sqlstate, error.message) if self.extensions else None
        if blamed:
            return (
                blamed,
                "Verify on a server that has the extension: --pg-bin DIR (a PostgreSQL installation with it) or "
                "--database-url; or, if the name is a typo, fix the statement.",
            )
        incompatible = server_version.incompatibility(error, self.config.postgres_version, self.target.server_version)
        if incompatible:
            return incompatible, (
                "Verify on the PostgreSQL the history was written for: --pg-bin DIR (its bin/ directory) or --database-url; "
                "set postgres-version in the configuration to the version production runs."
            )
        return None

    # --- application-defined functions (SQLite)

    def _report_function_standins(self, file: MigrationFile, parsed: ParsedFile, target, known: set[str]) -> None:
        for name, offset in getattr(target, "standin_functions", {}).items():
            if name in known or name in self._functions_reported or offset is None:
                continue
            self._functions_reported.add(name)
            statement = next((s for s in parsed.statements if s.start <= offset <= s.end), None)
            span = parsed.lines.span(offset, statement.end if statement else offset + 1)
            self._add(
                FUNCTION_STANDIN,
                file,
                span,
                f"{name}() is not a function SQLite has: an application-defined function (registered by the program's "
                "driver) or one compiled out of this SQLite build; verify registered a stand-in that returns its first "
                "argument, so the schema is verified but not the values the function computes",
                "If the name is a typo, fix it; otherwise nothing to do (a failure that may come from the stand-in is SM708).",
            )

    def _standin_in_statement(self, error: ApplyError) -> str | None:
        """The stand-in function the failing statement calls, if it calls one."""
        names = getattr(self.target, "standin_functions", None)
        if not names or error.offset is None:
            return None
        text = error.statement_text.lower()
        return next((name for name in sorted(names) if re.search(rf"\b{re.escape(name)}\s*\(", text)), None)

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

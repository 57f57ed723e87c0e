"""The schema of one migration directory through time, computed once and only when asked.

Up files are replayed in version order into one model; the schema before each version is kept
as the changes between versions, and made again when asked for (snapshots.py). A down file is
replayed on its own copy of the schema its up produced, and what it changed is kept. Effects are
kept per statement, so a rule looks up what a statement it is checking did.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from safemig_lint.analysis.schema import sqlite_run
from safemig_lint.analysis.schema.chronicle import Chronicle
from safemig_lint.analysis.schema.effects import Created, Dropped, Effect, Renamed
from safemig_lint.analysis.schema.replay import NOTHING_KNOWN, Replay
from safemig_lint.analysis.schema.resolve import Resolver
from safemig_lint.analysis.schema.snapshots import Snapshots
from safemig_lint.operations import ops as o
from safemig_lint.operations.file_ops import FileOps, file_ops
from safemig_lint.operations.model import Database, Journal, bare_name
from safemig_lint.operations.read import Reading, mentions
from safemig_lint.reading.discovery import Migration, MigrationDirectory, MigrationFile
from safemig_lint.reading.statements import ParsedFile, Statement
from safemig_lint.values import value


@value(unsafe_hash=True)
class UnknownNote:
    """An object the model became unsure of, and the statement that made it so."""

    display_path: str
    line: int
    object: str
    reason: str


@value(unsafe_hash=True)
class _AfterDown:
    """What a version's down file did to the schema its up files left: its changes (replayed on a copy of
    that schema when asked for), what it left of `schemas` and `open_world`, and the tables it touched."""

    changes: Journal
    schemas: set[str]
    open_world: str | None
    touched: set[str]


_KEPT_AFTER_DOWN = 4  # states after a down file made and kept for the next question


@dataclass
class _Timeline:
    versions: list[int]
    snapshots: Snapshots  # snapshots[i]: before versions[i]; the last one: after every up
    position: dict[int, int]  # version -> i
    effects: dict[Path, dict[int, list[Effect]]]
    notes: list[UnknownNote]
    touched: dict[int, set[str]]  # version -> keys of the tables its up files took, set or deleted
    chronicle: Chronicle  # what each up's ops do to names, in order (resolve.py's certainty)
    ends: dict[int, int]  # version -> the chronicle's ordinal after its up files (where its down branches off)


class History:
    def __init__(
        self,
        directory: MigrationDirectory,
        parsed: Mapping[Path, ParsedFile],
        dialect: str,
        known: Mapping[Path, FileOps] | None = None,
        mysql_version: tuple[int, ...] | None = None,
    ) -> None:
        """`parsed`: the directory's files; `known`: the ops of files that need not be parsed for
        the replay (from the content cache), used instead of their parsed file; `mysql_version`:
        the configured server's, where it changes what a statement does (read.py)."""
        self.directory = directory
        self.parsed = parsed
        self.known = known if known is not None else {}  # the mapping itself: a share of a folder learns the rest later (shares.py)
        self.built: dict[Path, FileOps] = {}  # the ops read from parsed files, by path
        self.dialect = dialect
        self.reading = Reading(dialect, mysql_version)  # the ops every rule reads too
        self._extra_effects: dict[Path, dict[int, list[Effect]]] = {}
        self._after_down: dict[int, _AfterDown] = {}
        self._after_down_made: OrderedDict[int, Database] = OrderedDict()
        self._extra_notes: list[UnknownNote] = []
        self._uncertain_files: set[str] = set()
        self._migrations = {m.version: m for m in directory.migrations}
        self._sqlite_verdicts: dict[Path, dict[int, str | None]] = {}

    @cached_property
    def _timeline(self) -> _Timeline:
        db = Database(self.dialect)
        chronicle = Chronicle()
        timeline = _Timeline([], Snapshots(db), {}, {}, [], {}, chronicle, {})
        # Every up's ops first: a statement is judged knowing what later versions create.
        starts = {}
        for migration in self.directory.migrations:
            if not migration.ups and migration.downs:
                # Its up is not SQL (a Go migration, say): what it did is what its down undoes.
                chronicle.unseen({word for down in migration.downs for s in self.file_ops(down).statements for word in mentions(s.text)})
            for up in migration.ups:
                starts[up.path] = _chronicle_file(chronicle, self.file_ops(up), doubtful=len(migration.ups) > 1)
            timeline.ends[migration.version] = chronicle.length
        replay = Replay(db, Resolver(chronicle, self.dialect))
        for migration in self.directory.migrations:
            timeline.position[migration.version] = len(timeline.versions)
            timeline.versions.append(migration.version)
            timeline.snapshots.take()
            db.tables.touched = timeline.touched[migration.version] = set()
            # Several up files for one version are invalid for golang-migrate (SM003), but
            # runners that order by file name apply them all, in order.
            for up in migration.ups:
                timeline.effects[up.path] = self._replay_file(replay, up, timeline.notes, starts[up.path])
        timeline.snapshots.take()
        return timeline

    def file_ops(self, file: MigrationFile) -> FileOps:
        """What the replay reads of the file: from the cache when known, else from the parsed file."""
        found = self.known.get(file.path)  # by get: a Path hashes in Python, each lookup a call
        if found is None:
            found = self.built.get(file.path)
        if found is None:
            found = self.built[file.path] = file_ops(self.parsed[file.path], self.reading)
        return found

    def _replay_file(self, replay: Replay, file: MigrationFile, notes: list[UnknownNote], at: int) -> dict[int, list[Effect]]:
        """Replay the file's ops, the first at ordinal `at` of the resolver's chronicle (as _chronicle_file read them)."""
        read = self.file_ops(file)
        effects: dict[int, list[Effect]] = {}
        if read.unreadable:  # it may have changed anything
            replay.apply(o.Unknown("a file the model could not read", names=tuple(bare_name(k) for k in replay.db.tables)))
            self._keep_notes(replay, file, 1, notes)
            at += 1
        for statement in read.statements:
            replay.begin_statement(statement.ops)
            found: list[Effect] = []
            try:
                for index, op in enumerate(statement.ops):
                    found += replay.apply(op, at + index)
            except Exception as error:  # one statement the model trips on must not stop the run
                reason = f"safemig-lint could not model this statement ({type(error).__name__}: {error})"
                replay.apply(o.Unknown(reason, names=mentions(statement.text)))
                found = []
            effects[statement.start] = found
            at += len(statement.ops)
            if replay.notes:  # most statements leave the model sure of everything
                self._keep_notes(replay, file, statement.line, notes)
        replay.end_file()
        return effects

    def _keep_notes(self, replay: Replay, file: MigrationFile, line: int, notes: list[UnknownNote]) -> None:
        notes.extend(UnknownNote(file.display_path, line, what, why) for what, why in replay.notes)
        if any(what == NOTHING_KNOWN for what, _ in replay.notes):
            self._uncertain_files.add(file.display_path)
        replay.notes.clear()

    # --- states

    def at(self, version: int | None = None) -> Database:
        """The schema after every up file up to and including `version` (all of them when None)."""
        timeline = self._timeline
        if version is None:
            return timeline.snapshots[-1]
        return timeline.snapshots[bisect_right(timeline.versions, version)]

    def before(self, version: int) -> Database:
        timeline = self._timeline
        return timeline.snapshots[timeline.position[version]]

    def after(self, version: int) -> Database:
        """After the version's up file (the state its down file starts from)."""
        timeline = self._timeline
        return timeline.snapshots[timeline.position[version] + 1]

    def after_down(self, version: int) -> Database:
        """The schema after the version's up file and then its down file."""
        down = self._migration(version).down
        if down is None:
            return self.after(version)
        self._effects_elsewhere(down)
        made = self._after_down_made.get(version)
        if made is None:
            after_down = self._after_down[version]
            timeline = self._timeline
            made = timeline.snapshots.made(timeline.position[version] + 1, after_down.changes, after_down.schemas, after_down.open_world)
            self._keep_after_down(version, made)
        else:
            self._after_down_made.move_to_end(version)
        return made

    def _keep_after_down(self, version: int, made: Database) -> None:
        """Keep `made`, the schema after the version's down file, for the next questions (the few last kept)."""
        after_down = self._after_down[version]
        made.tables.touched = set(after_down.touched)
        made.schemas = set(after_down.schemas)
        self._after_down_made[version] = made
        if len(self._after_down_made) > _KEPT_AFTER_DOWN:
            self._after_down_made.popitem(last=False)

    def tables_touched(self, version: int) -> set[str]:
        """Keys of the tables the version's up files and its down file took, set or deleted: every
        other table is the same in before(version), after(version) and after_down(version)."""
        touched = set(self._timeline.touched[version])
        down = self._migration(version).down
        if down is not None:
            self._effects_elsewhere(down)
            touched |= self._after_down[version].touched
        return touched

    def _migration(self, version: int) -> Migration:
        return self._migrations[version]

    # --- effects

    def effects(self, file: MigrationFile) -> dict[int, list[Effect]]:
        """What each statement of the file did, by statement start offset."""
        found = self._timeline.effects.get(file.path)
        return found if found is not None else self._effects_elsewhere(file)

    def effects_of(self, file: MigrationFile, statement: Statement) -> list[Effect]:
        """What the statement did."""
        return self.effects(file).get(statement.start, [])

    def _effects_elsewhere(self, file: MigrationFile) -> dict[int, list[Effect]]:
        """A down file replayed on its own copy of the schema its up file produced."""
        found = self._extra_effects.get(file.path)
        if found is None:
            base = self.after(file.version)
            timeline = self._timeline
            branch = Chronicle(timeline.chronicle, timeline.ends[file.version])
            start = _chronicle_file(branch, self.file_ops(file), doubtful=len(self._migration(file.version).downs) > 1)
            db = base.copy()
            changes: Journal = []
            db.keep_journal(changes)
            replay = Replay(db, Resolver(branch, self.dialect))
            found = self._extra_effects[file.path] = self._replay_file(replay, file, self._extra_notes, start)
            if file == self._migration(file.version).down:
                # Its changes, not the copy: a copy per version is quadratic in the history (snapshots.py).
                self._after_down[file.version] = _AfterDown(changes, db.schemas, db.open_world, db.tables.touched)
                # The copy itself is the schema after_down makes from them (the same tables, in the same order),
                # and is asked for next (SM201): kept as one of the few last made, no longer journalled.
                db.keep_journal(None)
                self._keep_after_down(file.version, db)
        return found

    def sqlite_verdicts(self, file: MigrationFile) -> dict[int, str | None] | None:
        """What SQLite itself says of each statement of the file (by start offset), run on an in-memory
        database holding the schema the file starts on (sqlite_run.py); None when that schema is not one
        state (a version with several up files)."""
        if file.path not in self._sqlite_verdicts:
            migration = self._migration(file.version)
            parsed = self.parsed.get(file.path)
            if parsed is None or len(migration.ups) > 1 or len(migration.downs) > 1:
                return None
            names = self.reading.names(parsed)
            schema = self.after(file.version) if file.direction == "down" else self.before(file.version)
            statements = [(s.start, names.masked(s)) for s in parsed.statements]
            self._sqlite_verdicts[file.path] = sqlite_run.run(schema, statements)
        return self._sqlite_verdicts[file.path]

    @cached_property
    def _rollback(self) -> dict[Path, dict[int, list[Effect]]]:
        """Every down file replayed as `migrate down` runs them all: newest version first, from the schema every up
        built, on one copy. A rebuild whose steps are spread over several down files (a generator that splits one
        migration into many versions) is only seen whole this way."""
        replay = Replay(self.at().copy())
        effects: dict[Path, dict[int, list[Effect]]] = {}
        for migration in reversed(self.directory.migrations):
            for down in migration.downs:
                found = effects[down.path] = {}
                read = self.file_ops(down)
                if read.unreadable:
                    return effects  # it may have changed anything: the rollback cannot be followed past it
                for statement in read.statements:
                    try:
                        found[statement.start] = [e for op in statement.ops for e in replay.apply(op)]
                    except Exception:  # as in _replay_file: the statement is left out
                        replay.apply(o.Unknown("safemig-lint could not model this statement", names=mentions(statement.text)))
                        found[statement.start] = []
                replay.notes.clear()
                replay.end_file()
        return effects

    def rollback_effects_of(self, file: MigrationFile, statement: Statement) -> list[Effect]:
        """What a down file's statement did in a full rollback (see _rollback)."""
        return self._rollback.get(file.path, {}).get(statement.start, [])

    def created_at_or_after(self, version: int, table: str, column: str | None = None) -> bool:
        """Did the up files of `version` or of a later one create this table (or column of it), which did not exist
        before `version`? Rolling back past them removes it: the expected undo, even when the down file of another
        version does it."""
        before = self.before(version).tables.get(table)
        if before is not None and (column is None or before.unknown or column in before.columns):
            return False
        created = self._created_in[("table", table)]
        if column is not None:
            created = created + self._created_in[("column", f"{table}.{column}")]
        return any(at >= version for at in created)

    @cached_property
    def _created_in(self) -> defaultdict[tuple[str, str], list[int]]:
        """("table", key) or ("column", "table.column") -> the versions whose up files create it (a table renamed
        to the key, as a rebuild's new table is, comes into being under it there too)."""
        timeline = self._timeline
        found: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        born: dict[int, int] = {}  # table oid -> the version that created it
        for migration in self.directory.migrations:
            for up in migration.ups:
                for effects in timeline.effects.get(up.path, {}).values():
                    for effect in effects:
                        if isinstance(effect, Created) and effect.kind == "table":
                            found[("table", effect.name)].append(migration.version)
                            born[effect.identity] = migration.version
                        elif isinstance(effect, Renamed) and effect.kind == "table" and effect.identity in born:
                            found[("table", effect.new)].append(born[effect.identity])
                        elif isinstance(effect, Created) and effect.kind == "column":
                            found[("column", f"{effect.table}.{effect.name}")].append(migration.version)
        return found

    def up_effects(self, version: int) -> list[Effect]:
        """Every effect of the version's up files, in order."""
        return [e for up in self._migration(version).ups for effects in self.effects(up).values() for e in effects]

    def uncertain(self, file: MigrationFile) -> bool:
        """Did the file hold a statement the model could not tie to any object it knows?"""
        self.effects(file)
        return file.display_path in self._uncertain_files

    def rebuilt(self, file: MigrationFile, statement: Statement, table: str) -> bool:
        """Is this statement's DROP TABLE of `table` (unqualified) the end of a rebuild under the same name?"""
        return any(
            isinstance(e, Dropped) and e.kind == "table" and e.rebuilt_into and bare_name(e.name) == table
            for e in self.effects_of(file, statement)
        )

    def filled_before(self, table: str, column: str, version: int) -> bool:
        """Does an up file of an earlier version fill the column (UPDATE table SET column = ...), or delete
        the rows a WHERE on it picks (DELETE FROM table WHERE column IS NULL)?"""
        first = self._first_fill.get((bare_name(table), column))
        return first is not None and first < version

    @cached_property
    def _first_fill(self) -> dict[tuple[str, str], int]:
        """(bare table, column) -> the first version whose up file fills it: one pass, on first use."""
        first: dict[tuple[str, str], int] = {}
        for migration in self.directory.migrations:
            for up in migration.ups:
                for statement in self.file_ops(up).statements:
                    for op in statement.ops:
                        if isinstance(op, o.FillColumn):
                            first.setdefault((bare_name(op.table), op.column), migration.version)
                        elif isinstance(op, o.DeleteRows):
                            for column in op.reads or ():
                                first.setdefault((bare_name(op.table), column), migration.version)
        return first

    @property
    def notes(self) -> list[UnknownNote]:
        """Every object the model became unsure of, where, and why (ups, and the downs replayed so far)."""
        return self._timeline.notes + self._extra_notes


# Statements that change where unqualified names are looked up, or whether foreign keys are checked.
_SETTINGS = {
    "search_path": re.compile(r"\bsearch_path\b|^\s*USE\s", re.IGNORECASE),
    "foreign_key_checks": re.compile(r"\bforeign_key_checks\b|\bPRAGMA\s+foreign_keys\b", re.IGNORECASE),
}


def _chronicle_file(chronicle: Chronicle, read: FileOps, doubtful: bool) -> int:
    """Add a file's ops to the chronicle, as _replay_file will apply them; the ordinal of its first.
    `doubtful`: one of several files of a version, which no runner applies together."""
    start = chronicle.length
    if read.unreadable:
        chronicle.anything()
    # The settings whose word is in the file: one search of it, where each statement was lowered and searched
    # (a statement's lowered text is a piece of the file's: str.lower maps each character on its own).
    lowered = "\n".join([statement.text for statement in read.statements]).lower()
    named = {name for name in _SETTINGS if name in lowered}
    # A statement starting with USE holds `use` in the lowered text, unless a letter outside ASCII upper-cases into
    # one of its letters (`ſ` into S): most files hold neither, and no statement's start is upper-cased.
    may_use = "use" in lowered or not lowered.isascii()
    for statement in read.statements:
        text = statement.text
        use = may_use and text.lstrip()[:3].upper() == "USE"
        if named or use:  # else it can change no setting
            _settings(chronicle, text, named, use)
        chronicle.add_statement(statement.ops, mentions(text) if doubtful else None)
    return start


def _settings(chronicle: Chronicle, text: str, named: set[str], use: bool) -> None:
    """`named`: the settings whose word is in the statement's file (only they can be in the statement);
    `use`: the statement starts with USE (MySQL's, which sets the search_path without naming it)."""
    lowered = text.lower() if named else ""  # once for both settings: a search of each statement for each cost more
    for name, pattern in _SETTINGS.items():
        candidate = (name in named and name in lowered) or (use and name == "search_path")
        if candidate and pattern.search(text):
            chronicle.setting(name)

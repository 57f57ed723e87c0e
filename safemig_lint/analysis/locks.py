"""What a migration's statements lock or rewrite, and on which tables that already hold rows.

The knowledge tables the locking rules (SM5xx) share:

- PostgreSQL: which ALTER COLUMN ... TYPE changes are binary coercible (no rewrite, no index
  rebuild), which column defaults are volatile (evaluated per row: a rewrite), what each
  statement locks (https://www.postgresql.org/docs/current/explicit-locking.html).
- MySQL (InnoDB online DDL, https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html):
  which ALTER TABLE operations are INSTANT, INPLACE or COPY, by server version.
- SQLite (https://www.sqlite.org/lang_altertable.html): which ALTER TABLE forms a version runs.

And, per file (`FileLocks`), the facts that keep false alarms away: a table created earlier in
the same file is empty and unseen by other sessions until the migration commits, so nothing
that locks or rewrites it matters; a table the configuration lists in `small-tables` only
gets info findings.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar, overload

from sqlglot import exp

from safemig_lint.analysis.digests import digest
from safemig_lint.analysis.schema.effects import TypeChanged
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.dialects import DEFAULT_MYSQL_VERSION
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import SERIAL_TYPES, ColumnType, Constraint, Database, Index, bare_name
from safemig_lint.patterns import lazy
from safemig_lint.reading.source import lowered_may_hold
from safemig_lint.reading.statements import Statement
from safemig_lint.values import value

if TYPE_CHECKING:
    from safemig_lint.checks.base import FileContext
    from safemig_lint.operations.locator import Locator
    from safemig_lint.operations.read import Names

COCKROACH_DRIVERS = frozenset({"cockroachdb", "cockroach", "crdb-postgres"})  # golang-migrate's names for it

# Versions assumed when the configuration does not say (documented on the rule pages).
# PostgreSQL: every version still supported upstream is 13 or later.
DEFAULT_POSTGRES_VERSION = 13
# MySQL: dialects.DEFAULT_MYSQL_VERSION, 8.4, the long-term support release (8.0 reached its end of life in April 2026).
# SQLite: golang-migrate's sqlite3 and sqlite drivers bundle their own, recent SQLite (3.45+).
DEFAULT_SQLITE_VERSION = (3, 45, 0)


def _full(version: tuple[int, ...]) -> tuple[int, ...]:
    """3.35 is 3.35.0: padded so that versions compare as the servers number them."""
    return tuple(version) + (0,) * (3 - len(version))


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


# --- PostgreSQL: column defaults

# Functions evaluated again for every row: a default calling one is computed per existing row,
# which rewrites the table. now(), CURRENT_TIMESTAMP and the other STABLE functions are
# evaluated once, so PostgreSQL 11+ stores the value in the catalog instead.
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setval",
        "txid_current",
        "pg_current_xact_id",
        "random_normal",
        "gen_random_bytes",
        "gen_salt",
        "crypt",
        "uuid_generate_v7",
        "gen_ulid",
        "generate_ulid",
    }
)


def volatile_call(default_sql: str) -> str | None:
    """The volatile function a column default calls, if any (by name, as written)."""
    for name in re.findall(r"([A-Za-z_][\w$.]*)\s*\(", default_sql):
        if bare_name(name).lower() in VOLATILE_FUNCTIONS:
            return bare_name(name).lower()
    return None


def add_column_rewrite(op: o.AddColumn, version: int) -> str | None:
    """Why adding this column writes a value into every existing row (a rewrite), or None."""
    column = op.column
    if column.type is not None and column.type.base in SERIAL_TYPES:
        return f"as {column.type.sql} fills it from a sequence, row by row"
    if op.identity:
        return "as an identity column numbers every existing row"
    if op.stored:
        return "as a stored generated column computes and writes it into every row"
    if column.default is None:
        return None
    volatile = volatile_call(column.default)
    if volatile:
        return f"with the volatile default {column.default} ({volatile}() is evaluated again for every row)"
    if version < 11:
        return f"with a default ({column.default}) on PostgreSQL {version} (before 11 every default is written into every row)"
    return None


# --- PostgreSQL: type changes

# Types whose values are the same bytes under another name: a change between them only
# rewrites the catalog (PostgreSQL's binary-coercible casts without a length check).
_TEXT_LIKE = {"VARCHAR", "TEXT", "NVARCHAR", "NAME"}


def binary_coercible(old: ColumnType, new: ColumnType) -> bool:
    """Does ALTER COLUMN ... TYPE from `old` to `new` leave the table and its indexes alone?

    Yes when only a limit grows or goes: varchar(n) to varchar(m >= n), to varchar or text;
    text to varchar (no limit); numeric(p, s) to numeric(q >= p, s) or unconstrained numeric;
    varbit(n) to a longer varbit; cidr to inet; and changes to the same type.
    """
    if old == new or (old.base, old.params, old.user) == (new.base, new.params, new.user):
        return True
    if old.base in _TEXT_LIKE and new.base in ("VARCHAR", "TEXT") and old.base != "NAME":
        if new.base == "TEXT" or not new.params:
            return True
        return bool(old.params) and old.base == "VARCHAR" and new.params[0] >= old.params[0]
    if old.base == "DECIMAL" and new.base == "DECIMAL":
        if not new.params:
            return True
        old_scale = old.params[1] if len(old.params) > 1 else 0
        new_scale = new.params[1] if len(new.params) > 1 else 0
        return bool(old.params) and new_scale == old_scale and new.params[0] >= old.params[0]
    if old.base == "VARBIT" and new.base == "VARBIT":
        return not new.params or (bool(old.params) and new.params[0] >= old.params[0])
    if old.base == "CIDR" and new.base == "INET":
        return True
    return False


# --- MySQL: online DDL by version


def mysql_add_column(version: tuple[int, ...], positioned: bool) -> str:
    """ALGORITHM MySQL uses to add an ordinary column: INSTANT from 8.0.12 at the end of the
    table, from 8.0.29 anywhere; before that INPLACE with a table rebuild."""
    if version >= (8, 0, 29) or (version >= (8, 0, 12) and not positioned):
        return "INSTANT"
    return "INPLACE"


def mysql_drop_column(version: tuple[int, ...]) -> str:
    return "INSTANT" if version >= (8, 0, 29) else "INPLACE"


def mysql_type_change(old: ColumnType, new: ColumnType) -> str | None:
    """How MySQL changes a column's type: None when the type stays, else INPLACE or COPY.

    INPLACE only when a VARCHAR grows within the same number of length bytes (up to 255 bytes,
    or beyond 255 bytes before and after), or an ENUM/SET gains members at the end. As the
    column's character set decides the bytes (1 to 4 per character), growth is taken as COPY
    only when it crosses 255 bytes in every character set: from at most 63 to more than 255
    characters. Anything else that changes the type copies the table.
    """
    if (old.base, old.params, old.values) == (new.base, new.params, new.values):
        return None
    if old.base == new.base == "VARCHAR" and old.params and new.params and new.params[0] >= old.params[0]:
        return "COPY" if old.params[0] <= 63 and new.params[0] > 255 else "INPLACE"
    if old.base == new.base and old.base in ("ENUM", "SET") and new.values[: len(old.values)] == old.values:
        return "INPLACE"
    return "COPY"


# --- SQLite: ALTER TABLE by version

SQLITE_RENAME_COLUMN = (3, 25, 0)
SQLITE_DROP_COLUMN = (3, 35, 0)
SQLITE_GENERATED_COLUMNS = (3, 31, 0)


# --- per file


@value(unsafe_hash=True)
class Lock:
    """A lock a statement takes on a table that existed before the file."""

    table: str
    mode: str  # PostgreSQL's lock mode, e.g. ACCESS EXCLUSIVE
    at: Locator | None = None


ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
_BLOCKS_WRITES = ("SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", ACCESS_EXCLUSIVE)


class _OnTable(Protocol):
    """An op on one table (CreateIndex, AddColumn ...)."""

    @property
    def table(self) -> str: ...


_OnTableT = TypeVar("_OnTableT", bound=_OnTable)
_OtherT = TypeVar("_OtherT", bound=_OnTable)

# ALTER TABLE ... ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE; the rest of the operations the
# model reads take ACCESS EXCLUSIVE (PostgreSQL's ALTER TABLE page lists each form's lock).
_ACCESS_EXCLUSIVE_OPS = (
    o.AddColumn,
    o.DropColumn,
    o.RenameColumn,
    o.RenameTable,
    o.AlterColumn,
    o.ReplaceColumn,
    o.DropConstraint,
    o.RenameKey,
    o.AddConstraint,
)
_LOCKING_OPS = (*_ACCESS_EXCLUSIVE_OPS, o.CreateIndex, o.DropIndex)  # the ops FileLocks._postgres_locks reads
# The same as sets of types: one look-up for an op of none of them (op classes have no subclasses), where
# isinstance tried each in turn; asked of every op of every statement.
_LOCKING_KINDS = frozenset(_LOCKING_OPS)


# The ops FileLocks._read follows.
_READ_KINDS = frozenset((o.CreateTable, o.RenameTable, o.DropTable, o.DropColumn, o.CreateIndex, o.DropIndex, o.DropConstraint, o.Truncate))


class _Presence:
    """Names that come and go along a file: for each, the statements that made it present or absent."""

    def __init__(self) -> None:
        self._events: dict[str, list[tuple[int, bool]]] = {}
        self._by_bare: dict[str, set[str]] = {}

    def mark(self, name: str, index: int, present: bool) -> None:
        events = self._events.get(name)
        if events is None:  # a name's spellings are recorded with its first event
            if not present:  # absent before and after it, as without it: present() answers the same
                return
            events = self._events[name] = []
            bare = bare_name(name)
            spellings = self._by_bare.get(bare)
            if spellings is None:  # most names: their only spelling (setdefault made a set for each)
                self._by_bare[bare] = {name}
            else:
                spellings.add(name)
        events.append((index, present))

    def __bool__(self) -> bool:
        """Has any name been present?"""
        return bool(self._events)

    def present(self, name: str, before: int | None = None) -> bool:
        """Present after the statements before `before` (all of them, when None)?"""
        events = self._events.get(name)
        if not events:
            return False
        if before is None:
            return events[-1][1]
        position = bisect.bisect_left(events, (before, False))
        return position > 0 and events[position - 1][1]

    def spellings(self, name: str) -> set[str] | tuple[()]:
        """Every name recorded present at some point that is the same table as `name` however qualified."""
        return self._by_bare.get(bare_name(name), ())


class RowChange(NamedTuple):
    """What an INSERT, UPDATE or DELETE does to its table's rows (FileLocks reads it: a data change on a table
    holds its locks while it runs, and a DELETE without WHERE empties the table)."""

    verb: str  # INSERT, UPDATE or DELETE
    table: str  # its target, as a model key
    emptied: bool  # a DELETE without WHERE or USING: every row goes


@digest(kinds=(exp.Update, exp.Delete, exp.Insert), memo=False)
def row_change(statement: Statement, names: Names | None) -> RowChange | None:
    """The statement's change of rows (None: none, or its target is no table)."""
    expression = statement.expression
    assert expression is not None and names is not None  # selected by kinds; FileLocks passes its file's names
    target = expression.this.this if isinstance(expression.this, exp.Schema) else expression.this
    if not isinstance(target, exp.Table):
        return None
    emptied = isinstance(expression, exp.Delete) and expression.args.get("where") is None and not expression.args.get("using")
    return RowChange(type(expression).__name__.upper(), names.table(target), emptied)


class FileLocks:
    """The lock facts of one file, read once from its statements' operations."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        config = context.config
        self.postgres_version = (config.postgres_version if config else None) or DEFAULT_POSTGRES_VERSION
        self.mysql_version = _full((config.mysql_version if config else None) or DEFAULT_MYSQL_VERSION)
        self.sqlite_version = _full((config.sqlite_version if config else None) or DEFAULT_SQLITE_VERSION)
        driver = (config.driver if config else None) or ""
        # CockroachDB speaks PostgreSQL's SQL but changes schemas online, without these locks.
        self.postgres = context.dialect == "postgres" and driver not in COCKROACH_DRIVERS
        self._small = {name.lower() for name in (config.small_tables if config else ())}
        self._position: dict[int, int] = {}  # id(statement) -> its index in the file
        self._tables = _Presence()  # tables created in this file (by name as written)
        self._indexes = _Presence()  # indexes created in this file (bare names)
        self._dropped_keys = _Presence()  # indexes and constraints dropped in this file (bare names)
        # (table, statement index, column or None) of each DROP TABLE and (PostgreSQL) DROP COLUMN, for _gone_with_owner
        self._owners_dropped: list[tuple[str, int, str | None]] = []
        self._last_drop: dict[str, int] = {}  # bare table name -> the last statement that drops it
        self._emptied = _Presence()  # tables emptied in this file (TRUNCATE, DELETE without WHERE) and not refilled
        self._timeout_before: set[int] = set()  # id(statement) of those after a non-zero lock_timeout (few files set one)
        self._fk_checks_off_before: set[int] = set()  # id(statement) of those after foreign_key_checks = 0
        self._locks: dict[int, list[Lock]] = {}  # id(statement) -> postgres_locks(statement)
        self._moot: dict[tuple[int, str], bool] = {}  # (statement index, table) -> lock_is_moot: several rules ask of each op
        self._operations = context.operations_by_start  # what ops() reads: asked of every statement, by several rules
        self._read()

    @property
    def mysql_version_text(self) -> str:
        return version_text(self.mysql_version)

    @property
    def sqlite_version_text(self) -> str:
        return version_text(self.sqlite_version)

    def ops(self, statement: Statement) -> list[o.Op]:
        return self._operations[statement.start]

    def _read(self) -> None:
        # What exists before each statement is kept as events per name (statement index, present?),
        # not as a copy of every set per statement: memory and time stay linear in the file.
        timeout = fk_checks_off = False
        # A setting followed is named in the statement's text (_SET, _SET_CONFIG; a name `_setting` compares
        # lowered), so in the file's lowered text: most files name neither, and no statement is searched.
        follows_settings = lowered_may_hold(self.context.lowered, ("lock_timeout", "foreign_key_checks"))
        operations, emptied, statements = self._operations, self._emptied, self.context.parsed.statements
        self._position = {id(statement): index for index, statement in enumerate(statements)}
        for index, statement in enumerate(statements):
            if timeout:
                self._timeout_before.add(id(statement))
            if fk_checks_off:
                self._fk_checks_off_before.add(id(statement))
            for op in operations[statement.start]:
                if type(op) not in _READ_KINDS:  # most ops (Uses ...): one test, not one per kind below
                    continue
                if isinstance(op, o.CreateTable):
                    self._tables.mark(op.table, index, True)
                    for created in op.indexes:
                        self._indexes.mark(bare_name(created.name), index, True)
                elif isinstance(op, o.RenameTable) and self._tables.present(op.table):
                    self._tables.mark(op.new, index, True)
                elif isinstance(op, o.DropTable):
                    self._tables.mark(op.table, index, False)
                    self._last_drop[bare_name(op.table)] = index
                    self._owners_dropped.append((op.table, index, None))
                elif isinstance(op, o.DropColumn) and self.postgres:
                    self._owners_dropped.append((op.table, index, op.column))  # PostgreSQL drops every index using the column
                elif isinstance(op, o.CreateIndex) and op.index.name:
                    self._indexes.mark(bare_name(op.index.name), index, True)
                    self._dropped_keys.mark(bare_name(op.index.name), index, False)
                elif isinstance(op, o.DropIndex):
                    self._dropped_keys.mark(bare_name(op.name), index, True)
                elif isinstance(op, o.DropConstraint) and op.name:
                    self._dropped_keys.mark(bare_name(op.name), index, True)
                elif isinstance(op, o.Truncate):
                    self._emptied.mark(bare_name(op.table), index, True)
            read = statement.kind
            if read is exp.Delete or (read is exp.Insert and emptied):  # an INSERT fills again only a table emptied before
                self._follow_rows(statement, index)
            settings = _settings_in(statement) if follows_settings else None
            if settings:
                timeout = _setting(settings, "lock_timeout", timeout)
                fk_checks_off = _setting(settings, "foreign_key_checks", fk_checks_off, off=True)

    @cached_property
    def _gone_with_owner(self) -> _Presence:
        """Indexes (and keys) gone with their table, or (PostgreSQL) with a column they use: worked out from the
        schema before the file when a DROP INDEX first asks (index_gone_before), not for every file dropping tables."""
        gone = _Presence()
        schema = self.schema_before
        for table, index, column in self._owners_dropped:
            known = schema.tables.get(table) if schema is not None else None
            if known is None or known.keys_unknown or known.unknown:
                continue
            keys: list[Index | Constraint] = [*known.indexes.values(), *known.constraints.values()]
            for key in keys:
                parts = (*key.columns, getattr(key, "where", None) or "")
                if key.name and (column is None or any(_mentions(part, column) for part in parts)):
                    gone.mark(bare_name(key.name), index, True)
        return gone

    def _follow_rows(self, statement: Statement, index: int) -> None:
        """A DELETE without WHERE empties a table; an INSERT (once some table was emptied) fills one again. Called
        only on those (most of a file's INSERTs come before any DELETE: their row_change is not worked out)."""
        change = row_change(statement, self.names)
        if change is None or (not change.emptied and not self._emptied):
            return
        self._emptied.mark(bare_name(change.table), index, change.emptied)

    # --- what existed before

    def emptied_before(self, statement: Statement, table: str) -> bool:
        """Was the table emptied earlier in this file (TRUNCATE, DELETE without WHERE), and not filled again?"""
        return self._emptied.present(bare_name(table), before=self._position.get(id(statement), -1))

    def is_new(self, statement: Statement, table: str) -> bool:
        """Was the table created earlier in this file (empty, and unseen until the file commits)?"""
        return self._new_before(self._position.get(id(statement), -1), table)

    def _new_before(self, index: int, table: str) -> bool:
        """is_new, for the statement at `index`."""
        tables = self._tables
        for name in tables.spellings(table):  # a loop, not any(): asked of every lock a file takes
            if tables.present(name, before=index):
                return True
        return False

    def lock_is_moot(self, statement: Statement, table: str) -> bool:
        """Does a lock on `table` here block nobody that matters? The table was created earlier in this
        file (empty and unseen), or a later statement of the file drops it (taking the same lock itself)."""
        return self._moot_at(self._position.get(id(statement), -1), table)

    def _moot_at(self, index: int, table: str) -> bool:
        """lock_is_moot, for the statement at `index`."""
        key = (index, table)
        moot = self._moot.get(key)
        if moot is None:
            moot = self._moot[key] = self._new_before(index, table) or self._last_drop.get(bare_name(table), -1) > index
        return moot

    @overload
    def live_ops(self, statement: Statement, kind: type[_OnTableT], /) -> Iterator[_OnTableT]: ...
    @overload
    def live_ops(self, statement: Statement, kind: type[_OnTableT], other: type[_OtherT], /) -> Iterator[_OnTableT | _OtherT]: ...
    def live_ops(self, statement: Statement, *kinds: type[_OnTable]) -> Iterator[_OnTable]:
        """The statement's ops of these kinds on a table whose lock matters (lock_is_moot): what the
        locking rules look at, each asking its own question of them."""
        for op in self.ops(statement):
            if isinstance(op, kinds) and not self.lock_is_moot(statement, op.table):
                yield op

    def live_type_changes(self, statement: Statement) -> Iterator[TypeChanged]:
        """The statement's column type changes (as the replay resolved them) on tables whose lock matters."""
        history = self.context.history
        if history is None:
            return
        for effect in history.effects_of(self.context.file, statement):
            if isinstance(effect, TypeChanged) and not self.lock_is_moot(statement, effect.table):
                yield effect

    def index_is_new(self, statement: Statement, name: str) -> bool:
        return self._indexes.present(bare_name(name), before=self._position.get(id(statement), -1))

    @cached_property
    def names(self):
        """How this file's dialect spells names, as model keys."""
        return _names(self.context)

    @cached_property
    def schema_before(self) -> Database | None:
        """The replayed schema this file starts from (an up: before its version; a down: after its up)."""
        history, version = self.context.history, self.context.file.version
        if history is None:
            return None
        return history.after(version) if self.context.is_down else history.before(version)

    def table_of_index(self, statement: Statement, name: str, table: str = "") -> str:
        """The table an index belongs to, from the statement or the replayed schema ('' when unknown)."""
        if table:
            return table
        schema = self.schema_before
        if schema is None:
            return ""
        return schema.tables.first(schema.tables.holding(bare_name(name))) or ""

    def index_gone_before(self, statement: Statement, name: str) -> bool:
        """Did the index go with its table, or with a column it uses, earlier in the file? A DROP INDEX of it
        then does nothing (IF EXISTS) or fails: it locks nothing."""
        return self._gone_with_owner.present(bare_name(name), before=self._position.get(id(statement), -1)) and not self.index_is_new(
            statement, name
        )

    def key_dropped_before(self, statement: Statement, name: str) -> bool:
        """Was this index or constraint dropped earlier in the file (and not created again)?"""
        return self._dropped_keys.present(bare_name(name), before=self._position.get(id(statement), -1))

    def lock_timeout_before(self, statement: Statement) -> bool:
        """Was a non-zero lock_timeout set earlier in the file (the same session)?"""
        return id(statement) in self._timeout_before

    def foreign_key_checks_off_before(self, statement: Statement) -> bool:
        return id(statement) in self._fk_checks_off_before

    # --- findings

    def finding(self, statement: Statement, table: str, message: str, help: str, at: Locator | exp.Expr | None = None, fix=()) -> Finding:
        """A finding about a lock on `table`: info only when the configuration lists it as small."""
        finding = self.context.finding(statement, message, help, at)
        small = table.lower() in self._small or bare_name(table).lower() in self._small
        if small:
            message = f"{message} (listed in small-tables, so only for information)"
        return Finding(finding.span, message, finding.help, finding.snippet, tuple(fix), Severity.INFO if small else None)

    # --- what a statement locks (PostgreSQL)

    def postgres_locks(self, statement: Statement) -> list[Lock]:
        """The locks that block reads or writes which the statement takes on tables that existed before the file
        (worked out once per statement: SM511 and SM512 ask up to four times)."""
        key = id(statement)
        found = self._locks.get(key)
        if found is None:
            found = self._locks[key] = self._postgres_locks(statement)
        return found

    def _postgres_locks(self, statement: Statement) -> list[Lock]:
        # (table, mode, locator) first, a Lock made only where it matters: most locks a file takes are moot
        # (on tables it created): a 5 MB file of 60,000 statements made ~30,000 Locks only to drop them.
        found: list[tuple[str, str, Locator | None]] = []
        for op in self._operations[statement.start]:
            if type(op) not in _LOCKING_KINDS:  # most ops (Uses ...): one test, not one per kind below
                continue
            if isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "foreign":
                found.append((op.table, "SHARE ROW EXCLUSIVE", op.at))
            elif isinstance(op, _ACCESS_EXCLUSIVE_OPS):
                # DROP TABLE is left out: the application must have stopped using the table anyway.
                found.append((op.table, ACCESS_EXCLUSIVE, op.at))
            elif isinstance(op, o.CreateIndex) and not op.concurrently:
                found.append((op.table, "SHARE", op.at))
            elif isinstance(op, o.DropIndex) and not op.concurrently and not self.index_gone_before(statement, op.name):
                table = self.table_of_index(statement, op.name, op.table)
                if table and not self.index_is_new(statement, op.name):
                    found.append((table, ACCESS_EXCLUSIVE, op.at))
        commands = command_locks(statement, self.context)
        if commands:  # few statements: LOCK, VACUUM FULL, CLUSTER
            found.extend((table, mode, None) for table, mode in commands)
        index, moot = self._position.get(id(statement), -1), self._moot_at
        return [Lock(table, mode, at) for table, mode, at in found if table and not moot(index, table)]

    def slow_work(self, statement: Statement) -> tuple[str, str] | None:
        """(table, what) when the statement reads or writes a whole existing table: a scan, a rewrite,
        an index build, or a data change. Held locks stay held for as long as it runs."""
        for op in self.ops(statement):
            table = getattr(op, "table", "")
            if not table or self.lock_is_moot(statement, table):
                continue
            if isinstance(op, o.CreateIndex) and not op.concurrently:
                return table, "builds an index on"
            if isinstance(op, o.AlterColumn) and op.nullable is False:
                return table, "scans"
            if isinstance(op, o.AddColumn) and add_column_rewrite(op, self.postgres_version):
                return table, "rewrites"
            if isinstance(op, o.AddConstraint) and op.constraint is not None and not op.not_valid:
                return table, "validates a constraint on" if op.constraint.kind in ("foreign", "check") else "builds an index on"
            if isinstance(op, o.Truncate):
                continue
        history = self.context.history
        if history is not None:
            for effect in history.effects_of(self.context.file, statement):
                if (
                    isinstance(effect, TypeChanged)
                    and not self.lock_is_moot(statement, effect.table)
                    and not binary_coercible(effect.old, effect.new)
                ):
                    return effect.table, "rewrites"
        change = row_change(statement, self.names)
        if change is not None and not self.lock_is_moot(statement, change.table):
            return change.table, f"{change.verb}s rows of"
        return None

    @cached_property
    def locking(self) -> list[Statement]:
        """The file's statements that take a lock postgres_locks reports, in order: most take none (a table the file
        created, a statement that changes no schema), and the rules reading locks (SM511, SM512) read only these."""
        operations, may_lock = self._operations, self._may_lock
        return [
            statement
            for index, statement in enumerate(self.context.parsed.statements)
            # Only an op of _LOCKING_KINDS on a table whose lock matters or a command (command_locks) locks: the others
            # are not asked (most of a file). The op types are looked through in C first: most statements hold none.
            if (
                (not _LOCKING_KINDS.isdisjoint(map(type, ops := operations[statement.start])) and may_lock(index, ops))
                or first_word_may_be(statement, _COMMANDS)
            )
            and self.postgres_locks(statement)
        ]

    def _may_lock(self, index: int, ops: list[o.Op]) -> bool:
        """May the ops of the statement at `index` take a lock _postgres_locks reports? Not when each op of
        _LOCKING_KINDS is on a table whose lock is moot: told from its own table, without working out the locks
        (the statements of a file locking a table mostly lock one it created). A DROP INDEX may: _postgres_locks works
        out its table."""
        for op in ops:
            kind = type(op)
            if kind is o.DropIndex:
                return True
            # Every kind of _LOCKING_KINDS has a table (_OnTable): one set look-up, not an isinstance of each kind.
            if kind in _LOCKING_KINDS and op.table and not self._moot_at(index, op.table):  # type: ignore[attr-defined]
                return True
        return False

    def position(self, statement: Statement) -> int:
        """The statement's index in the file."""
        return self._position[id(statement)]

    def blocking_locks(self, statement: Statement) -> Iterator[Lock]:
        return (lock for lock in self.postgres_locks(statement) if lock.mode in _BLOCKS_WRITES)

    def exclusive_tables(self, statement: Statement) -> set[str]:
        """The existing tables the statement locks ACCESS EXCLUSIVE."""
        return {lock.table for lock in self.postgres_locks(statement) if lock.mode == ACCESS_EXCLUSIVE}

    @cached_property
    def _held(self) -> dict[tuple[int, str], int]:
        """(transaction, bare table) -> index of the first statement of that transaction locking the table ACCESS EXCLUSIVE."""
        execution = self.context.execution
        held: dict[tuple[int, str], int] = {}
        for index, statement in enumerate(self.context.parsed.statements):
            transaction = execution.transaction_id(statement)
            if transaction is None:
                continue
            for table in self.exclusive_tables(statement):
                held.setdefault((transaction, bare_name(table)), index)
        return held

    def held_before(self, statement: Statement, table: str) -> bool:
        """Does an earlier statement of the same transaction already hold `table` ACCESS EXCLUSIVE? Then a
        statement locking it again waits for nobody: the transaction has held it since that statement."""
        transaction = self.context.execution.transaction_id(statement)
        if transaction is None or not self.postgres:
            return False
        first = self._held.get((transaction, bare_name(table)))
        return first is not None and first < self._position.get(id(statement), -1)


def command_locks(statement: Statement, context: FileContext) -> list[tuple[str, str]]:
    """Locks of statements that change no schema: LOCK, VACUUM FULL, CLUSTER.

    TRUNCATE is left out, like DROP TABLE: what it does to the data matters more than its lock (SM104).
    """
    if not first_word_may_be(statement, _COMMANDS):  # most statements: their first two letters tell
        return []
    first = first_text_word(statement)
    if first not in _COMMANDS:  # the first word decides most statements: no more are read
        return []
    words = text_words(statement, 4)
    if first == "LOCK" and (read := statement.kind) is not None and issubclass(read, exp.Expression):
        mode = re.search(r"\bIN\s+([A-Z ]+?)\s+MODE\b", statement.text.upper())
        tables = _command_tables(statement, context)
        return [(t, mode.group(1) if mode else ACCESS_EXCLUSIVE) for t in tables]
    if first == "VACUUM" and "FULL" in words[1:4]:
        return [(t, ACCESS_EXCLUSIVE) for t in _command_tables(statement, context)]
    if first == "CLUSTER":
        return [(t, ACCESS_EXCLUSIVE) for t in _command_tables(statement, context)]
    return []


_COMMANDS = ("LOCK", "VACUUM", "CLUSTER")


def reindex_target(statement: Statement) -> tuple[str, str] | None:
    """(kind, name) of a REINDEX [ ( options ) ] INDEX | TABLE name without CONCURRENTLY, else None."""
    if first_text_word(statement) != "REINDEX" or "CONCURRENTLY" in text_words(statement):
        return None
    match = re.match(r"\s*REINDEX\s*(?:\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+(\S+)", statement.text, re.IGNORECASE)
    return (match.group(1).upper(), match.group(2)) if match else None


def _mentions(text: str, column: str) -> bool:
    """Whether `text` (a key's column or predicate) names `column` as a word, case aside. An ASCII
    text without it is answered without building a pattern (one per column otherwise)."""
    if text.isascii() and column.isascii() and column.lower() not in text.lower():
        return False
    return _word_pattern(column).search(text) is not None


@lru_cache(maxsize=256)
def _word_pattern(column: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(column)}\b", re.IGNORECASE)


def text_words(statement: Statement, limit: int | None = None) -> list[str]:
    """The statement's first `limit` words (all when None), upper-cased, from its text (sqlglot keeps
    commands it does not parse as one string). Every statement is asked for its first words:
    a routine's long body is not split into words for that."""
    return [match.group().upper() for match in islice(_WORD.finditer(statement.text), limit)]


def first_word_may_be(statement: Statement, words: tuple[str, ...]) -> bool:
    """False when first_text_word(statement) is none of `words` (upper case), told without searching for it: a
    text starting with a letter or `_` starts with its first word, whose upper case starts with that of its
    first two characters (str.upper maps each character on its own), so one of `words` must start with that."""
    text = statement.text
    if text[:1] not in _WORD_INITIALS:
        return True  # the first word comes later, if at all: it is searched for
    # One set look-up rather than a test of each word: 14,000 statements of the PostgreSQL corpus are asked. Two
    # characters may upper-case into more (`ﬀ`): their first two then stand for them, which may answer True
    # where the words' own test would not (only then is the first word searched for).
    return text[:2].upper()[:2] in _prefixes(words)


_WORD_INITIALS = frozenset(string.ascii_letters + "_")  # what _WORD starts with


@cache  # a few constant tuples, asked of most statements: no LRU order to keep
def _prefixes(words: tuple[str, ...]) -> frozenset[str]:
    """The first one and the first two characters of each word."""
    return frozenset(word[:size] for word in words for size in (1, 2))


def first_text_word(statement: Statement) -> str:
    """text_words(statement, 1)'s word, or "" (one search, no list)."""
    match = _WORD.search(statement.text)
    return match.group().upper() if match else ""


_WORD = lazy(r"[A-Za-z_][\w$]*")


def _command_tables(statement: Statement, context: FileContext) -> list[str]:
    """The table named by VACUUM FULL [options] t, CLUSTER [VERBOSE] t [USING i], LOCK [TABLE] [ONLY] t, ..."""
    text = re.sub(r"\([^)]*\)", " ", statement.text)  # VACUUM (FULL, ANALYZE) t
    words = re.findall(r'"[^"]+"|[\w$.]+', text)
    skip = {"VACUUM", "FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE", "CLUSTER", "LOCK", "TABLE", "ONLY", "NOWAIT"}
    names = _names(context)
    tables = []
    for word in words[1:]:
        if word.upper() in ("USING", "IN", "ON"):
            break
        if word.upper() not in skip:
            tables.append(names.text(word))
    return tables


def _names(context: FileContext):
    return context.names


_SET = lazy(
    r"\s*SET\s+(?:SESSION\s+|LOCAL\s+|GLOBAL\s+|@@(?:SESSION\.|GLOBAL\.)?)?(?P<name>\w+)\s*(?:=|\bTO\b)\s*(?P<value>.+)",
    re.IGNORECASE | re.DOTALL,
)
_SET_CONFIG = lazy(r"set_config\s*\(\s*'(?P<name>\w+)'\s*,\s*'(?P<value>[^']*)'", re.IGNORECASE)


def _settings_in(statement: Statement) -> list[re.Match[str]]:
    """The statement's `SET name = value`, then its set_config(...): read once for every setting followed."""
    text = statement.text
    found = [match] if (match := _SET.match(text)) else []
    # set_config's letters as IGNORECASE matches them (its s and i also match ſ, İ and ı): a statement
    # without them is not searched (a search per statement cost more than the rest of the reading).
    if "_conf" in text.lower() and (match := _SET_CONFIG.search(text)):
        found.append(match)
    return found


def _setting(settings: list[re.Match[str]], name: str, current: bool, off: bool = False) -> bool:
    """Follow `SET name = value` (or set_config) through a file: is the setting on (non-zero), or off when `off`?"""
    for match in settings:
        if match.group("name").lower() == name:
            value = match.group("value").strip().strip("'\"").strip().lower()
            is_zero = value in ("0", "off", "false", "default") or re.fullmatch(r"0+\s*(ms|s|min)?", value) is not None
            return is_zero if off else not is_zero
    return current


# --- MySQL: what one ALTER TABLE asks for


@value(unsafe_hash=True)
class MysqlClauses:
    """ALGORITHM= and LOCK= as written in the statement ('' when not given), upper-case."""

    algorithm: str = ""
    lock: str = ""

    @property
    def refuses_copy(self) -> bool:
        """MySQL fails the statement rather than copy the table or block writes."""
        return self.algorithm in ("INSTANT", "INPLACE") or self.lock == "NONE"

    @property
    def forces_blocking(self) -> str | None:
        if self.algorithm == "COPY":
            return "ALGORITHM=COPY copies the table"
        if self.lock in ("SHARED", "EXCLUSIVE"):
            return f"LOCK={self.lock} blocks {'writes' if self.lock == 'SHARED' else 'reads and writes'}"
        return None


_CLAUSE = lazy(r"\b(ALGORITHM|LOCK)\s*=?\s*(DEFAULT|INSTANT|INPLACE|COPY|NONE|SHARED|EXCLUSIVE)\b", re.IGNORECASE)


def mysql_clauses(statement: Statement) -> MysqlClauses:
    found = {key.upper(): value.upper() for key, value in _CLAUSE.findall(statement.text)}
    return MysqlClauses(found.get("ALGORITHM", "").replace("DEFAULT", ""), found.get("LOCK", "").replace("DEFAULT", ""))


_ALTERED = lazy(
    r"\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>(?:`[^`]+`|\"[^\"]+\"|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|\"[^\"]+\"|[\w$]+))?)",
    re.IGNORECASE,
)


def altered_table(statement: Statement, names) -> str:
    """The table an ALTER TABLE statement names, as a model key ('' when it is not one)."""
    match = _ALTERED.match(statement.text)
    return names.text(match.group("name")) if match else ""


def altered_table_as_written(statement: Statement) -> str:
    """The table an ALTER TABLE statement names, as the statement spells it ('' when it is not one)."""
    match = _ALTERED.match(statement.text)
    return match.group("name") if match else ""


_CONVERT = lazy(r"\bCONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\b", re.IGNORECASE)
_REBUILD_CLAUSE = lazy(r"\bENGINE\s*=?\s*InnoDB\b|,\s*FORCE\b|\bFORCE\s*$", re.IGNORECASE)


@dataclass
class MysqlAlter:
    """How MySQL runs one ALTER TABLE as a whole: the operations that make it copy the table (ALGORITHM=COPY,
    writes blocked), and those that make it rebuild the table in place. One statement runs with one
    algorithm, the most demanding its operations need: SM520 reports the copies, SM521 the rebuilds of a
    statement that does not copy, so that the two never disagree about a statement."""

    table: str
    clauses: MysqlClauses
    copies: list[str]
    rebuilds: list[str]
    copy_at: Locator | None = None
    rebuild_at: Locator | None = None


def mysql_alter(statement: Statement, locks: FileLocks) -> MysqlAlter | None:
    """What MySQL does for an ALTER TABLE statement (None for any other statement)."""
    if statement.first_word != "ALTER":
        return None
    ops = locks.ops(statement)
    plan = MysqlAlter("", mysql_clauses(statement), [], [])
    adds_primary = any(isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "primary" for op in ops)
    version = locks.mysql_version
    for op in ops:
        copy = rebuild = None
        if isinstance(op, o.AddColumn) and op.stored:
            copy = f"adding the stored generated column {op.column.name}"
        elif isinstance(op, o.AddColumn) and op.identity:
            copy = f"adding the AUTO_INCREMENT column {op.column.name}"
        elif isinstance(op, o.AddColumn) and not op.column.generated:  # a VIRTUAL generated column is INSTANT
            if mysql_add_column(version, op.after is not None) == "INPLACE":
                rebuild = f"adding the column {op.column.name}{'' if op.after is None else ' (not at the end)'}"
        elif isinstance(op, o.DropColumn) and mysql_drop_column(version) == "INPLACE":
            rebuild = f"dropping the column {op.column}"
        elif isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "foreign":
            if not locks.foreign_key_checks_off_before(statement):
                copy = "adding a foreign key while foreign_key_checks is on"
        elif isinstance(op, o.AddConstraint) and op.constraint is not None and op.constraint.kind == "primary":
            rebuild = "adding a primary key"
        elif isinstance(op, o.DropConstraint) and op.kind == "primary" and not adds_primary:
            copy = "dropping the primary key without adding another in the same statement"
        if copy:
            plan.copies.append(copy)
            plan.copy_at = plan.copy_at or op.at
        if rebuild:
            plan.rebuilds.append(rebuild)
            plan.rebuild_at = plan.rebuild_at or op.at
        if copy or rebuild:
            plan.table = plan.table or getattr(op, "table", "")
    for effect in locks.live_type_changes(statement):
        if mysql_type_change(effect.old, effect.new) == "COPY":
            plan.table = plan.table or effect.table
            plan.copies.append(f"changing {effect.column} from {effect.old.sql} to {effect.new.sql}")
            plan.copy_at = plan.copy_at or effect.at
    if _CONVERT.search(statement.text):
        plan.copies.append("converting the table's character set")
    elif _REBUILD_CLAUSE.search(statement.text):
        plan.rebuilds.append("ENGINE=InnoDB / FORCE")
    plan.table = plan.table or altered_table(statement, locks.names)
    return plan

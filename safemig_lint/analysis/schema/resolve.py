"""Each statement's names resolved against the schema it runs on: what the database will reject.

The replay calls `Resolver.check(op)` before it applies each op, so every op is judged against
the model as the statements before it left it (an up file: after every earlier up; a down file:
after its own up), in one pass. A verdict is given only where the model is certain
(chronicle.py): every object involved is known, none was touched by a statement the model
could not follow, and no IF EXISTS / IF NOT EXISTS / CASCADE changes the outcome. Messages use
the database's own words (PostgreSQL's, MySQL's, SQLite's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from safemig_lint.analysis.schema.chronicle import RELATION, Chronicle, space, system_table
from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.dialects import postgres_type_shown
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import (
    PG_NAME_LENGTH,
    Column,
    ColumnType,
    Constraint,
    Database,
    Index,
    Routine,
    Routines,
    Sequence,
    Sequences,
    Table,
    Types,
    UserType,
    View,
    Views,
    bare_name,
    plain_name,
    routine_key,
)
from safemig_lint.operations.types import resolve
from safemig_lint.patterns import lazy

MISSING, EXISTS, INSERT, QUOTED, DEPENDENTS = "missing", "exists", "insert", "quoted", "dependents"

# golang-migrate's own table (x-migrations-table): it exists whenever a migration runs.
MIGRATIONS_TABLES = frozenset({"schema_migrations"})


# Columns the database gives every table (SQLite's only when no column of the name is declared).
_SYSTEM_COLUMNS = {
    "postgres": frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"}),
    "sqlite": frozenset({"rowid", "oid", "_rowid_"}),
}


_DROPS = frozenset((o.DropTable, o.DropObject))  # the ops Resolver.begin_statement reads (op classes have no subclasses)


class Resolver:
    def __init__(self, chronicle: Chronicle, dialect: str) -> None:
        self.chronicle = chronicle
        self.dialect = dialect
        self.words = _WORDS.get(dialect, _WORDS["postgres"])
        self.at = 0  # the ordinal, in the chronicle, of the op being checked
        self._reported: set[tuple[str, str]] = set()  # (problem, name) already said of this statement
        self.statement_fails = False  # a verdict of this statement fails it: none of its ops changes anything
        self._dropping: set[str] = set()  # tables and views this statement drops (DROP TABLE a, b)

    def begin_statement(self, ops: Iterable[o.Op] = ()) -> None:
        self._reported.clear()
        self._dropping.clear()
        self.statement_fails = False
        if self.dialect == "postgres" and not _DROPS.isdisjoint(map(type, ops)):  # most statements drop nothing
            # PostgreSQL drops the objects one statement names together: what depends on one of them
            # may be named after it. MySQL drops them in turn, refusing a parent named before its child.
            for op in ops:
                if isinstance(op, o.DropTable):
                    self._dropping.add(op.table)
                elif isinstance(op, o.DropObject) and op.kind == "view":
                    self._dropping.add(f"view {op.name}")

    def check(self, op: o.Op, db: Database, at: int) -> list[Rejected]:
        """The database's verdict on `op`; none once an earlier op of the statement was refused (the database
        reports the first thing it cannot do, and ops come in the order it checks them)."""
        self.at = at
        if self._reported or (op.if_target_exists and not self._target_there(op, db)):
            if self.statement_fails:
                self.chronicle.void(at)
            return []
        handler = _CHECKS.get(type(op))
        found = handler(self, op, db) if handler is not None else []
        if found and any(verdict.fails_op for verdict in found):
            self.statement_fails = True
        if self.statement_fails:
            self.chronicle.void(at)
        return found

    # --- verdicts

    def _reject(self, problem: str, name: str, message: str, detail: str = "", fails_op: bool | None = None) -> list[Rejected]:
        """A verdict about `name`; `fails_op` (Rejected.fails_op) by default unless the verdict is about what
        depends on a dropped object: the model then drops it as meant, as later statements expect."""
        if (problem, name) in self._reported:
            return []
        self._reported.add((problem, name))
        fails = problem != DEPENDENTS if fails_op is None else fails_op
        return [Rejected(problem, message, detail, name.split()[-1].rsplit(".", 1)[-1], fails)]

    # --- what the model is certain of

    def checks_references(self) -> bool:
        """Does the database look up what a foreign key references when the key is made? Not SQLite
        (only when rows change), nor MySQL with foreign_key_checks off."""
        if self.dialect == "sqlite":
            return False
        return self.dialect != "mysql" or not self.chronicle.setting_unsure("foreign_key_checks", self.at)

    def _target_there(self, op: o.Op, db: Database) -> bool:
        table = getattr(op, "table", "") or getattr(op, "name", "")
        return table in db.tables or table in db.views or table in db.sequences

    def relation_absent(self, db: Database, key: str) -> str | None:
        """Why the database certainly has no table, view or sequence `key` here; None when it may."""
        # The model's maps first: most names looked up are of tables it holds (system_table is a pattern).
        if key in db.tables or key in db.views or key in db.sequences or key in MIGRATIONS_TABLES or system_table(key):
            return None
        if not self._unique_spelling(db, key):
            return None
        why = self.chronicle.absent(RELATION, key, self.at)
        if why is None and self.never_made(key):
            return "never created"
        return why

    def never_made(self, key: str) -> bool:
        """In a down file, a table no statement of the history makes, in a history that makes every other
        table it names (it builds its schema from an empty database), with nothing unfollowed that might
        have made it. A down undoes its up: what it names is there after the up, or it is a mistake (a
        misspelt or outdated name). Up files may name tables made elsewhere (another set of migrations
        run before this one), so there a name never made is no evidence."""
        if self.chronicle.parent is None or "{{}}" in key:
            return False
        if not self.chronicle.calm(self.at) or not self.chronicle.quiet_word(plain_name(key), self.at):
            return False
        return self.chronicle.self_contained(but=key)

    def _unique_spelling(self, db: Database, key: str) -> bool:
        """No doubt about where the name is looked up: no search_path change (an object made under one is
        in another schema than its key says), no template placeholder, and, unqualified, no object of
        the same name in another schema (the search_path may find it there)."""
        if "{{}}" in key or self.chronicle.unqualified_unsure(self.at):
            return False
        if "." in key:
            return True
        word = plain_name(key)
        return not db.tables.named({word}) and not any(objects.find("plain", (word,)) for objects in (db.views, db.sequences))

    def table_present(self, db: Database, key: str) -> bool:
        """Is the table certainly there (its columns may be unknown: created from a query)?"""
        return key in db.tables and self.chronicle.present(RELATION, key, self.at)

    def table(self, db: Database, key: str) -> Table | None:
        """The table, when the model is certain of it and of every column it has."""
        table = dict.get(db.tables, key)  # to read (TableMap)
        if table is None or table.unknown or table.family:
            return None
        return table if self.chronicle.present(RELATION, key, self.at) else None

    def quiet(self, table: str, word: str) -> bool:
        """Nothing the model could not follow mentioned `word` since the table was made."""
        return self.chronicle.quiet_since(RELATION, table, word, self.at)

    def column_absent(self, db: Database, table_key: str, column: str) -> Table | None:
        """The table, when it certainly has no column `column`."""
        held = dict.get(db.tables, table_key)  # to read (TableMap)
        if held is not None and column in held.columns:  # most columns named are there: the answer, however sure the table
            return None
        table = self.table(db, table_key)
        if table is None or self.system_column(column) or not self.quiet(table_key, column.lower()):
            return None
        return table

    def system_column(self, name: str) -> bool:
        """A column every table has without declaring it (PostgreSQL's ctid, xmin ...; SQLite's rowid)."""
        return name.lower() in _SYSTEM_COLUMNS.get(self.dialect, ())

    def column_present(self, db: Database, table_key: str, column: str) -> Column | None:
        held = dict.get(db.tables, table_key)  # to read (TableMap)
        if held is None or column not in held.columns:  # most columns added are new: the answer, however sure the table
            return None
        table = self.table(db, table_key)
        found = table.columns.get(column) if table is not None else None
        if found is None or found.unknown or not self.quiet(table_key, column.lower()):
            return None
        return found

    def keys_known(self, db: Database, table_key: str, word: str) -> Table | None:
        """The table, when the model knows every index and constraint it has."""
        table = self.table(db, table_key)
        if table is None or table.keys_unknown or not self.quiet(table_key, word.lower()):
            return None
        return table

    def object_absent(self, db: Database, kind: str, key: str) -> str | None:
        if kind in ("table", "view", "sequence"):
            return self.relation_absent(db, key)
        if kind == "type":
            if key in db.types or not self._unique_spelling_in(db.types, key):
                return None
        elif kind in ("function", "procedure"):
            if routine_key(kind, key) in db.routines or not self._unique_spelling_in(db.routines, key):
                return None
            if kind == "function" and routine_key("procedure", key) in db.routines:
                return None
        elif kind == "schema":
            if key in db.schemas:
                return None
        else:
            return None
        why = self.chronicle.absent(space(kind), key, self.at)
        if why is None and kind == "type" and not self.chronicle.extended(self.at) and self.never_made(key):
            return "never created"  # a down file naming a type no statement made (nor an extension)
        return why

    def trigger_absent(self, db: Database, name: str, table: str) -> str | None:
        """PostgreSQL names triggers per table, which the model (a routine per name) does not: only a
        statement that dropped this trigger of this table, or a later one creating it, is evidence."""
        if table and table not in db.tables:
            return None  # the table's absence is its own error
        key = trigger_key(name, table, self.dialect)
        if self.dialect != "postgres" and (routine_key("trigger", name) in db.routines or not self._unique_spelling_in(db.routines, name)):
            return None
        why = self.chronicle.absent("trigger", key, self.at)
        if why in ("removed earlier", "created only later"):
            return why
        # Never made on a table the history made: only a statement of the history could have made it.
        if why is None and table and self.table_present(db, table) and not self.chronicle.seen("trigger", key, self.at):
            if self.chronicle.calm(self.at) and self.chronicle.quiet_word(name.lower(), self.at):
                return "never created"
        return None

    def _unique_spelling_in(self, objects: Types | Routines, key: str) -> bool:
        if "{{}}" in key or self.chronicle.unqualified_unsure(self.at):
            return False
        return "." in key or not objects.find("plain", (plain_name(key),))

    def object_present(self, db: Database, kind: str, key: str) -> bool:
        maps: dict[str, Views | Sequences | Types] = {"view": db.views, "sequence": db.sequences, "type": db.types}
        objects = maps.get(kind)
        found: View | Sequence | UserType | Routine | None
        if objects is not None:
            found = objects.get(key)
        elif kind == "schema":
            return key in db.schemas and self.chronicle.present("schema", key, self.at)
        else:
            found = db.routines.get(routine_key(kind, key))
        return found is not None and not found.unknown and self.chronicle.present(space(kind), key, self.at)

    def index_absent(self, db: Database, name: str, table_key: str) -> bool:
        """No index or key `name` on the table (given), or, by name alone, anywhere it could be."""
        if table_key:
            table = self.keys_known(db, table_key, bare_name(name))
            return table is not None and table.find_key(bare_name(name)) is None and table_key not in MIGRATIONS_TABLES
        schema, _, bare = name.rpartition(".")
        if db.tables.holding(bare) or (not schema and self.chronicle.unqualified_unsure(self.at)) or "{{}}" in name:
            return False
        if any(k.rpartition(".")[0] == schema for k in db.views.find("index", (bare,))):
            return False  # an index of a materialized view
        key = name if schema else bare
        if self.chronicle.absent("index", key, self.at) is not None:
            return True
        # Never made by the history: absent when the model knows every object the history touched,
        # and some table of the schema it would be in (an empty history proves nothing).
        if db.open_world or not self.chronicle.calm(self.at) or not self.chronicle.quiet_word(bare.lower(), self.at):
            return False
        if not self.chronicle.self_contained():
            return False
        return any(k.rpartition(".")[0] == schema for k in db.tables)

    # --- columns in expressions

    def resolve_column(self, db: Database, ref: o.ColumnRef) -> tuple[bool, list[Table]] | None:
        """(found, the tables searched) when the model can tell where the name is; None when it cannot."""
        if self.system_column(ref.name):
            return None
        searched: list[Table] = []
        for scope in ref.scopes:
            holders = []
            for key in scope:
                table = self.table(db, key) if key else None
                if table is None:
                    if key and key in db.views:  # a view's columns are not modelled
                        return None
                    return None
                searched.append(table)
                if ref.name in table.columns:
                    holders.append(table)
            if holders:
                return True, searched
        return False, searched


def trigger_key(name: str, table: str, dialect: str) -> str:
    """PostgreSQL names triggers per table; MySQL and SQLite per schema."""
    return f"{table}:{name}" if table and dialect == "postgres" else name


# --- the checks, one per kind of op


def _uses_table(self: Resolver, op: o.UsesTable, db: Database) -> list[Rejected]:
    if op.table in db.tables:  # most tables named are there: relation_absent's first answer
        return []
    if op.place == "reference" and not self.checks_references():
        return []
    why = self.relation_absent(db, op.table)
    if why is None:
        return []
    return self._reject(MISSING, op.table, self.words.relation_missing(op.table), why)


def _uses_column(self: Resolver, op: o.UsesColumn, db: Database) -> list[Rejected]:
    ref = op.column
    if ref.name == "*":
        return []
    if op.place == "default":
        if self.dialect != "postgres":
            return []  # MySQL reads "x" as a string; SQLite takes a bare word there as one
        problem = QUOTED if ref.quoted else MISSING
        return self._reject(problem, f"default {ref.name}", "cannot use column reference in DEFAULT expression", _quoted_detail(ref))
    if ref.quoted and self.dialect == "sqlite" and op.place == "":
        return []  # SQLite takes a double-quoted name that matches no column as a string
    if op.place == "reference" and not self.checks_references():
        return []
    if op.place in ("target", "reference"):
        (table_key,) = ref.scopes[0]
        table = self.column_absent(db, table_key, ref.name)
        if table is None:
            return []
        if op.place == "reference":
            message = self.words.reference_column_missing(ref.name, table_key)
        else:
            message = self.words.column_of_missing(ref.name, table_key)
        return self._reject(MISSING, f"{table_key}.{ref.name}", message)
    if _held(db, ref):  # resolve_column finds it, or cannot tell: no verdict either way (most names are found)
        return []
    resolved = self.resolve_column(db, ref)
    if resolved is None or resolved[0]:
        return []
    if any(not self.quiet(t.name, ref.name.lower()) for t in resolved[1]):
        return []
    message = self.words.column_missing(ref.name, ref.qualifier, [t.name for t in resolved[1]])
    return self._reject(QUOTED if ref.quoted else MISSING, f"column {ref.qualifier}.{ref.name}", message, _quoted_detail(ref))


def _held(db: Database, ref: o.ColumnRef) -> bool:
    """Does a table of the model that the name may be looked up in hold the column? Then Resolver.resolve_column
    finds it there, or, when that table or one searched before it is not certain, cannot tell: never 'not found'.
    Asked first, as it costs no question of certainty."""
    for scope in ref.scopes:
        for key in scope:
            table = dict.get(db.tables, key)  # to read (TableMap)
            if table is not None and ref.name in table.columns:
                return True
    return False


def _quoted_detail(ref: o.ColumnRef) -> str:
    return f'"{ref.name}" in double quotes is a name, not a string' if ref.quoted else ""


def _insert_rows(self: Resolver, op: o.InsertRows, db: Database) -> list[Rejected]:
    widths = set(op.widths)
    if len(widths) > 1:
        return self._reject(INSERT, op.table, self.words.values_lengths_differ())
    if not widths:
        return []
    (width,) = widths
    if op.columns is not None:
        expected = len(op.columns)
        exact = True
    else:
        table = self.table(db, op.table)
        if table is None or any(c.generated for c in table.columns.values()):
            return []
        expected = len(table.columns)
        exact = self.dialect != "postgres"  # PostgreSQL fills the columns left over with their defaults
    if width > expected or (exact and width < expected):
        return self._reject(INSERT, op.table, self.words.insert_count(width, expected, op.columns is not None, op.table))
    return []


def _copy_rows(self: Resolver, op: o.CopyRows, db: Database) -> list[Rejected]:
    """INSERT INTO t SELECT ... FROM s: PostgreSQL converts each value to its column's type only where an
    assignment cast exists (an id cannot become a timestamp)."""
    target, source = self.table(db, op.target), self.table(db, op.source)
    if target is None or source is None:
        return []
    targets = op.target_columns if op.target_columns is not None else tuple(target.columns)
    sources = op.source_columns if op.source_columns is not None else tuple(source.columns)
    if op.source_columns is None and not any(c.generated for c in (*target.columns.values(), *source.columns.values())):
        # SELECT *: as many values as the source has columns (InsertRows counts a SELECT list written out)
        width, expected = len(sources), len(targets)
        if width > expected or (self.dialect != "postgres" and width < expected):
            return self._reject(INSERT, op.target, self.words.insert_count(width, expected, op.target_columns is not None, op.target))
    if self.dialect != "postgres":
        return []  # MySQL and SQLite convert any value (or store it as it is)
    for name, read in zip(targets, sources):
        into, out_of = target.columns.get(name), source.columns.get(read or "")
        if into is None or out_of is None or into.type is None or out_of.type is None:
            continue
        wanted, given = _pg_type(resolve(into.type, db.types)), _pg_type(resolve(out_of.type, db.types))
        if wanted and given and not _assignable(given, wanted):
            message = f'column "{name}" is of type {postgres_type_shown(wanted)} but expression is of type {postgres_type_shown(given)}'
            return self._reject(INSERT, f"{op.target}.{name}", message, f"{op.source}.{read} is {out_of.type.sql}")
    return []


# sqlglot's type names as PostgreSQL's catalog names them.
_PG_TYPES = {
    "SMALLINT": "int2",
    "INT": "int4",
    "BIGINT": "int8",
    "DECIMAL": "numeric",
    "FLOAT": "float4",
    "DOUBLE": "float8",
    "BOOLEAN": "bool",
    "TEXT": "text",
    "VARCHAR": "varchar",
    "CHAR": "bpchar",
    "NAME": "name",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMPTZ": "timestamptz",
    "TIME": "time",
    "TIMETZ": "timetz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "json",
    "JSONB": "jsonb",
    "VARBINARY": "bytea",
    "INET": "inet",
    "MONEY": "money",
    "XML": "xml",
}
_PG_STRINGS = {"text", "varchar", "bpchar", "name"}  # every type converts to these on assignment (I/O conversion)
# PostgreSQL's implicit and assignment casts between those types (pg_cast, castcontext 'i' or 'a').
_PG_ASSIGNABLE = {
    ("bool", "bpchar"), ("bool", "text"), ("bool", "varchar"),
    ("date", "timestamp"), ("date", "timestamptz"),
    ("float4", "float8"), ("float4", "int2"), ("float4", "int4"), ("float4", "int8"), ("float4", "numeric"),
    ("float8", "float4"), ("float8", "int2"), ("float8", "int4"), ("float8", "int8"), ("float8", "numeric"),
    ("inet", "bpchar"), ("inet", "text"), ("inet", "varchar"),
    ("int2", "float4"), ("int2", "float8"), ("int2", "int4"), ("int2", "int8"), ("int2", "numeric"),
    ("int4", "float4"), ("int4", "float8"), ("int4", "int2"), ("int4", "int8"), ("int4", "money"), ("int4", "numeric"),
    ("int8", "float4"), ("int8", "float8"), ("int8", "int2"), ("int8", "int4"), ("int8", "money"), ("int8", "numeric"),
    ("interval", "time"),
    ("json", "jsonb"), ("jsonb", "json"),
    ("money", "numeric"),
    ("numeric", "float4"), ("numeric", "float8"), ("numeric", "int2"), ("numeric", "int4"), ("numeric", "int8"), ("numeric", "money"),
    ("time", "interval"), ("time", "timetz"),
    ("timestamp", "date"), ("timestamp", "time"), ("timestamp", "timestamptz"),
    ("timestamptz", "date"), ("timestamptz", "time"), ("timestamptz", "timestamp"), ("timestamptz", "timetz"),
    ("timetz", "time"),
}  # fmt: skip


def _pg_type(ctype: ColumnType) -> str:
    return "" if ctype.user or ctype.element is not None else _PG_TYPES.get(ctype.base, "")


def _assignable(given: str, wanted: str) -> bool:
    return given == wanted or wanted in _PG_STRINGS or (given, wanted) in _PG_ASSIGNABLE


def _create_table(self: Resolver, op: o.CreateTable, db: Database) -> list[Rejected]:
    found: list[Rejected] = []
    if op.temporary:
        return []
    if not op.if_not_exists and (self.table_present(db, op.table) or self.object_present(db, "view", op.table)):
        found += self._reject(EXISTS, op.table, self.words.relation_exists(op.table, "table"))
    # The table as meant is kept in the model even though the statement fails: what follows was written for it.
    seen: set[str] = set()
    for column in op.columns:
        if column.name in seen:
            found += self._reject(EXISTS, f"{op.table}.{column.name}", self.words.column_twice(column.name), fails_op=False)
        seen.add(column.name)
        found += _user_type(self, db, column, fails_op=False)
    if sum(c.kind == "primary" for c in op.constraints) > 1:
        found += self._reject(EXISTS, f"{op.table} primary key", self.words.primary_twice(op.table), fails_op=False)
    if not op.unknown and not op.like and not op.parents:
        keys: tuple[Constraint | Index, ...] = (*(c for c in op.constraints if c.kind != "check"), *op.indexes)
        for key in keys:
            for name in key.columns:
                if name not in seen and _plain_column(name):
                    found += self._reject(MISSING, f"{op.table}.{name}", self.words.key_column_missing(name, op.table), fails_op=False)
    return found


def _plain_column(name: str) -> bool:
    return _PLAIN_COLUMN.fullmatch(name) is not None


_PLAIN_COLUMN = lazy(r"[^\s()'\",:]+")  # asked of every key column of every table created


def _user_type(self: Resolver, db: Database, column: Column, fails_op: bool | None = None) -> list[Rejected]:
    ctype = column.type
    if ctype is None or not ctype.user:
        return []
    why = self.object_absent(db, "type", ctype.user)
    return self._reject(MISSING, f"type {ctype.user}", self.words.type_missing(ctype.user), why, fails_op) if why else []


def _drop_table(self: Resolver, op: o.DropTable, db: Database) -> list[Rejected]:
    self._dropping.add(op.table)
    if op.table not in db.tables:
        why = None if op.if_exists else self.relation_absent(db, op.table)
        if why is None and not op.if_exists and op.table in db.views and self.dialect == "postgres":
            return []  # a view: "is not a table", not a missing name
        return self._reject(MISSING, op.table, self.words.table_missing(op.table), why) if why else []
    if op.cascade:
        return []
    table = dict.__getitem__(db.tables, op.table)  # to read (TableMap)
    dependents = _views_on(db, f"table {table.oid}") if self.dialect == "postgres" else []
    if self.dialect in ("postgres", "mysql") and not self.chronicle.setting_unsure("foreign_key_checks", self.at):
        dependents += [
            f"constraint {name} on table {other.name}"
            for other, name, _ in _foreign_keys_on(db, op.table)
            if other.name not in self._dropping
        ]
    if not dependents:
        return []
    return self._reject(DEPENDENTS, op.table, self.words.cannot_drop("table", op.table, dependents), "; ".join(dependents))


def _views_on(db: Database, dependency: str) -> list[str]:
    return [f"view {key}" for key in db.views.find("depends", (dependency,)) if not db.views[key].unknown]


def _foreign_keys_on(db: Database, table: str, columns: tuple[str, ...] | None = None) -> list[tuple[Table, str, Constraint]]:
    """(table, name, key) of the foreign keys that reference `table` (those columns, when given)."""
    found: list[tuple[Table, str, Constraint]] = []
    referenced = dict.get(db.tables, table)
    if referenced is None or not referenced.referenced:
        return found  # no foreign key ever referenced it (asking would scan every table of a down file's copy)
    for key in sorted(db.tables.referencing(table)):
        other = dict.get(db.tables, key)
        if other is None or other.unknown or other.keys_unknown:
            continue
        for name, constraint in other.constraints.items():
            if constraint.kind != "foreign":
                continue
            target, _, rest = constraint.references.partition("(")
            if target != table:
                continue
            key_columns = tuple(c.strip() for c in rest.rstrip(")").split(",")) if rest else ()
            if columns is None or (key_columns and set(key_columns) & set(columns)):
                found.append((other, name, constraint))
    return found


def _rename_table(self: Resolver, op: o.RenameTable, db: Database) -> list[Rejected]:
    found: list[Rejected] = []
    if op.table not in db.tables:
        why = self.relation_absent(db, op.table)
        if why:
            found += self._reject(MISSING, op.table, self.words.relation_missing(op.table), why)
    new = op.new if "." in op.new or "." not in op.table else f"{op.table.rsplit('.', 1)[0]}.{op.new}"
    if new != op.table and (self.table_present(db, new) or self.object_present(db, "view", new)):
        found += self._reject(EXISTS, new, self.words.relation_exists(new, "table"))
    return found


def _add_column(self: Resolver, op: o.AddColumn, db: Database) -> list[Rejected]:
    found = _user_type(self, db, op.column)
    if not op.if_not_exists and self.column_present(db, op.table, op.column.name) is not None:
        found += self._reject(EXISTS, f"{op.table}.{op.column.name}", self.words.column_exists(op.column.name, op.table))
    return found


def _drop_column(self: Resolver, op: o.DropColumn, db: Database) -> list[Rejected]:
    if not op.if_exists and self.column_absent(db, op.table, op.column) is not None:
        return self._reject(MISSING, f"{op.table}.{op.column}", self.words.drop_column_missing(op.column, op.table))
    if op.cascade:
        return []
    table = dict.get(db.tables, op.table)
    column = table.columns.get(op.column) if table is not None and not table.unknown else None
    if table is None or column is None:
        return []
    dependents: list[str] = []
    if self.dialect == "postgres":
        dependents += _views_on(db, f"column {table.oid} {column.cid}")
        keys: tuple[Constraint | Index, ...] = (*table.constraints.values(), *table.indexes.values())
        unique = [k for k in keys if op.column in k.columns and _is_unique(k)]
        for key in unique:
            dependents += [f"constraint {name} on table {other.name}" for other, name, _ in _foreign_keys_on(db, op.table, key.columns)]
    elif self.dialect == "mysql" and not self.chronicle.setting_unsure("foreign_key_checks", self.at) and not table.keys_unknown:
        dependents += [f"constraint {name}" for name, k in table.constraints.items() if k.kind == "foreign" and op.column in k.columns]
        dependents += [
            f"constraint {name} on table {other.name}"
            for other, name, _ in _foreign_keys_on(db, op.table, (op.column,))
            if other is not table
        ]
    if not dependents:
        return []
    return self._reject(
        DEPENDENTS, f"{op.table}.{op.column}", self.words.cannot_drop_column(op.column, op.table, dependents), "; ".join(dependents)
    )


def _is_unique(key: Index | Constraint) -> bool:
    return key.unique if isinstance(key, Index) else key.kind in ("primary", "unique")


def _rename_column(self: Resolver, op: o.RenameColumn, db: Database) -> list[Rejected]:
    if self.column_absent(db, op.table, op.column) is not None:
        return self._reject(MISSING, f"{op.table}.{op.column}", self.words.column_of_missing(op.column, op.table, "rename"))
    if op.new != op.column and self.column_present(db, op.table, op.new) is not None:
        return self._reject(EXISTS, f"{op.table}.{op.new}", self.words.column_exists(op.new, op.table))
    return []


def _alter_column(self: Resolver, op: o.AlterColumn, db: Database) -> list[Rejected]:
    if self.column_absent(db, op.table, op.column) is not None:
        return self._reject(MISSING, f"{op.table}.{op.column}", self.words.column_of_missing(op.column, op.table, "alter"))
    if op.type is not None and op.type.user:
        why = self.object_absent(db, "type", op.type.user)
        if why:
            return self._reject(MISSING, f"type {op.type.user}", self.words.type_missing(op.type.user), why)
    return []


def _replace_column(self: Resolver, op: o.ReplaceColumn, db: Database) -> list[Rejected]:
    if self.column_absent(db, op.table, op.column) is not None:
        return self._reject(MISSING, f"{op.table}.{op.column}", self.words.column_of_missing(op.column, op.table, "alter"))
    if op.definition.name != op.column and self.column_present(db, op.table, op.definition.name) is not None:
        return self._reject(EXISTS, f"{op.table}.{op.definition.name}", self.words.column_exists(op.definition.name, op.table))
    return []


def _add_constraint(self: Resolver, op: o.AddConstraint, db: Database) -> list[Rejected]:
    key = op.constraint or op.index
    if key is None:
        return []
    found: list[Rejected] = []
    table = self.keys_known(db, op.table, key.name or "primary")
    if table is not None:
        if isinstance(key, Constraint) and key.kind == "primary" and any(c.kind == "primary" for c in table.constraints.values()):
            found += self._reject(EXISTS, f"{op.table} primary key", self.words.primary_twice(op.table))
        elif key.name and _clashes(table, key, self.dialect):
            # PostgreSQL: an index-backed key meets an index (or a table) of that name first, anything else the constraint.
            relation = _is_index_like(key) and (key.name in table.indexes or _is_index_like(table.constraints.get(key.name)))
            found += self._reject(EXISTS, f"{op.table}.{key.name}", self.words.key_exists(key.name, op.table, relation))
    columns_known = self.table(db, op.table)
    # A CHECK's columns are what its expression reads: UsesColumn judges them, in their own words.
    if columns_known is not None and not op.in_added_column and not (isinstance(key, Constraint) and key.kind == "check"):
        for name in key.columns:
            if _plain_column(name) and self.column_absent(db, op.table, name) is not None:
                found += self._reject(MISSING, f"{op.table}.{name}", self.words.key_column_missing(name, op.table))
    return found


def _clashes(table: Table, key: Index | Constraint, dialect: str) -> bool:
    """Does a key of that name already exist where the database looks? PostgreSQL: any constraint of the
    table (and, for an index-backed key, its indexes); MySQL keeps indexes (with UNIQUE and PRIMARY KEY)
    apart from foreign keys and CHECKs."""
    if dialect != "mysql":
        return table.find_key(key.name) is not None if _is_index_like(key) else key.name in table.constraints
    if _is_index_like(key):
        existing = table.find_key(key.name)
        return existing is not None and _is_index_like(existing)
    existing = table.constraints.get(key.name)
    return existing is not None and isinstance(key, Constraint) and existing.kind == key.kind


def _is_index_like(key: Index | Constraint | None) -> bool:
    return isinstance(key, Index) or (key is not None and key.kind in ("primary", "unique", "exclude"))


def _drop_constraint(self: Resolver, op: o.DropConstraint, db: Database) -> list[Rejected]:
    if not op.name:
        return []
    table = self.keys_known(db, op.table, op.name)
    if table is None:
        return []
    key = table.find_key(op.name)
    if key is None or (self.dialect == "postgres" and op.name not in table.constraints):
        # PostgreSQL's DROP CONSTRAINT finds constraints only: an index made by CREATE INDEX is not one.
        if op.if_exists:
            return []
        detail = "it is an index, not a constraint: DROP INDEX drops it" if key is not None else ""
        return self._reject(MISSING, f"{op.table}.{op.name}", self.words.constraint_missing(op.name, op.table, op.kind), detail)
    if op.cascade or self.dialect != "postgres" or not _is_unique(key) or not _sole_unique_key(table, key):
        return []
    dependents = [
        f"constraint {name} on table {other.name}"
        for other, name, c in _foreign_keys_on(db, op.table, key.columns)
        if _references_exactly(c, key)
    ]
    if not dependents:
        return []
    return self._reject(
        DEPENDENTS,
        f"{op.table}.{op.name}",
        self.words.cannot_drop("constraint", f"{op.name} on table {op.table}", dependents),
        "; ".join(dependents),
    )


def _sole_unique_key(table: Table, key: Index | Constraint) -> bool:
    """Is it the only unique key of its columns? With two, PostgreSQL ties a foreign key to the one it
    found when the foreign key was made, which the model does not record."""
    keys: tuple[Constraint | Index, ...] = (*table.constraints.values(), *table.indexes.values())
    same = [k for k in keys if _is_unique(k) and set(k.columns) == set(key.columns)]
    return len(same) == 1


def _references_exactly(foreign: Constraint, key: Index | Constraint) -> bool:
    """Does the foreign key rely on this unique key: the same columns, in any order?"""
    _, _, rest = foreign.references.partition("(")
    return set(c.strip() for c in rest.rstrip(")").split(",")) == set(key.columns) if rest else False


def _rename_key(self: Resolver, op: o.RenameKey, db: Database) -> list[Rejected]:
    if self.index_absent(db, op.name, op.table):
        if op.table:
            message = self.words.constraint_missing(op.name, op.table, "rename")
        else:
            message = self.words.relation_missing(op.name)
        return self._reject(MISSING, f"index {op.name}", message)
    return []


def _create_index(self: Resolver, op: o.CreateIndex, db: Database) -> list[Rejected]:
    name = op.index.name
    if not name or op.if_not_exists:
        return []
    if self.dialect == "mysql":
        table = self.keys_known(db, op.table, name)
        if table is not None and table.find_key(name) is not None:
            return self._reject(EXISTS, f"index {name}", self.words.key_exists(name, op.table, True))
        return []
    # Every holder is in the table's schema, so the index's key in the chronicle is this one: when no statement made,
    # dropped or renamed that name before, none is certainly there (Chronicle.present), and no table need be found.
    key = _qualified(name, op.table)
    if not self.chronicle.seen("index", key, self.at):
        return []
    schema = op.table.rpartition(".")[0]
    holders = [k for k in db.tables.holding(name) if k.rpartition(".")[0] == schema]
    for holder in holders:
        table = self.keys_known(db, holder, name)
        if (
            table is not None
            and (existing := table.find_key(name)) is not None
            and _is_index_like(existing)
            and self.chronicle.present("index", key, self.at)
        ):
            return self._reject(EXISTS, f"index {name}", self.words.index_exists(name))
    return []


def _qualified(name: str, table: str) -> str:
    schema = table.rpartition(".")[0]
    return f"{schema}.{name}" if schema else name


def _drop_index(self: Resolver, op: o.DropIndex, db: Database) -> list[Rejected]:
    if op.if_exists:
        return []
    schema, _, bare = op.name.rpartition(".")
    # Asked once for the two questions below: by name alone, a name some table holds is not absent (index_absent's first test).
    held = db.tables.holding(bare) if not op.table else None
    if (held is None or not held) and self.index_absent(db, op.name, op.table):
        return self._reject(MISSING, f"index {op.name}", self.words.index_missing(op.name, op.table))
    if self.dialect != "postgres":
        return []
    holders = [k for k in (held if held is not None else db.tables.holding(bare)) if k.rpartition(".")[0] == schema]
    if len(holders) != 1:
        return []
    table = self.keys_known(db, holders[0], bare)
    if table is None:
        return []
    constraint = table.constraints.get(bare)
    if constraint is not None and bare not in table.indexes and constraint.kind in ("primary", "unique", "exclude"):
        return self._reject(DEPENDENTS, f"index {bare}", self.words.index_owned(bare, table.name))
    index = table.indexes.get(bare)
    if index is None or not index.unique or op.cascade or not _sole_unique_key(table, index):
        return []
    dependents = [
        f"constraint {name} on table {other.name}"
        for other, name, c in _foreign_keys_on(db, table.name, index.columns)
        if _references_exactly(c, index)
    ]
    if dependents:
        return self._reject(DEPENDENTS, f"index {bare}", self.words.cannot_drop("index", bare, dependents), "; ".join(dependents))
    return []


def _create_object(self: Resolver, op: o.CreateObject, db: Database) -> list[Rejected]:
    found: list[Rejected] = []
    if op.kind == "trigger":
        if op.table:
            why = self.relation_absent(db, op.table)
            if why:
                found += self._reject(MISSING, op.table, self.words.relation_missing(op.table), why)
        if op.function and self.dialect == "postgres":
            why = self.object_absent(db, "function", op.function)
            if why:
                found += self._reject(MISSING, f"function {op.function}", self.words.function_missing(op.function), why)
        key = trigger_key(op.name, op.table, self.dialect)
        there = self.dialect == "postgres" or routine_key("trigger", op.name) in db.routines
        if not op.guarded and there and op.table in db.tables and self.chronicle.present("trigger", key, self.at):
            found += self._reject(EXISTS, f"trigger {op.name}", self.words.trigger_exists(op.name, op.table))
        return found
    if op.guarded or op.kind not in ("view", "sequence", "type", "schema"):
        return found
    exists = self.object_present(db, op.kind, op.name)
    if op.kind in ("view", "sequence") and self.table_present(db, op.name):
        exists = True
    if exists:
        found += self._reject(EXISTS, f"{op.kind} {op.name}", self.words.object_exists(op.kind, op.name))
    return found


def _drop_object(self: Resolver, op: o.DropObject, db: Database) -> list[Rejected]:
    if op.kind in ("extension", "event", "procedure"):
        return []
    if op.if_exists:
        why = None
    elif op.kind == "trigger":
        why = self.trigger_absent(db, op.name, op.table)
    else:
        why = self.object_absent(db, op.kind, op.name)
    if why:
        if op.kind == "view" and op.name in db.tables:
            return []
        return self._reject(MISSING, f"{op.kind} {op.name}", self.words.object_missing(op.written_kind, op.name, op.table), why)
    if op.cascade or self.dialect != "postgres":
        return []
    dependents = [found for found in _object_dependents(db, op.kind, op.name) if found not in self._dropping]
    if not dependents:
        return []
    shown = f"function {op.name}()" if op.kind == "function" else f"{op.written_kind} {op.name}"
    return self._reject(DEPENDENTS, f"{op.kind} {op.name}", self.words.cannot_drop_shown(shown, dependents), "; ".join(dependents))


def _object_dependents(db: Database, kind: str, name: str) -> list[str]:
    """What depends on a view, function, sequence or type (PostgreSQL refuses to drop it without CASCADE)."""
    if kind == "view":
        view = db.views.get(name)
        return _views_on(db, f"view {name}") if view is not None and not view.unknown else []
    if kind == "function":
        found = db.routines.find("trigger runs", (name,))
        return [f"trigger {db.routines[key].name} on table {db.routines[key].table}" for key in found if not db.routines[key].unknown]
    if kind == "sequence":
        sequence = db.sequences.get(name)
        if sequence is None or sequence.unknown:
            return []
        pattern = re.compile(rf"NEXTVAL\('(?:public\.)?{re.escape(name)}'", re.IGNORECASE)
        return [
            f"default value for column {column.name} of table {table.name}"
            for table in db.tables.values()
            if not table.unknown
            for column in table.columns.values()
            if column.default and pattern.search(column.default)
        ]
    if kind == "type":
        user = db.types.get(name)
        if user is None or user.unknown:
            return []
        return [
            f"column {column.name} of table {table.name}"
            for table in db.tables.values()
            if not table.unknown
            for column in table.columns.values()
            if column.type is not None
            and (column.type.user == name or column.type.element is not None and column.type.element.user == name)
        ]
    return []


def _rename_object(self: Resolver, op: o.RenameObject, db: Database) -> list[Rejected]:
    if op.kind not in ("view", "sequence", "type"):
        return []
    why = self.object_absent(db, op.kind, op.name)
    if why:
        return self._reject(MISSING, f"{op.kind} {op.name}", self.words.object_missing(op.kind, op.name), why)
    new = op.new if "." in op.new or "." not in op.name else f"{op.name.rsplit('.', 1)[0]}.{op.new}"
    if self.object_present(db, op.kind, new) or (op.kind != "type" and self.table_present(db, new)):
        return self._reject(EXISTS, f"{op.kind} {new}", self.words.object_exists(op.kind, new))
    return []


def _enum_value(self: Resolver, op: o.AddEnumValue | o.RenameEnumValue, db: Database) -> list[Rejected]:
    why = self.object_absent(db, "type", op.type)
    if why:
        return self._reject(MISSING, f"type {op.type}", self.words.type_missing(op.type), why)
    return []


def _uses_sequence(self: Resolver, op: o.UsesSequence, db: Database) -> list[Rejected]:
    if self.dialect != "postgres":
        return []
    why = self.relation_absent(db, op.sequence)
    if why == "never created" and (self.chronicle.extended(self.at) or _may_be_implicit(db, op.sequence)):
        return []  # an extension may have made it, or a column made an identity in a way the model does not follow
    return self._reject(MISSING, op.sequence, self.words.relation_missing(op.written or op.sequence), why) if why else []


def _may_be_implicit(db: Database, key: str) -> bool:
    """Could `key` be the sequence PostgreSQL names for a column of a table here (`<table>_<column>_seq`,
    numbered when taken, cut when long)? ALTER COLUMN ... ADD GENERATED AS IDENTITY, or CREATE TABLE
    ... (LIKE ... INCLUDING IDENTITY), make one the model does not hold."""
    bare = plain_name(key)
    if len(bare.encode()) >= PG_NAME_LENGTH - 3:
        return True  # cut to fit: the parts it was made of cannot be told
    for table_key, table in db.tables.items():
        prefix = f"{plain_name(table_key)}_"
        if not bare.startswith(prefix):
            continue
        if table.unknown or any(re.fullmatch(rf"{re.escape(column.lower())}_seq\d*", bare[len(prefix) :]) for column in table.columns):
            return True  # an unknown table's columns are not all known
    return False


def _truncate(self: Resolver, op: o.Truncate, db: Database) -> list[Rejected]:
    why = self.relation_absent(db, op.table)
    return self._reject(MISSING, op.table, self.words.relation_missing(op.table), why) if why else []


# What the database says of each op: as in replay's _HANDLERS, each function takes the op of its key's type.
_CHECKS: dict[type[o.Op], Callable[[Resolver, Any, Database], list[Rejected]]] = {
    o.UsesTable: _uses_table,
    o.UsesSequence: _uses_sequence,
    o.UsesColumn: _uses_column,
    o.InsertRows: _insert_rows,
    o.CopyRows: _copy_rows,
    o.CreateTable: _create_table,
    o.DropTable: _drop_table,
    o.RenameTable: _rename_table,
    o.AddColumn: _add_column,
    o.DropColumn: _drop_column,
    o.RenameColumn: _rename_column,
    o.AlterColumn: _alter_column,
    o.ReplaceColumn: _replace_column,
    o.AddConstraint: _add_constraint,
    o.DropConstraint: _drop_constraint,
    o.RenameKey: _rename_key,
    o.CreateIndex: _create_index,
    o.DropIndex: _drop_index,
    o.CreateObject: _create_object,
    o.DropObject: _drop_object,
    o.RenameObject: _rename_object,
    o.AddEnumValue: _enum_value,
    o.RenameEnumValue: _enum_value,
    o.Truncate: _truncate,
}


# --- the databases' words


def _q(name: str) -> str:
    return bare_name(name)


class _Postgres:
    """PostgreSQL's error messages (src/backend/catalog, parser, commands)."""

    @staticmethod
    def relation_missing(name: str) -> str:
        return f'relation "{name}" does not exist'

    @staticmethod
    def table_missing(name: str) -> str:
        return f'table "{_q(name)}" does not exist'

    @staticmethod
    def column_missing(name: str, qualifier: str, tables: list[str]) -> str:
        return f"column {qualifier}.{name} does not exist" if qualifier else f'column "{name}" does not exist'

    @staticmethod
    def column_of_missing(name: str, table: str, action: str = "") -> str:
        return f'column "{name}" of relation "{_q(table)}" does not exist'

    @staticmethod
    def drop_column_missing(name: str, table: str) -> str:
        return f'column "{name}" of relation "{_q(table)}" does not exist'

    @staticmethod
    def reference_column_missing(name: str, table: str) -> str:
        return f'column "{name}" referenced in foreign key constraint does not exist'

    @staticmethod
    def key_column_missing(name: str, table: str) -> str:
        return f'column "{name}" named in key does not exist'

    @staticmethod
    def column_exists(name: str, table: str) -> str:
        return f'column "{name}" of relation "{_q(table)}" already exists'

    @staticmethod
    def column_twice(name: str) -> str:
        return f'column "{name}" specified more than once'

    @staticmethod
    def relation_exists(name: str, kind: str) -> str:
        return f'relation "{_q(name)}" already exists'

    @staticmethod
    def key_exists(name: str, table: str, index_like: bool) -> str:
        return f'relation "{name}" already exists' if index_like else f'constraint "{name}" for relation "{_q(table)}" already exists'

    @staticmethod
    def index_exists(name: str) -> str:
        return f'relation "{name}" already exists'

    @staticmethod
    def primary_twice(table: str) -> str:
        return f'multiple primary keys for table "{_q(table)}" are not allowed'

    @staticmethod
    def constraint_missing(name: str, table: str, kind: str = "") -> str:
        if kind == "rename":
            return f'constraint "{name}" for table "{_q(table)}" does not exist'
        return f'constraint "{name}" of relation "{_q(table)}" does not exist'

    @staticmethod
    def index_missing(name: str, table: str) -> str:
        return f'index "{_q(name)}" does not exist'

    @staticmethod
    def index_owned(name: str, table: str) -> str:
        return f"cannot drop index {name} because constraint {name} on table {_q(table)} requires it"

    @staticmethod
    def type_missing(name: str) -> str:
        return f'type "{_q(name)}" does not exist'

    @staticmethod
    def function_missing(name: str) -> str:
        return f"function {_q(name)}() does not exist"

    @staticmethod
    def trigger_exists(name: str, table: str) -> str:
        return f'trigger "{name}" for relation "{_q(table)}" already exists'

    @staticmethod
    def object_exists(kind: str, name: str) -> str:
        if kind in ("view", "sequence"):
            return f'relation "{_q(name)}" already exists'
        return f'{kind} "{_q(name)}" already exists'

    @staticmethod
    def object_missing(kind: str, name: str, table: str = "") -> str:
        if kind == "function":
            return f'could not find a function named "{_q(name)}"'
        if kind == "trigger" and table:
            return f'trigger "{name}" for table "{_q(table)}" does not exist'
        kind = {"domain": "type"}.get(kind, kind)
        return f'{kind} "{_q(name)}" does not exist'

    @staticmethod
    def values_lengths_differ() -> str:
        return "VALUES lists must all be the same length"

    @staticmethod
    def insert_count(width: int, expected: int, listed: bool, table: str) -> str:
        if width > expected:
            return "INSERT has more expressions than target columns"
        return "INSERT has more target columns than expressions"

    @staticmethod
    def cannot_drop(kind: str, name: str, dependents: list[str]) -> str:
        return f"cannot drop {kind} {_q(name) if kind == 'table' else name} because other objects depend on it"

    @staticmethod
    def cannot_drop_shown(shown: str, dependents: list[str]) -> str:
        return f"cannot drop {shown} because other objects depend on it"

    @staticmethod
    def cannot_drop_column(column: str, table: str, dependents: list[str]) -> str:
        return f"cannot drop column {column} of table {_q(table)} because other objects depend on it"


class _Mysql(_Postgres):
    """MySQL's error messages (its errmsg-utf8.txt)."""

    @staticmethod
    def relation_missing(name: str) -> str:
        return f"Table '{name}' doesn't exist"

    @staticmethod
    def table_missing(name: str) -> str:
        return f"Unknown table '{name}'"

    @staticmethod
    def column_missing(name: str, qualifier: str, tables: list[str]) -> str:
        return f"Unknown column '{qualifier + '.' if qualifier else ''}{name}'"

    @staticmethod
    def column_of_missing(name: str, table: str, action: str = "") -> str:
        return f"Unknown column '{name}' in '{_q(table)}'" if action else f"Unknown column '{name}' in 'field list'"

    @staticmethod
    def drop_column_missing(name: str, table: str) -> str:
        return f"Can't DROP '{name}'; check that column/key exists"

    @staticmethod
    def reference_column_missing(name: str, table: str) -> str:
        return f"Failed to add the foreign key constraint. Missing column '{name}' for constraint in the referenced table '{_q(table)}'"

    @staticmethod
    def key_column_missing(name: str, table: str) -> str:
        return f"Key column '{name}' doesn't exist in table"

    @staticmethod
    def column_exists(name: str, table: str) -> str:
        return f"Duplicate column name '{name}'"

    @staticmethod
    def column_twice(name: str) -> str:
        return f"Duplicate column name '{name}'"

    @staticmethod
    def relation_exists(name: str, kind: str) -> str:
        return f"Table '{_q(name)}' already exists"

    @staticmethod
    def key_exists(name: str, table: str, index_like: bool) -> str:
        return f"Duplicate key name '{name}'" if index_like else f"Duplicate foreign key constraint name '{name}'"

    @staticmethod
    def primary_twice(table: str) -> str:
        return "Multiple primary key defined"

    @staticmethod
    def constraint_missing(name: str, table: str, kind: str = "") -> str:
        return f"Can't DROP '{name}'; check that column/key exists"

    index_missing = constraint_missing

    @staticmethod
    def values_lengths_differ() -> str:
        return "Column count doesn't match value count at row 2"

    @staticmethod
    def insert_count(width: int, expected: int, listed: bool, table: str) -> str:
        return "Column count doesn't match value count at row 1"

    @staticmethod
    def cannot_drop(kind: str, name: str, dependents: list[str]) -> str:
        constraint = dependents[0].split()[1] if dependents else ""
        return f"Cannot drop table '{_q(name)}' referenced by a foreign key constraint '{constraint}'"

    @staticmethod
    def cannot_drop_column(column: str, table: str, dependents: list[str]) -> str:
        constraint = dependents[0].split()[1] if dependents else ""
        return f"Cannot drop column '{column}': needed in a foreign key constraint '{constraint}'"

    @staticmethod
    def object_missing(kind: str, name: str, table: str = "") -> str:
        return f"{kind.capitalize()} '{_q(name)}' does not exist" if kind != "view" else f"Unknown table '{_q(name)}'"


class _Sqlite(_Postgres):
    """SQLite's error messages."""

    @staticmethod
    def relation_missing(name: str) -> str:
        return f"no such table: {name}"

    table_missing = relation_missing

    @staticmethod
    def column_missing(name: str, qualifier: str, tables: list[str]) -> str:
        return f"no such column: {qualifier + '.' if qualifier else ''}{name}"

    @staticmethod
    def column_of_missing(name: str, table: str, action: str = "") -> str:
        if action == "rename":
            return f'no such column: "{name}"'
        return f"table {_q(table)} has no column named {name}"

    @staticmethod
    def drop_column_missing(name: str, table: str) -> str:
        return f'no such column: "{name}"'

    @staticmethod
    def reference_column_missing(name: str, table: str) -> str:
        return f"foreign key mismatch: {_q(table)} has no column {name}"

    @staticmethod
    def key_column_missing(name: str, table: str) -> str:
        return f"no such column: {name}"

    @staticmethod
    def column_exists(name: str, table: str) -> str:
        return f"duplicate column name: {name}"

    @staticmethod
    def column_twice(name: str) -> str:
        return f"duplicate column name: {name}"

    @staticmethod
    def relation_exists(name: str, kind: str) -> str:
        return f"table {_q(name)} already exists"

    @staticmethod
    def key_exists(name: str, table: str, index_like: bool) -> str:
        return f"index {name} already exists"

    @staticmethod
    def index_exists(name: str) -> str:
        return f"index {name} already exists"

    @staticmethod
    def index_missing(name: str, table: str) -> str:
        return f"no such index: {_q(name)}"

    @staticmethod
    def object_exists(kind: str, name: str) -> str:
        return f"{kind} {_q(name)} already exists"

    @staticmethod
    def object_missing(kind: str, name: str, table: str = "") -> str:
        return f"no such {kind}: {_q(name)}"

    @staticmethod
    def values_lengths_differ() -> str:
        return "all VALUES must have the same number of terms"

    @staticmethod
    def insert_count(width: int, expected: int, listed: bool, table: str) -> str:
        if listed:
            return f"{width} values for {expected} columns"
        return f"table {_q(table)} has {expected} columns but {width} values were supplied"


_WORDS = {"postgres": _Postgres, "mysql": _Mysql, "sqlite": _Sqlite}

"""Apply schema operations (ops.py) to a model, and say what each one did (effects.py).

Dialect differences are settled here only where the databases behave differently: the
names they give unnamed keys, and what dropping a column does to its indexes. An operation
on something the model does not have means the model was missing it (the statement ran):
the object becomes unknown rather than invented.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from safemig_lint.analysis.schema.effects import (
    Cascaded,
    ColumnChanged,
    Created,
    Dropped,
    Effect,
    Rejected,
    Renamed,
    RowsCopied,
    TypeChanged,
)
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import (
    PG_NAME_LENGTH,
    SERIAL_TYPES,
    Column,
    ColumnType,
    Constraint,
    Database,
    FoundBy,
    Index,
    Routine,
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

_Key = TypeVar("_Key", Constraint, Index)
_Object = TypeVar("_Object", View, Sequence, UserType, Routine)
_Named = TypeVar("_Named", Index, Constraint, View, Sequence, UserType, Routine)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from safemig_lint.analysis.schema.resolve import Resolver

UNCREATED = "no earlier statement the model followed created it"
_DEFAULT_SCHEMA = {"postgres": "public"}  # its objects' keys are unqualified
NOTHING_KNOWN = "(no object the model knows)"  # the object of a note about a statement it could not tie to any
Taken = tuple[str, str, str]  # what CASCADE took: its description, and the kind and key of the object it belongs to
_oids = itertools.count(1)  # table identities, unique for the process
_PG_KEY_SUFFIX = {"primary": "pkey", "unique": "key", "foreign": "fkey", "check": "check", "exclude": "excl"}
_SERIAL_BASE = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}


@dataclass
class _Copy:
    source: int  # oids
    target: int
    effect: RowsCopied
    filtered: bool


class Replay:
    """Replays ops onto `db` in place. `notes` lists (object, reason) each time an object becomes unknown."""

    def __init__(self, db: Database, resolver: Resolver | None = None) -> None:
        self.db = db
        self.mysql = db.dialect == "mysql"
        self.notes: list[tuple[str, str]] = []
        self.resolver = resolver  # judges each op against the model before it is applied
        self._reads: set[str] = set()  # what the current statement's query reads so far (View.depends), until its next change
        self._makes_view = True  # may the current statement create a view? Else what it reads is not gathered
        # Rows copied from one table into another (INSERT ... SELECT), by source and by target oid, in order.
        self._copies_from: dict[int, list[_Copy]] = {}
        self._copies_into: dict[int, list[_Copy]] = {}
        self._key_of: dict[int, str] = {}  # the key of each table a copy involves, kept across renames
        self._unlinked: set[int] = set()  # dropped sources whose copy's target went away without a DROP TABLE
        self._names: dict[int, set[str]] = {}  # every name each table has had in this replay
        self._dropped: dict[int, tuple[Dropped, Table]] = {}  # each dropped table's DROP TABLE, and the table as it was
        self._renames: dict[int, list[Renamed]] = {}
        self._kept: dict[int, set[str]] = {}  # columns of each table that INSERT ... SELECT copied somewhere
        # Where data went, to tell a drop that loses it from one that follows a move: by source table oid, the
        # INSERT ... SELECTs out of it (target oid, columns read, rows filtered); by source column identity, the
        # columns UPDATE filled from it (table oid, column identity).
        self._moved: dict[int, list[tuple[int, frozenset[str], bool]]] = {}
        self._moved_unmodelled: dict[str, list[int]] = {}  # the same, out of tables the model does not have, by key: target oids
        self._fills: dict[int, list[tuple[int, int]]] = {}
        # Column swaps, by (table oid, column): when a column appeared and disappeared, in steps.
        self._step = 0
        self._born: dict[tuple[int, str], int] = {}
        self._gone: dict[tuple[int, str], int] = {}
        self._swapped_out: dict[tuple[int, str], Renamed] = {}  # renamed away in this file

    def apply(self, op: o.Op, at: int | None = None) -> list[Effect]:
        """`at`: the op's ordinal in the resolver's chronicle (None: not judged)."""
        self._step += 1
        self.db.tables.settle()  # no table taken out for an earlier op is still held
        resolver = self.resolver if at is not None else None  # the op is judged
        verdicts: list[Rejected] = []
        if resolver is not None and at is not None:
            try:
                verdicts = resolver.check(op, self.db, at)
            except Exception:  # a verdict the resolver trips on is no verdict; the model goes on as before
                pass
        effects: list[Effect]
        if (resolver is not None and resolver.statement_fails) or (op.if_target_exists and not self._target_exists(op)):
            # The database refuses the statement, changing nothing: the model neither changes nor loses track.
            # Or ALTER ... IF EXISTS of nothing.
            effects = [*verdicts]
        elif verdicts:
            open_world = self.db.open_world
            effects = [*verdicts, *_HANDLERS[type(op)](self, op)]
            self.db.open_world = open_world  # what the statement names is certain: nothing unknown was touched
        else:  # most ops: no verdict, only what the op does
            effects = _HANDLERS[type(op)](self, op)
        if self._reads and not isinstance(op, o.Uses):
            self._reads = set()
        for effect in effects:
            effect.at = op.at
        return effects

    def begin_statement(self, ops: Iterable[o.Op] = ()) -> None:
        if self._reads:
            self._reads = set()
        ops = tuple(ops)
        # Most statements create no view: their ops' types are looked through in C first.
        self._makes_view = not ops or (
            o.CreateObject in map(type, ops) and any(isinstance(op, o.CreateObject) and op.kind == "view" for op in ops)
        )
        if self.resolver is not None:
            self.resolver.begin_statement(ops)

    def _target_exists(self, op: o.Op) -> bool:
        """For ALTER ... IF EXISTS: is the object it alters there (as far as the model knows)?"""
        name = getattr(op, "table", "") or getattr(op, "name", "")
        if isinstance(op, o.RenameKey) and not op.table:
            return bool(self.db.tables.holding(op.name))
        return name in self.db.tables or name in self.db.views or name in self.db.sequences or name in self.db.types

    def end_file(self) -> None:
        """Swaps are recognised within one file: a later file reusing a name is a new column."""
        self._swapped_out.clear()

    # --- helpers

    def _note(self, what: str, reason: str) -> None:
        self.notes.append((what, reason))
        self.db.open_world = self.db.open_world or f"{what}: {reason}"

    def _table(self, key: str) -> Table:
        """The table, or an unknown stand-in for one the statement shows exists."""
        table = self.db.tables.get(key)
        if table is None:
            table = self.db.tables[key] = Table(key, unknown=UNCREATED, oid=next(_oids))
            self._note(f"table {key}", UNCREATED)
        return table

    def _table_to_read(self, key: str) -> Table:
        """_table's answer, to read only: a table the map shares is not copied (TableMap), nor journalled."""
        table = dict.get(self.db.tables, key)
        return table if table is not None else self._table(key)

    def _lost_track(self, table: Table, reason: str, keys_only: bool = False) -> None:
        if keys_only:
            if not table.keys_unknown and not table.unknown:
                table.keys_unknown = reason
                self._note(f"keys of table {table.name}", reason)
            return
        if not table.unknown:
            self._note(f"table {table.name}", reason)
        table.unknown = table.unknown or reason
        table.columns = {name: replace(c, type=None, unknown=c.unknown or reason) for name, c in table.columns.items()}

    def _by_oid(self, oid: int) -> Table | None:
        """A table a copy involves, if it is still there (to read)."""
        table = dict.get(self.db.tables, self._key_of.get(oid, ""))
        return table if table is not None and table.oid == oid else None

    def _replacing(self, key: str) -> None:
        """The table under `key`, if any, goes without a DROP TABLE (replaced, or dropped with its schema)."""
        table = dict.get(self.db.tables, key)
        if table is not None:
            self._unlinked.update(c.source for c in self._copies_into.get(table.oid, ()) if c.source in self._dropped)

    def _find_key(self, name: str, table: str) -> Table | None:
        """The table holding index or constraint `name` (index names are per schema outside MySQL)."""
        if table:
            named = self._table(table)
            return named if named.find_key(name) else None
        found = self.db.tables.first(self.db.tables.holding(name))
        return self.db.tables[found] if found is not None else None

    def _named(self, table: Table, key: _Key) -> _Key:
        """The key with the name the database gives it when the statement gives none."""
        if key.name:
            return key
        bare = bare_name(table.name)
        taken: set[str] | _PgTaken
        if self.db.dialect == "postgres":
            columns = [_pg_column_label(c) for c in key.columns] or ["expr"]
            plain_constraint = isinstance(key, Constraint) and key.kind in ("foreign", "check")
            taken = self._pg_taken(table.name, relations=not plain_constraint, constraints=not isinstance(key, Index))
        else:
            columns = [re.sub(r"\W+", "_", c).strip("_").lower() for c in key.columns] or ["expr"]
            taken = set(table.indexes) | set(table.constraints)
            if self.mysql:
                if isinstance(key, Constraint) and key.kind == "primary":
                    return key.named("PRIMARY")
                if isinstance(key, Constraint) and key.kind in ("foreign", "check"):
                    label = "ibfk" if key.kind == "foreign" else "chk"
                    number = 1 + sum(1 for name in taken if name.startswith(f"{bare}_{label}_"))
                    return key.named(f"{bare}_{label}_{number}")
                return key.named(_dedupe(columns[0], taken, "_{}", start=2))
        label = "idx" if isinstance(key, Index) else _PG_KEY_SUFFIX[key.kind]
        if label == "check":  # after its column if it reads exactly one (postgres' AddRelationNewConstraints)
            middle = columns[0] if len(key.columns) == 1 else ""
        else:
            middle = "" if label == "pkey" else "_".join(columns)
        return key.named(_dedupe_pg(bare, middle, label, taken))

    def _pg_taken(self, table: str, relations: bool = True, constraints: bool = False) -> _PgTaken:
        """Names in the table's schema that a generated name must not take: postgres numbers it until
        no relation (table, index, sequence, view) there has it, nor, for a constraint, any constraint."""
        return _PgTaken(self.db, table.rpartition(".")[0], relations, constraints)

    def _add_key(self, table: Table, key: Constraint | Index) -> str:
        if isinstance(key, Index):
            index = self._named(table, key)
            table.indexes[index.name] = index
            return index.name
        if key.kind == "foreign" and "(" not in key.references:
            key = replace(key, references=self._primary_key_of(key.references))
        if self.mysql and key.kind == "foreign":
            self._index_foreign_key(table, key)
        constraint = self._named(table, key)
        table.constraints[constraint.name] = constraint
        if constraint.kind == "foreign":
            self._mark_referenced(table, constraint.references.partition("(")[0])
        if constraint.kind == "primary" and not self._sqlite_nullable_key(table, constraint):
            for name in constraint.columns:
                if name in table.columns and table.columns[name].nullable:  # a NOT NULL one stays as it is
                    column = table.columns[name]
                    table.columns[name] = column.redefined(column.type, False, column.default)
        return constraint.name

    def _mark_referenced(self, table: Table, target: str) -> None:
        """Table.referenced: `target` is what a foreign key of `table` references."""
        if target == table.name:
            table.referenced = True
            return
        referenced = dict.get(self.db.tables, target)  # to read (TableMap)
        if referenced is not None and not referenced.referenced:
            self.db.tables[target].referenced = True  # a copy of its own to change (TableMap)

    def _sqlite_nullable_key(self, table: Table, key: Constraint) -> bool:
        """SQLite lets a primary key's columns hold NULL, unless the key is the rowid (one INTEGER column;
        sqlglot reads INT and INTEGER alike, so INT, which is not the rowid, stays NOT NULL here)."""
        if self.db.dialect != "sqlite":
            return False
        column = table.columns.get(key.columns[0]) if len(key.columns) == 1 else None
        return column is None or column.type is None or column.type.base != "INT"

    def _primary_key_of(self, name: str) -> str:
        """`REFERENCES t` means t's primary key: spelled out, so both spellings compare equal."""
        table = dict.get(self.db.tables, name)  # to read (TableMap)
        primary = next((c for c in table.constraints.values() if c.kind == "primary"), None) if table else None
        return f"{name}({', '.join(primary.columns)})" if primary is not None else name

    def _index_foreign_key(self, table: Table, key: Constraint) -> None:
        """MySQL indexes a foreign key's columns itself unless an index already starts with them."""
        columns = key.columns
        keys: tuple[Index | Constraint, ...] = (
            *table.indexes.values(),
            *(c for c in table.constraints.values() if c.kind in ("primary", "unique")),
        )
        if any(k.columns[: len(columns)] == columns for k in keys):
            return
        name = key.name or _dedupe(columns[0] if columns else "fk", set(table.indexes) | set(table.constraints), "_{}", start=2)
        table.indexes[name] = Index(name, columns)

    def _add_owned_sequence(self, table: Table, column: Column) -> None:
        """The sequence of a serial or identity column (postgres), and the serial column as postgres
        stores it: an integer NOT NULL DEFAULT nextval(...), so that it compares equal to one spelled so."""
        serial = column.type.base if column.type is not None and column.type.base in SERIAL_TYPES else ""
        if self.db.dialect != "postgres" or not (serial or column.identity):
            return
        schema, _, bare = table.name.rpartition(".")
        name = _dedupe_pg(bare, column.name, "seq", self._pg_taken(table.name))
        key = f"{schema}.{name}" if schema else name
        self.db.sequences[key] = Sequence(key, owned_by=f"{table.name}.{column.name}")
        if serial:
            base = _SERIAL_BASE[serial]
            placed = table.columns[column.name]  # with its identity (cid)
            table.columns[column.name] = placed.redefined(ColumnType(base, sql=base), False, f"NEXTVAL('{key}')")

    def _own_sequence(self, op: o.OwnSequence) -> list[Effect]:
        sequence = self.db.sequences.get(op.sequence)
        if sequence is not None:
            self.db.sequences[op.sequence] = replace(sequence, owned_by=op.owner)
        return []

    def _drop_owned(self, owner: str) -> None:
        """Sequences owned by a dropped table or column (`t` or `t.c`), and triggers on a dropped table."""
        for key in self.db.sequences.find("owner", (owner,)):
            del self.db.sequences[key]
        for key in self.db.routines.find("trigger on", (owner,)):
            del self.db.routines[key]

    # --- tables

    def _create_table(self, op: o.CreateTable) -> list[Effect]:
        if op.temporary or op.table in self.db.tables and op.if_not_exists:
            return []
        table = Table(op.table, unknown=op.unknown, keys_unknown=op.keys_unknown, oid=next(_oids))
        if op.like:
            source = self._table_to_read(op.like)
            table.columns = {name: _new_identity(c) for name, c in source.columns.items()}
            table.unknown = table.unknown or source.unknown
            if self.mysql:  # MySQL copies keys under their names; postgres renames them per INCLUDING option
                table.constraints, table.indexes = dict(source.constraints), dict(source.indexes)
                table.keys_unknown = table.keys_unknown or source.keys_unknown
            else:
                table.keys_unknown = table.keys_unknown or "created with LIKE"
        for parent in op.parents:
            self._inherit(table, self._table(parent), op.partition)
        for column in op.columns:
            table.columns[column.name] = _new_identity(column)
        if table.unknown:
            self._note(f"table {op.table}", table.unknown)
        elif table.keys_unknown:
            self._note(f"keys of table {op.table}", table.keys_unknown)
        self._replacing(op.table)
        self.db.tables[op.table] = table
        self._names[table.oid] = {op.table}
        # Foreign keys last: MySQL adds an index for one only if the table has none for it.
        foreign = [c for c in op.constraints if c.kind == "foreign"]
        keys: tuple[Index | Constraint, ...] = (*op.indexes, *(c for c in op.constraints if c.kind != "foreign"), *foreign)
        for key in keys:
            self._add_key(table, key)
        for column in op.columns:
            self._add_owned_sequence(table, column)
            self._born[(table.oid, column.name)] = self._step
        return [Created("table", op.table, identity=table.oid)]

    def _inherit(self, table: Table, parent: Table, partition: bool) -> None:
        """A child table (INHERITS) starts with its parent's columns and CHECKs, under their names;
        a partition also gets clones of the parent's other keys, named as the database chooses."""
        table.family = parent.family = True  # columns added to the parent appear in the child: not followed
        for name, column in parent.columns.items():
            table.columns.setdefault(name, _new_identity(replace(column, identity=False, numbering="")))
        table.constraints.update((n, c) for n, c in parent.constraints.items() if c.kind == "check")
        table.unknown = table.unknown or parent.unknown
        table.keys_unknown = table.keys_unknown or parent.keys_unknown
        if partition and not table.keys_unknown and (parent.indexes or any(c.kind != "check" for c in parent.constraints.values())):
            table.keys_unknown = "a partition: the database clones its parent's keys under names of its own"

    def _drop_table(self, op: o.DropTable) -> list[Effect]:
        table = self.db.tables.pop(op.table, None)
        if table is None:
            # A table the model never had (created outside the migrations it followed): only a copy of its rows tells.
            targets = (self._by_oid(oid) for oid in self._moved_unmodelled.pop(op.table, ()))
            moved = tuple(dict.fromkeys(target.name for target in targets if target is not None))
            return [] if op.if_exists and not moved else [Dropped("table", op.table, moved_into=moved)]
        self._drop_owned(op.table)
        effect = Dropped("table", op.table, before=table)
        targets = (self._by_oid(c.target) for c in self._copies_from.get(table.oid, ()))
        effect.copied_into = tuple(target.name for target in targets if target is not None)
        effect.moved_into, effect.unmoved = self._data_moved(table)
        self._dropped[table.oid] = effect, table
        self._link_rebuilds(self._copies_from.get(table.oid, ()), retargeted=table.oid)
        if not op.cascade or self.db.dialect != "postgres":
            return [effect]
        taken = self._cascade_views(f"table {table.oid}") + self._cascade_foreign_keys(op.table, None, table.referenced)
        return [effect, Cascaded(f"table {op.table}", tuple(taken))]

    # --- what CASCADE takes (PostgreSQL): the objects that depend on what a statement drops

    def _cascade_views(self, dependency: str) -> list[Taken]:
        """Drop the views that depend on `dependency` (View.depends), and those on them in turn."""
        taken: list[Taken] = []
        pending = [dependency]
        while pending:
            for key in self.db.views.find("depends", (pending.pop(),)):
                if key in self.db.views:
                    del self.db.views[key]
                    taken.append((f"view {key}", "view", key))
                    pending.append(f"view {key}")
        return taken

    def _cascade_foreign_keys(self, table: str, columns: set[str] | None, referenced: bool = True) -> list[Taken]:
        """Drop the foreign keys of other tables that reference `table` (those of its `columns`, when given);
        `referenced`: whether the table is (Table.referenced)."""
        taken: list[Taken] = []
        if not referenced:
            return taken
        for other_key in sorted(self.db.tables.referencing(table)):
            other = dict.__getitem__(self.db.tables, other_key)  # to read (TableMap)
            names = []
            for name, key in other.constraints.items():
                target, _, rest = key.references.partition("(")
                key_columns = {c.strip() for c in rest.rstrip(")").split(",")} if rest else set()
                if key.kind == "foreign" and target == table and other_key != table and (columns is None or key_columns & columns):
                    names.append(name)
            if names:
                other = self.db.tables[other_key]  # a copy of its own to change (TableMap)
                for name in names:
                    del other.constraints[name]
                    taken.append((f"constraint {name} on table {other_key}", "table", other_key))
        return taken

    def _rename_table(self, op: o.RenameTable) -> list[Effect]:
        new = _in_schema_of(op.table, op.new)
        table = self._table(op.table)
        del self.db.tables[op.table]
        table.name = new
        self._replacing(new)
        self.db.tables[new] = table
        if table.oid in self._key_of:
            self._key_of[table.oid] = new
        for key in self.db.sequences.find("owner", (op.table,)):
            sequence = self.db.sequences[key]
            if sequence.owned_by.startswith(op.table + "."):
                self.db.sequences[key] = replace(sequence, owned_by=new + sequence.owned_by[len(op.table) :])
        for key in self.db.routines.find("trigger on", (op.table,)):
            self.db.routines[key] = replace(self.db.routines[key], table=new)
        for other_key in self.db.tables.referencing(op.table):  # foreign keys follow the table they reference
            other = self.db.tables[other_key]
            for name, constraint in list(other.constraints.items()):
                if constraint.kind == "foreign" and re.match(rf"{re.escape(op.table)}(\(|$)", constraint.references):
                    other.constraints[name] = replace(constraint, references=new + constraint.references[len(op.table) :])
        effect = Renamed("table", op.table, op.table, new, table.oid)
        self._names.setdefault(table.oid, {op.table}).add(new)
        self._renames.setdefault(table.oid, []).append(effect)
        self._link_rebuilds(self._copies_from.get(table.oid, ()), retargeted=table.oid)
        return [effect]

    def _no_change(self, op: o.Op) -> list[Effect]:
        return []  # rows only: the structure stays

    # --- what a statement reads (the dependencies of a view it creates)

    def _uses_table(self, op: o.UsesTable) -> list[Effect]:
        if not self._makes_view:
            return []
        table = dict.get(self.db.tables, op.table)  # to read (TableMap)
        if table is not None:
            self._reads.add(f"table {table.oid}")
        elif op.table in self.db.views:
            self._reads.add(f"view {op.table}")
        return []

    def _uses_nothing(self, op: o.Op) -> list[Effect]:
        return []  # a name looked up, not changed: the resolver judges it

    def _uses_column(self, op: o.UsesColumn) -> list[Effect]:
        if not self._makes_view:
            return []
        ref = op.column
        for scope in ref.scopes:
            tables = [t for t in (dict.get(self.db.tables, key) for key in scope if key) if t is not None]
            if ref.name == "*":  # SELECT *: every column the tables have now (PostgreSQL expands it when the view is made)
                self._reads.update(f"column {t.oid} {c.cid}" for t in tables for c in t.columns.values())
                return []
            holders = [t for t in tables if ref.name in t.columns]
            if holders:
                self._reads.update(f"column {t.oid} {t.columns[ref.name].cid}" for t in holders)
                return []
        return []

    def _copy_rows(self, op: o.CopyRows) -> list[Effect]:
        target, source = dict.get(self.db.tables, op.target), dict.get(self.db.tables, op.source)  # to read (TableMap)
        if target is None or source is None or target is source:
            return []
        pairs: tuple[tuple[str, str, ColumnType | None, ColumnType | None], ...] = ()
        counts = (0, 0)
        if not target.unknown and not source.unknown:  # otherwise positions may not line up
            targets = op.target_columns if op.target_columns is not None else tuple(target.columns)
            sources = op.source_columns if op.source_columns is not None else tuple(source.columns)
            pairs = tuple(
                (t, s or "", self._resolved(source.columns.get(s or "")), self._resolved(target.columns.get(t)))
                for t, s in zip(targets, sources)
            )
            counts = (len(targets), len(sources))
            into_not_null = tuple(
                (t, s)
                for t, s in zip(targets, sources)
                if s
                and (wanted := target.columns.get(t)) is not None
                and not wanted.nullable
                and not wanted.unknown
                and (given := source.columns.get(s)) is not None
                and given.nullable
                and not given.unknown
                and not given.generated
            )
        else:
            into_not_null = ()
        effect = RowsCopied(op.target, op.source, pairs, counts=counts, into_not_null=into_not_null)
        self._names.setdefault(source.oid, {source.name})
        copy = _Copy(source.oid, target.oid, effect, op.filtered)
        self._copies_from.setdefault(source.oid, []).append(copy)
        self._copies_into.setdefault(target.oid, []).append(copy)
        self._key_of[source.oid], self._key_of[target.oid] = op.source, op.target
        self._link_rebuilds([copy])
        return [effect]

    def _copy_out(self, op: o.CopyOut) -> list[Effect]:
        source = dict.get(self.db.tables, op.source)  # to read (TableMap)
        target = dict.get(self.db.tables, op.target) if op.target else None
        if source is None and target is not None and not op.filtered:
            self._key_of.setdefault(target.oid, op.target)
            self._moved_unmodelled.setdefault(op.source, []).append(target.oid)
        if source is not None:
            self._kept.setdefault(source.oid, set()).update(op.columns)
            target = dict.get(self.db.tables, op.target) if op.target else None
            if target is not None and target.oid != source.oid:
                self._key_of.setdefault(target.oid, op.target)
                self._moved.setdefault(source.oid, []).append((target.oid, frozenset(op.columns), op.filtered))
        return []

    def _fill_column(self, op: o.FillColumn) -> list[Effect]:
        """UPDATE t SET c = f(d, other.e): the values of d (and e) live on in c."""
        table = dict.get(self.db.tables, op.table)  # to read (TableMap)
        target = table.columns.get(op.column) if table is not None else None
        if table is None or target is None:
            return []
        self._key_of.setdefault(table.oid, op.table)
        for read in op.reads:
            qualifier, _, name = read.rpartition(".")
            source = dict.get(self.db.tables, qualifier) if qualifier else table
            column = source.columns.get(name) if source is not None else None
            if column is not None and column.cid != target.cid:
                self._fills.setdefault(column.cid, []).append((table.oid, target.cid))
        return []

    def _data_moved(self, table: Table) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the tables holding every row and column of `table`, the columns or rows no copy took), as it is dropped."""
        found = [(self._by_oid(oid), columns, filtered) for oid, columns, filtered in self._moved.get(table.oid, ())]
        copies = [(target, columns, filtered) for target, columns, filtered in found if target is not None]
        if not copies:
            return (), ()
        whole = [(target, columns) for target, columns, filtered in copies if not filtered]
        if table.unknown and whole:  # its columns are not known: what the copies read is all that can be told
            return tuple(dict.fromkeys(target.name for target, _ in whole)), ()
        kept = {column for _, columns in whole for column in columns}
        numbered = self._numbered_key(table)
        left = (
            ()
            if "*" in kept
            else tuple(name for name, column in table.columns.items() if not column.generated and name not in kept and name != numbered)
        )
        if not whole:
            return (), ("rows",)
        return (() if left else tuple(dict.fromkeys(target.name for target, _ in whole))), left

    def _referenced(self, name: str) -> bool:
        """Does a foreign key of another table reference table `name`?"""
        for key in self.db.tables.referencing(name):
            other = dict.get(self.db.tables, key)  # to read (TableMap)
            if other is not None and any(
                c.kind == "foreign" and c.references.partition("(")[0] == name for c in other.constraints.values()
            ):
                return True
        return False

    def _numbered_key(self, table: Table) -> str:
        """The table's single-column primary key when the database numbers it (serial, identity, SQLite's rowid):
        the rows a copy moves are numbered anew where they go, so leaving it out of the copy loses no data."""
        primary = next((c for c in table.constraints.values() if c.kind == "primary"), None)
        column = table.columns.get(primary.columns[0]) if primary is not None and len(primary.columns) == 1 else None
        if column is None:
            return ""
        serial = column.identity or (column.default or "").upper().startswith("NEXTVAL(")
        rowid = self.db.dialect == "sqlite" and column.type is not None and column.type.base == "INT"
        return column.name if serial or rowid else ""

    def _column_moved(self, table: Table, name: str, column: Column | None) -> tuple[str, ...]:
        """Where the values of a column being dropped live on: columns filled from it, tables it was copied into."""
        places = []
        for oid, cid in self._fills.get(column.cid, ()) if column is not None else ():
            filled = self._by_oid(oid)
            found = next((n for n, c in filled.columns.items() if c.cid == cid), None) if filled is not None else None
            if filled is not None and found is not None:
                places.append(f"{filled.name}.{found}")
        for oid, columns, _ in self._moved.get(table.oid, ()):
            holder = self._by_oid(oid)
            if holder is not None and (name in columns or "*" in columns):
                places.append(holder.name)
        return tuple(dict.fromkeys(places))

    def _resolved(self, column: Column | None) -> ColumnType | None:
        return resolve(column.type, self.db.types) if column is not None and column.type is not None else None

    def _link_rebuilds(self, copies: Iterable[_Copy], retargeted: int = 0) -> None:
        """A table that received another's rows and holds a name the other had is its rebuild.

        Looks again at the copies whose match may have changed: `copies` (new, or out of a table
        dropped or renamed), those into table `retargeted` (renamed or gone), and those out of
        the dropped sources _replacing saw a target of go. Copies out of a table still there only
        set flags, each its own; a dropped source's effect is set by the last copy that matches, in
        order, so all its copies are looked at again.
        """
        dropped_sources = set(self._unlinked)
        self._unlinked.clear()
        single = list(copies)
        for copy in self._copies_into.get(retargeted, ()):
            if copy.source in self._dropped:
                dropped_sources.add(copy.source)
            else:
                single.append(copy)
        again = [c for source in dropped_sources for c in self._copies_from[source]]
        for copy in (*single, *again):
            target = self._by_oid(copy.target)
            if target is None or target.name not in self._names.get(copy.source, ()):
                continue
            copy.effect.rebuild = True
            dropped = self._dropped.get(copy.source)
            if dropped is not None and not copy.filtered:
                effect, before = dropped
                effect.rebuilt_into, effect.lost_columns = target.name, self._lost(before, copy.source)
            for renamed in self._renames.get(copy.source, ()):
                renamed.restored = renamed.restored or renamed.old == target.name
            for renamed in self._renames.get(copy.target, ()):
                renamed.restored = renamed.restored or renamed.new == target.name

    def _lost(self, table: Table, oid: int) -> tuple[str, ...]:
        """Columns of a dropped table whose data no INSERT ... SELECT copied anywhere (a key the database
        numbers is numbered anew in the copy: leaving it out loses no data, unless a foreign key holds its values)."""
        kept = self._kept.get(oid, set())
        if table.unknown or "*" in kept:
            return ()
        numbered = "" if self._referenced(table.name) else self._numbered_key(table)
        return tuple(name for name, column in table.columns.items() if name not in kept and not column.generated and name != numbered)

    # --- columns

    def _add_column(self, op: o.AddColumn) -> list[Effect]:
        table = self._table(op.table)
        if op.column.name in table.columns and op.if_not_exists:
            return []
        if op.after is None and op.column.name not in table.columns:  # appended: a new dict per column made wide tables quadratic
            table.columns[op.column.name] = _new_identity(op.column)  # the table's own dict (TableMap copies it with the table)
        else:
            table.columns = _placed(table.columns, _new_identity(op.column), op.after)
        self._add_owned_sequence(table, op.column)
        self._born[(table.oid, op.column.name)] = self._step
        swapped = self._swapped_out.pop((table.oid, op.column.name), None)
        if swapped is not None:
            swapped.restored = True  # renamed away, and a new column took the name
        return [Created("column", op.column.name, op.table)]

    def _drop_column(self, op: o.DropColumn) -> list[Effect]:
        table = self._table(op.table)
        column = table.columns.pop(op.column, None)
        if column is None:
            if op.if_exists:
                return []
            self._lost_track(table, f"column {op.column} was dropped but the model did not have it")
        self._drop_keys_on(table.indexes, op.column)
        self._drop_keys_on(table.constraints, op.column)
        self._drop_owned(f"{op.table}.{op.column}")
        self._gone[(table.oid, op.column)] = self._step
        effects: list[Effect] = [
            Dropped("column", op.column, op.table, before=column, moved_into=self._column_moved(table, op.column, column))
        ]
        if op.cascade and column is not None and self.db.dialect == "postgres":
            taken = self._cascade_views(f"column {table.oid} {column.cid}") + self._cascade_foreign_keys(
                op.table, {op.column}, table.referenced
            )
            effects.append(Cascaded(f"column {op.column} of table {op.table}", tuple(taken)))
        return effects

    def _drop_keys_on(self, keys: dict[str, _Key], column: str) -> None:
        """The keys of a table that go with its dropped `column`."""
        word: re.Pattern[str] | None = None

        def mentions(text: str) -> bool:  # the pattern compiled only for a key whose text holds the name
            nonlocal word
            if column not in text:
                return False
            word = word or re.compile(rf"\b{re.escape(column)}\b")
            return word.search(text) is not None

        for name, key in list(keys.items()):
            in_predicate = isinstance(key, Index) and (
                (key.where and mentions(key.where)) or any(c != column and not _plain_column(c) and mentions(c) for c in key.columns)
            )
            if in_predicate:
                del keys[name]  # a partial or expression index depends on the columns of its WHERE and expressions too
            if column not in key.columns or in_predicate:
                continue
            remaining = tuple(c for c in key.columns if c != column)
            if self.mysql and isinstance(key, Index) and remaining:
                keys[name] = replace(key, columns=remaining)  # MySQL narrows a multi-column index
            else:
                del keys[name]

    def _rename_column(self, op: o.RenameColumn) -> list[Effect]:
        table = self._table(op.table)
        column = table.columns.get(op.column)
        if column is None:
            self._lost_track(table, f"column {op.column} was renamed but the model did not have it")
            column = _new_identity(Column(op.column, None, unknown=table.unknown))
        table.columns = _placed(table.columns, replace(column, name=op.new), None, replacing=op.column)
        _rename_in_keys(table, op.column, op.new)
        self._rename_in_references(table.name, op.column, op.new)
        return [self._column_renamed(table, column, op.new)]

    def _rename_in_references(self, table: str, old: str, new: str) -> None:
        """Foreign keys follow a referenced column that is renamed, as they follow a renamed table."""
        prefix = f"{table}("
        for other_key in self.db.tables.referencing(table):
            other = dict.__getitem__(self.db.tables, other_key)  # to read: taken out below only to change (TableMap)
            for name, key in list(other.constraints.items()):
                if key.kind == "foreign" and key.references.startswith(prefix):
                    columns = [c.strip() for c in key.references[len(prefix) :].rstrip(")").split(",")]
                    if old in columns:
                        renamed = ", ".join(new if c == old else c for c in columns)
                        other = self.db.tables[other_key]  # a copy of its own to change (TableMap)
                        other.constraints[name] = replace(key, references=f"{prefix}{renamed})")

    def _column_renamed(self, table: Table, column: Column, new: str) -> Renamed:
        """A column rename, `restored` when it only swaps a new column into an old one's place."""
        old = column.name
        effect = Renamed("column", table.name, old, new, column.cid)
        born = self._born.pop((table.oid, old), None)
        effect.restored = born is not None and self._gone.get((table.oid, new), -1) > born
        self._born[(table.oid, new)] = born if born is not None else 0
        swapped = self._swapped_out.pop((table.oid, new), None)
        if swapped is not None:
            swapped.restored = True  # renamed away earlier in the file, and another column took the name back
        self._swapped_out[(table.oid, old)] = effect
        return effect

    def _column_for_change(self, table: Table, name: str) -> Column:
        column = table.columns.get(name)
        if column is None:
            self._lost_track(table, f"column {name} was altered but the model did not have it")
            column = _new_identity(Column(name, None, unknown=table.unknown))
        return column

    def _alter_column(self, op: o.AlterColumn) -> list[Effect]:
        table = self._table(op.table)
        column = before = self._column_for_change(table, op.column)
        effects: list[Effect] = []
        if op.type is not None and column.type is not None and column.type != op.type:
            old, new = resolve(column.type, self.db.types), resolve(op.type, self.db.types)
            effects.append(TypeChanged(op.table, op.column, old, new, op.using))
        if op.type is not None or op.nullable is not None or op.default is not o.KEEP:  # else the very same column
            column = column.redefined(
                op.type if op.type is not None else column.type,
                op.nullable if op.nullable is not None else column.nullable,
                op.default if op.default is not o.KEEP else column.default,
            )
        table.columns[op.column] = column
        return [*effects, ColumnChanged(op.table, before, column)]

    def _replace_column(self, op: o.ReplaceColumn) -> list[Effect]:
        table = self._table(op.table)
        old = self._column_for_change(table, op.column)
        new = replace(op.definition, cid=old.cid)  # redefined, still the same column
        effects: list[Effect] = []
        if old.type is not None and new.type is not None and old.type != new.type:
            effects.append(TypeChanged(op.table, new.name, resolve(old.type, self.db.types), resolve(new.type, self.db.types)))
        if new.name != op.column:
            effects.append(self._column_renamed(table, old, new.name))
            _rename_in_keys(table, op.column, new.name)
            self._rename_in_references(table.name, op.column, new.name)
        table.columns = _placed(table.columns, new, op.after, replacing=op.column)
        return [*effects, ColumnChanged(op.table, old, new)]

    # --- keys

    def _add_constraint(self, op: o.AddConstraint) -> list[Effect]:
        table = self._table(op.table)
        name = self._add_key(table, op.key)
        return [Created("index" if op.index else "constraint", name, op.table)]

    def _drop_constraint(self, op: o.DropConstraint) -> list[Effect]:
        table = self._table(op.table)
        if not op.name:  # MySQL's DROP PRIMARY KEY
            dropped = [n for n, c in table.constraints.items() if c.kind == op.kind]
        else:
            dropped = [op.name] if table.find_key(op.name) else []
        if not dropped:
            if not op.if_exists:
                self._lost_track(table, f"key {op.name or op.kind} was dropped but the model did not have it", keys_only=True)
            return []
        effects: list[Effect] = []
        for name in dropped:
            key = table.constraints.pop(name, None) or table.indexes.pop(name, None)
            effects.append(Dropped("constraint", name, op.table))
            # only a constraint: PostgreSQL's DROP CONSTRAINT does not name an index made by CREATE INDEX
            if op.cascade and self.db.dialect == "postgres" and isinstance(key, Constraint) and key.kind in ("primary", "unique"):
                taken = self._drop_dependent_foreign_keys(op.table, key, table)
                effects.append(Cascaded(f"constraint {name} of table {op.table}", tuple(taken)))
        return effects

    def _create_index(self, op: o.CreateIndex) -> list[Effect]:
        view = self.db.views.get(op.table) if op.table not in self.db.tables else None
        if view is not None and view.materialized and op.index.name:
            # An index on a materialized view: kept by name with the view (which is no unknown table).
            if not (op.if_not_exists and op.index.name in view.indexes):
                self.db.views[op.table] = replace(view, indexes=view.indexes | {op.index.name})
            return []
        table = self._table(op.table)
        index = self._named(table, op.index)
        if op.if_not_exists and self._find_key(index.name, "" if not self.mysql else op.table):
            return []
        table.indexes[index.name] = index
        return [Created("index", index.name, op.table)]

    def _drop_index(self, op: o.DropIndex) -> list[Effect]:
        schema, _, name = op.name.rpartition(".")
        if schema:  # postgres: `schema.index`, found only among that schema's tables
            found = self.db.tables.first({key for key in self.db.tables.holding(name) if key.rpartition(".")[0] == schema})
            table = self.db.tables[found] if found is not None else None  # a copy of its own to change (TableMap)
        else:
            table = self._find_key(op.name, op.table)
        if table is None and not op.table and self._view_index(name, schema):
            return []
        if table is None:
            if not op.if_exists:
                if op.table:
                    self._lost_track(self._table(op.table), f"index {op.name} was dropped but the model did not have it", keys_only=True)
                else:
                    self._note(f"index {op.name}", "dropped, but the model did not have it (and cannot tell its table)")
            return []
        before = table.indexes.pop(name, None) or table.constraints.pop(name, None)
        effects: list[Effect] = [Dropped("index", name, table.name, before=before)]
        if op.cascade and before is not None:
            taken = self._drop_dependent_foreign_keys(table.name, before, table)
            effects.append(Cascaded(f"index {name}", tuple(taken)))
        return effects

    def _view_index(self, name: str, schema: str, new: str | None = None) -> bool:
        """Drops (or renames to `new`) the index `name` of a materialized view of the schema; False when
        no view has it."""
        for key in self.db.views.find("index", (name,)):
            view = self.db.views[key]
            if key.rpartition(".")[0] == schema:
                kept = view.indexes - {name}
                self.db.views[key] = replace(view, indexes=kept | {new} if new else kept)
                return True
        return False

    def _drop_dependent_foreign_keys(self, table: str, key: Index | Constraint, owner: Table) -> list[Taken]:
        """CASCADE drops the foreign keys that rely on a unique index of the referenced columns: those of
        `owner` (the table, the key already taken out) unless another unique key of the same columns is
        left, which PostgreSQL may have tied them to instead."""
        referenced = f"{table}({', '.join(key.columns)})"
        taken: list[Taken] = []
        others: tuple[Index | Constraint, ...] = (*owner.indexes.values(), *owner.constraints.values())
        if not owner.referenced or any(_unique(k) and set(k.columns) == set(key.columns) for k in others):
            return taken
        for other_key in sorted(self.db.tables.referencing(table)):
            other = dict.__getitem__(self.db.tables, other_key)  # to read (TableMap)
            dependent = [n for n, c in other.constraints.items() if c.kind == "foreign" and c.references == referenced]
            if dependent:
                other = self.db.tables[other_key]  # a copy of its own to change (TableMap)
                for name in dependent:
                    del other.constraints[name]
                    taken.append((f"constraint {name} on table {other_key}", "table", other_key))
        return taken

    def _rename_key(self, op: o.RenameKey) -> list[Effect]:
        table = self._find_key(op.name, op.table)
        if table is None and not op.table and self._view_index(bare_name(op.name), op.name.rpartition(".")[0], op.new):
            return []
        if table is None:
            if op.table:
                self._lost_track(self._table(op.table), f"key {op.name} was renamed but the model did not have it", keys_only=True)
            else:
                self._note(f"index {op.name}", "renamed, but the model did not have it (and cannot tell its table)")
            return []
        _rename_in(table.indexes, op.name, op.new)
        _rename_in(table.constraints, op.name, op.new)
        return []

    # --- views, sequences, types, schemas, routines

    def _objects(self, kind: str) -> Views | Sequences | Types | None:
        """The map of a view, sequence or type; None for a routine (kept in db.routines, by routine_key)."""
        objects: dict[str, Views | Sequences | Types] = {"view": self.db.views, "sequence": self.db.sequences, "type": self.db.types}
        return objects.get(kind)

    def _create_object(self, op: o.CreateObject) -> list[Effect]:
        if op.kind == "schema":
            if op.name in self.db.schemas and op.if_not_exists:
                return []
            self.db.schemas.add(op.name)
            return [Created("schema", op.name)]
        if op.kind == "view":
            return _created(op, self.db.views, op.name, View(op.name, op.definition, op.materialized, depends=frozenset(self._reads)))
        if op.kind == "sequence":
            return _created(op, self.db.sequences, op.name, Sequence(op.name))
        if op.kind == "type":
            return _created(op, self.db.types, op.name, UserType(op.name, op.type_kind, op.values, op.base))
        return _created(op, self.db.routines, routine_key(op.kind, op.name), Routine(op.kind, op.name, op.table, function=op.function))

    def _drop_object(self, op: o.DropObject) -> list[Effect]:
        if op.kind == "schema":
            return self._drop_schema(op)
        objects = self._objects(op.kind)
        key = op.name if objects is not None else routine_key(op.kind, op.name)
        before = (objects if objects is not None else self.db.routines).pop(key, None)
        if before is None and op.if_exists:
            return []
        effects: list[Effect] = [Dropped(op.kind, op.name, before=before)]
        if op.cascade and before is not None and self.db.dialect == "postgres":
            taken = self._cascade_object(op.kind, op.name)
            effects.append(Cascaded(f"{op.written_kind} {op.name}", tuple(taken)))
        return effects

    def _cascade_object(self, kind: str, name: str) -> list[Taken]:
        """What DROP VIEW / FUNCTION / SEQUENCE / TYPE ... CASCADE takes with it."""
        if kind == "view":
            return self._cascade_views(f"view {name}")
        if kind == "function":
            taken: list[Taken] = []
            for key in self.db.routines.find("trigger runs", (name,)):
                trigger = self.db.routines.pop(key)
                taken.append((f"trigger {trigger.name} on table {trigger.table}", "table", trigger.table))
            return taken
        if kind == "sequence":  # the column defaults that call nextval on it
            pattern = re.compile(rf"NEXTVAL\('(?:public\.)?{re.escape(name)}'", re.IGNORECASE)
            return self._cascade_columns(lambda c: bool(c.default and pattern.search(c.default)), "default value for column", drop=False)
        if kind == "type":  # the columns of that type
            return self._cascade_columns(
                lambda c: c.type is not None and (c.type.user == name or bool(c.type.element and c.type.element.user == name)), "column"
            )
        return []

    def _cascade_columns(self, hit, what: str, drop: bool = True) -> list[Taken]:
        """Drop the columns `hit` picks (or, drop=False, their defaults), in every table."""
        taken: list[Taken] = []
        for key in [k for k, t in self.db.tables.items() if any(hit(c) for c in t.columns.values())]:
            table = self.db.tables[key]  # a copy of its own to change (TableMap)
            for name, column in list(table.columns.items()):
                if hit(column):
                    taken.append((f"{what} {name} of table {key}", "table", key))
                    if drop:
                        self._drop_column(o.DropColumn(key, name))
                    else:
                        table.columns[name] = replace(column, default=None)
        return taken

    def _drop_schema(self, op: o.DropObject) -> list[Effect]:
        existed = op.name in self.db.schemas
        self.db.schemas.discard(op.name)
        # Everything in it goes: with CASCADE, with MySQL's DROP DATABASE, and without CASCADE too,
        # as PostgreSQL drops a schema only when it is empty (the statement ran, so it was).
        default = _DEFAULT_SCHEMA.get(self.db.dialect)
        in_schema = (lambda key: "." not in key) if op.name == default else (lambda key: key.startswith(op.name + "."))
        for key in [k for k in self.db.tables if in_schema(k)]:
            self._replacing(key)
            del self.db.tables[key]
        for objects in (self.db.views, self.db.sequences, self.db.types):
            for key in [k for k in objects if in_schema(k)]:
                del objects[key]
        for key in [k for k, r in self.db.routines.items() if in_schema(r.name)]:
            del self.db.routines[key]
        return [] if not existed and op.if_exists else [Dropped("schema", op.name)]

    def _rename_object(self, op: o.RenameObject) -> list[Effect]:
        new = _in_schema_of(op.name, op.new)
        if op.kind == "schema":
            self._note(f"schema {op.name}", "renamed; the model keeps its objects under the old name")
            return []
        if op.kind == "view":
            _rename_in(self.db.views, op.name, new)
        elif op.kind == "sequence":
            _rename_in(self.db.sequences, op.name, new)
        elif op.kind == "type":
            _rename_in(self.db.types, op.name, new)
        else:
            _rename_in(self.db.routines, routine_key(op.kind, op.name), new, new_key=routine_key(op.kind, new))
        return []

    def _enum(self, name: str) -> UserType | None:
        """A known enum type to change, or None after marking it unknown."""
        found = self.db.types.get(name)
        if found is None or found.kind != "enum":
            if found is None or not found.unknown:
                self._note(f"type {name}", UNCREATED if found is None else "changed as an enum, but is not one in the model")
                self.db.types[name] = UserType(name, "other", unknown=UNCREATED)
            return None
        return found if not found.unknown else None

    def _add_enum_value(self, op: o.AddEnumValue) -> list[Effect]:
        enum = self._enum(op.type)
        if enum is None or op.value in enum.values:
            return []
        values = list(enum.values)
        anchor = op.before or op.after
        position = values.index(anchor) + (1 if op.after else 0) if anchor in values else len(values)
        values.insert(position, op.value)
        self.db.types[op.type] = replace(enum, values=tuple(values))
        return []

    def _rename_enum_value(self, op: o.RenameEnumValue) -> list[Effect]:
        enum = self._enum(op.type)
        if enum is not None:
            self.db.types[op.type] = replace(enum, values=tuple(op.new if v == op.value else v for v in enum.values))
        return []

    # --- what the model cannot follow

    def _unknown(self, op: o.Unknown) -> list[Effect]:
        words = set(op.names)
        for key in op.tables:
            self._lost_track(self._table(key), op.reason, op.keys_only)
        touched = bool(op.tables)
        for key in self.db.tables.named(words):
            self._lost_track(self.db.tables[key], op.reason, op.keys_only)
            touched = True
        touched = self._lose_track_of(self.db.views, "view", words, op.reason) or touched
        touched = self._lose_track_of(self.db.sequences, "sequence", words, op.reason) or touched
        touched = self._lose_track_of(self.db.types, "type", words, op.reason) or touched
        touched = self._lose_track_of(self.db.routines, "", words, op.reason) or touched
        if op.patterns:
            # What it may have made is named by its patterns, which the chronicle keeps: the world stays closed.
            open_world = self.db.open_world
            self._lost_track_of_built_names(op)
            self.db.open_world = open_world
            touched = True
        if not touched:
            self._note(NOTHING_KNOWN, op.reason)
        return []

    def _lost_track_of_built_names(self, op: o.Unknown) -> None:
        """What a statement may have changed under names built from templates (o.Unknown.patterns): the
        tables, views, sequences, types and routines so named, and the keys of tables holding such an index."""
        built = re.compile("|".join(f"(?:{pattern})" for pattern in op.patterns))
        for key in list(self.db.tables.keys()):
            table = dict.get(self.db.tables, key)  # to read (TableMap)
            if table is None:
                continue
            if built.fullmatch(plain_name(key)):
                self._lost_track(self._table(key), op.reason)
            elif any(built.fullmatch(name) for name in (*table.indexes, *table.constraints)):
                self._lost_track(self._table(key), op.reason, keys_only=True)
        self._lose_track_by_pattern(self.db.views, "view", built, op.reason)
        self._lose_track_by_pattern(self.db.sequences, "sequence", built, op.reason)
        self._lose_track_by_pattern(self.db.types, "type", built, op.reason)
        self._lose_track_by_pattern(self.db.routines, "", built, op.reason)

    def _lose_track_by_pattern(self, objects: FoundBy[_Object], kind: str, built: re.Pattern, reason: str) -> None:
        """Marks unknown the known objects whose plain name `built` matches (a scan: once per templated block)."""
        for key in list(objects.keys()):
            item = objects[key]
            if not item.unknown and built.fullmatch(plain_name(item.name)):
                objects[key] = replace(item, unknown=reason)
                self._note(f"{item.kind if isinstance(item, Routine) else kind} {item.name}", reason)

    def _lose_track_of(self, objects: FoundBy[_Object], kind: str, words: set[str], reason: str) -> bool:
        """Marks unknown the known objects whose plain name is one of `words`; whether it marked any.
        `kind` names them in notes (a routine says its own)."""
        marked = False
        for key in objects.find("plain", words):
            item = objects[key]
            if not item.unknown:
                objects[key] = replace(item, unknown=reason)
                self._note(f"{item.kind if isinstance(item, Routine) else kind} {item.name}", reason)
                marked = True
        return marked


def _expressions_renamed(index: Index, old: str, new: str) -> Index:
    """An index's expressions and predicate follow a renamed column too (the database keeps it by number)."""
    columns = tuple(c if _plain_column(c) else _renamed_in(c, old, new) for c in index.columns)
    return replace(index, columns=columns, where=_renamed_in(index.where, old, new) if index.where else index.where)


def _renamed_in(expression: str, old: str, new: str) -> str:
    """The expression with the column `old` called `new` (outside string literals)."""
    word = re.compile(rf'(?<![\w$.])"?{re.escape(old)}"?(?![\w$])')
    parts = re.split(r"('(?:[^']|'')*')", expression)
    return "".join(part if index % 2 else word.sub(new, part) for index, part in enumerate(parts))


def _plain_column(key_column: str) -> bool:
    """A key column that is a column's name, not an expression (`lower(email)`, `COALESCE(a, b) DESC`)."""
    return _PLAIN_KEY_COLUMN.fullmatch(key_column) is not None


_PLAIN_KEY_COLUMN = lazy(r'[\w$]+|"[^"]+"')


def _created(op: o.CreateObject, objects: MutableMapping[str, _Object], key: str, new: _Object) -> list[Effect]:
    if key in objects and op.if_not_exists:
        return []
    objects[key] = new
    return [Created(op.kind, op.name)]


def _rename_in(objects: MutableMapping[str, _Named], key: str, new: str, new_key: str = "") -> None:
    """The object under `key`, if there is one, named `new` and kept under `new_key` (or `new`)."""
    if key in objects:
        objects[new_key or new] = replace(objects.pop(key), name=new)


def _unique(key: Index | Constraint) -> bool:
    return key.unique if isinstance(key, Index) else key.kind in ("primary", "unique")


def _new_identity(column: Column) -> Column:
    return column.identified(next(_oids))


def _in_schema_of(old: str, new: str) -> str:
    """A new name without a schema stays in the old name's schema."""
    return new if "." in new or "." not in old else f"{old.rsplit('.', 1)[0]}.{new}"


# What each op does to the model: functions, not methods bound to a replay, which would make each
# Replay a reference cycle that keeps its copy of the schema alive until the next full collection.
_HANDLERS: dict[type[o.Op], Callable[[Replay, Any], list[Effect]]] = {
    o.CreateTable: Replay._create_table,
    o.DropTable: Replay._drop_table,
    o.RenameTable: Replay._rename_table,
    o.AddColumn: Replay._add_column,
    o.DropColumn: Replay._drop_column,
    o.RenameColumn: Replay._rename_column,
    o.AlterColumn: Replay._alter_column,
    o.ReplaceColumn: Replay._replace_column,
    o.AddConstraint: Replay._add_constraint,
    o.DropConstraint: Replay._drop_constraint,
    o.RenameKey: Replay._rename_key,
    o.CreateIndex: Replay._create_index,
    o.DropIndex: Replay._drop_index,
    o.CreateObject: Replay._create_object,
    o.DropObject: Replay._drop_object,
    o.RenameObject: Replay._rename_object,
    o.AddEnumValue: Replay._add_enum_value,
    o.RenameEnumValue: Replay._rename_enum_value,
    o.CopyRows: Replay._copy_rows,
    o.CopyOut: Replay._copy_out,
    o.Unknown: Replay._unknown,
    o.OwnSequence: Replay._own_sequence,
    o.Truncate: Replay._no_change,
    o.FillColumn: Replay._fill_column,
    o.DeleteRows: Replay._no_change,
    o.UsesTable: Replay._uses_table,
    o.UsesSequence: Replay._uses_nothing,
    o.UsesColumn: Replay._uses_column,
    o.InsertRows: Replay._no_change,
}


class _PgTaken:
    """`name in taken` for one schema, asked only of the few names a generated name tries: building the
    set of every name in the schema for each unnamed key made a long history quadratic."""

    def __init__(self, db: Database, schema: str, relations: bool, constraints: bool) -> None:
        self.db, self.schema, self.relations, self.constraints = db, schema, relations, constraints

    def __contains__(self, name: str) -> bool:
        qualified = f"{self.schema}.{name}" if self.schema else name
        db = self.db
        if self.relations and (qualified in db.tables or qualified in db.sequences or qualified in db.views):
            return True
        for key in self.db.tables.holding(name):
            if key.rpartition(".")[0] != self.schema:
                continue
            other = dict.__getitem__(self.db.tables, key)  # to read (TableMap)
            if self.relations and (
                name in other.indexes
                or other.constraints.get(name) is not None
                and other.constraints[name].kind in ("primary", "unique", "exclude")
            ):
                return True
            if self.constraints and name in other.constraints:
                return True
        return False


def _dedupe_pg(name1: str, name2: str, label: str, taken: set[str] | _PgTaken) -> str:
    """Postgres' ChooseRelationName: the first of name1_name2_label, ..._label1, ..._label2 ... not taken."""
    candidate, number = _pg_name(name1, name2, label), 0
    while candidate in taken:
        number += 1
        candidate = _pg_name(name1, name2, f"{label}{number}")
    return candidate


@lru_cache(maxsize=1024)  # a history names the same few columns (id, name ...) in key after key
def _pg_column_label(column: str) -> str:
    """What postgres calls an index column in a generated index name (FigureIndexColname): the
    column, a function's name for a call (`lower(email)` -> lower), the column or type of a cast."""
    text = column.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if re.fullmatch(r'"?[\w$]+"?', text):
        return text.strip('"')
    cast = re.fullmatch(r"CAST\((?P<arg>.+) AS (?P<type>[\w ]+?)(?:\(.*\))?\)", text, re.IGNORECASE | re.DOTALL)
    if cast:
        inner = _pg_column_label(cast.group("arg"))
        return inner if inner != "expr" else cast.group("type").split()[-1].lower()
    call = re.match(r"(?:[\w$]+\.)?(?P<name>[\w$]+)\(", text)
    if call and _closes_at_end(text, call.end() - 1):
        return call.group("name").lower()
    if re.match(r"CASE\b", text, re.IGNORECASE):
        return "case"
    return "expr"


def _closes_at_end(text: str, opening: int) -> bool:
    """Whether the parenthesis at `opening` closes at the end of the text (one call, not `f(x) + 1`)."""
    depth, quoted = 0, False
    for position in range(opening, len(text)):
        char = text[position]
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0:
                return position == len(text) - 1
    return False


def _dedupe(name: str, taken: set[str], suffix: str, start: int) -> str:
    candidate, number = name, start
    while candidate in taken:
        candidate, number = name + suffix.format(number), number + 1
    return candidate


def _pg_name(name1: str, name2: str, label: str) -> str:
    """Postgres' makeObjectName: shorten the longer part until the name fits in 63 bytes."""
    available = PG_NAME_LENGTH - len(label) - 1 - (1 if name2 else 0)
    length1, length2 = len(name1), len(name2)
    while length1 + length2 > available:
        if length1 > length2:
            length1 -= 1
        else:
            length2 -= 1
    return "_".join(filter(None, (name1[:length1], name2[:length2], label)))  # the parts not empty


def _placed(columns: dict[str, Column], column: Column, after: str | None, replacing: str | None = None) -> dict[str, Column]:
    """Columns with `column` put in place of `replacing` (or itself), or at MySQL's FIRST ('') / AFTER x."""
    old = replacing or column.name
    if after is None and old in columns:
        return {(column.name if name == old else name): (column if name == old else c) for name, c in columns.items()}
    rest = {name: c for name, c in columns.items() if name not in (old, column.name)}
    if after is None or (after and after not in rest):
        return {**rest, column.name: column}
    placed: dict[str, Column] = {} if after else {column.name: column}
    for name, c in rest.items():
        placed[name] = c
        if name == after:
            placed[column.name] = column
    return placed


def _rename_in_keys(table: Table, old: str, new: str) -> None:
    _rename_column_in(table.indexes, old, new)
    _rename_column_in(table.constraints, old, new)
    for name, index in list(table.indexes.items()):
        if index.where or not all(_plain_column(c) for c in index.columns):
            table.indexes[name] = _expressions_renamed(index, old, new)
    for name, constraint in list(table.constraints.items()):
        if constraint.inline == old:
            table.constraints[name] = replace(constraint, inline=new)


def _rename_column_in(keys: dict[str, _Key], old: str, new: str) -> None:
    for name, key in list(keys.items()):
        if old in key.columns:
            keys[name] = replace(key, columns=tuple(new if c == old else c for c in key.columns))

"""The database as the migrations leave it: tables, columns, keys, views, sequences, types.

Names are keys: case-folded the way the dialect folds them and qualified by their schema
unless it is the default one (`public` in postgres), e.g. `users`, `auth.users`; a column
is named within its table. Objects are plain values: a snapshot is a copy of the maps, and
two snapshots compare with ==. `unknown` says why the model is unsure of an object (a
statement it could not follow touched it); rules say nothing about such objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Generic, Protocol, TypeAlias, TypeVar, overload

from safemig_lint.values import value

if TYPE_CHECKING:
    from _typeshed import SupportsKeysAndGetItem
    from typing_extensions import Self

_T = TypeVar("_T")

# A change to one of a database's maps: (the map's attribute name, key, new value, or GONE when the
# key was deleted, or CLEARED (key "") when the map was emptied). See Database.keep_journal.
GONE = object()
CLEARED = object()
Journal: TypeAlias = list[tuple[str, str, object]]


# ColumnType, Column, Index and Constraint are never changed once made (a changed one is a new one): `@value`
# classes (safemig_lint/values.py), frozen to the type checker, plain when the program runs (a frozen class's
# __init__ costs three times as much: Column 1.8 -> 0.5 us; every column read, and each identified copy, makes one).
@value
class ColumnType:
    base: str  # sqlglot's type name: VARCHAR, DECIMAL, TIMESTAMPTZ, ENUM, USERDEFINED ...
    params: tuple[int, ...] = ()  # length, or precision and scale
    values: tuple[str, ...] = ()  # the labels of an inline ENUM or SET
    user: str = ""  # the key of a user-defined type (an enum or domain in the model, or an extension's)
    element: ColumnType | None = None  # of an ARRAY
    sql: str = field(default="", compare=False)  # as written, for messages and DDL

    def of_user(self, user: str) -> ColumnType:
        """The type with the key of user type `user`. Spelled out, as dataclasses.replace is slow
        (types.column_type keys each column's type read from its shape)."""
        return ColumnType(self.base, self.params, self.values, user, self.element, self.sql)


@value
class Column:
    name: str
    type: ColumnType | None  # None: the model does not know the type
    nullable: bool = True
    default: str | None = None  # normalised SQL of the default expression
    generated: bool = False  # computed from other columns: holds no data of its own
    identity: bool = False  # GENERATED ... AS IDENTITY: NOT NULL, filled from a sequence it owns
    unknown: str | None = None
    # Identity across renames and redefinitions, to tell a column from a new one of the same name.
    cid: int = field(default=0, compare=False)
    # MySQL's other attributes of the definition, as written: (name, SQL) pairs such as ("comment", "'x'"),
    # ("character set", "utf8mb4"), ("collate", ...), ("auto_increment", ""), ("on update", "CURRENT_TIMESTAMP").
    # A MODIFY that leaves one out drops it (SM109).
    attributes: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # How the column numbers new rows, as written, for DDL that says it the database's way: "always" or
    # "by default" (a PostgreSQL identity), "auto_increment" (MySQL), "autoincrement" (SQLite); "" for none.
    numbering: str = field(default="", compare=False)

    def identified(self, cid: int) -> Column:
        """The column with identity `cid`. Called for every column read: spelled out, as dataclasses.replace is slow."""
        return Column(
            self.name,
            self.type,
            self.nullable,
            self.default,
            self.generated,
            self.identity,
            self.unknown,
            cid,
            self.attributes,
            self.numbering,
        )

    def redefined(self, type: ColumnType | None, nullable: bool, default: str | None) -> Column:
        """The column with this type, nullability and default (what ALTER COLUMN, a primary key and a serial's
        storage change; spelled out, as dataclasses.replace is slow)."""
        return Column(
            self.name,
            type,
            nullable,
            default,
            self.generated,
            self.identity,
            self.unknown,
            self.cid,
            self.attributes,
            self.numbering,
        )


@value
class Index:
    name: str
    columns: tuple[str, ...]  # column names, or an expression's SQL
    unique: bool = False
    where: str | None = None

    def named(self, name: str) -> Index:
        """The index under `name`. Spelled out, as dataclasses.replace is slow (the replay names each
        key a statement leaves unnamed)."""
        return Index(name, self.columns, self.unique, self.where)


@value
class Constraint:
    name: str  # as given, or as the database would name it
    kind: str  # primary, unique, foreign, check
    columns: tuple[str, ...] = ()
    references: str = ""  # `table(col, ...)` of a foreign key
    expression: str = ""  # of a check
    # The column whose definition declares it (`c int REFERENCES t`); "" for a table constraint. Not part of
    # its meaning, but SQLite lets DROP COLUMN take a column's own constraints with it.
    inline: str = field(default="", compare=False)

    @cached_property
    def referenced_tables(self) -> frozenset[str]:
        """Every table a foreign key's `references` (`table(col, ...)` or `table`) may name: all of it,
        and each part before a `(` (a quoted table name may hold one). Worked out once (a constraint is
        never changed: @value): TableMap asks it of every foreign key of a table each time the table
        is indexed again."""
        return frozenset((self.references, *_prefixes(self.references, "(")))

    def named(self, name: str) -> Constraint:
        """The constraint under `name` (spelled out, as Index.named)."""
        return Constraint(name, self.kind, self.columns, self.references, self.expression, self.inline)


@dataclass(slots=True)  # one per table of each snapshot: no __dict__ (safemig_lint/values.py)
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)  # in table order
    constraints: dict[str, Constraint] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    unknown: str | None = None  # it may have columns or keys the model does not know
    keys_unknown: str | None = None  # its indexes and constraints may differ from the model's
    # Identity across renames, so that a rebuild can be followed; not part of the definition.
    oid: int = field(default=0, compare=False)
    # It inherits from, or is inherited by, another table (INHERITS, PARTITION OF): columns added to a
    # parent appear in its children, which the model does not follow, so its columns are not certain.
    family: bool = field(default=False, compare=False)
    # Some foreign key has referenced it: only then is the question "who references it" worth a look
    # (on a down file's copy of the model it is a scan of every table). Never reset.
    referenced: bool = field(default=False, compare=False)

    def copy(self) -> Table:
        # Called for every table of every snapshot: spelled out, as dataclasses.replace is slow.
        return Table(
            self.name,
            dict(self.columns),
            dict(self.constraints),
            dict(self.indexes),
            self.unknown,
            self.keys_unknown,
            self.oid,
            self.family,
            self.referenced,
        )

    def find_key(self, name: str) -> Index | Constraint | None:
        return self.indexes.get(name) or self.constraints.get(name)


@value(unsafe_hash=True)
class View:
    name: str
    definition: str  # normalised SQL of the query
    materialized: bool = False
    unknown: str | None = None
    # What its query reads, as the database records it (a view cannot outlive these without CASCADE):
    # `table <oid>`, `column <oid> <cid>` (identities, so that renames keep them), `view <key>`.
    depends: frozenset[str] = field(default=frozenset(), compare=False)
    indexes: frozenset[str] = field(default=frozenset(), compare=False)  # names of a materialized view's indexes

    @cached_property
    def found_by(self) -> tuple[tuple[str, str], ...]:
        """What Views finds it by: plain_name, what it depends on, its indexes (see FoundBy)."""
        return (("plain", plain_name(self.name)), *(("depends", d) for d in self.depends), *(("index", i) for i in self.indexes))


@value(unsafe_hash=True)
class Sequence:
    name: str
    owned_by: str = ""  # `table.column` of a serial or identity column, dropped with it
    unknown: str | None = None

    @cached_property
    def found_by(self) -> tuple[tuple[str, str], ...]:
        """What Sequences finds it by: plain_name, and its owner (`t.c` by "t.c" and by "t", and, if a
        quoted name holds a dot, by each part before one) (see FoundBy)."""
        owners = (self.owned_by, *_prefixes(self.owned_by, ".")) if self.owned_by else ()
        return (("plain", plain_name(self.name)), *(("owner", o) for o in owners))


@value(unsafe_hash=True)
class UserType:
    name: str
    kind: str  # enum, composite, domain, other
    values: tuple[str, ...] = ()  # enum labels, in order
    base: ColumnType | None = None  # of a domain
    unknown: str | None = None

    @cached_property
    def found_by(self) -> tuple[tuple[str, str], ...]:
        """What Types finds it by: plain_name (see FoundBy)."""
        return (("plain", plain_name(self.name)),)


@value(unsafe_hash=True)
class Routine:
    """Functions, procedures, triggers, extensions, events: tracked by name only."""

    kind: str
    name: str
    table: str = ""  # a trigger's table
    unknown: str | None = None
    function: str = ""  # a trigger's function

    @property
    def key(self) -> str:
        return routine_key(self.kind, self.name)

    @cached_property
    def found_by(self) -> tuple[tuple[str, str], ...]:
        """What Routines finds it by: plain_name, a trigger by its table and by the function it runs (see FoundBy)."""
        on = (("trigger on", self.table),) if self.kind == "trigger" and self.table else ()
        runs = (("trigger runs", self.function),) if self.kind == "trigger" and self.function else ()
        return (("plain", plain_name(self.name)), *on, *runs)


# Any object the model holds (what a drop removed, what two schemas differ in; a schema is only its name).
SchemaObject: TypeAlias = Table | Column | Index | Constraint | View | Sequence | UserType | Routine


def routine_key(kind: str, name: str) -> str:
    return f"{kind} {name}"


def bare_name(key: str) -> str:
    """An object's own name, from a model key that may be qualified (`schema.name`)."""
    return key.rpartition(".")[2]


def plain_name(key: str) -> str:
    """The bare name as a word of a statement would spell it (template placeholders left out)."""
    return key.rpartition(".")[2].replace("{{}}", "").lower()  # bare_name's, written out: asked of every table looked up


# PostgreSQL keeps the first 63 bytes of an identifier (NAMEDATALEN - 1).
PG_NAME_LENGTH = 63

# PostgreSQL's integer types that come with an owned sequence.
SERIAL_TYPES = ("SERIAL", "BIGSERIAL", "SMALLSERIAL")


class TableMap(dict[str, Table]):
    """A database's tables, copied on write: a snapshot shares every table with the database it
    was taken of, and a table is copied the first time it is taken out of the map to be changed
    (`[key]`, `get`, `setdefault`, `pop`). Iterating (`values`, `items`) gives shared tables to
    read; to change one found that way, take it again by its key. A copy of the database so costs
    a map of references and one copy per changed table, not a copy of every table (and a history
    keeps no copy per version: analysis/schema/snapshots.py).

    `holding`, `referencing` and `named` find tables by their keys' names, by the tables their
    foreign keys reference and by plain name without a scan of every table: a replay asks for
    each unnamed key, rename and statement it cannot follow, so a scan per question made long
    histories quadratic. A map asked only a few questions (a down file replayed on a copy, a
    snapshot) is scanned, as building the index costs a few scans; on the next question the index
    is built, then kept up to date from the keys taken out of the map since (`settle`), with the
    position of each key in the map."""

    # Its attributes in slots: a dict subclass's own __dict__ made a map cost twice as much to make (one per
    # snapshot made and per down file replayed), and each attribute a little more to read (several per op replayed).
    __slots__ = ("_owned", "frozen", "_index", "_scans", "_positions", "_taken", "_stale", "touched", "journal")

    def __init__(self, tables: Mapping[str, Table] | None = None, frozen: bool = False) -> None:
        super().__init__(tables or {})
        self._owned: dict[int, Table] = {}  # tables only this map holds (kept alive: their ids stay unique)
        self.frozen = frozen  # a snapshot's: read only, so taking a table out never copies it
        self._index: _KeyIndex | None = None  # built once _SCANS questions were answered by scanning
        self._scans = 0
        self._positions = _Positions()  # kept from then on
        # Keys taken out (to change, maybe) since the last settle(): their tables may still change,
        # so the index is not trusted for them; and keys taken out before it, not yet re-indexed.
        self._taken: set[str] = set()
        self._stale: set[str] = set()
        # Every key taken out, set or deleted since the map was made (or its holder emptied this):
        # the only keys whose tables may differ from those of the map it was shared from.
        self.touched: set[str] = set()
        self.journal: Journal | None = None  # where each change to the map is written down, if anywhere

    def seal(self) -> None:
        """From now on a table is copied before it is changed, as after share(): the tables the map
        holds now stay as they are (a journal's reader keeps them)."""
        self._owned.clear()

    def _own(self, key: str, table: Table) -> Table:
        if self.frozen:
            return table
        self._taken.add(key)
        self.touched.add(key)
        if id(table) not in self._owned:
            table = table.copy()
            dict.__setitem__(self, key, table)
            self._owned[id(table)] = table
            if self.journal is not None:
                self.journal.append(("tables", key, table))
        return table

    def share(self, frozen: bool = False) -> TableMap:
        """A map holding the same tables; from now on both copy a table before changing it."""
        self._owned.clear()
        return TableMap(self, frozen=frozen)

    def __getitem__(self, key: str) -> Table:
        return self._own(key, dict.__getitem__(self, key))

    @overload
    def get(self, key: str, default: None = None, /) -> Table | None: ...
    @overload
    def get(self, key: str, default: Table, /) -> Table: ...
    @overload
    def get(self, key: str, default: _T, /) -> Table | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        table = dict.get(self, key)
        return default if table is None else self._own(key, table)

    def __setitem__(self, key: str, table: Table) -> None:
        if self._index is not None and key not in self:
            self._positions.append(key)
        dict.__setitem__(self, key, table)
        self._owned[id(table)] = table
        self._taken.add(key)
        self.touched.add(key)
        if self.journal is not None:
            self.journal.append(("tables", key, table))

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._positions.remove(key)
        self._taken.add(key)
        self.touched.add(key)
        if self.journal is not None:
            self.journal.append(("tables", key, GONE))

    def setdefault(self, key: str, default: Table, /) -> Table:
        if key not in self:
            self[key] = default
        return self[key]

    @overload
    def pop(self, key: str, /) -> Table: ...
    @overload
    def pop(self, key: str, default: Table, /) -> Table: ...
    @overload
    def pop(self, key: str, default: _T, /) -> Table | _T: ...
    def pop(self, key: str, *default: object) -> object:
        if key not in self:
            return default[0] if default else dict.pop(self, key)
        self._taken.add(key)
        self.touched.add(key)
        self._positions.remove(key)
        table = dict.pop(self, key)
        if self.journal is not None:
            self.journal.append(("tables", key, GONE))
        return table if self.frozen or id(table) in self._owned else table.copy()

    def copy(self) -> TableMap:
        return self.share()

    def settle(self) -> None:
        """The caller holds no table it took out of the map before this call (a replay: between statements)."""
        if not self._taken:  # asked before every op; most take no table out
            return
        if self._index is not None:
            self._stale |= self._taken
        self._taken.clear()

    def holding(self, name: str) -> set[str]:
        """Keys of the tables with an index or constraint called `name`."""
        return self._find(name, _holds, _BY_KEY_NAME)

    def referencing(self, table: str) -> set[str]:
        """Keys of the tables with a foreign key whose `references` may name `table`: it is the whole
        of it or ends just before a `(` in it (callers check their own spelling)."""
        return self._find(table, _references, _BY_REFERENCED)

    def named(self, words: set[str]) -> list[str]:
        """Keys whose plain_name is one of `words`, in map order."""
        if self._scan():
            return [key for key in self if plain_name(key) in words]
        by_name = self._current_index(_BY_PLAIN_NAME)
        found = {key for word in words for key in by_name.get(word, ()) if key not in self._taken}
        found.update(key for key in self._taken if key in self and plain_name(key) in words)
        return self.in_order(found)

    def first(self, keys: set[str]) -> str | None:
        """The first of `keys` (keys of the map) in map order, as a scan of the map would meet it."""
        return next(iter(self.in_order(keys)), None)

    def in_order(self, keys: set[str]) -> list[str]:
        """`keys` (keys of the map) in map order."""
        if len(keys) < 2:
            return list(keys)
        if self._index is None:
            return [key for key in self if key in keys]
        return self._positions.sort(keys)  # kept by every change since the index was made

    def _scan(self) -> bool:
        """Answer this question by a scan of the map (no index yet, and few questions so far)?"""
        self._scans += 1
        return self._index is None and self._scans <= _SCANS

    def _find(self, word: str, has: Callable[[Table, str], bool], kind: int) -> set[str]:
        """Keys of the tables `has(table, word)` holds for, which the index's `kind` finds by `word`."""
        if self._index is None and self._scan():
            return {key for key, table in self.items() if has(table, word)}
        found = set(self._current_index(kind).get(word, ()))
        if self._taken:  # their tables may have changed since they were indexed: asked themselves
            found -= self._taken
            for key in self._taken:
                table = dict.get(self, key)
                if table is not None and has(table, word):
                    found.add(key)
        return found

    def _current_index(self, kind: int) -> defaultdict[str, set[str]]:
        """The index's `kind` (_KeyIndex), up to date but for the keys taken out since the last settle()."""
        index = self._index
        if index is None:
            index = self._index = _KeyIndex()
            self._positions.start(self)
            self._stale.clear()
        elif self._stale:
            for key in self._stale:
                index.update(key, dict.get(self, key))
            self._stale.clear()
        return index.of_kind(kind, self)


_SCANS = 4  # questions a TableMap answers by scanning before it builds its index (about the cost of a build)


def _holds(table: Table, name: str) -> bool:
    """TableMap.holding's question of one table."""
    return name in table.indexes or name in table.constraints


def _references(other: Table, table: str) -> bool:
    """TableMap.referencing's question of one table."""
    return any(table in c.referenced_tables for c in other.constraints.values() if c.kind == "foreign")


def _key_names(key: str, table: Table) -> set[str]:
    return {*table.indexes, *table.constraints}


def _referenced(key: str, table: Table) -> set[str]:
    referenced: set[str] = set()
    for constraint in table.constraints.values():  # a loop, not a set comprehension: most tables have no foreign key
        if constraint.kind == "foreign":
            referenced |= constraint.referenced_tables
    return referenced


def _plain_name_of(key: str, table: Table) -> set[str]:
    return {plain_name(key)}


# The kinds of _KeyIndex: what each finds a table's key by, worked out from the key and its table.
_BY_KEY_NAME, _BY_REFERENCED, _BY_PLAIN_NAME = 0, 1, 2
_WORDS_OF: tuple[Callable[[str, Table], set[str]], ...] = (_key_names, _referenced, _plain_name_of)


class _KeyIndex:
    """Table keys by the names of their indexes and constraints (kind 0), by the tables their
    foreign keys may reference (kind 1) and by plain name (kind 2). A kind is built when first
    asked for, and only built kinds are kept up to date: a replay asks which tables hold each
    name it generates (kind 0), and most never ask the others."""

    def __init__(self) -> None:
        self._kinds: list[_IndexKind | None] = [None] * len(_WORDS_OF)
        self._built: list[_IndexKind] = []

    def of_kind(self, kind: int, tables: Mapping[str, Table]) -> defaultdict[str, set[str]]:
        """The keys of `tables` by the words of `kind`, built from them the first time."""
        built = self._kinds[kind]
        if built is None:
            built = self._kinds[kind] = _IndexKind(_WORDS_OF[kind], tables)
            self._built.append(built)
        return built.keys

    def update(self, key: str, table: Table | None) -> None:
        """Index the key's table again in each kind built (None: the key is gone)."""
        for built in self._built:
            built.update(key, table)


class _IndexKind:
    """Table keys by the words `words_of` gives each, with what was indexed for each table to take it out again."""

    def __init__(self, words_of: Callable[[str, Table], set[str]], tables: Mapping[str, Table]) -> None:
        self.words_of = words_of
        self.keys: defaultdict[str, set[str]] = defaultdict(set)
        self._words: dict[str, set[str]] = {}
        for key, table in tables.items():
            self._words[key] = found = words_of(key, table)
            for word in found:
                self.keys[word].add(key)

    def update(self, key: str, table: Table | None) -> None:
        """Only the words that changed are touched: most tables taken out of the map keep the names of their
        keys (a column added or altered, the table marked referenced), and taking every word out and back
        was most of the index's cost."""
        keys, before = self.keys, self._words.get(key)
        if before is None:  # a key new to the index (a table made since)
            if table is not None:
                self._words[key] = found = self.words_of(key, table)
                for word in found:
                    keys[word].add(key)
            return
        if table is None:
            del self._words[key]
            after: set[str] = set()
        elif self.words_of is _plain_name_of:
            return  # the plain name goes with the key
        else:
            after = self._words[key] = self.words_of(key, table)
            if before == after:
                return
        for word in before - after:
            holders = keys[word]
            holders.discard(key)
            if not holders:
                del keys[word]
        for word in after - before:
            keys[word].add(key)


class _Positions:
    """Where each key stands in a dict's order, once started: kept by the dict as keys come and go
    (a key set again keeps its place), so that keys found through an index come out in dict order
    without a scan of the dict."""

    def __init__(self) -> None:
        self._of: dict[str, int] | None = None
        self._next = 0

    def start(self, keys: Iterable[str]) -> None:
        self._of = {key: i for i, key in enumerate(keys)}
        self._next = len(self._of)

    def append(self, key: str) -> None:
        if self._of is not None:
            self._of[key] = self._next
            self._next += 1

    def remove(self, key: str) -> None:
        if self._of is not None:
            self._of.pop(key, None)

    def sort(self, keys: Iterable[str]) -> list[str]:
        of = self._of
        assert of is not None, "sorted before start()"
        return sorted(keys, key=of.__getitem__)


def _prefixes(text: str, separator: str) -> list[str]:
    """Each part of `text` before an occurrence of `separator`."""
    found, at = [], text.find(separator)
    while at != -1:
        found.append(text[:at])
        at = text.find(separator, at + 1)
    return found


class _Findable(Protocol):
    @property
    def found_by(self) -> tuple[tuple[str, str], ...]: ...


_F = TypeVar("_F", bound=_Findable)


class FoundBy(dict[str, _F], Generic[_F]):
    """A dict that also finds its keys by words of their values (`found_by`: (what, word) pairs)
    without a scan, in dict order. The index is built once a few questions were answered by
    scanning, then kept up to date by every change. Values are immutable, so each works out its
    words once: a copy of the model made for a down file scans every value for its first few
    questions, and a long history holds thousands of them, each shared by every copy."""

    _index: dict[tuple[str, str], set[str]] | None = None  # until the first `find` after _SCANS
    _positions: _Positions | None = None  # set with _index
    _scans = 0
    journal: Journal | None = None  # where each change is written down, under `journal_name`, if anywhere
    journal_name = ""

    def find(self, what: str, words: Iterable[str]) -> list[str]:
        """Keys whose value has one of `words` as its `what`, in dict order. The first few questions
        are answered by a scan, as building the index costs a few scans (a copy asked little)."""
        if not self:  # many maps stay empty (no view, no routine): nothing to scan, nothing to index yet
            return []
        self._scans += 1
        if self._index is None and self._scans <= _SCANS:
            wanted = {(what, word) for word in words}
            return [key for key, value in self.items() if not wanted.isdisjoint(value.found_by)]
        if self._index is None:
            self._index, self._positions = {}, _Positions()
            self._positions.start(self)
            for key, value in self.items():
                self._add(self._index, key, value)
        index, positions = self._index, self._positions
        assert positions is not None  # set with the index
        found: set[str] = set().union(*(index.get((what, word), ()) for word in words))
        return positions.sort(found) if len(found) > 1 else list(found)

    def _add(self, index: dict[tuple[str, str], set[str]], key: str, value: _F) -> None:
        for word in value.found_by:
            index.setdefault(word, set()).add(key)

    def _unindex(self, index: dict[tuple[str, str], set[str]], key: str) -> None:
        for word in dict.__getitem__(self, key).found_by:
            keys = index[word]
            keys.discard(key)
            if not keys:
                del index[word]

    def __setitem__(self, key: str, value: _F) -> None:
        index, positions = self._index, self._positions
        if index is not None and positions is not None:
            if key in self:
                self._unindex(index, key)  # it keeps its place
            else:
                positions.append(key)
        dict.__setitem__(self, key, value)
        if index is not None:
            self._add(index, key, value)
        if self.journal is not None:
            self.journal.append((self.journal_name, key, value))

    def __delitem__(self, key: str) -> None:
        index, positions = self._index, self._positions
        if index is not None and positions is not None and key in self:
            self._unindex(index, key)
            positions.remove(key)
        dict.__delitem__(self, key)
        if self.journal is not None:
            self.journal.append((self.journal_name, key, GONE))

    @overload
    def pop(self, key: str, /) -> _F: ...
    @overload
    def pop(self, key: str, default: _F, /) -> _F: ...
    @overload
    def pop(self, key: str, default: _T, /) -> _F | _T: ...
    def pop(self, key: str, *default: object) -> object:
        if key not in self:
            return dict.pop(self, key, *default)
        value = dict.__getitem__(self, key)
        del self[key]
        return value

    # Other ways to change a dict (not popitem, |=), through the ones above.
    def setdefault(self, key: str, default: _F, /) -> _F:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, other: SupportsKeysAndGetItem[str, _F] | Iterable[tuple[str, _F]] = (), /, **kwargs: _F) -> None:
        for key, item in dict(other, **kwargs).items():
            self[key] = item

    def clear(self) -> None:
        dict.clear(self)
        self._index = self._positions = None
        if self.journal is not None:
            self.journal.append((self.journal_name, "", CLEARED))

    def copy(self) -> Self:
        return type(self)(self)


class Sequences(FoundBy[Sequence]):
    """Sequences by key (Sequence.found_by)."""


class Routines(FoundBy[Routine]):
    """Routines by routine_key (Routine.found_by)."""


class Views(FoundBy[View]):
    """Views by key (View.found_by)."""


class Types(FoundBy[UserType]):
    """User-defined types by key (UserType.found_by)."""


@dataclass
class Database:
    dialect: str
    schemas: set[str] = field(default_factory=set)  # created by CREATE SCHEMA
    tables: TableMap = field(default_factory=TableMap)
    views: Views = field(default_factory=Views)
    sequences: Sequences = field(default_factory=Sequences)
    types: Types = field(default_factory=Types)
    routines: Routines = field(default_factory=Routines)  # by routine_key
    # Why the model may lack objects it was never told of: a statement named one no statement created,
    # or one it could not follow; None while every object the history touched is known (a name then
    # absent from every table is absent from the database). Once set, it stays.
    open_world: str | None = None

    def __post_init__(self) -> None:
        # Maps given as plain dicts become the model's own (a test's, a rendered schema's); a copy gives them already.
        if not isinstance(self.tables, TableMap):
            self.tables = TableMap(self.tables)
        if not isinstance(self.views, Views):
            self.views = Views(self.views)
        if not isinstance(self.sequences, Sequences):
            self.sequences = Sequences(self.sequences)
        if not isinstance(self.types, Types):
            self.types = Types(self.types)
        if not isinstance(self.routines, Routines):
            self.routines = Routines(self.routines)

    def snapshot(self) -> Database:
        """A read-only copy of the database as it is now."""
        copy = self.copy()
        copy.tables.frozen = True
        return copy

    def copy(self) -> Database:
        """A copy to change: tables are shared until changed (TableMap), the rest are immutable values."""
        return Database(
            self.dialect,
            set(self.schemas),
            self.tables.share(),
            Views(self.views),
            Sequences(self.sequences),
            Types(self.types),
            Routines(self.routines),
            self.open_world,
        )

    def keep_journal(self, journal: Journal | None) -> None:
        """Write every change to the database's maps down in `journal`, in order, from now on: replayed
        onto a copy of the maps as they are now (dict-level sets and deletes, which keep dict order
        as the changes did), they give the maps as they will be. `schemas` and `open_world` are not
        in it (small values a reader copies). None: no longer."""
        self.tables.journal = journal
        for name in ("views", "sequences", "types", "routines"):
            objects = getattr(self, name)
            objects.journal, objects.journal_name = journal, name

    def unknown_objects(self) -> list[tuple[str, str]]:
        """(description, reason) of every object the model is unsure of."""
        found = []
        for key, table in self.tables.items():
            if table.unknown:
                found.append((f"table {key}", table.unknown))
            elif table.keys_unknown:
                found.append((f"keys of table {key}", table.keys_unknown))
            found.extend((f"column {key}.{c.name}", c.unknown) for c in table.columns.values() if c.unknown and not table.unknown)
        for kind, objects in (("view", self.views), ("sequence", self.sequences), ("type", self.types), ("", self.routines)):
            found.extend((f"{kind} {key}".strip(), o.unknown) for key, o in objects.items() if o.unknown)
        return found

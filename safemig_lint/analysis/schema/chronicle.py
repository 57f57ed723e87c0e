"""When each name was created, dropped or renamed along a history, and when statements the model
could not follow mentioned it: what tells an object that is certainly absent from one the model
merely lacks.

A history's up files, read in order, give each op an ordinal. For an object the model lacks at
some point, the database certainly lacks it too when

- a statement the model followed created, dropped or renamed that name before (the model saw it
  go: dropped, renamed away, or taken by a CASCADE or a dropped schema), or
- a later statement creates it without IF NOT EXISTS (it could not, were it there),

and, in between, no statement the model could not follow mentioned the name (it may have made
it) and none ran dynamic SQL. A name the history never touches is no evidence either way: the
database may hold objects no migration created (a schema made by hand, an extension's). The
same holds for an object the model has: it is certainly there when a followed statement made it
and nothing unfollowed mentioned it since.

A down file is read as a branch of its up's point in the history: its own statements first, then
the up files up to and including its version; the up files after it only tell what did not exist
yet (a name a later version creates).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name, plain_name
from safemig_lint.patterns import lazy

# Namespaces: PostgreSQL keeps tables, views and sequences in one (relations); the rest apart.
RELATION = "relation"
_OBJECT_SPACES = {"view": RELATION, "sequence": RELATION, "procedure": "function"}

CREATED, MAYBE_CREATED, REMOVED, TEMPORARY = "created", "maybe created", "removed", "temporary"
DOUBTFUL = "doubtful"  # done by one of several up files of a version (SM003): no runner applies them all

# Unknown ops whose statements build names at run time: the names they touch need not be words of them.
_DYNAMIC = ("dynamic", "a file the model could not read", "DDL passed as a string")


def space(kind: str) -> str:
    return _OBJECT_SPACES.get(kind, RELATION if kind == "table" else kind)


def _in_schema_of(old: str, new: str) -> str:
    return new if "." in new or "." not in old else f"{old.rsplit('.', 1)[0]}.{new}"


def _index_key(name: str, table: str) -> str:
    """An index's name qualified by its table's schema (PostgreSQL keeps index names per schema)."""
    schema = table.rpartition(".")[0] if table else ""
    return f"{schema}.{name}" if schema and "." not in name else name


class Chronicle:
    """The events of one stream of ops (the up files in order; or one down file, over its up's point)."""

    def __init__(self, parent: Chronicle | None = None, base: int = 0) -> None:
        self.parent = parent
        self.base = base  # the parent's ordinal this branch starts from
        self.depth: int = parent.depth + 1 if parent else 0
        self._events: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self._mentions: dict[str, list[int]] = {}
        self._dynamic: list[int] = []
        self._patterns: list[tuple[int, re.Pattern]] = []  # (ordinal, names an unfollowed statement built from a template)
        self._pattern_at: list[int] = []  # their ordinals, to bisect
        # Session settings that change what names mean or what a drop does, by where they were set:
        # search_path (and MySQL's USE): where unqualified names are looked up; foreign_key_checks.
        self._settings: dict[str, list[int]] = {}
        self.length = 0
        # Tables the stream names and those it makes: naming one it never makes means it runs on a
        # schema made elsewhere, where any name may exist (an index by name alone proves nothing then).
        self._named: set[str] = set()
        self._unnamed: list[tuple[o.Op, ...]] = []  # statements added whose tables are not yet in _named (named())
        self._made: set[str] = set()
        self._void: set[int] = set()  # ops the database refuses (resolve.py): what they would do to names did not happen
        self._extensions: list[int] = []  # where extensions were created: they bring types and functions no statement names

    # --- reading a stream

    def add(self, op: o.Op, doubtful: tuple[str, ...] | None = None) -> int:
        """Record what `op` does to names; returns its ordinal. `doubtful`: the op may or may not run
        (its version has several up files): what it names, and the words of its statement, become unsure."""
        at = self.length
        self.add_statement((op,), doubtful)
        return at

    def add_statement(self, ops: tuple[o.Op, ...], doubtful: tuple[str, ...] | None = None) -> None:
        """`add` each of a statement's ops, in order."""
        self._unnamed.append(ops)
        if doubtful is None and _NAMES.isdisjoint(map(type, ops)):  # most statements: every op only names a table
            self.length += len(ops)
            return
        for op in ops:
            if doubtful is None and type(op) not in _NAMES:  # most ops (uses, columns, rows): a table named, nothing more
                self.length += 1
            else:
                self._add_names(op, doubtful)

    def _add_names(self, op: o.Op, doubtful: tuple[str, ...] | None) -> None:
        """`add`, for an op that makes, drops or renames names, or may not run (the tables it names: add_statement)."""
        at = self.length
        self.length += 1
        for word in doubtful or ():
            self._mentions.setdefault(word, []).append(at)
        if type(op) not in _NAMES:
            return
        for space_, key, what in _events(op):
            self._events.setdefault((space_, key), []).append((at, what if doubtful is None else DOUBTFUL))
        if isinstance(op, (o.CreateTable, o.RenameTable)):
            self._made.add(op.table if isinstance(op, o.CreateTable) else _in_schema_of(op.table, op.new))
        elif isinstance(op, o.CreateObject) and op.kind == "extension":
            self._extensions.append(at)
        elif isinstance(op, o.CreateObject) and op.kind in ("view", "sequence"):
            self._made.add(op.name)  # a relation too: what names it (an index on a materialized view) needs nothing made elsewhere
        if isinstance(op, o.Unknown):
            for word in {*op.names, *(plain_name(t) for t in op.tables)}:
                self._mentions.setdefault(word, []).append(at)
            if any(marker in op.reason for marker in _DYNAMIC):
                self._dynamic.append(at)
            self._patterns += [(at, re.compile(pattern)) for pattern in op.patterns]
            self._pattern_at += [at] * len(op.patterns)

    def unseen(self, words) -> int:
        """A change the model cannot see that may have made or dropped objects of these names."""
        at = self.length
        self.length += 1
        for word in words:
            self._mentions.setdefault(word, []).append(at)
        return at

    def anything(self) -> int:
        """A point where anything may have changed (a file the model could not read)."""
        at = self.length
        self.length += 1
        self._dynamic.append(at)
        return at

    def void(self, at: int) -> None:
        """The op at `at` fails (the resolver is sure): its events did not happen."""
        self._void.add(at)

    def setting(self, name: str) -> None:
        """A statement before the next op may change the session setting `name`."""
        self._settings.setdefault(name, []).append(self.length)

    def setting_unsure(self, name: str, at: int) -> bool:
        """May a statement before `at` (at its op included) have changed the setting?"""
        if bisect_right(self._settings.get(name, ()), at) > 0:
            return True
        return self.parent.setting_unsure(name, self.base) if self.parent else False

    # --- questions, at ordinal `at` of this stream (the op being checked: events before it count)

    def absent(self, space_: str, key: str, at: int) -> str | None:
        """Why the database certainly lacks `key` at `at` (the model lacks it too), or None."""
        word = plain_name(key)
        last = self._last(space_, key, at)
        if last is not None:
            position, what = last
            if what not in (TEMPORARY, DOUBTFUL) and self._quiet(word, position, at):
                return "removed earlier" if what == REMOVED else "gone with what it belonged to"
            return None
        return "created only later" if self._created_later(space_, key, word, at) else None

    def present(self, space_: str, key: str, at: int) -> bool:
        """Is the object (which the model has) certainly there: made by a followed statement, nothing unfollowed since?"""
        last = self._last(space_, key, at)
        return last is not None and last[1] in (CREATED, MAYBE_CREATED) and self._quiet(plain_name(key), last[0], at)

    def quiet_since(self, space_: str, key: str, word: str, at: int) -> bool:
        """Since `key` was last made (it is present), has nothing unfollowed mentioned `word` nor run dynamic SQL?"""
        last = self._last(space_, key, at)
        return last is not None and self._quiet(word, last[0], at)

    def self_contained(self, but: str = "") -> bool:
        """Does every table the history names (but `but`, if only this branch names it) come from a
        statement of it, not counting the database's own? Then it builds its schema from an empty database."""
        made = self._made | (self.parent._made if self.parent else set())
        named = self.named() | (self.parent.named() if self.parent else set())
        if self.parent is not None and but in self.parent.named():
            but = ""  # the up files name it too: they expect it to be there
        return all(key in made or key == but or system_table(key) for key in named)

    def named(self) -> set[str]:
        """Every table the stream's ops name (_tables_named): gathered when asked for (self_contained), not as each
        statement is added: most histories never ask."""
        for ops in self._unnamed:
            for op in ops:
                self._named.update(_tables_named(op))
        self._unnamed.clear()
        return self._named

    def extended(self, at: int) -> bool:
        """Was an extension (whose types and functions no statement names) created before `at`?"""
        if _between(self._extensions, -1, at):
            return True
        return self.parent.extended(self.base) if self.parent else False

    def seen(self, space_: str, key: str, at: int) -> bool:
        """Did a statement before `at` create, drop or rename the name?"""
        return self._last(space_, key, at) is not None

    def quiet_word(self, word: str, at: int) -> bool:
        """Has nothing the model could not follow mentioned `word` before `at`?"""
        return self._quiet(word, None, at)

    def calm(self, at: int) -> bool:
        """Has nothing run dynamic SQL, or been unreadable or unseen, before `at`?"""
        if _between(self._dynamic, -1, at):
            return False
        return self.parent.calm(self.base) if self.parent else True

    def unqualified_unsure(self, at: int) -> bool:
        """May an unqualified name resolve elsewhere than the model thinks (search_path, USE)?"""
        return self.setting_unsure("search_path", at)

    # --- in this stream and its parents

    def _last(self, space_: str, key: str, at: int) -> tuple[tuple[int, int], str] | None:
        """The last event on the name before `at`, with its position (depth, ordinal)."""
        events = self._events.get((space_, key), ())
        index = bisect_left(events, (at, "")) - 1
        while index >= 0 and events[index][0] in self._void:
            index -= 1
        if index >= 0:
            return (self.depth, events[index][0]), events[index][1]
        return self.parent._last(space_, key, self.base) if self.parent else None

    def _quiet(self, word: str, since: tuple[int, int] | None, at: int) -> bool:
        """No mention of `word` and no dynamic SQL after `since` (a position; None: the start) and before `at`."""
        start = since[1] if since is not None and since[0] == self.depth else -1
        if self._mentioned(word, start, at) or (self._dynamic and _between(self._dynamic, start, at)):
            return False
        if since is not None and since[0] == self.depth:
            return True
        return self.parent._quiet(word, since, self.base) if self.parent else True

    def _created_later(self, space_: str, key: str, word: str, start: int) -> bool:
        """Does the first event on the name from `start` on (the op at `start` included: a DROP is not
        absent because a CREATE follows it) create it without a guard, with nothing unfollowed before it?"""
        events = self._events.get((space_, key), ())
        index = bisect_left(events, (start, ""))
        if index < len(events):
            ordinal, what = events[index]
            if what == CREATED and not self._mentioned(word, start - 1, ordinal) and not _between(self._dynamic, start - 1, ordinal):
                return True
        if self.parent is None:
            return False
        # A down file starts where its up left the schema: a later version creating the name shows it
        # absent there, and so here, unless the down's own statements before `start` may have made it.
        if bisect_left(events, (start, "")) > 0 or self._mentioned(word, -1, start) or _between(self._dynamic, -1, start):
            return False
        return self.parent._created_later(space_, key, word, self.base)

    def _mentioned(self, word: str, start: int, end: int) -> bool:
        """Did an unfollowed statement in the open interval (start, end) mention `word`, or build a name it may be?"""
        mentions = self._mentions.get(word)
        if mentions is not None and _between(mentions, start, end):
            return True
        if not self._patterns:  # most streams build no name from a template
            return False
        first = bisect_right(self._pattern_at, start)  # in ordinal order, as added: only those in between
        last = bisect_left(self._pattern_at, end)
        return any(pattern.fullmatch(word) for _, pattern in self._patterns[first:last])


def _tables_named(op: o.Op) -> list[str]:
    """The tables an op needs to exist (or may stand in for: an Unknown's)."""
    if isinstance(op, o.Unknown):
        return list(op.tables)
    if isinstance(op, o.CreateTable):
        return list(op.parents) + ([op.like] if op.like else [])
    table = getattr(op, "table", "")  # DROP TABLE and RENAME TABLE name one too: it must be there
    return [table] if table else []


# Tables of the database itself: its catalogs, which no migration creates.
_SYSTEM = lazy(r"^(?:pg_catalog\.|information_schema\.|pg_|sqlite_|mysql\.|performance_schema\.|sys\.|dual$)")


def system_table(key: str) -> bool:
    return _SYSTEM.match(key) is not None


def _between(ordinals, start: int, end: int) -> bool:
    """Is any ordinal in the open interval (start, end)?"""
    index = bisect_right(ordinals, start)
    return index < len(ordinals) and ordinals[index] < end


_NAMING = (
    o.CreateTable,
    o.DropTable,
    o.RenameTable,
    o.CreateIndex,
    o.DropIndex,
    o.RenameKey,
    o.AddConstraint,
    o.DropConstraint,
    o.CreateObject,
    o.DropObject,
    o.RenameObject,
)  # the ops _events reads: any other (columns, rows, uses) is answered by one test
# The ops Chronicle.add reads beyond the table they name (_tables_named), as a set of types: one lookup for
# the ops that are none of them, where isinstance tried each in turn (op classes have no subclasses).
_NAMES = frozenset((*_NAMING, o.Unknown))


def _events(op: o.Op) -> list[tuple[str, str, str]]:
    """(space, key, what) of each name the op creates, removes or renames."""
    if not isinstance(op, _NAMING):
        return []
    if isinstance(op, o.CreateTable):
        if op.temporary:
            return [(RELATION, op.table, TEMPORARY)]
        made = MAYBE_CREATED if op.if_not_exists else CREATED
        keys = [c for c in op.constraints if c.name and c.kind in ("primary", "unique")] + [i for i in op.indexes if i.name]
        return [(RELATION, op.table, made), *(("index", _index_key(k.name, op.table), made) for k in keys)]
    if isinstance(op, o.DropTable):
        return [(RELATION, op.table, REMOVED)]
    if isinstance(op, o.RenameTable):
        return [(RELATION, op.table, REMOVED), (RELATION, _in_schema_of(op.table, op.new), CREATED)]
    if isinstance(op, o.CreateIndex) and op.index.name:
        return [("index", _index_key(op.index.name, op.table), MAYBE_CREATED if op.if_not_exists else CREATED)]
    if isinstance(op, o.DropIndex):
        return [("index", _index_key(op.name, op.table), REMOVED)]
    if isinstance(op, o.RenameKey):
        return [("index", _index_key(op.name, op.table), REMOVED), ("index", _index_key(bare_name(op.new), op.table), CREATED)]
    if isinstance(op, o.AddConstraint):
        key = op.constraint or op.index
        index_backed = op.index is not None or (op.constraint is not None and op.constraint.kind in ("primary", "unique"))
        if key is not None and key.name and index_backed:
            return [("index", _index_key(key.name, op.table), CREATED)]
        return []
    if isinstance(op, o.DropConstraint) and op.name:
        return [("index", _index_key(op.name, op.table), REMOVED)]
    if isinstance(op, o.CreateObject):
        made = MAYBE_CREATED if op.guarded else CREATED
        if op.kind == "trigger" and op.table:  # PostgreSQL names a trigger per table; the others per schema
            return [("trigger", op.name, made), ("trigger", f"{op.table}:{op.name}", made)]
        return [(space(op.kind), op.name, made)]
    if isinstance(op, o.DropObject):
        if op.kind == "trigger" and op.table:
            return [("trigger", f"{op.table}:{op.name}", REMOVED)]
        return [(space(op.kind), op.name, REMOVED)]
    if isinstance(op, o.RenameObject):
        return [(space(op.kind), op.name, REMOVED), (space(op.kind), _in_schema_of(op.name, op.new), CREATED)]
    return []

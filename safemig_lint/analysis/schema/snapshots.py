"""The schema before each version of a replay, kept as the changes between versions.

A snapshot per version, each a copy of every map (even of references to shared tables), grows as
versions times objects: quadratic in the history. Instead the replayed database writes each change
to its maps down in a journal (Database.keep_journal); a snapshot is a mark in it, and is made on
demand from the nearest full copy at or before it (a checkpoint) by replaying the changes in
between. A checkpoint is taken once the changes since the last one outnumber the objects the
database holds, so checkpoints hold no more than about twice the journal (linear in the history),
and making a snapshot costs about one copy of the maps, as taking it eagerly did. The last few
snapshots made are kept, as rules ask for the same few versions while a file is linted, and the
next is made from the nearest of them before it when that is nearer than the checkpoint (files are
linted in version order: most snapshots are a copy and one version's changes).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict

from safemig_lint import values
from safemig_lint.operations.model import CLEARED, GONE, Database, FoundBy, Journal, TableMap

_KEPT = 8  # snapshots made and kept for the next question


@values.value(unsafe_hash=True)
class _Mark:
    changes: int  # how many changes of the journal came before it
    schemas: frozenset[str]
    open_world: str | None


class Snapshots:
    """Read-only states of `db`, which a replay changes: `take()` marks its state now, `[i]` gives the i-th."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._journal: Journal = []
        db.keep_journal(self._journal)
        self._marks: list[_Mark] = []
        self._checkpoints: list[Database] = []  # full read-only copies, at the marks _checkpointed names
        self._checkpointed: list[int] = []
        self._made: OrderedDict[int, Database] = OrderedDict()

    def take(self) -> None:
        db = self._db
        db.tables.seal()  # the tables it holds now are the snapshot's: a change copies them first
        previous = self._marks[-1] if self._marks else None
        schemas = previous.schemas if previous is not None and previous.schemas == db.schemas else frozenset(db.schemas)
        self._marks.append(_Mark(len(self._journal), schemas, db.open_world))
        since = len(self._journal) - self._marks[self._checkpointed[-1]].changes if self._checkpointed else None
        if since is None or since > size(db):
            self._checkpointed.append(len(self._marks) - 1)
            self._checkpoints.append(db.snapshot())

    def __len__(self) -> int:
        return len(self._marks)

    def __getitem__(self, index: int) -> Database:
        if index < 0:
            index += len(self._marks)
        if not 0 <= index < len(self._marks):
            raise IndexError(index)
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = self.made(index, [])
            made.tables.frozen = True
            if len(self._made) > _KEPT:
                self._made.popitem(last=False)
        else:
            self._made.move_to_end(index)
        return made

    def made(self, index: int, then: Journal, schemas: set[str] | None = None, open_world: str | None = None) -> Database:
        """A new copy of the index-th state, to change, with the changes in `then` made to it after (and
        `schemas`, `open_world` when given: those the changes left)."""
        at = bisect_right(self._checkpointed, index) - 1
        mark = self._marks[index]
        start_at = self._checkpointed[at]
        nearer = max((i for i in self._made if start_at < i <= index), default=None)
        if nearer is None:
            db = self._checkpoints[at].copy()
        else:
            db, start_at = self._made[nearer].copy(), nearer
        maps: dict[str, TableMap | FoundBy] = {
            "tables": db.tables,
            "views": db.views,
            "sequences": db.sequences,
            "types": db.types,
            "routines": db.routines,
        }
        start = self._marks[start_at].changes
        for changes in (self._journal[start : mark.changes], then):
            for name, key, value in changes:
                objects = maps[name]
                if value is GONE:
                    dict.__delitem__(objects, key)
                elif value is CLEARED:
                    dict.clear(objects)
                else:
                    dict.__setitem__(objects, key, value)
        db.schemas = set(mark.schemas if schemas is None else schemas)
        db.open_world = mark.open_world if schemas is None else open_world
        return db


def size(db: Database) -> int:
    """How many objects the database's maps hold."""
    return len(db.tables) + len(db.views) + len(db.sequences) + len(db.types) + len(db.routines)

"""What replaying a statement did, in the terms rules ask about.

Replay returns these per statement. A few are completed later in the same replay, when a
table rebuild is recognised (the drop, copy and renames of a rebuild are often separate
statements, even separate files): `Dropped.rebuilt_into`, `Renamed.restored`, `RowsCopied.rebuild`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from safemig_lint.operations.locator import Locator
from safemig_lint.operations.model import Column, ColumnType, SchemaObject


@dataclass(eq=False, slots=True)
class Effect:
    at: Locator | None = field(default=None, kw_only=True)  # the op's: for the finding's position


@dataclass(eq=False, slots=True)
class Created(Effect):
    kind: str  # table, column, index, constraint, view, sequence, type, schema, function ...
    name: str  # a column's or key's name within `table`
    table: str = ""
    identity: int = 0  # a table's oid


@dataclass(eq=False, slots=True)
class Dropped(Effect):
    kind: str
    name: str
    table: str = ""
    before: SchemaObject | None = None  # None: the model did not have it
    # For a table whose rows were copied into another table first:
    copied_into: tuple[str, ...] = ()  # tables holding a copy of its rows, when it was dropped
    rebuilt_into: str | None = None  # the copy took its name: a rebuild (set once recognised)
    lost_columns: tuple[str, ...] = ()  # its columns the rebuild's copy left out
    # Where its data lives on, when it was dropped: for a table, the tables INSERT ... SELECT copied every row
    # and every column of it into; for a column, the `table.column`s an UPDATE filled from it, and the tables
    # an INSERT ... SELECT copied it into. Empty: nothing holds it any more.
    moved_into: tuple[str, ...] = ()
    unmoved: tuple[str, ...] = ()  # of a table some of whose data was copied: the columns (or "rows") left behind


@dataclass(eq=False, slots=True)
class Renamed(Effect):
    kind: str  # table or column
    table: str  # the column's table; for a table, its old name
    old: str
    new: str
    identity: int = 0  # the table's oid or the column's cid
    restored: bool = False  # the old name is in use again (a table rebuild, a column swap): clients see no change


@dataclass(eq=False, slots=True)
class TypeChanged(Effect):
    table: str
    column: str
    old: ColumnType  # user-defined enums and domains resolved, as of this statement
    new: ColumnType
    using: bool = False  # converted by a USING expression


@dataclass(eq=False, slots=True)
class ColumnChanged(Effect):
    """ALTER COLUMN, MODIFY or CHANGE COLUMN: the column as it was and as it is now."""

    table: str
    before: Column
    after: Column


@dataclass(eq=False, slots=True)
class RowsCopied(Effect):
    target: str
    source: str
    pairs: tuple[tuple[str, str, ColumnType | None, ColumnType | None], ...]  # target col, source col, their types
    rebuild: bool = False  # the target took the source's name (set once recognised)
    counts: tuple[int, int] = (0, 0)  # how many columns the insert names and the query gives (0 when not known)
    # (target column, source column) of each pair copying a column that may hold NULL into a NOT NULL one.
    into_not_null: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False, slots=True)
class Rejected(Effect):
    """The database rejects the statement here, as far as the model can tell for certain (resolve.py)."""

    problem: str  # missing, exists, insert, quoted, dependents
    message: str  # in the database's own words where it has them
    detail: str = ""  # what depends on a dropped object, which earlier statement removed a missing one ...
    subject: str = ""  # the name it is about, bare (`email` of users.email)
    # About the very object the op changes: the statement fails and that change is not made (the replay
    # skips it). Not so for a part of a new table (a key's missing column): the table is kept as meant.
    fails_op: bool = True


@dataclass(eq=False, slots=True)
class Cascaded(Effect):
    """What a drop took with it beyond the object it names: CASCADE, or what a dropped column takes."""

    dropped: str  # e.g. `table users`
    # Each object taken: its description (`constraint orders_user_id_fkey on table orders`), and the
    # kind and key of the object it is or belongs to (`table`, `orders`).
    taken: tuple[tuple[str, str, str], ...]

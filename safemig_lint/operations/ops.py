"""Schema operations: what one statement does, in dialect-free terms.

The one reading of DDL: read.py turns each statement into a list of these (pure, per file);
every rule (FileContext.operations) and the replay (analysis/schema/) consume the same list.
`at` locates the part of the statement the operation comes from, for findings (None when the
statement was read from its text): a Locator (operations/locator.py), not the tree's node, so that
no op keeps its statement's tree alive.

A few facts only a statement's tree tells (FROM_TREE: whether a key is declared in an added
column's own definition, what a MODIFY spells out, ...) are read with the op, as fields that take
no part in equality and are not kept in JSON (file_ops.py): an op read from text, or back from
JSON, has them at their defaults, as it has no `at`.

Ops are never changed once read (dataclasses.replace makes a new one): they are `@value`
classes (safemig_lint/values.py), frozen to the type checker, plain dataclasses when the program
runs (a history's reading makes tens of thousands of ops; a frozen class's import also generates
three more methods per class: ~10 ms of every run).
"""

from __future__ import annotations

import enum
from dataclasses import Field, field, fields, replace
from types import MappingProxyType
from typing import Any, TypeVar

from safemig_lint.operations.locator import Locator
from safemig_lint.operations.model import Column, ColumnType, Constraint, Index
from safemig_lint.values import value

FROM_TREE = MappingProxyType({"from_tree": True})  # the metadata of a field only a statement's tree tells


@value
class Op:
    at: Locator | None = field(default=None, compare=False, kw_only=True, metadata=FROM_TREE)
    # ALTER TABLE IF EXISTS t ... (and ALTER INDEX / VIEW / SEQUENCE IF EXISTS): nothing happens when t is missing.
    if_target_exists: bool = field(default=False, kw_only=True)


@value
class CreateTable(Op):
    table: str
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    if_not_exists: bool = False
    like: str | None = None  # CREATE TABLE t (LIKE other) / CREATE TABLE t LIKE other
    unknown: str | None = None  # the definition could not be read (CREATE TABLE ... AS SELECT)
    keys_unknown: str | None = None  # some of its keys could not be read
    temporary: bool = False  # gone when the session ends: not part of the schema
    parents: tuple[str, ...] = ()  # INHERITS (...) or PARTITION OF: their columns come first
    partition: bool = False  # PARTITION OF: the parent's keys are cloned too


@value
class DropTable(Op):
    table: str
    if_exists: bool = False
    cascade: bool = False  # PostgreSQL: the views and foreign keys that depend on it go too


@value
class RenameTable(Op):
    table: str
    new: str


@value
class AddColumn(Op):
    table: str
    column: Column
    if_not_exists: bool = False
    after: str | None = None  # MySQL's FIRST (empty string) / AFTER column
    # How existing rows get a value, beyond the column's default: GENERATED ... AS IDENTITY, or
    # GENERATED ALWAYS AS (...) STORED (computed and written into every row).
    identity: bool = False
    stored: bool = False
    primary_key: bool = field(default=False, compare=False, kw_only=True, metadata=FROM_TREE)  # declared PRIMARY KEY in it
    # SQLite: its DEFAULT when that is no constant (SQLite adds a column to a table with rows only with a constant
    # one: a literal, a negative number, a bare word), as written.
    variable_default: str = field(default="", compare=False, kw_only=True, metadata=FROM_TREE)


@value
class DropColumn(Op):
    table: str
    column: str
    if_exists: bool = False
    cascade: bool = False


@value
class RenameColumn(Op):
    table: str
    column: str
    new: str


class Keep(enum.Enum):
    KEEP = "keep"


KEEP = Keep.KEEP  # AlterColumn: leave this attribute as it is


@value
class AlterColumn(Op):
    """Postgres-style ALTER COLUMN: each attribute not given is kept."""

    table: str
    column: str
    type: ColumnType | None = None
    using: bool = False  # ALTER COLUMN ... TYPE ... USING expression: the values are converted by it
    nullable: bool | None = None
    default: str | None | Keep = KEEP  # None: drop the default
    # A USING that converts the values (not the column alone, nor a plain cast of it, which converts as the
    # type change does), and the columns (lower case) whose NULLs it rewrites: `c IS NULL`, `COALESCE(c, ...)`.
    converts: bool = field(default=False, compare=False, kw_only=True, metadata=FROM_TREE)
    nulls_rewritten: tuple[str, ...] = field(default=(), compare=False, kw_only=True, metadata=FROM_TREE)


@value
class ReplaceColumn(Op):
    """MySQL's MODIFY / CHANGE COLUMN: the column is redefined as a whole (and maybe renamed)."""

    table: str
    column: str
    definition: Column
    after: str | None = None
    # As written: CHANGE COLUMN (not MODIFY); the definition in MySQL's SQL; whether it says NULL or NOT NULL;
    # its DEFAULT: "" none, "null" DEFAULT NULL, "value" any other.
    change: bool = field(default=False, compare=False, kw_only=True, metadata=FROM_TREE)
    definition_sql: str = field(default="", compare=False, kw_only=True, metadata=FROM_TREE)
    says_nullability: bool = field(default=False, compare=False, kw_only=True, metadata=FROM_TREE)
    says_default: str = field(default="", compare=False, kw_only=True, metadata=FROM_TREE)


@value
class AddConstraint(Op):
    table: str
    constraint: Constraint | None = None  # or, for MySQL's KEY / INDEX, an index
    index: Index | None = None
    not_valid: bool = False  # PostgreSQL's NOT VALID: existing rows are not checked now
    index_kind: str = ""  # MySQL's FULLTEXT / SPATIAL index, lower-case
    # Declared in an added column's own definition (ADD COLUMN c int REFERENCES t), where its column is new.
    in_added_column: bool = field(default=False, compare=False, kw_only=True, metadata=FROM_TREE)
    # The name of its action's first CONSTRAINT clause (ADD CONSTRAINT name ...), as written in SQL; not read for
    # a key declared in an added column's definition.
    written_name: str = field(default="", compare=False, kw_only=True, metadata=FROM_TREE)

    @property
    def key(self) -> Constraint | Index:
        key = self.constraint or self.index
        assert key is not None, "an AddConstraint adds a constraint or an index"
        return key


@value
class DropConstraint(Op):
    table: str
    name: str  # empty for MySQL's DROP PRIMARY KEY
    kind: str = ""  # primary, foreign when the syntax says so
    if_exists: bool = False
    cascade: bool = False


@value
class RenameKey(Op):
    """An index or constraint renamed; `table` empty when only the index name is given."""

    table: str
    name: str
    new: str


@value
class CreateIndex(Op):
    table: str
    index: Index
    if_not_exists: bool = False
    concurrently: bool = False  # PostgreSQL builds it without blocking writes
    index_kind: str = ""  # MySQL's FULLTEXT / SPATIAL index, lower-case


@value
class DropIndex(Op):
    name: str
    table: str = ""  # given by MySQL (DROP INDEX i ON t) and SQLite never
    if_exists: bool = False
    concurrently: bool = False
    cascade: bool = False  # PostgreSQL: foreign keys that rely on it go too


@value
class CreateObject(Op):
    """A view, sequence, type, schema or routine."""

    kind: str  # view, sequence, type, schema, function, procedure, trigger, extension, event
    name: str
    if_not_exists: bool = False
    replace: bool = False
    definition: str = ""  # of a view
    materialized: bool = False
    type_kind: str = ""  # enum, composite, domain
    values: tuple[str, ...] = ()
    base: ColumnType | None = None  # of a domain
    table: str = ""  # of a trigger
    function: str = ""  # a trigger's: the function it executes
    spelled: str = field(default="", compare=False)  # the kind as written, where it differs: database, domain ...

    @property
    def written_kind(self) -> str:
        return self.spelled or self.kind

    @property
    def guarded(self) -> bool:
        return self.if_not_exists or self.replace


@value
class DropObject(Op):
    kind: str
    name: str
    if_exists: bool = False
    cascade: bool = False
    spelled: str = field(default="", compare=False)  # the kind as written, where it differs: database, domain ...
    table: str = ""  # a trigger's: DROP TRIGGER name ON table

    @property
    def written_kind(self) -> str:
        return self.spelled or self.kind


@value
class RenameObject(Op):
    kind: str
    name: str
    new: str


@value
class AddEnumValue(Op):
    type: str
    value: str
    before: str | None = None
    after: str | None = None


@value
class RenameEnumValue(Op):
    type: str
    value: str
    new: str


@value
class Truncate(Op):
    """TRUNCATE: every row goes, the structure stays."""

    table: str


@value
class DeleteRows(Op):
    """DELETE FROM table [WHERE ...]: some rows go, the structure stays."""

    table: str
    reads: tuple[str, ...] | None  # the columns its WHERE reads; None: no WHERE, every row goes


@value
class FillColumn(Op):
    """UPDATE table SET column = expression: the column's values now come from the expression."""

    table: str
    column: str
    reads: tuple[str, ...]  # the columns the expression reads: `column` of this table, `qualifier.column` of another
    # Only some rows: a WHERE (other than `column IS NULL`, which reaches every NULL) or a join (FROM).
    partial: bool = False
    # A join on one equality with one other table, `UPDATE t ... FROM o WHERE t.c = o.k`: (c, o, k). It
    # reaches every row when c is a NOT NULL foreign key to o(k) (the schema tells).
    joined: tuple[str, ...] = ()


@value
class CopyRows(Op):
    """INSERT INTO target [(columns)] SELECT ... FROM source: matched by position at replay."""

    target: str
    source: str
    target_columns: tuple[str, ...] | None  # None: all of the target's, in order
    source_columns: tuple[str | None, ...] | None  # None: SELECT *; a None item: an expression
    filtered: bool = False  # WHERE / GROUP BY / DISTINCT / LIMIT: some rows may not be copied


@value
class CopyOut(Op):
    """INSERT INTO ... SELECT reads these columns of `source` (`*`: all): their data lives on elsewhere."""

    source: str
    columns: tuple[str, ...]
    target: str = ""  # the table the rows go into
    filtered: bool = False  # WHERE / GROUP BY / DISTINCT / LIMIT: some rows may not be copied


@value
class Unknown(Op):
    """The statement may have changed these objects in ways the model does not follow.

    `tables` are table keys; `names` are bare words the statement mentions, matched against
    every kind of object in the model when the statement says nothing more precise.
    """

    reason: str
    tables: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    keys_only: bool = False  # only the tables' indexes and constraints are uncertain
    # Names built at run time from a template (`format('DROP INDEX t_%s_idx', id)`): regular
    # expressions, case-folded, of every name the statement may touch beyond `names`.
    patterns: tuple[str, ...] = ()


@value
class OwnSequence(Op):
    """ALTER SEQUENCE s OWNED BY t.c: the sequence is dropped with that column or its table."""

    sequence: str
    owner: str  # `table.column`, or "" for OWNED BY NONE


def from_tree(field_: Field) -> bool:
    """Is this field of an op one that only a statement's tree tells (FROM_TREE)?"""
    return "from_tree" in field_.metadata


OpT = TypeVar("OpT", bound=Op)


def as_from_text(op: OpT) -> OpT:
    """The op without what only a tree tells: as if read from the statement's text."""
    defaults: dict[str, Any] = {f.name: f.default for f in fields(op) if from_tree(f)}
    return replace(op, **defaults)


def created_objects(op: Op) -> list[tuple[str, str]]:
    """(kind, key) of each object the op brings into being (one of CREATING_OPS); a column's key is `table.column`."""
    if isinstance(op, CreateTable):
        return [("table", op.table), *(("column", f"{op.table}.{c.name}") for c in op.columns)]
    if isinstance(op, AddColumn):
        return [("column", f"{op.table}.{op.column.name}")]
    if isinstance(op, CreateIndex):
        return [("index", op.index.name)]
    if isinstance(op, CreateObject):
        return [(op.kind, op.name)]
    return []


CREATING_OPS = (CreateTable, AddColumn, CreateIndex, CreateObject)  # the ops created_objects finds an object in


# --- names a statement uses: they must exist when it runs (analysis/schema/resolve.py checks them)


@value
class ColumnRef:
    """A column a statement names, and the tables it may belong to."""

    name: str  # `*` for every column (SELECT *, t.*)
    # Per scope, innermost first (a subquery sees its own FROM, then the enclosing query's): the keys
    # of the tables the name may come from; "" for a source whose columns are not known (a subquery,
    # a CTE, a function), which may hold any name.
    scopes: tuple[tuple[str, ...], ...]
    quoted: bool = False  # written in double quotes: PostgreSQL and SQLite read a name there, not a string
    qualifier: str = ""  # as written (`t` in t.c), for messages


class Uses(Op):
    """A name the statement reads or writes, which must exist when it runs."""

    __slots__ = ()  # as its @value subclasses hold their fields (safemig_lint/values.py)


@value
class UsesTable(Uses):
    """A table (or view) named in FROM, JOIN, INSERT INTO, UPDATE, DELETE FROM, ALTER TABLE, REFERENCES."""

    table: str
    place: str = ""  # "reference": a foreign key's (SQLite looks it up only when rows change)


@value
class UsesSequence(Uses):
    """A sequence named where PostgreSQL looks it up when the statement runs: ALTER SEQUENCE, or the
    literal argument of nextval, currval or setval (a regclass, resolved as the call is parsed)."""

    sequence: str
    written: str = ""  # the name as the database shows it in its message: schema-qualified when written so


@value
class UsesColumn(Uses):
    column: ColumnRef
    # Where it is named: "" in an expression; "target" in INSERT's column list or UPDATE's SET (a
    # column of the table written to); "default" in a column's DEFAULT, where no column may be named.
    place: str = ""


@value
class InsertRows(Op):
    """INSERT INTO table [(columns)] VALUES (...), ... or SELECT ...: how many values each row gives."""

    table: str
    columns: tuple[str, ...] | None  # None: every column of the table, in order
    widths: tuple[int, ...]  # of each VALUES row; of the SELECT list, as one item (empty when it has a *)
    select: bool = False

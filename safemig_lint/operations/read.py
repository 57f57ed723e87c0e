"""Read what each statement does to the schema, as operations (ops.py).

Pure and per file: it needs only the ParsedFile the engine already built. Parsed statements
are read from sqlglot's tree; exp.Command and unparsable statements from their text, with
small patterns for the DDL sqlglot does not parse (PL/pgSQL DO blocks, ALTER TYPE ... ADD
VALUE, RENAME TABLE, ...). What cannot be read becomes an Unknown op naming what it may
have touched, never a guess.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import fields, replace
from typing import Any, cast

import sqlglot
from sqlglot import exp

from safemig_lint.analysis.digests import digest
from safemig_lint.dialects import DEFAULT_MYSQL_VERSION, is_mariadb
from safemig_lint.operations import ops as o
from safemig_lint.operations.locator import Locator
from safemig_lint.operations.model import PG_NAME_LENGTH, SERIAL_TYPES, Column, ColumnType, Constraint, Index, bare_name
from safemig_lint.operations.references import delete_uses, expression_uses, insert_uses, query_uses, update_uses
from safemig_lint.operations.sql_text import WrittenSql, copy_tree, write_own, written
from safemig_lint.operations.types import column_type
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import ParsedFile, Placeholder, Statement, parse_file


class Names:
    """How a dialect spells object names, turned into model keys, for one file.

    parse_file replaced each template placeholder ({{ .Schema }}) by a stand-in name of the
    same length; in keys every stand-in becomes `{{}}`, as they almost always fill in the same
    schema or prefix throughout a directory.
    """

    def __init__(self, dialect: str, placeholders: list[Placeholder] | tuple = (), inline_foreign_keys: bool = True) -> None:
        self.dialect = dialect
        # Does a column's own REFERENCES create a foreign key? (inline_references_create_keys)
        self.inline_foreign_keys = inline_foreign_keys
        self.case_sensitive = dialect == "postgres"  # quoted names keep their case there
        self.default_schema = {"postgres": "public", "sqlite": "main"}.get(dialect, "")
        self.placeholders = placeholders
        self._starts = [p.start for p in placeholders]
        # Stand-ins (statements.py): `x<n>` padded with `_` to the placeholder's length, found by their
        # number; or, for a placeholder shorter than that, `x` repeated (few lengths).
        self._stand_ins: dict[str, str] = {}
        self._all_x: set[str] = set()
        for p in placeholders:
            if not p.is_control:
                number = p.mask.rstrip("_")
                if number.strip("x"):
                    self._stand_ins[number] = p.mask
                else:
                    self._all_x.add(p.mask)
        # Keys already made, by name (quoted or not) and by raw text: a history names the same tables and columns
        # again and again (in each column, key, reference and query that reads them). Without stand-ins a key
        # depends on the dialect alone: the files without placeholders share theirs.
        self._quoted: dict[str, str]
        self._unquoted: dict[str, str]
        self._texts: dict[str, str]
        if self._stand_ins or self._all_x:
            self._quoted, self._unquoted, self._texts = {}, {}, {}
        else:
            self._quoted, self._unquoted, self._texts = _KEYS_MADE.setdefault(dialect, ({}, {}, {}))
        self._located: dict[int, Locator] = {}  # by id(node), for the statement being read (read_statement)

    def for_text(self) -> Names:
        """For statements parsed out of already masked text (a DO block's body): nothing to mask."""
        inner = Names(self.dialect, inline_foreign_keys=self.inline_foreign_keys)
        inner._stand_ins, inner._all_x = self._stand_ins, self._all_x
        # The same stand-ins make the same keys.
        inner._quoted, inner._unquoted, inner._texts = self._quoted, self._unquoted, self._texts
        return inner

    def locate(self, node: exp.Expr | None) -> Locator | None:
        """The Locator of a node of the statement being read (None for none: `CREATE INDEX ON t` names no
        index): one per node, so that the ops read from one node (ADD COLUMN c int UNIQUE: an AddColumn and
        an AddConstraint) share it, as rules match them by it."""
        located = self._located.get(id(node))
        if located is None and node is not None:
            located = self._located[id(node)] = Locator(node)
        return located

    def masked(self, statement: Statement) -> str:
        """The statement's text as sqlglot saw it: placeholders replaced by stand-ins or blanks.

        The file's placeholders come leftmost first, without overlaps: those inside the statement
        are found by bisection, not by a look at every placeholder of the file for each statement."""
        text, pieces, previous = statement.text, [], 0
        index = bisect_left(self._starts, statement.start)
        while index < len(self.placeholders) and self.placeholders[index].start < statement.end:
            p = self.placeholders[index]
            if p.end <= statement.end:
                offset = p.start - statement.start
                pieces += [text[previous:offset], p.mask]
                previous = offset + len(p.mask)
            index += 1
        return "".join(pieces) + text[previous:] if pieces else text

    def _unmask(self, name: str) -> str:
        """Each stand-in in the name as `{{}}`: found by its number (one look-up per `x<n>` in the name,
        not one scan of the name per placeholder of the file)."""
        if self._stand_ins and "x" in name:
            name = _STAND_IN_NUMBER.sub(self._unmask_one, name)
        for stand_in in self._all_x:
            name = name.replace(stand_in, "{{}}")
        return name

    def _unmask_one(self, match: re.Match[str]) -> str:
        mask = self._stand_ins.get(match.group(1))
        if mask is None or not match.string.startswith(mask, match.start()):
            return match.group()
        return "{{}}" + match.group()[len(mask) :]

    def ident(self, node: exp.Expr | str | None) -> str:
        if isinstance(node, exp.Identifier):  # the most common, first
            quoted = node.quoted
            made = self._quoted if quoted else self._unquoted
            key = made.get(node.this)
            if key is None:
                if len(made) >= _NAMES_KEPT:
                    made.clear()
                name = self._unmask(node.this)
                key = made[node.this] = self._truncated(name if quoted and self.case_sensitive else name.lower())
            return key
        if node is None:
            return ""
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, (exp.Column, exp.Table, exp.ColumnPrefix)) and not isinstance(node.this, str):
            return self.ident(node.this)
        return self._truncated(self._unmask(node.name if node.name else written(node, self.dialect)).lower())

    def _truncated(self, name: str) -> str:
        """PostgreSQL cuts identifiers to 63 bytes (NAMEDATALEN - 1), at a character boundary,
        so two names equal in their first 63 bytes name the same object."""
        if self.dialect != "postgres" or len(name) <= PG_NAME_LENGTH // 4 or "{{}}" in name:
            return name
        encoded = name.encode()
        return name if len(encoded) <= PG_NAME_LENGTH else encoded[:PG_NAME_LENGTH].decode(errors="ignore")

    def table(self, node: exp.Expr) -> str:
        if isinstance(node, exp.Schema):
            node = node.this
        if isinstance(node, exp.Table):
            return self.in_schema(node.args.get("db"), self.ident(node.this))
        return self.ident(node)

    def in_schema(self, schema: exp.Expr | None, name: str) -> str:
        """The key of table `name` (a key already) in the schema named by `schema` as written, if any."""
        return name if schema is None else self.qualify(self.ident(schema), name)  # most tables are named without one

    def qualify(self, schema: str, name: str) -> str:
        return f"{schema}.{name}" if schema and schema != self.default_schema else name

    def text(self, raw: str) -> str:
        """A possibly quoted, possibly qualified name as written in raw SQL text."""
        key = self._texts.get(raw)
        if key is None:
            if len(self._texts) >= _NAMES_KEPT:
                self._texts.clear()
            key = self._texts[raw] = raw if self._is_own_key(raw) else self._key_of_text(raw)
        return key

    def _key_of_text(self, raw: str) -> str:
        parts = [self._part(p) for p in _NAME_PARTS.findall(raw)]
        return self.qualify(parts[-2], parts[-1]) if len(parts) > 1 else parts[0] if parts else raw.lower()

    def _is_own_key(self, raw: str) -> bool:
        """Is `raw` a name whose key is itself: one lower-case word, too short to be cut, in a file without stand-ins
        (most keys are; expression_uses keys a table's own key again)? Then text's reading of it gives it back."""
        return (
            not self._stand_ins
            and not self._all_x
            and len(raw) <= PG_NAME_LENGTH
            and raw.isascii()
            and raw.isidentifier()
            and raw.islower()
        )

    def _part(self, part: str) -> str:
        if part[:1] in ('"', "`", "["):
            inner = self._unmask(part[1:-1])
            return self._truncated(inner if self.case_sensitive else inner.lower())
        return self._truncated(self._unmask(part).lower())

    def type_name(self, node: exp.Expr | str) -> str:
        return self.text(node if isinstance(node, str) else _recurring_sql(node, self.dialect))


def inline_references_create_keys(dialect: str, mysql_version: tuple[int, ...] | None) -> bool:
    """Does `col INT REFERENCES t (id)` create a foreign key? MySQL parses a column's own REFERENCES
    and ignores it before 9.0.0 (WL#16130), MariaDB before 10.5 (MDEV-20729); only a table-level
    FOREIGN KEY creates one there. None: the default server (dialects.DEFAULT_MYSQL_VERSION)."""
    if dialect != "mysql":
        return True
    version = tuple(mysql_version or DEFAULT_MYSQL_VERSION)
    return version >= (10, 5) if is_mariadb(version) else version >= (9,)


# SQL of small trees that recur: a user type's name (on each column of that type), an index's expression.
_recurring_sql = WrittenSql(written)
_NAMES_KEPT = 16384  # keys Names remembers, of each kind: emptied when full (a 5 MB file names tens of thousands)
_KEYS_MADE: dict[str, tuple[dict[str, str], dict[str, str], dict[str, str]]] = {}  # by dialect, for files without placeholders
_STAND_IN_NUMBER = lazy(r"(x[0-9]+)_*")  # a stand-in's number and its padding (statements.py)
_QUOTED_OR_WORD = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
_NAME = rf"{_QUOTED_OR_WORD}(?:\s*\.\s*{_QUOTED_OR_WORD})*"
_NAME_PARTS = lazy(_QUOTED_OR_WORD)


def read_file(parsed: ParsedFile, dialect: str) -> list[list[o.Op]]:
    """The ops of each statement of the file, in order."""
    names = Names(dialect, parsed.placeholders, inline_references_create_keys(dialect, None))
    return [read_statement(statement, names) for statement in parsed.statements]


def read_statement(statement: Statement, names: Names) -> list[o.Op]:
    """`names` must be made for the statement's file (its placeholders)."""
    if statement.expression is None or statement.is_command:
        return _read_text(names.masked(statement), names)
    try:
        return _read_tree(statement.expression, statement, names)
    finally:
        # Its nodes' ids are free again once its tree goes: no Locator may be found by them after.
        names._located.clear()


class Reading:
    """The ops of each file of a directory, read once on first use and shared by every rule and the replay."""

    def __init__(self, dialect: str, mysql_version: tuple[int, ...] | None = None) -> None:
        self.dialect = dialect
        self.inline_foreign_keys = inline_references_create_keys(dialect, mysql_version)
        # By the ParsedFile's identity; the file is kept so that its id stays its own.
        self._files: dict[int, tuple[ParsedFile, Names, dict[int, list[o.Op]]]] = {}

    def _read(self, parsed: ParsedFile) -> tuple[ParsedFile, Names, dict[int, list[o.Op]]]:
        key = id(parsed)
        if key not in self._files:
            names = Names(self.dialect, parsed.placeholders, self.inline_foreign_keys)
            self._files[key] = (parsed, names, {s.start: _read_safely(s, names) for s in parsed.statements})
        return self._files[key]

    def read_parsed(self, parsed: ParsedFile, statement: Statement) -> list[o.Op]:
        """The ops of a statement of `parsed` just parsed (parse_file's on_statement: the file's
        statements are handed over one by one, in order, and nothing asks for the file's ops before
        the last): kept as `of` keeps them, so that `of` gives the file's ops as it would have read them."""
        key = id(parsed)
        found = self._files.get(key)
        if found is None:
            found = self._files[key] = (parsed, Names(self.dialect, parsed.placeholders, self.inline_foreign_keys), {})
        ops = found[2][statement.start] = _read_safely(statement, found[1])
        return ops

    def forget(self, parsed: ParsedFile) -> None:
        """Drop what was read of a file (one read again from another text: engine.parse_bytes)."""
        self._files.pop(id(parsed), None)

    def names(self, parsed: ParsedFile) -> Names:
        return self._read(parsed)[1]

    def of(self, parsed: ParsedFile) -> dict[int, list[o.Op]]:
        """The ops of each statement of the file, by the statement's start offset, in order."""
        return self._read(parsed)[2]


def _read_safely(statement: Statement, names: Names) -> list[o.Op]:
    try:
        return read_statement(statement, names)
    except Exception as error:  # one statement the reader trips on must not stop the run
        reason = f"safemig-lint could not read this statement ({type(error).__name__}: {error})"
        return [o.Unknown(reason, names=mentions(statement.text))]


_DATA_ONLY = (o.CopyRows, o.CopyOut, o.Truncate, o.FillColumn, o.DeleteRows, o.Uses, o.InsertRows)


def changes_schema(statement: Statement, ops: list[o.Op]) -> bool:
    """Does the statement change the schema (or may it have: a valid statement the reading could not follow)?"""
    return any(_changes_schema(op, statement) for op in ops)


def _changes_schema(op: o.Op, statement: Statement) -> bool:
    if isinstance(op, o.Unknown):
        return statement.error is None  # text that is not SQL at all is SM001's
    return not isinstance(op, _DATA_ONLY) and not (isinstance(op, o.CreateTable) and op.temporary)


def leaves_nothing_to_undo(statement: Statement, ops: list[o.Op]) -> bool:
    """Does the statement change no schema object, no row and no setting that outlives the session?

    Validating a constraint, gathering statistics, session settings and transaction control
    are done for good or forgotten at disconnect: a down file has nothing to reverse.
    """
    if any(not isinstance(op, o.Uses) for op in ops):
        return False
    if statement.kind is exp.Select:
        return not _select_may_change(statement)
    body = _without_leading_comments(statement.text)
    if re.match(r"SET\s+(?:GLOBAL|PERSIST)", body, re.IGNORECASE):
        return False
    return bool(_SESSION_ONLY.match(body) or _VALIDATE_ONLY.fullmatch(body.strip()))


@digest(kinds=(exp.Select,), absent=False, memo=False)
def _select_may_change(statement: Statement, names: Names | None) -> bool:
    """SELECT INTO creates a table, and a function call may change anything (setval, ...)."""
    assert isinstance(statement.expression, exp.Select)  # selected by kinds
    return bool(statement.expression.args.get("into")) or bool(statement.nodes(exp.Anonymous))


_SESSION_ONLY = lazy(
    r"(SET|RESET|SHOW|EXPLAIN|ANALYZE|VACUUM|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|"
    r"CHECKPOINT|DISCARD|USE|LOCK|DELIMITER)\b",
    re.IGNORECASE,
)
_VALIDATE_ONLY = lazy(
    rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s+"
    rf"VALIDATE\s+CONSTRAINT\s+{_NAME}(?:\s*,\s*VALIDATE\s+CONSTRAINT\s+{_NAME})*",
    re.IGNORECASE,
)


def mentions(text: str) -> tuple[str, ...]:
    """Every word of the text that could name an object, case-folded."""
    return tuple(sorted({word.lower() for word in re.findall(r"[A-Za-z_][\w$]*", text)}))


# --- parsed statements

_NO_SCHEMA_EFFECT = (
    exp.Query,
    exp.Merge,
    exp.Set,
    exp.Pragma,
    exp.Comment,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Grant,
    exp.Revoke,
    exp.Analyze,
    exp.Use,
    exp.Show,
    exp.Describe,
    exp.Refresh,
    exp.Copy,
    exp.Values,
    exp.Semicolon,
)


def _read_tree(e: exp.Expr, statement: Statement, names: Names) -> list[o.Op]:
    if isinstance(e, exp.Create):
        return _create(e, statement, names)
    if isinstance(e, exp.Drop):
        return _drop(e, names)
    if isinstance(e, exp.Alter):
        return _alter(e, names)
    if isinstance(e, exp.Insert):
        return [*insert_uses(e, names), *_insert(e, names)]
    if isinstance(e, exp.Update):
        return [*update_uses(e, names), *_update(e, names), *_data_changing_ctes(e, names)]
    if isinstance(e, exp.TruncateTable):
        return [o.Truncate(names.table(t), at=names.locate(t)) for t in e.expressions]
    if isinstance(e, exp.Delete):
        return [*delete_uses(e, names), *_delete(e, names), *_data_changing_ctes(e, names)]
    if isinstance(e, exp.Query) and e.find(exp.Update, exp.Delete):
        return [*query_uses(e, names), *_data_changing_ctes(e, names)]
    if isinstance(e, exp.Query) and any(_DDL_STRING.search(s.this) for s in e.find_all(exp.Literal) if s.is_string):
        # SELECT helper('t', 'ALTER TABLE t ADD CONSTRAINT ...'): a function may run it as dynamic SQL.
        return [o.Unknown("DDL passed as a string to a function", names=mentions(statement.text), at=names.locate(e))]
    if isinstance(e, exp.Query):
        return query_uses(e, names)
    if isinstance(e, _NO_SCHEMA_EFFECT):
        return []
    return [o.Unknown(f"{type(e).__name__} statements are not modelled", names=mentions(statement.text), at=names.locate(e))]


def _is_temporary(e: exp.Expr) -> bool:
    properties = e.args.get("properties")
    return properties is not None and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions)


def _create(e: exp.Create, statement: Statement, names: Names) -> list[o.Op]:
    kind = (e.args.get("kind") or "").upper()
    if _is_temporary(e):  # gone when the migration's session ends: its name is known, and what its query reads is resolved
        if kind != "TABLE":
            return []
        made = _create_table(e, names)  # a query's reads come before the table (CREATE TEMP TABLE t AS SELECT ...)
        return [
            replace(op, temporary=True) if isinstance(op, o.CreateTable) else op for op in made if isinstance(op, (o.CreateTable, o.Uses))
        ]
    exists, replace_ = bool(e.args.get("exists")), bool(e.args.get("replace"))
    if kind == "TABLE":
        return _create_table(e, names)
    if kind == "INDEX":
        index = e.this
        params = index.args.get("params")
        where = params.args.get("where") if params else None
        columns = tuple(_key_column(c, names) for c in (params.args.get("columns") or [] if params else []))
        definition = Index(names.ident(index.this), columns, bool(e.args.get("unique")), _sql(where.this, names) if where else None)
        concurrently = bool(e.args.get("concurrently"))
        table_node = index.args["table"]
        table = names.table(table_node)
        uses: list[o.Op] = [o.UsesTable(table, at=names.locate(table_node))] if isinstance(table_node, exp.Table) else []
        for part in [*(params.args.get("columns") or [] if params else []), *([where.this] if where else [])]:
            uses += expression_uses(part, table, names)
        return [*uses, o.CreateIndex(table, definition, exists, concurrently, at=names.locate(index.this))]
    if kind == "VIEW":
        properties = e.args.get("properties")
        materialized = properties is not None and any(isinstance(p, exp.MaterializedProperty) for p in properties.expressions)
        query = written(e.expression, names.dialect) if e.expression else ""
        spelled = "materialized view" if materialized else ""
        uses = query_uses(e.expression, names) if isinstance(e.expression, exp.Query) else []
        return [
            *uses,
            o.CreateObject("view", names.table(e.this), exists, replace_, query, materialized, spelled=spelled, at=names.locate(e.this)),
        ]
    if kind == "TYPE":
        return [_create_type(e, names)]
    if kind in ("SCHEMA", "DATABASE"):
        spelled = kind.lower() if kind == "DATABASE" else ""
        return [o.CreateObject("schema", _schema_name(e.this, names), exists, spelled=spelled, at=names.locate(e.this))]
    if kind in ("FUNCTION", "PROCEDURE"):
        target = e.this.this if isinstance(e.this, exp.UserDefinedFunction) else e.this
        return [o.CreateObject(kind.lower(), names.table(target), exists, replace_, at=names.locate(target))]
    if kind == "TRIGGER":
        properties = e.args.get("properties")
        trigger = next((p for p in properties.expressions if isinstance(p, exp.TriggerProperties)), None) if properties else None
        table = names.table(trigger.args["table"]) if trigger and trigger.args.get("table") else ""
        function = _trigger_function(names.masked(statement), names)
        return [o.CreateObject("trigger", names.ident(e.this), exists, replace_, table=table, function=function, at=names.locate(e.this))]
    if kind == "SEQUENCE":
        name = names.table(e.this)
        ops: list[o.Op] = [o.CreateObject("sequence", name, exists, replace_, at=names.locate(e.this))]
        properties = e.args.get("properties")
        sequence = next((p for p in properties.expressions if isinstance(p, exp.SequenceProperties)), None) if properties else None
        owner = sequence.args.get("owned") if sequence is not None else None
        if isinstance(owner, exp.Column) and owner.table:  # OWNED BY t.c: dropped with that column or its table
            table = names.qualify(names.ident(owner.args.get("db")), names.ident(owner.args.get("table")))
            ops.append(o.OwnSequence(name, f"{table}.{names.ident(owner.this)}"))
        return ops
    return _read_text(names.masked(statement), names)


def _trigger_function(text: str, names: Names) -> str:
    """The function a trigger executes: EXECUTE {FUNCTION | PROCEDURE} name(...)."""
    found = re.search(rf"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+(?P<name>{_NAME})", text, re.IGNORECASE)
    return names.text(found.group("name")) if found else ""


def _schema_name(node: exp.Expr, names: Names) -> str:
    """sqlglot spells a schema as a Table whose `db` is the schema's name."""
    if isinstance(node, exp.Table):
        return names.ident(node.args.get("db")) or names.ident(node.this)
    return names.ident(node)


def _create_type(e: exp.Create, names: Names) -> o.Op:
    name, exists = names.table(e.this), bool(e.args.get("exists"))
    definition = e.expression
    if isinstance(definition, exp.DataType) and definition.this == exp.DataType.Type.ENUM:
        values = tuple(v.this for v in definition.expressions if isinstance(v, exp.Literal))
        return o.CreateObject("type", name, exists, type_kind="enum", values=values, at=names.locate(e.this))
    if isinstance(definition, exp.Schema):
        return o.CreateObject("type", name, exists, type_kind="composite", at=names.locate(e.this))
    return o.CreateObject("type", name, exists, type_kind="other", at=names.locate(e.this))


def _create_table(e: exp.Create, names: Names) -> list[o.Op]:
    target, exists = e.this, bool(e.args.get("exists"))
    table = names.table(target)
    properties = e.args.get("properties")
    like = next((p for p in properties.expressions if isinstance(p, exp.LikeProperty)), None) if properties else None
    parents, partition = _parents(properties, names) if properties is not None else ((), False)
    if isinstance(target, exp.Schema):
        columns: list[Column] = []
        constraints: list[Constraint] = []
        indexes: list[Index] = []
        unread: list[str] = []
        # definition_uses(target), in its order: the name, then each item's (a column's read with the column).
        uses = definition_uses(target.this, table, names) if isinstance(target.this, exp.Expression) else []
        for item in target.expressions:
            if isinstance(item, exp.ColumnDef):
                column, column_constraints = _column(item, names, (table, uses))
                columns.append(column)
                constraints.extend(column_constraints)
                continue
            if isinstance(item, exp.LikeProperty):
                like = item
            else:
                keys = _table_key(item, names)
                unread += [] if keys else [type(item).__name__]
                constraints.extend(k for k in keys if isinstance(k, Constraint))
                indexes.extend(k for k in keys if isinstance(k, Index))
            uses += definition_uses(item, table, names)
        keys_unknown = f"{', '.join(unread)} in CREATE TABLE is not modelled" if unread else None
        like_table = names.table(like.this) if like is not None else None
        created = o.CreateTable(
            table,
            tuple(columns),
            tuple(constraints),
            tuple(indexes),
            exists,
            like_table,
            None,
            keys_unknown,
            parents=parents,
            partition=partition,
            at=names.locate(target.this),
        )
        if properties is None:  # most tables: nothing copied or inherited (LIKE is one of the properties)
            return [created, *uses]
        return [*_parent_uses(parents, like, properties, names), created, *uses]
    if parents:
        created = o.CreateTable(table, if_not_exists=exists, parents=parents, partition=partition, at=names.locate(target))
        return [*_parent_uses(parents, like, properties, names), created]
    if like is not None:
        return [
            *_parent_uses(parents, like, properties, names),
            o.CreateTable(table, if_not_exists=exists, like=names.table(like.this), at=names.locate(target)),
        ]
    query = e.expression
    created = o.CreateTable(table, if_not_exists=exists, unknown="created from a query", at=names.locate(target))
    uses = query_uses(query, names) if isinstance(query, exp.Query) else []
    return [*uses, created, *(_copy(table, None, query, names) + _copied_out(query, names, table) if isinstance(query, exp.Select) else [])]


def _parent_uses(parents: tuple[str, ...], like: exp.Expression | None, properties: exp.Properties | None, names: Names) -> list[o.Op]:
    """The tables a new table copies or inherits its columns from (LIKE, INHERITS, PARTITION OF): they must exist."""
    nodes = [like.this] if like is not None and isinstance(like.this, exp.Table) else []
    for item in properties.expressions if properties else ():
        if isinstance(item, exp.InheritsProperty):
            nodes += [t for t in item.expressions if isinstance(t, exp.Table)]
        elif isinstance(item, exp.PartitionedOfProperty) and isinstance(item.this, exp.Table):
            nodes.append(item.this)
    return [o.UsesTable(names.table(node), at=names.locate(node)) for node in nodes]


def definition_uses(node: exp.Expression, table: str, names: Names) -> list[o.Op]:
    """What a table's definition (or an added column or key) names outside itself, and in its expressions:
    the tables and columns its foreign keys reference, the columns its CHECKs read, what its DEFAULTs name."""
    found: list[o.Op] = []
    stack = [node]
    while stack:
        current = stack.pop()
        part = _PARTS.get(current.__class__) or _definition_part(current.__class__)
        if part is _WALK:  # its children, last first: popped left to right
            stack.extend(current.iter_expressions(reverse=True))
        elif part is _COLUMN:  # a column's name and type name nothing: its constraints may
            stack.extend(reversed(current.args.get("constraints") or ()))
        elif part is _CONSTRAINT:  # CONSTRAINT name kind: the kind
            if current.args.get("kind") is not None:
                stack.append(current.args["kind"])
        elif part is _CHECK:
            found += expression_uses(current.this, table, names)
        elif part is _DEFAULT:
            found += expression_uses(current.this, None, names, "default")
        elif part is _REFERENCE:
            # A column's own REFERENCES makes no foreign key where the server ignores it (Names.inline_foreign_keys).
            if names.inline_foreign_keys or not isinstance(current.parent, exp.ColumnConstraint):
                found += _reference_uses(cast(exp.Reference, current), names)
    return found


# What definition_uses does with a node, by its class (found once per class: one look-up per node
# instead of a chain of isinstance). Names, types and literals hold no CHECK, DEFAULT or REFERENCES, nor
# do the other kinds of column constraint (NOT NULL, PRIMARY KEY, UNIQUE ...: a kind holds no other kind).
_CHECK, _DEFAULT, _REFERENCE, _WALK, _SKIP = "check", "default", "reference", "walk", "skip"
_COLUMN, _CONSTRAINT = "column", "constraint"
_PARTS: dict[type, str] = {}


def _definition_part(cls: type) -> str:
    if cls is exp.ColumnDef:
        part = _COLUMN
    elif cls is exp.ColumnConstraint:
        part = _CONSTRAINT
    elif issubclass(cls, exp.CheckColumnConstraint):
        part = _CHECK
    elif issubclass(cls, exp.DefaultColumnConstraint):
        part = _DEFAULT
    elif issubclass(cls, exp.Reference):
        part = _REFERENCE
    elif issubclass(cls, (exp.Identifier, exp.DataType, exp.Literal, exp.ColumnConstraintKind)):
        part = _SKIP
    else:
        part = _WALK
    _PARTS[cls] = part
    return part


def _reference_uses(reference: exp.Reference, names: Names) -> list[o.Op]:
    target = reference.this
    table_node = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table_node, exp.Table) or not isinstance(table_node.this, exp.Identifier):
        return []
    key = names.table(table_node)
    found: list[o.Op] = [o.UsesTable(key, "reference", at=names.locate(table_node))]
    for column in target.expressions if isinstance(target, exp.Schema) else []:
        if isinstance(column, exp.Identifier):
            found.append(o.UsesColumn(o.ColumnRef(names.ident(column), ((key,),), column.quoted), "reference", at=names.locate(column)))
    return found


def _parents(properties: exp.Properties | None, names: Names) -> tuple[tuple[str, ...], bool]:
    """The tables of INHERITS (...), or of PARTITION OF (True)."""
    for item in properties.expressions if properties else ():
        if isinstance(item, exp.InheritsProperty):
            return tuple(names.table(t) for t in item.expressions), False
        if isinstance(item, exp.PartitionedOfProperty):
            return (names.table(item.this),), True
    return (), False


def _column(node: exp.ColumnDef, names: Names, uses: tuple[str, list[o.Op]] | None = None) -> tuple[Column, list[Constraint]]:
    """A column definition, and the constraints it declares inline. `uses`: (the table's key, a list) to add
    definition_uses(node) to, read with the constraints rather than in a second walk of them."""
    name = names.ident(node.this)
    kind = node.args.get("kind")
    ctype: ColumnType | None
    if isinstance(kind, exp.DataType):
        ctype = column_type(kind, names.dialect, names.type_name)
    else:  # SQLite allows a column without a type (BLOB affinity); elsewhere sqlglot did not read it
        ctype = ColumnType("") if names.dialect == "sqlite" and kind is None else None
    nullable, default, generated, identity, constraints, attributes = True, None, False, False, [], []
    numbering = ""
    if ctype is not None and ctype.base in SERIAL_TYPES:
        nullable = False
    # SQLite lets a PRIMARY KEY column hold NULL unless it is the rowid (INTEGER PRIMARY KEY);
    # the replay makes the key's columns NOT NULL where the database does.
    sqlite_key_nullable = names.dialect == "sqlite" and (ctype is None or ctype.base != "INT")
    for item in node.args.get("constraints") or []:
        constraint, named = item.args.get("kind"), item.args.get("this")  # most are unnamed
        given = names.ident(named) if isinstance(named, exp.Identifier) else ""
        if isinstance(constraint, exp.NotNullColumnConstraint):
            nullable = bool(constraint.args.get("allow_null"))
        elif isinstance(constraint, exp.PrimaryKeyColumnConstraint):
            nullable = nullable and sqlite_key_nullable
            constraints.append(Constraint(given, "primary", (name,), inline=name))
        elif isinstance(constraint, exp.UniqueColumnConstraint):
            constraints.append(Constraint(given, "unique", (name,), inline=name))
        elif isinstance(constraint, exp.Reference) and names.inline_foreign_keys:
            constraints.append(Constraint(given, "foreign", (name,), _reference(constraint, names), inline=name))
            if uses is not None:
                uses[1].extend(_reference_uses(constraint, names))
        elif isinstance(constraint, exp.CheckColumnConstraint):
            constraints.append(
                Constraint(given, "check", _check_columns(constraint, names), expression=_sql(constraint.this, names), inline=name)
            )
            if uses is not None:
                uses[1].extend(expression_uses(constraint.this, uses[0], names))
        elif isinstance(constraint, exp.DefaultColumnConstraint):
            default = _sql(constraint.this, names)
            default = None if default.upper() == "NULL" else default  # the same as no default
            if uses is not None:
                uses[1].extend(expression_uses(constraint.this, None, names, "default"))
        elif isinstance(constraint, exp.ComputedColumnConstraint):
            generated = True
        elif _is_identity(constraint):
            identity, nullable = True, False
            numbering = "always" if constraint.this else "by default"
        elif isinstance(constraint, exp.GeneratedAsIdentityColumnConstraint):  # GENERATED ALWAYS AS (expr): computed
            generated = True
        elif names.dialect == "mysql" and type(constraint) in _MYSQL_ATTRIBUTES:
            value = constraint.this
            attributes.append((_MYSQL_ATTRIBUTES[type(constraint)], written(value, "mysql") if value is not None else ""))
        if isinstance(constraint, exp.AutoIncrementColumnConstraint):
            numbering = "autoincrement" if names.dialect == "sqlite" else "auto_increment"
        if uses is not None and constraint is not None and not isinstance(constraint, (exp.ColumnConstraintKind, exp.Reference)):
            uses[1].extend(definition_uses(constraint, uses[0], names))  # not a kind of column constraint: walked whole
    column = Column(name, ctype, nullable, default, generated, identity, attributes=tuple(attributes), numbering=numbering)
    return column, constraints


# MySQL column attributes besides type, nullability and default: a MODIFY or CHANGE COLUMN that leaves one out drops it.
_MYSQL_ATTRIBUTES = {
    exp.CommentColumnConstraint: "comment",
    exp.CharacterSetColumnConstraint: "character set",
    exp.CollateColumnConstraint: "collate",
    exp.AutoIncrementColumnConstraint: "auto_increment",
    exp.OnUpdateColumnConstraint: "on update",
}


def _is_identity(constraint: exp.Expr | None) -> bool:
    """GENERATED ... AS IDENTITY; sqlglot reads MySQL's and SQLite's `GENERATED ALWAYS AS (expr)` (a computed
    column, VIRTUAL unless STORED is written) into the same node, with the expression."""
    return (
        isinstance(constraint, exp.GeneratedAsIdentityColumnConstraint)
        and constraint.this is not None
        and constraint.args.get("expression") is None
    )


def _check_columns(node: exp.Expr, names: Names) -> tuple[str, ...]:
    """The columns a CHECK reads, in the order written (depth first): postgres names an unnamed
    check `<table>_<column>_check` when it reads exactly one column, `<table>_check` otherwise."""
    return tuple(dict.fromkeys(names.ident(c) for c in node.find_all(exp.Column, bfs=False)))


def _sql(node: exp.Expr, names: Names) -> str:
    """An expression's SQL in one canonical spelling, so equal definitions compare equal.

    PostgreSQL shows a definition back (pg_dump, \\d) with parentheses that change nothing,
    string literals cast to text (`''::text`) and `<>` for `!=`; a migration written from that
    output must compare equal to the hand-written original.
    """
    return _canonical_sql(node, names.dialect)


def _write_canonical(node: exp.Expr, dialect: str | None) -> str:
    tree = exp.Paren(this=copy_tree(node))  # a root, so that the top expression has a parent too
    for conversion in list(tree.find_all(exp.Cast)):
        to = conversion.args.get("to")
        if conversion.this.is_string and isinstance(to, exp.DataType) and to.this in _UNBOUNDED_TEXT and not to.expressions:
            conversion.replace(conversion.this)  # the same value: no length to cut it to
        elif conversion.this.is_string and _is_nextval(conversion.parent) and to is not None and to.name.upper() == "REGCLASS":
            conversion.replace(conversion.this)  # nextval takes a regclass: postgres shows nextval('s') as nextval('s'::regclass)
    for identifier in tree.find_all(exp.Identifier):
        if not identifier.quoted:
            identifier.set("this", identifier.this.lower())
    for paren in reversed(list(tree.this.find_all(exp.Paren))):  # innermost first
        inner, parent = paren.this, paren.parent
        same_connector = isinstance(inner, exp.Connector) and type(parent) is type(inner)
        and_in_or = isinstance(inner, exp.And) and isinstance(parent, exp.Or)  # AND binds tighter than OR
        # Comparisons bind tighter than AND, OR and NOT; arithmetic may not bind tighter than its parent.
        grouping = isinstance(inner, (exp.Connector, exp.Binary, exp.Not)) and not isinstance(inner, exp.Predicate)
        if isinstance(inner, exp.Paren) or isinstance(parent, exp.Paren) or same_connector or and_in_or or not grouping:
            paren.replace(inner)
    return write_own(tree.this, dialect)


_canonical_sql = WrittenSql(_write_canonical)  # the same few defaults and checks recur on most columns


_UNBOUNDED_TEXT = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR}


def _is_nextval(node: exp.Expr | None) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == "nextval"


def _reference(reference: exp.Reference, names: Names) -> str:
    target = reference.this
    columns = [names.ident(c) for c in target.expressions] if isinstance(target, exp.Schema) else []
    return f"{names.table(target)}({', '.join(columns)})" if columns else names.table(target)


def _key_column(node: exp.Expr, names: Names) -> str:
    if isinstance(node, exp.Ordered):
        node = node.this
    if isinstance(node, exp.Opclass):  # `col gin_trgm_ops`: still an index on the column
        node = node.this
    if isinstance(node, (exp.Identifier, exp.Column, exp.ColumnPrefix)):
        return names.ident(node)
    return _recurring_sql(node, names.dialect)


def _table_key(node: exp.Expr, names: Names, given: str = "") -> list[Constraint | Index]:
    """A table-level constraint or (MySQL) index; empty when it is not one the model knows."""
    if isinstance(node, exp.Constraint):
        name = names.ident(node.this)
        return [key for item in node.expressions for key in _table_key(item, names, name)]
    if isinstance(node, exp.PrimaryKey):
        return [Constraint(given, "primary", tuple(_key_column(c, names) for c in node.expressions))]
    if isinstance(node, exp.ForeignKey):
        columns = tuple(_key_column(c, names) for c in node.expressions)
        reference = node.args.get("reference")
        return [Constraint(given, "foreign", columns, _reference(reference, names) if reference else "")]
    if isinstance(node, exp.UniqueColumnConstraint):
        schema = node.this
        name = names.ident(schema.this) if isinstance(schema, exp.Schema) and schema.this else given
        columns = tuple(_key_column(c, names) for c in schema.expressions) if isinstance(schema, exp.Schema) else ()
        return [Constraint(name, "unique", columns)]
    if isinstance(node, exp.CheckColumnConstraint):
        return [Constraint(given, "check", _check_columns(node, names), expression=_sql(node.this, names))]
    if isinstance(node, exp.IndexColumnConstraint):
        columns = tuple(_key_column(c, names) for c in node.expressions)
        unique = str(node.args.get("kind") or "").upper() == "UNIQUE"
        return [Index(names.ident(node.this) if node.this else given, columns, unique)]
    if isinstance(node, exp.ExcludeColumnConstraint):
        return [Constraint(given, "exclude", expression=written(node, names.dialect))]
    return []


def _drop(e: exp.Drop, names: Names) -> list[o.Op]:
    kind = (e.args.get("kind") or "").upper()
    exists, cascade = bool(e.args.get("exists")), bool(e.args.get("cascade"))
    if e.args.get("temporary"):
        return []
    on = e.args.get("cluster")
    spelled = "materialized view" if e.args.get("materialized") else kind.lower() if kind in ("DATABASE", "DOMAIN") else ""
    result: list[o.Op] = []
    for target in e.args.get("tables") or []:
        if kind == "TABLE":
            result.append(o.DropTable(names.table(target), exists, cascade, at=names.locate(target)))
        elif kind == "INDEX":
            table = names.table(on.this) if isinstance(on, exp.OnProperty) else ""
            # In postgres `DROP INDEX a.b` is index b of schema a; MySQL names the table apart (ON t).
            name = names.table(target) if names.dialect == "postgres" else names.ident(target)
            result.append(o.DropIndex(name, table, exists, bool(e.args.get("concurrently")), cascade, at=names.locate(target)))
        elif kind in ("SCHEMA", "DATABASE"):
            result.append(o.DropObject("schema", _schema_name(target, names), exists, cascade, spelled, at=names.locate(target)))
        elif kind in _DROPPED_KINDS:
            table = names.table(on.this) if kind == "TRIGGER" and isinstance(on, exp.OnProperty) else ""
            result.append(o.DropObject(_DROPPED_KINDS[kind], names.table(target), exists, cascade, spelled, table, at=names.locate(target)))
        else:
            result.append(o.Unknown(f"DROP {kind} is not modelled", names=(names.ident(target),), at=names.locate(target)))
    return result


_DROPPED_KINDS = {
    "VIEW": "view",
    "SEQUENCE": "sequence",
    "TYPE": "type",
    "DOMAIN": "type",
    "FUNCTION": "function",
    "PROCEDURE": "procedure",
    "TRIGGER": "trigger",
    "EXTENSION": "extension",
    "EVENT": "event",
}


def _alter(e: exp.Alter, names: Names) -> list[o.Op]:
    kind = (e.args.get("kind") or "TABLE").upper()
    actions = e.args.get("actions") or []
    if kind != "TABLE":
        renames = [a for a in actions if isinstance(a, exp.AlterRename)]
        if not renames:
            return []  # ALTER VIEW / INDEX / SEQUENCE settings do not change the structure
        new = names.ident(renames[0].this)
        guarded = bool(e.args.get("exists"))
        if kind == "INDEX":
            return [o.RenameKey("", names.ident(e.this), new, at=names.locate(e.this), if_target_exists=guarded)]
        return [o.RenameObject(kind.lower(), names.table(e.this), new, at=names.locate(e.this), if_target_exists=guarded)]
    table = names.table(e.this)
    to = next((p for p in e.args.get("options") or [] if isinstance(p, exp.ToTableProperty)), None)
    if to is not None and len(actions) == 1 and isinstance(actions[0], exp.AlterRename):
        # sqlglot reads postgres' `RENAME col TO new` (COLUMN omitted) as a rename with a TO option.
        renamed = [
            o.UsesTable(table, at=names.locate(e.this)),
            o.RenameColumn(table, names.ident(actions[0].this), names.ident(to.this), at=names.locate(actions[0])),
        ]
        return [replace(op, if_target_exists=True) for op in renamed] if e.args.get("exists") else renamed
    result: list[o.Op] = [o.UsesTable(table, at=names.locate(e.this))] if isinstance(e.this, exp.Table) else []
    for action in actions:
        result.extend(_alter_action(table, action, e.this, names))
    if e.args.get("not_valid"):
        result = [replace(op, not_valid=True) if isinstance(op, o.AddConstraint) else op for op in result]
    if e.args.get("exists"):
        result = [replace(op, if_target_exists=True) for op in result]
    return result


def _alter_action(table: str, action: exp.Expr, table_node: exp.Expr, names: Names) -> list[o.Op]:
    if isinstance(action, exp.ColumnDef):
        uses: list[o.Op] = []
        column, constraints = _column(action, names, (table, uses))
        position = action.args.get("position")
        kinds = [c.args.get("kind") for c in action.args.get("constraints") or ()]
        # AUTO_INCREMENT and identity columns number every existing row; a generated column is
        # written into every row when STORED (the only kind PostgreSQL's sqlglot grammar reads).
        identity = stored = primary_key = False
        for k in kinds:  # most added columns declare none or one: one look at each (the classes are apart)
            if isinstance(k, exp.PrimaryKeyColumnConstraint):
                primary_key = True
            elif isinstance(k, exp.AutoIncrementColumnConstraint) or _is_identity(k):
                identity = True
            elif isinstance(k, exp.ComputedColumnConstraint) and (k.args.get("persisted") or names.dialect == "postgres"):
                stored = True
        at = names.locate(action)
        added = o.AddColumn(
            table,
            column,
            bool(action.args.get("exists")),
            _after(position, names),
            identity,
            stored,
            at=at,
            primary_key=primary_key,
            variable_default=_variable_default(kinds) if names.dialect == "sqlite" else "",
        )
        return [
            added,
            *(o.AddConstraint(table, c, at=at, in_added_column=True) for c in constraints),
            *uses,
        ]
    if isinstance(action, exp.Drop):
        return _alter_drop(table, action, names)
    if isinstance(action, exp.DropPrimaryKey):
        return [o.DropConstraint(table, "", "primary", at=names.locate(action))]
    if isinstance(action, exp.AlterColumn):
        return _alter_column(table, action, names)
    if isinstance(action, exp.RenameColumn):
        return [o.RenameColumn(table, names.ident(action.this), names.ident(action.args["to"]), at=names.locate(action))]
    if isinstance(action, exp.AlterRename):
        return [o.RenameTable(table, names.table(action.this), at=names.locate(action))]
    if isinstance(action, exp.ModifyColumn):
        definition, constraints = _column(action.this, names)
        old = names.ident(action.args["rename_from"]) if action.args.get("rename_from") else definition.name
        position = action.this.args.get("position")
        at, written_name = names.locate(action), _constraint_name(action, names)
        spelled = {type(c.args.get("kind")) for c in action.this.args.get("constraints") or []}
        replaced = o.ReplaceColumn(
            table,
            old,
            definition,
            _after(position, names),
            at=at,
            change=bool(action.args.get("rename_from")),
            definition_sql=written(action.this, "mysql"),
            says_nullability=exp.NotNullColumnConstraint in spelled,
            says_default="" if exp.DefaultColumnConstraint not in spelled else "null" if _default_is_null(action.this) else "value",
        )
        return [replaced, *(o.AddConstraint(table, c, at=at, written_name=written_name) for c in constraints)]
    if isinstance(action, exp.AddConstraint):
        result: list[o.Op] = []
        written_name = _constraint_name(action, names)
        for item in action.expressions:
            keys = _table_key(item, names)
            if not keys:
                result.append(
                    o.Unknown(f"ADD {type(item).__name__} is not modelled", tables=(table,), keys_only=True, at=names.locate(action))
                )
            kind = str(item.args.get("kind") or "").lower() if isinstance(item, exp.IndexColumnConstraint) else ""
            for key in keys:
                constraint, index = (key, None) if isinstance(key, Constraint) else (None, key)
                result.append(
                    o.AddConstraint(table, constraint, index, index_kind=kind, at=names.locate(action), written_name=written_name)
                )
            result += definition_uses(item, table, names)
        return result
    if isinstance(action, exp.RenameIndex):
        return [o.RenameKey(table, names.ident(action.this), names.ident(action.args["to"]), at=names.locate(action))]
    if isinstance(action, (exp.AlterIndex, exp.AlterSet)):
        return []  # visibility, storage parameters
    if isinstance(action, exp.Command):  # an action sqlglot kept as text, e.g. SQLite's `DROP c`
        return _alter_clause(table, written(action, names.dialect), names)
    return [o.Unknown(f"ALTER TABLE {type(action).__name__} is not modelled", tables=(table,), at=names.locate(table_node))]


def _variable_default(kinds: list[exp.Expr | None]) -> str:
    """AddColumn.variable_default: SQL of the column's first DEFAULT when SQLite would not take it as a constant."""
    default = next((k.this for k in kinds if isinstance(k, exp.DefaultColumnConstraint)), None)
    if default is None or _is_constant(default):
        return ""
    return written(default, "sqlite")


# Defaults SQLite takes as constants when adding a column: literals (and bare words, which it reads as strings).
_CONSTANT = (exp.Literal, exp.Null, exp.Boolean, exp.Column, exp.Identifier)


def _is_constant(node: exp.Expr) -> bool:
    if isinstance(node, (exp.Neg, exp.Paren)) and isinstance(node.this, exp.Literal):
        return isinstance(node, exp.Neg)  # -1 is a constant; (1) is an expression to SQLite
    return isinstance(node, _CONSTANT)


def _default_is_null(definition: exp.ColumnDef) -> bool:
    """Does the definition say DEFAULT NULL (in any of its DEFAULT clauses)?"""
    constraints = definition.args.get("constraints") or []
    return any(isinstance(k := c.args.get("kind"), exp.DefaultColumnConstraint) and isinstance(k.this, exp.Null) for c in constraints)


def _constraint_name(action: exp.Expr, names: Names) -> str:
    """AddConstraint.written_name: the name of the action's first CONSTRAINT clause, as written; "" when none."""
    named = action.find(exp.Constraint)
    return written(named.this, names.dialect) if named is not None and isinstance(named.this, exp.Identifier) else ""


def _after(position: exp.Expr | None, names: Names) -> str | None:
    if not isinstance(position, exp.ColumnPosition):
        return None
    return "" if str(position.args.get("position")).upper() == "FIRST" else names.ident(position.this)


def _alter_drop(table: str, action: exp.Drop, names: Names) -> list[o.Op]:
    kind = (action.args.get("kind") or "").upper()
    exists = bool(action.args.get("exists"))
    result: list[o.Op] = []
    for target in action.args.get("tables") or []:
        name = names.ident(target)
        cascade = bool(action.args.get("cascade"))
        if kind == "COLUMN":
            result.append(o.DropColumn(table, name, exists, cascade, at=names.locate(target)))
        elif kind in ("INDEX", "KEY"):
            result.append(o.DropIndex(name, table, exists, at=names.locate(target)))
        elif kind in ("CONSTRAINT", "CHECK", "FOREIGN KEY"):
            result.append(
                o.DropConstraint(table, name, "foreign" if kind == "FOREIGN KEY" else "", exists, cascade, at=names.locate(target))
            )
        else:
            result.append(o.Unknown(f"ALTER TABLE DROP {kind} is not modelled", tables=(table,), at=names.locate(target)))
    return result


def _alter_column(table: str, action: exp.AlterColumn, names: Names) -> list[o.Op]:
    column = names.ident(action.this)
    dtype = action.args.get("dtype")
    if dtype is not None:
        ctype = column_type(dtype, names.dialect, names.type_name)
        using = action.args.get("using")
        uses = expression_uses(using, table, names) if isinstance(using, exp.Expression) else []
        converts, nulls = _using_facts(using) if isinstance(using, exp.Expression) else (False, ())
        changed = o.AlterColumn(
            table, column, type=ctype, using=bool(using), at=names.locate(action), converts=converts, nulls_rewritten=nulls
        )
        return [changed, *uses]
    drop, allow_null = action.args.get("drop"), action.args.get("allow_null")
    if allow_null is not None:
        return [o.AlterColumn(table, column, nullable=bool(drop), at=names.locate(action))]
    if action.args.get("default") is not None:
        default = _sql(action.args["default"], names)
        uses = expression_uses(action.args["default"], None, names, "default")
        return [o.AlterColumn(table, column, default=None if default.upper() == "NULL" else default, at=names.locate(action)), *uses]
    if drop:
        return [o.AlterColumn(table, column, default=None, at=names.locate(action))]
    return []  # comment, collation, visibility


def _using_facts(using: exp.Expr) -> tuple[bool, tuple[str, ...]]:
    """AlterColumn.converts and .nulls_rewritten of a USING expression."""
    inner = using
    while isinstance(inner, exp.Paren):
        inner = inner.this
    converts = not (isinstance(inner, exp.Column) or (isinstance(inner, exp.Cast) and isinstance(inner.this, exp.Column)))
    nulls = tuple(
        node.this.name.lower()
        for node in using.find_all(exp.Is, exp.Coalesce)
        if isinstance(node.this, exp.Column)
        and (isinstance(node, exp.Is) and isinstance(node.expression, exp.Null) or isinstance(node, exp.Coalesce) and node.expressions)
    )
    return converts, nulls


def _update(e: exp.Update, names: Names) -> list[o.Op]:
    if e.this is None:  # MERGE's WHEN MATCHED THEN UPDATE
        return []
    table = names.table(e.this)
    own = {names.ident(e.this.this), names.ident(e.this.args.get("alias"))} - {""}
    filled: list[o.Op] = []
    for item in e.expressions:
        if not isinstance(item, exp.EQ):
            continue
        targets, values = update_targets(item), item.expression
        if isinstance(targets, exp.Tuple):  # SET (a, b) = (x, y), or = (SELECT ...): each from its own, or from all
            paired = isinstance(values, exp.Tuple) and len(values.expressions) == len(targets.expressions)
            pairs = zip(targets.expressions, values.expressions) if paired else [(t, values) for t in targets.expressions]
        else:
            pairs = [(targets, values)]
        for target, value in pairs:
            if isinstance(target, exp.Column):
                reads = tuple(dict.fromkeys(_read_column(c, own, names) for c in value.find_all(exp.Column)))
                column = names.ident(target)
                partial, joined = _reach(e, table, own, column, names)
                filled.append(o.FillColumn(table, column, reads, partial, joined, at=names.locate(item)))
    return filled


def _reach(e: exp.Update, table: str, own: set[str], column: str, names: Names) -> tuple[bool, tuple[str, ...]]:
    """(does the UPDATE leave rows out?, its join (FillColumn.joined) when it is one equality with one table)."""
    source = e.args.get("from_")
    where = e.args.get("where")
    if source is None:
        return _restricts(where, column, names), ()
    relations = [source.this, *(join.this for join in e.args.get("joins") or ())]
    ctes = {names.ident(cte.args.get("alias")): cte.this for cte in (e.args.get("with_") or exp.With()).expressions}
    condition = where.this if isinstance(where, exp.Where) else None
    equalities = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    if not all(isinstance(eq, exp.EQ) and all(isinstance(side, exp.Column) for side in (eq.this, eq.expression)) for eq in equalities):
        return True, ()  # more than a join: some rows left out
    queries = [ctes.get(names.ident(r.this)) if isinstance(r, exp.Table) else r.this for r in relations]
    if all(_whole_copy_of(query, table, names) for query in queries):
        return False, ()  # joined to its own rows (`WITH s AS (SELECT id, row_number() ... FROM t)`): every row has its match
    if any(query is not None and not (isinstance(query, exp.Select) and query.args.get("where")) for query in queries):
        return False, ()  # a query whose rows the file cannot tell (a UNION of subtypes ...): no evidence either way
    if len(relations) == 1 and isinstance(relations[0], exp.Table) and len(equalities) == 1 and not ctes:
        other = relations[0]
        aliases = {names.ident(other.this), names.ident(other.args.get("alias"))} - {""}
        equality = equalities[0]
        assert isinstance(equality, exp.EQ)  # checked above
        mine, theirs = sorted((equality.this, equality.expression), key=lambda c: names.ident(c.args.get("table")) in aliases)
        if names.ident(mine.args.get("table")) not in aliases and names.ident(theirs.args.get("table")) in aliases:
            return True, (names.ident(mine), names.table(other), names.ident(theirs))
    return True, ()


def _whole_copy_of(query: exp.Expr | None, table: str, names: Names) -> bool:
    """A query over `table` alone that keeps every row: no WHERE, join, grouping or limit."""
    if (
        not isinstance(query, exp.Select)
        or query.args.get("joins")
        or any(query.args.get(k) for k in ("where", "group", "having", "limit", "distinct"))
    ):
        return False
    source = query.args.get("from_")
    return source is not None and isinstance(source.this, exp.Table) and names.table(source.this) == table


def _restricts(where: exp.Expr | None, column: str, names: Names) -> bool:
    """Does the WHERE leave out rows that hold NULL in `column`? Not `WHERE column IS NULL`."""
    if where is None:
        return False
    condition = where.this if isinstance(where, exp.Where) else where
    if isinstance(condition, exp.Is) and isinstance(condition.this, exp.Column) and isinstance(condition.expression, exp.Null):
        return names.ident(condition.this) != column
    return True


def _data_changing_ctes(e: exp.Expr, names: Names) -> list[o.Op]:
    """UPDATE and DELETE inside WITH (PostgreSQL's data-modifying CTEs): they change rows as a statement of their own does."""
    inner: list[o.Op] = []
    for node in e.find_all(exp.Update, exp.Delete):
        if node is not e and isinstance(node, exp.Update):
            inner.extend(_update(node, names))
        elif node is not e and isinstance(node, exp.Delete):
            inner.extend(_delete(node, names))
    return inner


def _delete(e: exp.Delete, names: Names) -> list[o.Op]:
    if not isinstance(e.this, exp.Table):
        return []
    where = e.args.get("where")
    reads = tuple(dict.fromkeys(names.ident(c) for c in where.find_all(exp.Column))) if where is not None else None
    return [o.DeleteRows(names.table(e.this), reads, at=names.locate(e.this))]


def update_targets(item: exp.EQ) -> exp.Expr:
    """What `SET x = ...` assigns to: a column, or a tuple of them; `SET (a) = (SELECT ...)` is column a."""
    target = item.this
    return target.this if isinstance(target, exp.Paren) else target


def _read_column(column: exp.Column, own: set[str], names: Names) -> str:
    """`column` of the updated table, or `qualifier.column` of another (a table or its alias, as written)."""
    qualifier = names.ident(column.args.get("table"))
    return f"{qualifier}.{names.ident(column)}" if qualifier and qualifier not in own else names.ident(column)


def _insert(e: exp.Insert, names: Names) -> list[o.Op]:
    query = e.expression
    if not isinstance(query, exp.Select):
        return []
    target = e.this
    columns = tuple(names.ident(c) for c in target.expressions) if isinstance(target, exp.Schema) else None
    return [*_copy(names.table(target), columns, query, names), *_copied_out(query, names, names.table(target), e.args.get("with_"))]


def _copy(target: str, target_columns: tuple[str, ...] | None, query: exp.Select, names: Names) -> list[o.Op]:
    """INSERT INTO target SELECT ... FROM one table: rows copied, as in a table rebuild."""
    source = query.args.get("from_")
    if source is None or not isinstance(source.this, exp.Table) or query.args.get("joins"):
        return []  # rows assembled from several places: data, not a copy of one table
    items = query.expressions
    selected: tuple[str | None, ...] | None = None  # None: SELECT *
    if not (len(items) == 1 and isinstance(items[0], exp.Star)):
        selected = tuple(_selected_column(item, names) for item in items)
    filtered = any(query.args.get(key) for key in ("where", "group", "limit", "distinct", "qualify")) or _filtering_having(query)
    return [o.CopyRows(target, names.table(source.this), target_columns, selected, filtered, at=names.locate(query))]


def _copied_out(query: exp.Select, names: Names, target: str, with_: exp.With | None = None) -> list[o.Op]:
    """The columns an INSERT ... SELECT reads from each table in its FROM and JOINs, and in those of the common
    table expressions it selects from (tables merged or aggregated into one are copied: their data lives on),
    and whether a WHERE, HAVING or LIMIT leaves rows out."""
    ctes = {}
    for clause in (with_, query.args.get("with_")):
        for cte in clause.expressions if isinstance(clause, exp.With) else ():
            if isinstance(cte.this, exp.Select):
                ctes[names.ident(cte.args.get("alias"))] = cte.this
    main_filtered = _filters_rows(query)
    result: list[o.Op] = []
    for select in (query, *ctes.values()):
        filtered = main_filtered or _filters_rows(select)
        source = select.args.get("from_")
        tables = [source.this] if source is not None else []
        tables += [join.this for join in select.args.get("joins") or []]
        tables = [t for t in tables if isinstance(t, exp.Table) and not (t.db == "" and names.ident(t.this) in ctes)]
        columns = list(select.find_all(exp.Column))
        stars = any(isinstance(item, exp.Star) for item in select.expressions)
        for table in tables:
            spellings = {names.ident(table.this), names.ident(table.args.get("alias"))} - {""}
            read = {
                "*" if isinstance(c.this, exp.Star) else names.ident(c)
                for c in columns
                if not c.table or names.ident(c.args.get("table")) in spellings
            }
            result.append(o.CopyOut(names.table(table), tuple(sorted(read | ({"*"} if stars else set()))), target, filtered))
    return result


def _filters_rows(select: exp.Select) -> bool:
    """Does the SELECT leave rows out (grouping and DISTINCT merge them, keeping what they hold)?"""
    return any(select.args.get(key) for key in ("where", "limit", "qualify")) or _filtering_having(select)


def _filtering_having(select: exp.Select) -> bool:
    """Does a HAVING leave rows out? Not `HAVING count(*) > 0`: a group of GROUP BY holds a row at least, and
    without GROUP BY the one group is the whole table, empty only when there is nothing to lose."""
    having = select.args.get("having")
    if having is None:
        return False
    condition = having.this
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, (exp.GT, exp.GTE, exp.NEQ, exp.LT, exp.LTE)):
        count, bound = condition.this, condition.expression
        if isinstance(condition, (exp.LT, exp.LTE)):  # 0 < count(*)
            count, bound = bound, count
        limit = {exp.GT: "0", exp.NEQ: "0", exp.LT: "0", exp.GTE: "1", exp.LTE: "1"}[type(condition)]
        counts_rows = isinstance(count, exp.Count) and isinstance(count.this, exp.Star)
        return not (counts_rows and isinstance(bound, exp.Literal) and not bound.is_string and bound.this == limit)
    return True


def _selected_column(item: exp.Expr, names: Names) -> str | None:
    """The source column a SELECT item passes on unchanged, or None for an expression."""
    inner = item.this if isinstance(item, exp.Alias) else item
    return names.ident(inner) if isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star) else None


# --- statements sqlglot left as text


_IGNORED = lazy(
    r"(COMMENT|GRANT|REVOKE|RESET|ANALYZE|VACUUM|REFRESH|CLUSTER|REINDEX|LOCK|BEGIN|COMMIT|START|END|ROLLBACK|"
    r"SAVEPOINT|RELEASE|SELECT|WITH|PREPARE|DEALLOCATE|USE|SHOW|EXPLAIN|NOTIFY|LISTEN|DISCARD|CHECKPOINT|"
    r"DELIMITER|INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE|VALUES|COPY|SECURITY\s+LABEL)\b",
    re.IGNORECASE,
)
_DDL_WORD = lazy(r"\b(CREATE|ALTER|DROP|RENAME)\b", re.IGNORECASE)
_DDL_STRING = lazy(r"^\s*(?:CREATE|ALTER|DROP)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|TYPE|VIEW|SEQUENCE|SCHEMA)\b", re.IGNORECASE)
_LEADING_COMMENTS = lazy(r"(?:\s+|--[^\n]*\n?|/\*.*?\*/|#[^\n]*\n?)*", re.DOTALL)

_CREATE = lazy(
    rf"""CREATE\s+(?P<replace>OR\s+REPLACE\s+)?
    (?P<mods>(?:(?:UNIQUE|FULLTEXT|SPATIAL|MATERIALIZED|TEMP|TEMPORARY|UNLOGGED|GLOBAL|LOCAL|TRUSTED|PROCEDURAL|CONSTRAINT|
        DEFINER\s*=\s*\S+|SQL\s+SECURITY\s+\w+|ALGORITHM\s*=\s*\w+)\s+)*)
    (?P<kind>TABLE|INDEX|VIEW|SCHEMA|DATABASE|SEQUENCE|TYPE|EXTENSION|DOMAIN|FUNCTION|PROCEDURE|TRIGGER|EVENT)\s+
    (?:CONCURRENTLY\s+)?(?P<guard>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})(?P<rest>.*)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_DROP = lazy(
    rf"""DROP\s+(?P<mods>TEMPORARY\s+|MATERIALIZED\s+)?
    (?P<kind>TABLE|INDEX|VIEW|SCHEMA|DATABASE|SEQUENCE|TYPE|EXTENSION|DOMAIN|FUNCTION|PROCEDURE|TRIGGER|EVENT)\s+
    (?:CONCURRENTLY\s+)?(?P<guard>IF\s+EXISTS\s+)?(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)(?P<rest>.*)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_ALTER_TABLE = lazy(rf"ALTER\s+TABLE\s+(?P<guard>IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<name>{_NAME})\s*(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
_ALTER_OTHER = lazy(
    rf"ALTER\s+(?:MATERIALIZED\s+)?(?P<kind>TYPE|DOMAIN|SEQUENCE|INDEX|VIEW|FUNCTION|PROCEDURE|EXTENSION|SCHEMA|DATABASE|TRIGGER|EVENT)\s+"
    rf"(?P<guard>IF\s+EXISTS\s+)?(?P<name>{_NAME})\s*(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_RENAME_TABLE = lazy(r"RENAME\s+TABLES?\s+(?P<pairs>.*)", re.IGNORECASE | re.DOTALL)
_RENAME_PAIR = lazy(rf"\s*(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})\s*", re.IGNORECASE)
_DO_BLOCK = lazy(r"DO\s+(?:LANGUAGE\s+\w+\s+)?(?P<tag>\$\w*\$)(?P<code>.*)(?P=tag)", re.IGNORECASE | re.DOTALL)
_STRING = lazy(r"'((?:[^']|'')*)'")
# Written so that no two quantifiers can share the same whitespace (`\s*(...)?\s*$` tries every
# split of a long run of blanks): these patterns are linear in the statement's length.
_DOMAIN_AS = lazy(r"\s*(?:AS\s+)?", re.IGNORECASE)
# One blank before the keyword: the type is what comes before it, blanks stripped.
_DOMAIN_CLAUSE = lazy(r"\s(?:CHECK|NOT|NULL|DEFAULT|CONSTRAINT|COLLATE)\b", re.IGNORECASE)
_ADD_VALUE = (
    r"ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'(?P<value>(?:[^']|'')*)'\s*"
    r"(?:(?P<where>BEFORE|AFTER)\s+'(?P<other>(?:[^']|'')*)'\s*)?$"
)
_RENAME_CLAUSE = rf"RENAME\s+(?P<what>CONSTRAINT\s+|COLUMN\s+|INDEX\s+|KEY\s+)?(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})\s*$"
_ADD_CLAUSE = rf"ADD\s+(?:COLUMN\s+)?(?P<guard>IF\s+NOT\s+EXISTS\s+)?(?P<definition>(?P<name>{_NAME}).*)$"


def _without_leading_comments(text: str) -> str:
    leading = _LEADING_COMMENTS.match(text)  # it matches the empty string: always
    return text[leading.end() :] if leading else text


def _read_text(text: str, names: Names) -> list[o.Op]:
    body = _without_leading_comments(text)
    for pattern, reader in _TEXT_READERS:
        match = pattern.match(body)
        if match:
            return reader(match, names)
    if re.match(r"(EXECUTE|CALL)\b", body, re.IGNORECASE):
        return [o.Unknown("dynamic SQL or a procedure call", names=mentions(body))]
    if re.match(r"SET\b", body, re.IGNORECASE) and _DDL_WORD.search(body):
        return [o.Unknown("DDL prepared as a string for dynamic SQL", names=mentions(body))]  # SET @q = 'ALTER ...'
    if _IGNORED.match(body) or re.match(r"(SET|PRAGMA)\b", body, re.IGNORECASE):
        return []
    return [o.Unknown("statement not understood", names=mentions(body))]


def _read_create(match: re.Match, names: Names) -> list[o.Op]:
    kind, rest = match.group("kind").upper(), match.group("rest")
    exists, replace_ = bool(match.group("guard")), bool(match.group("replace"))
    name = names.text(match.group("name"))
    if re.search(r"\bTEMP(ORARY)?\b", match.group("mods"), re.IGNORECASE):
        return [o.CreateTable(name, if_not_exists=exists, temporary=True)] if kind == "TABLE" else []
    if kind == "TABLE":
        like = re.match(rf"\s*(?:\(\s*)?LIKE\s+(?P<like>{_NAME})", rest, re.IGNORECASE)
        if like:
            return [o.CreateTable(name, if_not_exists=exists, like=names.text(like.group("like")))]
        return [o.CreateTable(name, if_not_exists=exists, unknown="its definition could not be read")]
    if kind == "INDEX":
        on = re.match(rf"\s*ON\s+(?:ONLY\s+)?(?P<table>{_NAME})", rest, re.IGNORECASE)
        if match.group("name").upper() == "ON":  # CREATE INDEX ON t (...): named by the database
            on, name = re.match(rf"(?P<table>{_NAME})", rest.strip()), ""
        if not on:
            return [o.Unknown("CREATE INDEX not understood", names=mentions(rest))]
        table = names.text(on.group("table"))
        kind = re.search(r"\b(FULLTEXT|SPATIAL)\b", match.group("mods"), re.IGNORECASE)
        concurrently = re.search(r"\bCONCURRENTLY\b", match.group(0)[: match.start("name")], re.IGNORECASE) is not None
        return [
            o.CreateIndex(table, Index(name, ()), exists, concurrently, kind.group(1).lower() if kind else ""),
            o.Unknown("index definition could not be read", tables=(table,), keys_only=True),
        ]
    if kind in ("TYPE", "DOMAIN"):
        return [replace(_read_type(kind, name, rest, exists, names), spelled=kind.lower() if kind == "DOMAIN" else "")]
    if kind == "TRIGGER":
        on = re.search(rf"\bON\s+(?P<table>{_NAME})", rest, re.IGNORECASE)
        table = names.text(on.group("table")) if on else ""
        return [o.CreateObject("trigger", name, exists, replace_, table=table, function=_trigger_function(rest, names))]
    if kind == "VIEW":
        materialized = bool(re.search(r"\bMATERIALIZED\b", match.group("mods"), re.IGNORECASE))
        spelled = "materialized view" if materialized else ""
        return [o.CreateObject("view", name, exists, replace_, " ".join(rest.split()), materialized, spelled=spelled)]
    if kind == "DATABASE":
        return [o.CreateObject("schema", name, exists, replace_, spelled="database")]
    return [o.CreateObject(kind.lower(), name, exists, replace_)]


def _read_type(kind: str, name: str, rest: str, exists: bool, names: Names) -> o.CreateObject:
    enum = re.match(r"\s*AS\s+ENUM\s*\((?P<labels>.*)\)", rest, re.IGNORECASE | re.DOTALL)
    if enum:
        values = tuple(v.replace("''", "'") for v in _STRING.findall(enum.group("labels")))
        return o.CreateObject("type", name, exists, type_kind="enum", values=values)
    if kind == "DOMAIN":
        base = _domain_base(rest)
        try:
            node = exp.DataType.build(base, dialect=names.dialect) if base else None
        except Exception:  # sqlglot raises several kinds of error on odd type text
            node = None
        ctype = column_type(node, names.dialect, names.type_name) if node is not None else None
        return o.CreateObject("type", name, exists, type_kind="domain", base=ctype)
    return o.CreateObject("type", name, exists, type_kind="composite" if re.match(r"\s*AS\s*\(", rest, re.IGNORECASE) else "other")


def _domain_base(rest: str) -> str:
    """The base type of CREATE DOMAIN's rest: up to its first CHECK, NOT NULL, DEFAULT ... clause."""
    start = leading.end() if (leading := _DOMAIN_AS.match(rest)) else 0  # it matches the empty string: always
    clause = _DOMAIN_CLAUSE.search(rest, start + 1)
    return rest[start : clause.start() if clause else len(rest)].strip()


def _read_drop(match: re.Match, names: Names) -> list[o.Op]:
    kind, rest = match.group("kind").upper(), match.group("rest")
    exists, cascade = bool(match.group("guard")), bool(re.search(r"\bCASCADE\b", rest, re.IGNORECASE))
    targets = [names.text(n) for n in re.split(r"\s*,\s*", match.group("names"))]
    materialized = (match.group("mods") or "").strip().upper() == "MATERIALIZED"
    spelled = "materialized view" if materialized else kind.lower() if kind in ("DATABASE", "DOMAIN") else ""
    if kind == "TABLE":
        return [o.DropTable(t, exists, cascade) for t in targets]
    if kind == "INDEX":
        at = re.match(rf"@(?P<index>{_NAME})", rest)
        if at and len(targets) == 1:  # CockroachDB's DROP INDEX table@index
            return [o.DropIndex(names.ident(at.group("index")), targets[0], exists)]
        on = re.match(rf"\s*ON\s+(?P<table>{_NAME})", rest, re.IGNORECASE)
        table = names.text(on.group("table")) if on else ""
        concurrently = re.search(r"\bCONCURRENTLY\b", match.group(0)[: match.start("names")], re.IGNORECASE) is not None
        return [o.DropIndex(t if names.dialect == "postgres" else bare_name(t), table, exists, concurrently, cascade) for t in targets]
    if kind in ("SCHEMA", "DATABASE"):
        return [o.DropObject("schema", t, exists, cascade, spelled) for t in targets]
    on = re.match(rf"\s*ON\s+(?P<table>{_NAME})", rest, re.IGNORECASE) if kind == "TRIGGER" else None
    table = names.text(on.group("table")) if on else ""
    return [o.DropObject(_DROPPED_KINDS[kind], t, exists, cascade, spelled, table) for t in targets]


def _read_rename_tables(match: re.Match, names: Names) -> list[o.Op]:
    result: list[o.Op] = []
    for pair in _split_clauses(match.group("pairs")):
        parsed = _RENAME_PAIR.fullmatch(pair)
        if parsed is None:
            return [o.Unknown("RENAME TABLE not understood", names=mentions(match.group("pairs")))]
        result.append(o.RenameTable(names.text(parsed.group("old")), names.text(parsed.group("new"))))
    return result


def _read_alter_other(match: re.Match, names: Names) -> list[o.Op]:
    kind, name, rest = match.group("kind").upper(), names.text(match.group("name")), match.group("rest")
    rename = re.match(rf"RENAME\s+TO\s+(?P<new>{_NAME})\s*$", rest, re.IGNORECASE)
    if rename:
        new, guarded = names.text(rename.group("new")), bool(match.group("guard"))
        if kind == "INDEX":
            return [o.RenameKey("", bare_name(name), new, if_target_exists=guarded)]
        return [
            o.RenameObject({"DOMAIN": "type", "DATABASE": "schema"}.get(kind, kind.lower()), name, bare_name(new), if_target_exists=guarded)
        ]
    if kind in ("TYPE", "DOMAIN"):
        add = re.match(_ADD_VALUE, rest, re.IGNORECASE)
        if add:
            where, other = (add.group("where") or "").upper(), add.group("other")
            return [o.AddEnumValue(name, add.group("value"), other if where == "BEFORE" else None, other if where == "AFTER" else None)]
        value = re.match(r"RENAME\s+VALUE\s+'(?P<old>(?:[^']|'')*)'\s+TO\s+'(?P<new>(?:[^']|'')*)'\s*$", rest, re.IGNORECASE)
        if value:
            return [o.RenameEnumValue(name, value.group("old"), value.group("new"))]
        if re.match(r"OWNER\s+TO\b", rest, re.IGNORECASE):
            return []
        return [o.Unknown(f"ALTER {kind} not understood", names=(bare_name(name),))]
    # ALTER SEQUENCE s ...: s must exist (ALTER SEQUENCE IF EXISTS only notices its absence).
    shown = ".".join(names.text(part) for part in _NAME_PARTS.findall(match.group("name")))
    uses: list[o.Op] = [o.UsesSequence(name, shown)] if kind == "SEQUENCE" and not match.group("guard") else []
    owned = re.search(rf"\bOWNED\s+BY\s+(?P<owner>{_NAME})", rest, re.IGNORECASE) if kind == "SEQUENCE" else None
    if owned:
        *table, column = _NAME_PARTS.findall(owned.group("owner"))
        owner = f"{names.text('.'.join(table))}.{names.text(column)}" if table else ""  # OWNED BY NONE
        return [*uses, o.OwnSequence(name, owner)]
    return uses  # the other options of sequences, functions, extensions ...: they do not change tables


def _read_do_block(match: re.Match, names: Names) -> list[o.Op]:
    """A PL/pgSQL block: straight-line DDL is replayed, anything conditional or dynamic is unknown."""
    code = match.group("code")
    copies = _row_loops(code, names)
    if not re.search(r"\b(CREATE|ALTER|DROP|RENAME|EXECUTE)\b", code, re.IGNORECASE):
        return copies  # data changes only
    block = _plpgsql_block(code)
    control = r"\bIF\b(?!\s+(?:NOT\s+)?EXISTS)|\b(?:LOOP|WHILE|FOREACH|EXECUTE|PERFORM|CASE|RETURN)\b|\bFOR\b(?!\s+EACH)"
    if block is None or re.search(control, block[0], re.IGNORECASE):
        templated = _templated_ddl(code)
        if templated is None:
            return [o.Unknown("conditional or dynamic DDL in a DO block", names=mentions(code)), *copies]
        words, patterns = templated
        return [o.Unknown("conditional DDL in a DO block", names=words, patterns=patterns), *copies]
    body, handler = block
    inner = parse_file(body, names.dialect)
    inner_names = names.for_text()
    result = []
    for statement in inner.statements:
        for op in read_statement(statement, inner_names):
            # Positions inside the block are not positions in the file; what its tree told is not told of the file's.
            op = o.as_from_text(op)
            if handler is not None:
                op = _lenient(op)  # the handler swallows the error when the object exists (or not)
            result.append(op)
    return result


# PL/pgSQL that may change objects no word of the block names: calls (a function may run any DDL),
# drops that take what depends on them, and what acts on a whole schema or owner.
_UNBOUNDED = lazy(r"\b(?:PERFORM|CALL|CASCADE|SCHEMA|OWNED|IMPORT|SELECT\s+\w+\s*\()", re.IGNORECASE)
_DDL_WORD = lazy(r"\b(?:CREATE|ALTER|DROP|RENAME|TRUNCATE|COMMENT)\b", re.IGNORECASE)
_QUOTED = lazy(r"'(?:[^']|'')*'")
_EXECUTE = lazy(r"\bEXECUTE\s+(?P<argument>(?:'(?:[^']|'')*'|[^;'])*)", re.IGNORECASE)
_FORMAT = lazy(r"format\s*\(\s*(?P<template>'(?:[^']|'')*')\s*(?:,|\))", re.IGNORECASE)
_HOLE = "\x00"  # where a template takes a value at run time


def _templated_ddl(code: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(words, name patterns) of the DDL a conditional PL/pgSQL block may run, when that DDL is either
    written out or EXECUTEd from a template (`format('... %s ...', x)`, `'...' || x || '...'`): the
    only names it can touch are its words and the names its templates spell. None when the block may
    touch others: EXECUTE of text that is no template, a call, CASCADE, a schema-wide statement."""
    executed, templates = [], []
    for execute in _EXECUTE.finditer(code):
        template = _template(execute.group("argument"))
        if template is None:
            return None
        templates.append(template)
        executed.append(execute.span())
    written = "".join(code[start:end] for start, end in zip([0, *(e for _, e in executed)], [*(s for s, _ in executed), len(code)]))
    if _UNBOUNDED.search(_QUOTED.sub("''", written)) or any(_UNBOUNDED.search(t) for t in templates):
        return None
    ddl = []
    for piece in re.split(r";", _QUOTED.sub("''", written)):
        found = _DDL_WORD.search(piece)
        if found:
            ddl.append(piece[found.start() :])
    words = set(mentions(" ".join(ddl)))
    patterns = set()
    for template in templates:
        for token in re.findall(rf"[\w$.\x22{_HOLE}]+", template):
            token = token.replace('"', "").lower()
            if _HOLE in token:
                parts = token.split(".")[-1].split(_HOLE)
                patterns.add(".*".join(re.escape(part) for part in parts))
            elif re.match(r"[A-Za-z_]", token):
                words.update(mentions(token))
    return tuple(sorted(words)), tuple(sorted(patterns))


def _template(argument: str) -> str | None:
    """The text an EXECUTE runs, with a hole where a value goes in; None unless it is a template."""
    argument = argument.strip()
    formatted = _FORMAT.match(argument)
    if formatted:
        text = formatted.group("template")[1:-1].replace("''", "'")
        return re.sub(r"%(?:\d+\$)?-?[sIL]", _HOLE, text).replace("%%", "%")
    parts = [part.strip() for part in re.split(r"\|\|(?=(?:[^']*'[^']*')*[^']*$)", argument)]
    if not parts or not _QUOTED.fullmatch(parts[0]):
        return None  # what the text starts with is known only at run time
    return "".join(part[1:-1].replace("''", "'") if _QUOTED.fullmatch(part) else _HOLE for part in parts)


_ROW_LOOP = lazy(
    rf"\bFOR\s+(?P<var>\w+)\s+IN\s+SELECT\b(?P<select>(?:(?!\bLOOP\b).)*?)\bFROM\s+(?P<table>{_NAME})(?P<rest>(?:(?!\bLOOP\b).)*)\bLOOP\b",
    re.IGNORECASE | re.DOTALL,
)
_INSERT_INTO = lazy(rf"\bINSERT\s+INTO\s+(?P<table>{_NAME})", re.IGNORECASE)


def _row_loops(code: str, names: Names) -> list[o.Op]:
    """`FOR r IN SELECT ... FROM t LOOP ... INSERT INTO u ... r.a ...`: a block copying t's rows, one by one, into
    u (the fields of r it reads: the columns copied; a WHERE: only some rows)."""
    copies: list[o.Op] = []
    for loop in _ROW_LOOP.finditer(code):
        after = code[loop.end() :]
        targets = dict.fromkeys(names.text(insert.group("table")) for insert in _INSERT_INTO.finditer(after))
        if not targets:
            continue
        fields = {field.lower() for field in re.findall(rf"\b{re.escape(loop.group('var'))}\.(\w+)", after, re.IGNORECASE)}
        filtered = re.search(r"\b(WHERE|LIMIT|HAVING)\b", loop.group("rest"), re.IGNORECASE) is not None
        source = names.text(loop.group("table"))
        copies += [o.CopyOut(source, tuple(sorted(fields or {"*"})), target, filtered) for target in targets if target != source]
    return copies


_BEGIN = lazy(r"\bBEGIN\b", re.IGNORECASE)
_EXCEPTION = lazy(r"\bEXCEPTION\b", re.IGNORECASE)
_FINAL_END = lazy(r"\bEND\Z", re.IGNORECASE)


def _plpgsql_block(code: str) -> tuple[str, str | None] | None:
    """(body, exception handler or None) of `[DECLARE ...] BEGIN body [EXCEPTION handler] END [;]`.

    Found from both ends in one pass each (a lazy body with an optional greedy handler,
    as one regex, rescans the rest of the code from every EXCEPTION it meets).
    """
    tail = code.rstrip()
    tail = tail[:-1].rstrip() if tail.endswith(";") else tail
    end = _FINAL_END.search(tail, max(0, len(tail) - 3))
    begin = _BEGIN.search(tail)
    if end is None or begin is None or begin.end() > end.start():
        return None
    handler = _EXCEPTION.search(tail, begin.end(), end.start())
    if handler is None:
        return tail[begin.end() : end.start()], None
    return tail[begin.end() : handler.start()], tail[handler.end() : end.start()]


def _lenient(op: o.Op) -> o.Op:
    names = {f.name for f in fields(op)}
    guards: dict[str, Any] = {key: True for key in ("if_not_exists", "if_exists") if key in names}  # fields of op's own class
    return replace(op, **guards) if guards else op


# ALTER TABLE clauses that change nothing the model holds.
_NO_EFFECT_CLAUSE = lazy(
    r"""(OWNER\s+TO|(?:ENABLE|DISABLE|FORCE|NO\s+FORCE)\s+(?:ROW\s+LEVEL\s+SECURITY|TRIGGER|RULE|ALWAYS|REPLICA)|
    REPLICA\s+IDENTITY|VALIDATE\s+CONSTRAINT|CLUSTER\s+ON|SET\s+(?:WITHOUT|LOGGED|UNLOGGED|TABLESPACE|ACCESS)|
    SET\s*\(|RESET\s*\(|ENGINE|CONVERT\s+TO\s+CHARACTER|(?:DEFAULT\s+)?(?:CHARSET|CHARACTER\s+SET|COLLATE)|
    COMMENT|AUTO_INCREMENT|ROW_FORMAT|ALGORITHM|LOCK|FORCE$|INHERIT|NO\s+INHERIT|
    ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET|DROP)\s+(?:STATISTICS|STORAGE|COMPRESSION)|
    ALTER\s+(?:COLUMN\s+)?\S+\s+(?:ADD|SET|DROP)\s+(?:GENERATED|IDENTITY)|ALTER\s+(?:COLUMN\s+)?\S+\s+RESTART)\b""",
    re.IGNORECASE | re.VERBOSE,
)


def _read_alter_table(match: re.Match, names: Names) -> list[o.Op]:
    table = names.text(match.group("name"))
    result: list[o.Op] = [o.UsesTable(table)]
    for clause in _split_clauses(match.group("rest")):
        result.extend(_alter_clause(table, clause.strip(), names))
    return [replace(op, if_target_exists=True) for op in result] if match.group("guard") else result


def _alter_clause(table: str, clause: str, names: Names) -> list[o.Op]:
    if _NO_EFFECT_CLAUSE.match(clause):
        return []
    rename = re.match(_RENAME_CLAUSE, clause, re.IGNORECASE)
    if rename:
        what, old, new = (rename.group("what") or "").strip().upper(), names.ident(rename.group("old")), names.ident(rename.group("new"))
        if what in ("CONSTRAINT", "INDEX", "KEY"):
            return [o.RenameKey(table, old, new)]
        return [o.RenameColumn(table, old, new)]
    to = re.match(rf"RENAME\s+(?:TO|AS)\s+(?P<new>{_NAME})\s*$", clause, re.IGNORECASE)
    if to:
        return [o.RenameTable(table, names.text(to.group("new")))]
    schema = re.match(rf"SET\s+SCHEMA\s+(?P<schema>{_NAME})\s*$", clause, re.IGNORECASE)
    if schema:
        return [o.RenameTable(table, names.qualify(names.ident(schema.group("schema")), bare_name(table)))]
    drop = re.match(rf"DROP\s+(?P<what>CONSTRAINT\s+|COLUMN\s+)?(?P<guard>IF\s+EXISTS\s+)?(?P<name>{_NAME})", clause, re.IGNORECASE)
    if drop and (drop.group("what") or "").strip().upper() == "CONSTRAINT":
        cascade = re.search(r"\bCASCADE\s*$", clause, re.IGNORECASE) is not None
        return [o.DropConstraint(table, names.ident(drop.group("name")), "", bool(drop.group("guard")), cascade)]
    add = re.match(_ADD_CLAUSE, clause, re.IGNORECASE | re.DOTALL)
    key_words = r"(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|INDEX|KEY|EXCLUDE|FULLTEXT|SPATIAL)\b"
    if add and not re.match(key_words, add.group("name"), re.IGNORECASE):
        return [o.AddColumn(table, _column_from_text(add.group("definition"), names), bool(add.group("guard")))]
    if add:
        return [*_key_from_text(table, clause, names), o.Unknown("added key could not be read", tables=(table,), keys_only=True)]
    if drop and not re.match(r"(PRIMARY|FOREIGN|INDEX|KEY|CHECK)\b", drop.group("name"), re.IGNORECASE):
        cascade = re.search(r"\bCASCADE\s*$", clause, re.IGNORECASE) is not None
        return [o.DropColumn(table, names.ident(drop.group("name")), bool(drop.group("guard")), cascade)]
    return [o.Unknown("ALTER TABLE clause not understood", tables=(table,))]


_ADD_KEY = lazy(
    rf"ADD\s+(?:CONSTRAINT\s+(?P<name>{_NAME})\s+)?(?P<kind>CHECK|FOREIGN\s+KEY|UNIQUE|PRIMARY\s+KEY|EXCLUDE)\b(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_KEY_KINDS = {"CHECK": "check", "FOREIGN KEY": "foreign", "UNIQUE": "unique", "PRIMARY KEY": "primary", "EXCLUDE": "exclude"}


def _key_from_text(table: str, clause: str, names: Names) -> list[o.Op]:
    """The kind (and name) of a key whose definition could not be read: what lock rules need to know.

    `USING INDEX` attaches an existing index; NOT VALID skips checking existing rows.
    """
    key = _ADD_KEY.match(clause)
    if key is None or re.search(r"\bUSING\s+INDEX\b", key.group("rest"), re.IGNORECASE):
        return []
    kind = _KEY_KINDS[" ".join(key.group("kind").upper().split())]
    name = names.ident(key.group("name")) if key.group("name") else ""
    not_valid = re.search(r"\bNOT\s+VALID\s*$", key.group("rest"), re.IGNORECASE) is not None
    return [o.AddConstraint(table, Constraint(name, kind), not_valid=not_valid)]


def _column_from_text(definition: str, names: Names) -> Column:
    """A column definition sqlglot could not parse as part of its statement: try it alone."""
    first = _NAME_PARTS.match(definition)
    assert first is not None, "a definition starts with the column's name (_ADD_CLAUSE)"
    name = names.ident(first.group())
    try:
        parsed = sqlglot.parse_one(f"CREATE TABLE x ({definition})", read=names.dialect)
        node = parsed.find(exp.ColumnDef)
    except Exception:  # sqlglot raises several kinds of error on odd input
        node = None
    if node is None or not isinstance(node.args.get("kind"), exp.DataType):
        return Column(name, None, unknown="its definition could not be read")
    return _column(node, names)[0]


def _split_clauses(text: str) -> list[str]:
    """Split at commas outside parentheses and quotes."""
    clauses, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            clauses.append(text[start:index])
            start = index + 1
    clauses.append(text[start:])
    return [c for c in clauses if c.strip()]


_TEXT_READERS = [
    (_DO_BLOCK, _read_do_block),
    (_CREATE, _read_create),
    (_DROP, _read_drop),
    (_ALTER_TABLE, _read_alter_table),
    (_ALTER_OTHER, _read_alter_other),
    (_RENAME_TABLE, _read_rename_tables),
]

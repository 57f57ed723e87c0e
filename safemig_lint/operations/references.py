"""The names a statement uses: the tables it reads or writes and the columns it names (ops.Uses).

Each column comes with the scopes that decide where it comes from, innermost first, as
PostgreSQL resolves a name: a subquery's own FROM, then the enclosing query's. A source whose
columns the reader cannot list (a subquery, a CTE, a set-returning function, VALUES) is "",
which may hold any name; the resolver (analysis/schema/resolve.py) says nothing past one.
Names the database supplies itself (system columns, CURRENT_USER) are left out, and so is a
name that is an output column's alias or a FROM item's (a whole-row reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from sqlglot import exp

from safemig_lint.operations import ops as o
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import CHILDLESS

if TYPE_CHECKING:  # read.py imports this module
    from safemig_lint.operations.read import Names

# Words that read as columns but are supplied by the database: system columns and the SQL
# functions written without parentheses (sqlglot reads a few of them as columns).
_PSEUDO_COLUMNS = {
    "postgres": {
        "ctid",
        "xmin",
        "xmax",
        "cmin",
        "cmax",
        "tableoid",
        "oid",
        "user",
        "current_user",
        "session_user",
        "current_role",
        "current_catalog",
        "current_schema",
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
    },
    "sqlite": {"rowid", "oid", "_rowid_", "current_date", "current_time", "current_timestamp"},
    "mysql": {
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "localtime",
        "localtimestamp",
        "utc_date",
        "utc_time",
        "utc_timestamp",
    },
}

_NO_PSEUDO_COLUMNS: frozenset[str] = frozenset()

UNKNOWN_SOURCE = ""

_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})
# A name as regclass reads it from a string: one or two parts, each a word or a double-quoted name.
_REGCLASS_PART = lazy(r'"[^"]+"|[^."]+')
_REGCLASS_NAME = lazy(r'(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?')


# What _Reader.expression does with a node, by its class (found once per class: one look-up per node
# instead of a chain of isinstance).
_QUERY, _SUBQUERY, _COLUMN, _CALL, _WALK, _LEAF = "query", "subquery", "column", "call", "walk", "leaf"
_ROLES: dict[type, str] = {}


def _role(cls: type) -> str:
    if issubclass(cls, (exp.Select, exp.SetOperation)):
        role = _QUERY
    elif issubclass(cls, exp.Subquery):
        role = _SUBQUERY
    elif issubclass(cls, exp.Column):
        role = _COLUMN
    elif issubclass(cls, exp.Anonymous):
        role = _CALL
    else:
        role = _LEAF if cls in CHILDLESS else _WALK  # names and literals: they hold no other node
    _ROLES[cls] = role
    return role


def _is_leaf(node: exp.Expr) -> bool:
    return (_ROLES.get(node.__class__) or _role(node.__class__)) is _LEAF


@dataclass
class _Scope:
    """The FROM items of one query level: alias -> table key ("" when its columns are not known)."""

    sources: dict[str, str] = field(default_factory=dict)
    outputs: set[str] = field(default_factory=set)  # the query's output column names (aliases)


class _Reader:
    def __init__(self, names: Names) -> None:
        self.names = names
        self.dialect = names.dialect
        self.pseudo = _PSEUDO_COLUMNS.get(self.dialect, _NO_PSEUDO_COLUMNS)
        self.found: list[o.Op] = []

    # --- queries

    def query(self, node: exp.Expr, outer: list[_Scope], ctes: frozenset[str]) -> None:
        """A query (SELECT, a set operation, a parenthesised query) seen from `outer` scopes."""
        ctes = self._with(node, outer, ctes)
        if isinstance(node, exp.Subquery):
            self.query(node.this, outer, ctes)
        elif isinstance(node, exp.SetOperation):
            self.query(node.this, outer, ctes)
            self.query(node.expression, outer, ctes)
        elif isinstance(node, exp.Select):
            self._select(node, outer, ctes)
        elif isinstance(node, exp.Insert):  # a data-modifying CTE
            self.found += insert_uses(node, self.names, ctes)
        elif isinstance(node, exp.Update):
            self.found += update_uses(node, self.names, ctes)
        elif isinstance(node, exp.Delete):
            self.found += delete_uses(node, self.names, ctes)
        # Anything else (VALUES, a table function ...): what it names is not read.

    def _with(self, node: exp.Expr, outer: list[_Scope], ctes: frozenset[str]) -> frozenset[str]:
        """The names of the CTEs `node` declares (each query read first), added to `ctes`."""
        with_ = node.args.get("with_") if node is not None else None
        if with_ is None:
            return ctes
        for cte in with_.expressions:
            name = self.names.ident(cte.args.get("alias").this) if cte.args.get("alias") else ""
            recursive = ctes | {name} if with_.args.get("recursive") else ctes
            self.query(cte.this, outer, recursive)
            ctes = ctes | {name}
        return ctes

    def _select(self, node: exp.Select, outer: list[_Scope], ctes: frozenset[str]) -> None:
        scope = _Scope(outputs={self.names.ident(e.alias) for e in node.expressions if isinstance(e, exp.Alias)})
        chain = [scope, *outer]
        from_ = node.args.get("from_")
        items = ([from_.this] if from_ is not None else []) + [join.this for join in node.args.get("joins") or []]
        for item in items:
            self.source(item, scope, chain, outer, ctes)
        skip = {"with_", "from_"}
        for key, value in node.args.items():
            if key in skip:
                continue
            if key == "joins":
                for join in value or []:
                    for arg, inner in join.args.items():
                        if arg != "this" and isinstance(inner, exp.Expression) and arg != "using":
                            self.expression(inner, chain, ctes)
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, exp.Expression):
                    self.expression(child, chain, ctes)

    def source(self, item: exp.Expr, scope: _Scope, chain: list[_Scope], outer: list[_Scope], ctes: frozenset[str]) -> None:
        """A FROM item: a table is used and named by its alias; anything else is a source of unknown columns."""
        written_alias = item.alias
        alias = self.names.ident(written_alias) if written_alias else ""
        if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
            bare = self.names.ident(item.this)
            schema = item.args.get("db")
            if not schema and bare in ctes:
                scope.sources[alias or bare] = UNKNOWN_SOURCE
                return
            key = self.names.in_schema(schema, bare)  # Names.table, its name keyed once
            self.found.append(o.UsesTable(key, at=self.names.locate(item)))
            scope.sources[alias or bare] = key
            return
        scope.sources[alias or f"({len(scope.sources)})"] = UNKNOWN_SOURCE
        # A subquery in FROM sees the enclosing levels; LATERAL ones (and functions' arguments) this one too.
        inner_chain = chain if isinstance(item, (exp.Lateral, exp.Unnest, exp.Table)) else outer
        if isinstance(item, exp.Subquery):
            self.query(item.this, outer, ctes)
        else:
            for child in item.iter_expressions():
                if not isinstance(child, exp.TableAlias):
                    self.expression(child, inner_chain, ctes)

    # --- expressions

    def expression(self, node: exp.Expr, chain: list[_Scope], ctes: frozenset[str], place: str = "") -> None:
        """Every column `node` names, and the queries in it (each with its own scope inside `chain`)."""
        stack = [node] if isinstance(node, exp.Expression) else []
        while stack:
            current = stack.pop()
            role = _ROLES.get(current.__class__) or _role(current.__class__)
            if role is _LEAF:
                continue
            if role is _QUERY:
                self.query(current, chain, ctes)
                continue
            if role is _SUBQUERY:
                self.query(current.this, chain, ctes)
                continue
            if role is _COLUMN:
                self.column(cast(exp.Column, current), chain, place)
                continue
            if role is _CALL:
                self.sequence_call(cast(exp.Anonymous, current))
            stack.extend(current.iter_expressions(reverse=True))  # popped left to right, as the database reads it

    def sequence_call(self, node: exp.Anonymous) -> None:
        """nextval('s'), currval('s'), setval('s', ...): PostgreSQL reads the literal as a regclass, looking
        the sequence up when it parses the call. Anything but a plain name written as a literal (a
        function's result, a parameter, a string built at run time) is left alone."""
        if self.names.dialect != "postgres" or str(node.this).lower() not in _SEQUENCE_FUNCTIONS or not node.expressions:
            return
        argument = node.expressions[0]
        if isinstance(argument, exp.Cast) and argument.to.name.upper() == "REGCLASS":
            argument = argument.this
        if isinstance(argument, exp.Literal) and argument.is_string and _REGCLASS_NAME.fullmatch(argument.this):
            shown = ".".join(self.names.text(part) for part in _REGCLASS_PART.findall(argument.this))
            self.found.append(o.UsesSequence(self.names.text(argument.this), shown, at=self.names.locate(node)))

    def column(self, node: exp.Column, chain: list[_Scope], place: str = "") -> None:
        args = node.args  # read once: the `this` property looks it up on each use
        this = args.get("this")
        if args.get("db") or args.get("catalog") or not isinstance(this, (exp.Identifier, exp.Star)):
            return  # schema.table.column: the reader does not follow it
        star = isinstance(this, exp.Star)
        name = "*" if star else self.names.ident(this)
        quoted = not star and bool(this.args.get("quoted"))  # Identifier.quoted
        qualifier_node = args.get("table")
        if qualifier_node is not None:
            qualifier = self.names.ident(qualifier_node)
            for scope in chain:
                if qualifier in scope.sources:
                    key = scope.sources[qualifier]
                    if key:
                        self.found.append(o.UsesColumn(o.ColumnRef(name, ((key,),), quoted, qualifier), place, at=self.names.locate(node)))
                    return
            return  # not a FROM item the reader knows (a function's parameter, OLD/NEW ...)
        if not quoted and name in self.pseudo:
            return
        if not star:
            # A whole-row reference, or an output column named again (ORDER BY, GROUP BY; WHERE in SQLite). Loops, not
            # any() and a generator: the chain is one scope or two, and a generator costs more than looking in them.
            for scope in chain:
                if name in scope.sources:
                    return
            if chain and name in chain[0].outputs:
                return
        scopes = tuple([tuple(scope.sources.values()) for scope in chain])
        self.found.append(o.UsesColumn(o.ColumnRef(name, scopes, quoted), place, at=self.names.locate(node)))


def query_uses(query: exp.Expr, names: Names) -> list[o.Op]:
    """What a query on its own uses (a view's definition, a SELECT statement)."""
    reader = _Reader(names)
    reader.query(query, [], frozenset())
    return reader.found


def expression_uses(node: exp.Expr, table: str | None, names: Names, place: str = "") -> list[o.Op]:
    """What an expression on one table uses (a CHECK, an index's expression or WHERE); no table:
    an expression that may name no column at all (a DEFAULT, a VALUES row)."""
    if _is_leaf(node):
        return []  # a literal or a bare name (DEFAULT 0): _Reader.expression finds nothing in a leaf
    reader = _Reader(names)
    chain = [_Scope({names.ident(table.rsplit(".", 1)[-1]): table})] if table else []
    reader.expression(node, chain, frozenset(), place)
    return reader.found


def insert_uses(e: exp.Insert, names: Names, ctes: frozenset[str] = frozenset()) -> list[o.Op]:
    """INSERT: its table, its column list, the rows' widths, and what the rows or the query name."""
    target = e.this
    table_node = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table_node, exp.Table) or not isinstance(table_node.this, exp.Identifier):
        return []
    reader = _Reader(names)
    key = names.table(table_node)
    reader.found.append(o.UsesTable(key, at=names.locate(table_node)))
    columns = None
    if isinstance(target, exp.Schema):
        named = []
        for item in target.expressions:
            column = names.ident(item)
            named.append(column)
            quoted = item.quoted if isinstance(item, exp.Identifier) else False
            reader.found.append(o.UsesColumn(o.ColumnRef(column, ((key,),), quoted), "target", at=names.locate(item)))
        columns = tuple(named)
    ctes = reader._with(e, [], ctes)
    source = e.expression
    if isinstance(source, exp.Values):
        widths, star = [], False
        for row in source.expressions:
            values = row.expressions if isinstance(row, exp.Tuple) else [row]
            widths.append(len(values))
            for value in values:
                # Most values are literals, in which _Reader.expression finds nothing: not called for them
                # (a seed file holds thousands).
                if (_ROLES.get(value.__class__) or _role(value.__class__)) is not _LEAF:
                    reader.expression(value, [], ctes)
                    star = star or isinstance(value, exp.Star)
        if not star:
            reader.found.append(o.InsertRows(key, columns, tuple(widths), at=names.locate(source)))
    elif isinstance(source, (exp.Select, exp.SetOperation, exp.Subquery)):
        reader.query(source, [], ctes)
        select = source
        while isinstance(select, exp.Subquery):
            select = select.this
        if isinstance(select, exp.SetOperation):
            select = select.this
        if isinstance(select, exp.Select):
            stars = any(
                isinstance(item, exp.Star) or isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
                for item in select.expressions
            )
            reader.found.append(o.InsertRows(key, columns, () if stars else (len(select.expressions),), True, at=names.locate(select)))
    conflict, returning = e.args.get("conflict"), e.args.get("returning")
    if conflict is None and returning is None:
        return reader.found  # most: no clause sees the table by its name
    own = {names.ident(table_node.alias or table_node.this): key}
    if conflict is not None:
        excluded = _Scope({**own, "excluded": key})
        for child in conflict.iter_expressions():
            reader.expression(child, [excluded], ctes)
    if returning is not None:
        reader.expression(returning, [_Scope(own)], ctes)
    return reader.found


def update_uses(e: exp.Update, names: Names, ctes: frozenset[str] = frozenset()) -> list[o.Op]:
    """UPDATE: its table, what its WHERE names, the columns it sets (of that table) and what their values name,
    in the order PostgreSQL looks them up (the first it cannot find is the error it reports)."""
    reader = _Reader(names)
    target = e.this
    if not isinstance(target, exp.Table) or not isinstance(target.this, exp.Identifier):
        return []
    scope = _Scope()
    ctes = reader._with(e, [], ctes)
    reader.source(target, scope, [scope], [], ctes)
    key = scope.sources[next(iter(scope.sources))]
    for join in target.args.get("joins") or []:  # MySQL's UPDATE a JOIN b ...
        reader.source(join.this, scope, [scope], [], ctes)
    from_ = e.args.get("from_")
    if from_ is not None:
        reader.source(from_.this, scope, [scope], [], ctes)
    for join in e.args.get("joins") or []:
        reader.source(join.this, scope, [scope], [], ctes)
    for join in [*(target.args.get("joins") or []), *(e.args.get("joins") or [])]:
        if join.args.get("on") is not None:
            reader.expression(join.args["on"], [scope], ctes)
    if e.args.get("where") is not None:  # PostgreSQL reads the WHERE before the SET list
        reader.expression(e.args["where"], [scope], ctes)
    for item in e.expressions:
        if isinstance(item, exp.EQ):
            targets = item.this.expressions if isinstance(item.this, exp.Tuple) else [item.this]
            for column in targets:
                if isinstance(column, exp.Column) and column.args.get("table") is None and isinstance(column.this, exp.Identifier):
                    if key:
                        ref = o.ColumnRef(names.ident(column.this), ((key,),), column.this.quoted)
                        reader.found.append(o.UsesColumn(ref, "target", at=names.locate(column)))
                elif isinstance(column, exp.Column):
                    reader.column(column, [scope], "target")
            reader.expression(item.expression, [scope], ctes)
        else:
            reader.expression(item, [scope], ctes)
    if e.args.get("returning") is not None:
        reader.expression(e.args["returning"], [scope], ctes)
    return reader.found


def delete_uses(e: exp.Delete, names: Names, ctes: frozenset[str] = frozenset()) -> list[o.Op]:
    """DELETE: its table, and what USING and WHERE name."""
    reader = _Reader(names)
    target = e.this
    if not isinstance(target, exp.Table) or not isinstance(target.this, exp.Identifier):
        return []
    scope = _Scope()
    ctes = reader._with(e, [], ctes)
    reader.source(target, scope, [scope], [], ctes)
    for item in e.args.get("using") or []:
        reader.source(item, scope, [scope], [], ctes)
    for arg in ("where", "returning"):
        if e.args.get(arg) is not None:
            reader.expression(e.args[arg], [scope], ctes)
    return reader.found

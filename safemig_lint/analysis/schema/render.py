"""Show a schema: as DDL in a SQL dialect (written in the migrations' dialect, then
transpiled by sqlglot), or as JSON-ready data. What the model is unsure of is said, in
comments or an `unknown` field, never left out silently.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp

from safemig_lint.analysis.schema.diff import describe
from safemig_lint.operations.model import PG_NAME_LENGTH, Column, Constraint, Database, Index, Table, bare_name


def to_json(db: Database) -> dict:
    return {
        "dialect": db.dialect,
        "schemas": sorted(db.schemas),
        "tables": {key: _table_json(table) for key, table in sorted(db.tables.items())},
        "views": {
            key: {"definition": v.definition, "materialized": v.materialized, "unknown": v.unknown} for key, v in sorted(db.views.items())
        },
        "sequences": {key: {"owned_by": s.owned_by or None, "unknown": s.unknown} for key, s in sorted(db.sequences.items())},
        "types": {
            key: {"kind": t.kind, "values": list(t.values), "base": t.base.sql if t.base else None, "unknown": t.unknown}
            for key, t in sorted(db.types.items())
        },
        "routines": [
            {"kind": r.kind, "name": r.name, "table": r.table or None, "unknown": r.unknown}
            for r in sorted(db.routines.values(), key=lambda r: (r.kind, r.name))
        ],
    }


def _table_json(table: Table) -> dict:
    return {
        "columns": [
            {
                "name": c.name,
                "type": c.type.sql if c.type else None,
                "nullable": c.nullable,
                "default": c.default,
                "generated": c.generated,
                "unknown": c.unknown,
            }
            for c in table.columns.values()
        ],
        "constraints": [
            {
                "name": c.name,
                "kind": c.kind,
                "columns": list(c.columns),
                "references": c.references or None,
                "expression": c.expression or None,
            }
            for c in table.constraints.values()
        ],
        "indexes": [{"name": i.name, "columns": list(i.columns), "unique": i.unique, "where": i.where} for i in table.indexes.values()],
        "unknown": table.unknown,
        "keys_unknown": table.keys_unknown,
    }


def to_sql(db: Database, dialect: str | None = None) -> str:
    """DDL that creates the schema, in `dialect` (default: the migrations' own)."""
    target = dialect or db.dialect
    blocks = [f"CREATE SCHEMA {_quote(name, db.dialect)}" for name in sorted(db.schemas)]
    for key, user_type in sorted(db.types.items()):
        if user_type.unknown:
            blocks.append(f"-- type {key}: unknown ({user_type.unknown})")
        elif user_type.kind == "enum":
            labels = ", ".join(exp.Literal.string(v).sql() for v in user_type.values)
            blocks.append(f"CREATE TYPE {_quote(key, db.dialect)} AS ENUM ({labels})")
        else:
            blocks.append(f"-- type {key}: {user_type.kind}" + (f" over {user_type.base.sql}" if user_type.base else ""))
    for key, sequence in sorted(db.sequences.items()):
        if not sequence.owned_by:  # serial columns' sequences come with their column
            blocks.append(f"CREATE SEQUENCE {_quote(key, db.dialect)}")
    blocks = [_transpile(block, db.dialect, target) for block in blocks]
    for key, table in sorted(db.tables.items()):
        sequences = _own_sequences(key, table, db)
        blocks += [_transpile(f"CREATE SEQUENCE {_quote(name, db.dialect)}", db.dialect, target) for name in sequences.values()]
        blocks.append(_transpile(_table_sql(key, table, db.dialect, db), db.dialect, target))
        blocks += [
            _transpile(f"ALTER SEQUENCE {_quote(name, db.dialect)} OWNED BY {_quote(f'{key}.{column}', db.dialect)}", db.dialect, target)
            for column, name in sequences.items()
        ]
        # Written directly: sqlglot would spell a plain index column oddly in some dialects.
        blocks += [_index_sql(key, index, target) for index in table.indexes.values()]
    for key, view in sorted(db.views.items()):
        kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
        if view.unknown:
            blocks.append(f"-- view {key}: unknown ({view.unknown})")
        else:
            blocks.append(_transpile(f"CREATE {kind} {_quote(key, db.dialect)} AS {view.definition}", db.dialect, target))
    for routine in sorted(db.routines.values(), key=lambda r: (r.kind, r.name)):
        on = f" on {routine.table}" if routine.table else ""
        blocks.append(f"-- {routine.kind} {routine.name}{on}" + (f": unknown ({routine.unknown})" if routine.unknown else ""))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _table_sql(key: str, table: Table, dialect: str, db: Database) -> str:
    notes = [f"-- unknown: {reason}" for reason in (table.unknown, table.keys_unknown) if reason]
    rowid = _rowid_alias(table) if dialect == "sqlite" else None
    serials = _serials(key, table, db) if dialect == "postgres" else {}
    lines = [_column_sql(column, dialect, serials.get(column.name), column.name == rowid) for column in table.columns.values()]
    lines += [_constraint_sql(c, dialect) for c in table.constraints.values() if not (rowid and c.kind == "primary")]
    body = ",\n  ".join(lines)
    return "\n".join([*notes, f"CREATE TABLE {_quote(key, dialect)} (\n  {body}\n)"])


def _column_sql(column: Column, dialect: str, serial: str | None = None, rowid: bool = False) -> str:
    if column.type is None:
        return f"{_quote(column.name, dialect)} /* unknown type: {column.unknown or 'not modelled'} */ TEXT"
    if serial:  # PostgreSQL's own shorthand: the integer, NOT NULL, and the sequence it owns
        return f"{_quote(column.name, dialect)} {serial}"
    if rowid:  # exactly `INTEGER PRIMARY KEY`: the rowid itself, as the model reads it
        numbering = " AUTOINCREMENT" if column.numbering == "autoincrement" else ""
        return f"{_quote(column.name, dialect)} INTEGER PRIMARY KEY{numbering}"
    text = f"{_quote(column.name, dialect)} {column.type.sql}"
    if column.identity:
        text += f" GENERATED {'ALWAYS' if column.numbering == 'always' else 'BY DEFAULT'} AS IDENTITY"
    text += "" if column.nullable else " NOT NULL"
    text += f" DEFAULT {column.default}" if column.default is not None else ""
    return text + (" AUTO_INCREMENT" if column.numbering == "auto_increment" and dialect == "mysql" else "")


_SERIAL = {"INT": "SERIAL", "BIGINT": "BIGSERIAL", "SMALLINT": "SMALLSERIAL"}


def _owned_defaults(key: str, table: Table, db: Database) -> dict[str, str]:
    """{column: sequence} of the columns filled by `nextval` of a sequence they own (serial columns)."""
    found = {}
    for column in table.columns.values():
        match = re.fullmatch(r"NEXTVAL\('([^']+)'\)", column.default or "", re.IGNORECASE)
        sequence = db.sequences.get(match.group(1)) if match else None
        if sequence is not None and sequence.owned_by == f"{key}.{column.name}":
            found[column.name] = sequence.name
    return found


def _serials(key: str, table: Table, db: Database) -> dict[str, str]:
    """{column: SERIAL | BIGSERIAL | SMALLSERIAL} of the serial columns that PostgreSQL would create just so:
    an integer NOT NULL, its default the `nextval` of the sequence it owns, named as PostgreSQL names it."""
    serials = {}
    for name, sequence in _owned_defaults(key, table, db).items():
        column = table.columns[name]
        base = column.type.base if column.type else ""
        if base in _SERIAL and not column.nullable and sequence == f"{key}_{name}_seq" and len(bare_name(sequence)) <= PG_NAME_LENGTH:
            serials[name] = _SERIAL[base]
    return serials


def _own_sequences(key: str, table: Table, db: Database) -> dict[str, str]:
    """{column: sequence} of the owned sequences that DDL must create itself (not by a serial type)."""
    if db.dialect != "postgres":
        return {}
    serials = _serials(key, table, db)
    return {column: sequence for column, sequence in _owned_defaults(key, table, db).items() if column not in serials}


def _rowid_alias(table: Table) -> str | None:
    """The column that is SQLite's rowid: the table's whole primary key, an integer."""
    keys = [c for c in table.constraints.values() if c.kind == "primary"]
    if len(keys) != 1 or len(keys[0].columns) != 1:
        return None
    column = table.columns.get(keys[0].columns[0])
    return column.name if column is not None and column.type is not None and column.type.base == "INT" else None


def _constraint_sql(constraint: Constraint, dialect: str) -> str:
    columns = ", ".join(_quote(c, dialect) for c in constraint.columns)
    name = f"CONSTRAINT {_quote(constraint.name, dialect)} "
    if constraint.kind == "primary":
        return f"{'' if constraint.name == 'PRIMARY' else name}PRIMARY KEY ({columns})"  # MySQL's is always PRIMARY
    if constraint.kind == "unique":
        return f"{name}UNIQUE ({columns})"
    if constraint.kind == "foreign":
        return f"{name}FOREIGN KEY ({columns}) REFERENCES {constraint.references}"
    if constraint.kind == "check":
        return f"{name}CHECK ({constraint.expression})"
    return f"/* {constraint.name}: {describe(constraint)} */"


def _index_sql(table: str, index: Index, dialect: str) -> str:
    columns = ", ".join(_quote(c, dialect) if re.fullmatch(r"\w+", c) else c for c in index.columns) or "/* columns unknown */"
    where = f" WHERE {index.where}" if index.where else ""
    unique = "UNIQUE " if index.unique else ""
    return f"CREATE {unique}INDEX {_quote(index.name, dialect)} ON {_quote(table, dialect)} ({columns}){where};"


@lru_cache(maxsize=8192)  # the same names recur in every schema of a history (SQLite renders one per file it asks)
def _quote(name: str, dialect: str) -> str:
    return ".".join(exp.to_identifier(part).sql(dialect=dialect) for part in name.split("."))


def _transpile(block: str, source: str, target: str) -> str:
    """The block in the target dialect; as written, with a note, when sqlglot cannot translate it."""
    lines = block.splitlines()
    notes = [line for line in lines if line.startswith("-- ")]
    statement = "\n".join(line for line in lines if not line.startswith("-- "))
    if not statement or source == target:
        return block + (";" if statement else "")
    try:
        translated = sqlglot.transpile(statement, read=source, write=target, pretty=True)[0]
    except Exception:  # sqlglot raises several kinds of error on what it cannot translate
        return "\n".join([*notes, f"-- could not translate to {target}", statement + ";"])
    return "\n".join([*notes, translated + ";"])

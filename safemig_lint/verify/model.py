"""--compare-model: the static replay's schema (analysis/schema/) against what the database built.

Compared by name: tables, columns and their nullability (and, for PostgreSQL, their types),
indexes, constraints, views, sequences and enum labels. Objects the model marks unknown are
skipped: it already says it cannot follow them. An index that only backs a constraint (a
primary key's, a UNIQUE's) is compared as the constraint.
"""

from __future__ import annotations

from safemig_lint.operations.model import SERIAL_TYPES, Database
from safemig_lint.verify.catalog import Snapshot

_SERIAL_BASE = {"SERIAL": "INT", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}


def model_differences(model: Database, found: Snapshot, dialect: str) -> list[str]:
    differences: list[str] = []
    by_kind: dict[str, dict[str, dict[str, str]]] = {}
    for (kind, name), attributes in found.items():
        by_kind.setdefault(kind, {})[name] = attributes

    def report(presence: str, kind: str, name: str) -> None:
        if presence == "model":
            differences.append(f"the model has {kind} {name}, the database does not")
        else:
            differences.append(f"the database has {kind} {name}, the model does not")

    db_tables = by_kind.get("table", {})
    for name, table in model.tables.items():
        if table.unknown:
            continue
        if name not in db_tables:
            report("model", "table", name)
            continue
        for column in table.columns.values():
            found_column = by_kind.get("column", {}).get(f"{name}.{column.name}")
            if column.unknown:
                continue
            if found_column is None:
                report("model", "column", f"{name}.{column.name}")
                continue
            nullable = "yes" if column.nullable else "no"
            if found_column["nullable"] != nullable and not _sqlite_rowid(found_column, dialect):
                differences.append(
                    f"column {name}.{column.name} is {'nullable' if nullable == 'yes' else 'NOT NULL'} in the model, "
                    f"{'nullable' if found_column['nullable'] == 'yes' else 'NOT NULL'} in the database"
                )
            if dialect == "postgres" and column.type is not None and not column.type.user:
                model_type, db_type = _normal_type(column.type.sql or column.type.base), _normal_type(found_column["type"])
                if model_type and db_type and model_type != db_type:
                    differences.append(
                        f"column {name}.{column.name} is {column.type.sql or column.type.base} in the model, {found_column['type']} in the database"
                    )
        known_columns = {f"{name}.{c}" for c in table.columns}
        for column_key in by_kind.get("column", {}):
            if column_key.rsplit(".", 1)[0] == name and column_key not in known_columns:
                report("database", "column", column_key)
        if not table.keys_unknown:
            differences.extend(_key_differences(name, table, by_kind, dialect))
    for name in db_tables:
        if name not in model.tables:
            report("database", "table", name)
    differences.extend(_named_objects("view", model.views, by_kind.get("view", {})))
    if dialect == "postgres":
        differences.extend(_named_objects("sequence", model.sequences, by_kind.get("sequence", {})))
        enums = {k: t for k, t in model.types.items() if t.kind == "enum"}
        differences.extend(_named_objects("enum", enums, by_kind.get("enum", {})))
        for name, enum in enums.items():
            found_enum = by_kind.get("enum", {}).get(name)
            if found_enum is not None and not enum.unknown and ", ".join(enum.values) != found_enum["labels"]:
                differences.append(
                    f"enum {name} has labels ({', '.join(enum.values)}) in the model, ({found_enum['labels']}) in the database"
                )
    return differences


def _sqlite_rowid(column: dict[str, str], dialect: str) -> bool:
    """SQLite's INTEGER PRIMARY KEY is the rowid: never NULL, though the pragma says notnull 0."""
    return dialect == "sqlite" and column.get("primary key position") == "1" and column["type"].upper() == "INTEGER"


def _named_objects(kind: str, modelled: dict, found: dict) -> list[str]:
    differences = [
        f"the model has {kind} {name}, the database does not" for name, o in modelled.items() if not o.unknown and name not in found
    ]
    differences += [f"the database has {kind} {name}, the model does not" for name in found if name not in modelled]
    return differences


def _key_differences(table_name: str, table, by_kind: dict, dialect: str) -> list[str]:
    differences = []
    if dialect == "postgres":
        found_constraints = {
            name.rsplit(".", 1)[1]: attributes
            for name, attributes in by_kind.get("constraint", {}).items()
            if name.rsplit(".", 1)[0] == table_name
        }
        kinds = {"primary": "primary key", "unique": "unique", "foreign": "foreign key", "check": "check"}
        for name, constraint in table.constraints.items():
            if name not in found_constraints:
                differences.append(
                    f"the model has {kinds.get(constraint.kind, constraint.kind)} constraint {table_name}.{name}, the database does not"
                )
        for name, attributes in found_constraints.items():
            if name not in table.constraints and attributes["kind"] in kinds.values():
                differences.append(f"the database has {attributes['kind']} constraint {table_name}.{name}, the model does not")
        schema = table_name.rsplit(".", 1)[0] + "." if "." in table_name else ""
        found_indexes = {
            name.rsplit(".", 1)[-1]
            for name, attributes in by_kind.get("index", {}).items()
            if attributes["table"] == table_name and name.rsplit(".", 1)[-1] not in found_constraints
        }
        for name in table.indexes:
            if name not in found_indexes and name not in found_constraints:
                differences.append(f"the model has index {schema}{name} on {table_name}, the database does not")
        for name in found_indexes - set(table.indexes) - set(table.constraints):
            differences.append(f"the database has index {schema}{name} on {table_name}, the model does not")
    elif dialect == "sqlite":
        found_indexes = {n for n, a in by_kind.get("index", {}).items() if a["table"] == table_name and "definition" in a}
        for name in set(table.indexes) - found_indexes:
            differences.append(f"the model has index {name} on {table_name}, the database does not")
        for name in found_indexes - set(table.indexes):
            differences.append(f"the database has index {name} on {table_name}, the model does not")
    return differences


def _normal_type(sql: str) -> str | None:
    """A type in sqlglot's PostgreSQL spelling, serials as their integer type; None if unreadable."""
    from sqlglot import exp
    from sqlglot.errors import ParseError

    text = sql.strip()
    upper = text.upper()
    if upper in SERIAL_TYPES:
        text = _SERIAL_BASE[upper]
    try:
        return exp.DataType.build(text, dialect="postgres").sql("postgres")
    except (ParseError, ValueError):
        return None

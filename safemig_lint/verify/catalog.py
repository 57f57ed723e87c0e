"""The schema as the database's catalog holds it, in one comparable shape for every dialect.

A snapshot maps (kind, name) to the object's attributes, all plain strings:
`("column", "users.email") -> {"type": "text", "nullable": "yes", "default": ""}`. Kinds: schema,
table, column, index, constraint, view, sequence, enum, type, trigger, function, extension.
Names are qualified by their schema unless it is the default one (public, main, the database).
Differences are found by name, so a column re-created at the end of its table is the same column.
"""

from __future__ import annotations

import re

from safemig_lint.values import value

Snapshot = dict[tuple[str, str], dict[str, str]]

# Objects verify itself creates (extension stand-ins) live here and are never part of a snapshot.
STANDIN_SCHEMA = "safemig_verify_standin"


@value(unsafe_hash=True)
class Difference:
    kind: str
    name: str
    change: str  # "missing" (was there, is gone), "extra" (was not there, is now), "changed"
    attribute: str = ""
    expected: str = ""
    found: str = ""

    def describe(self, expected_label: str = "before", found_label: str = "now") -> str:
        if self.change == "missing":
            return f"{self.kind} {self.name} is missing"
        if self.change == "extra":
            return f"{self.kind} {self.name} is left over"
        return f"{self.kind} {self.name}: {self.attribute} is {_shown(self.found)} {found_label}, {_shown(self.expected)} {expected_label}"


def _shown(value: str) -> str:
    return repr(value) if value else "(none)"


# Objects named `table.name`, which go with their table.
_TABLE_PARTS = ("column", "constraint", "trigger", "foreign key")


def _owner(kind: str, name: str, attributes: dict[str, str]) -> str | None:
    if kind in _TABLE_PARTS:
        return name.rsplit(".", 1)[0]
    return attributes.get("table") if kind == "index" else None


def compare(expected: Snapshot, found: Snapshot) -> list[Difference]:
    """What differs between two snapshots, by object; a table's columns, keys, indexes and triggers are
    not repeated when the table itself is missing or left over."""
    differences: list[Difference] = []
    gone_tables = {name for kind, name in expected.keys() - found.keys() if kind == "table"}
    new_tables = {name for kind, name in found.keys() - expected.keys() if kind == "table"}
    for key in sorted(expected.keys() | found.keys()):
        kind, name = key
        owner = _owner(kind, name, expected.get(key) or found.get(key) or {})
        if key not in found:
            if owner not in gone_tables:
                differences.append(Difference(kind, name, "missing"))
        elif key not in expected:
            if owner not in new_tables:
                differences.append(Difference(kind, name, "extra"))
        else:
            before, after = expected[key], found[key]
            for attribute in sorted(before.keys() | after.keys()):
                if before.get(attribute, "") != after.get(attribute, ""):
                    differences.append(Difference(kind, name, "changed", attribute, before.get(attribute, ""), after.get(attribute, "")))
    return differences


def _qualified(schema: str, name: str, default: str) -> str:
    return name if schema == default else f"{schema}.{name}"


# --- PostgreSQL -------------------------------------------------------------------------------

# Objects that belong to an extension (pg_depend deptype 'e') are the extension's, not the schema's.
_PG_USER_NAMESPACES = f"""
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', '{STANDIN_SCHEMA}')
      AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
"""
_PG_NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"

_PG_QUERIES = {
    "schema": f"SELECT n.nspname, '' FROM ({_PG_USER_NAMESPACES}) n",
    "relation": f"""
        SELECT n.nspname, c.relname, c.relkind::text,
               CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) ELSE '' END
        FROM pg_class c JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_PG_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
    """,
    "column": f"""
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN 'no' ELSE 'yes' END,
               coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), a.attidentity::text, a.attgenerated::text,
               coalesce(col.collname, '')
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_collation col ON col.oid = a.attcollation AND a.attcollation <> 100
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND {_PG_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
    """,
    "index": f"""
        SELECT n.nspname, ic.relname, t.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = ic.relnamespace
        WHERE {_PG_NOT_EXTENSION_MEMBER.format(oid="t.oid")}
    """,
    # NOT NULL constraints (contype 'n', PostgreSQL 18) are compared as the column's nullability.
    "constraint": f"""
        SELECT n.nspname, coalesce(t.relname, ty.typname), con.conname, con.contype::text, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = con.connamespace
        LEFT JOIN pg_class t ON t.oid = con.conrelid
        LEFT JOIN pg_type ty ON ty.oid = con.contypid
        WHERE con.contype <> 'n' AND {_PG_NOT_EXTENSION_MEMBER.format(oid="coalesce(t.oid, ty.oid)")}
    """,
    "sequence": f"""
        SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text,
               s.seqmin::text, s.seqmax::text, s.seqcycle::text
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = c.relnamespace
        WHERE {_PG_NOT_EXTENSION_MEMBER.format(oid="c.oid")}
    """,
    "type": f"""
        SELECT n.nspname, t.typname, t.typtype::text,
               CASE t.typtype
                 WHEN 'e' THEN (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
                 WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                 WHEN 'c' THEN (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
                 ELSE '' END
        FROM pg_type t JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e', 'd', 'c', 'r')
          AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
          AND {_PG_NOT_EXTENSION_MEMBER.format(oid="t.oid")}
    """,
    "trigger": f"""
        SELECT n.nspname, c.relname, tg.tgname, pg_get_triggerdef(tg.oid)
        FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = c.relnamespace
        WHERE NOT tg.tgisinternal
    """,
    "function": f"""
        SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               p.prokind::text, coalesce(pg_get_function_result(p.oid), ''), md5(coalesce(p.prosrc, ''))
        FROM pg_proc p JOIN ({_PG_USER_NAMESPACES}) n ON n.oid = p.pronamespace
        WHERE {_PG_NOT_EXTENSION_MEMBER.format(oid="p.oid")}
    """,
    "extension": "SELECT e.extname, e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'",
}

_RELATION_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence", "f": "foreign table"}
_TYPE_KINDS = {"e": "enum", "d": "domain", "c": "type", "r": "range"}
_CONSTRAINT_KINDS = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion", "t": "trigger"}


def postgres_snapshot(cursor) -> Snapshot:
    """Read the catalog with one query per kind; the stand-in schema's name never shows in defaults."""
    snapshot: Snapshot = {}

    def rows(kind: str):
        cursor.execute(_PG_QUERIES[kind])
        return cursor.fetchall()

    def name(schema: str, object_name: str) -> str:
        return _qualified(schema, object_name, "public")

    for schema, _ in rows("schema"):
        if schema != "public":
            snapshot[("schema", schema)] = {}
    for schema, relation, kind, definition in rows("relation"):
        if kind == "S":
            continue  # with its own attributes below
        attributes = {"kind": _RELATION_KINDS[kind]} if kind not in ("r", "v") else {}
        if definition:
            attributes["definition"] = " ".join(definition.split())
        snapshot[("view" if kind in ("v", "m") else "table", name(schema, relation))] = attributes
    for schema, table, column, type_, nullable, default, identity, generated, collation in rows("column"):
        snapshot[("column", f"{name(schema, table)}.{column}")] = {
            "type": type_,
            "nullable": nullable,
            "default": default.replace(f"{STANDIN_SCHEMA}.", ""),
            "identity": {"a": "always", "d": "by default"}.get(identity, ""),
            "generated": "stored" if generated == "s" else "",
            "collation": collation,
        }
    for schema, index, table, definition in rows("index"):
        snapshot[("index", name(schema, index))] = {"table": name(schema, table), "definition": definition}
    for schema, owner, constraint, kind, definition in rows("constraint"):
        snapshot[("constraint", f"{name(schema, owner)}.{constraint}")] = {
            "kind": _CONSTRAINT_KINDS.get(kind, kind),
            "definition": definition,
        }
    for schema, sequence, type_, start, increment, minimum, maximum, cycle in rows("sequence"):
        snapshot[("sequence", name(schema, sequence))] = {
            "type": type_,
            "start": start,
            "increment": increment,
            "min": minimum,
            "max": maximum,
            "cycle": cycle,
        }
    for schema, type_name, kind, definition in rows("type"):
        attribute = "labels" if kind == "e" else "definition"
        snapshot[(_TYPE_KINDS[kind], name(schema, type_name))] = {attribute: definition or ""}
    for schema, table, trigger, definition in rows("trigger"):
        snapshot[("trigger", f"{name(schema, table)}.{trigger}")] = {"definition": definition}
    for schema, signature, kind, result, body in rows("function"):
        kind_name = {"p": "procedure", "a": "aggregate", "w": "window function"}.get(kind, "function")
        snapshot[(kind_name, name(schema, signature))] = {"returns": result, "body (md5)": body}
    for extension, version, schema in rows("extension"):
        snapshot[("extension", extension)] = {"version": version, "schema": schema}
    return snapshot


# --- SQLite -----------------------------------------------------------------------------------


def sqlite_snapshot(connection) -> Snapshot:
    """sqlite_master and the table pragmas. CHECK constraints live only in the CREATE text; a table's
    text is compared whitespace-normalised, so a CHECK the down file forgets shows as a changed definition."""
    snapshot: Snapshot = {}
    objects = connection.execute(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    shadows = _sqlite_shadow_tables(connection)
    for kind, name, table, sql in objects:
        definition = " ".join(sql.split())
        if name in shadows:
            continue  # a virtual table's own storage (fts5's x_data ...), created and dropped with it
        if kind == "table":
            snapshot[("table", name)] = {}
            quoted = '"' + name.replace('"', '""') + '"'
            for _, column, type_, notnull, default, pk, hidden in connection.execute(f"PRAGMA table_xinfo({quoted})"):
                snapshot[("column", f"{name}.{column}")] = {
                    "type": type_,
                    "nullable": "no" if notnull else "yes",
                    "default": default or "",
                    "primary key position": str(pk) if pk else "",
                    "generated": {2: "virtual", 3: "stored"}.get(hidden, ""),
                }
            for row in connection.execute(f"PRAGMA foreign_key_list({quoted})").fetchall():
                key = f"{name}.fk({row[3]})->{row[2]}({row[4]})"
                snapshot[("foreign key", key)] = {"on update": row[5], "on delete": row[6]}
            checks = _sqlite_checks(definition)
            if checks:
                snapshot[("table", name)] = {"check constraints": checks}
        elif kind == "index":
            quoted = '"' + name.replace('"', '""') + '"'
            columns = [row[2] or "(expression)" for row in connection.execute(f"PRAGMA index_info({quoted})")]
            attributes = {"table": table, "columns": ", ".join(columns)}
            if sql:  # an index the table's own UNIQUE/PRIMARY KEY made has no text of its own
                attributes["definition"] = definition
            snapshot[("index", name)] = attributes
        else:  # view, trigger
            snapshot[(kind, name)] = {"definition": definition}
    return snapshot


def _sqlite_shadow_tables(connection) -> set[str]:
    """Tables a virtual table keeps its data in; PRAGMA table_list names them (SQLite 3.37+)."""
    import sqlite3

    try:
        return {row[1] for row in connection.execute("PRAGMA table_list") if row[2] == "shadow"}
    except sqlite3.Error:  # an older SQLite: its shadow tables are compared like any table
        return set()


def _sqlite_checks(definition: str) -> str:
    """The CHECK clauses of a CREATE TABLE text, in order (SQLite keeps them nowhere else)."""
    found, upper, position = [], definition.upper(), 0
    while (start := upper.find("CHECK", position)) >= 0:
        opening = definition.find("(", start)
        if opening < 0 or definition[start + 5 : opening].strip():
            position = start + 5
            continue
        depth, end = 0, opening
        for end in range(opening, len(definition)):
            depth += {"(": 1, ")": -1}.get(definition[end], 0)
            if depth == 0:
                break
        # Compared as written, but without the spelling a rebuild may change: spaces, case, quotes.
        found.append(re.sub(r"[\s\"`\[\]]", "", definition[opening : end + 1]).lower())
        position = end + 1
    return "; ".join(found)


# --- MySQL / MariaDB --------------------------------------------------------------------------

_MYSQL_QUERIES = {
    "table": "SELECT TABLE_NAME, TABLE_TYPE, coalesce(ENGINE, ''), coalesce(TABLE_COLLATION, '') FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
    "column": """SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, coalesce(COLUMN_DEFAULT, ''), EXTRA,
                        coalesce(COLLATION_NAME, '')
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s""",
    "index": """SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, group_concat(concat(COLUMN_NAME, coalesce(concat('(', SUB_PART, ')'), ''))
                        ORDER BY SEQ_IN_INDEX SEPARATOR ', '), INDEX_TYPE
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE""",
    "constraint": """SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE,
                            coalesce(group_concat(concat(k.COLUMN_NAME, coalesce(concat('->', k.REFERENCED_TABLE_NAME, '.', k.REFERENCED_COLUMN_NAME), ''))
                                                  ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), '')
                     FROM information_schema.TABLE_CONSTRAINTS tc
                     LEFT JOIN information_schema.KEY_COLUMN_USAGE k
                       ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
                     WHERE tc.CONSTRAINT_SCHEMA = %s GROUP BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE""",
    "view": "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s",
    "trigger": "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, concat(ACTION_TIMING, ' ', EVENT_MANIPULATION), md5(ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s",
    "routine": "SELECT ROUTINE_TYPE, ROUTINE_NAME, md5(coalesce(ROUTINE_DEFINITION, '')) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s",
}


def mysql_snapshot(cursor, database: str) -> Snapshot:
    snapshot: Snapshot = {}

    def rows(kind: str):
        cursor.execute(_MYSQL_QUERIES[kind], (database,))
        return cursor.fetchall()

    for table, table_type, engine, collation in rows("table"):
        if table_type == "VIEW":
            continue
        snapshot[("table", table)] = {"engine": engine, "collation": collation}
    for table, column, type_, nullable, default, extra, collation in rows("column"):
        snapshot[("column", f"{table}.{column}")] = {
            "type": type_,
            "nullable": nullable.lower(),
            "default": default,
            "extra": extra,
            "collation": collation,
        }
    for table, index, non_unique, columns, index_type in rows("index"):
        snapshot[("index", f"{table}.{index}")] = {"unique": "no" if int(non_unique) else "yes", "columns": columns, "type": index_type}
    for table, constraint, kind, columns in rows("constraint"):
        snapshot[("constraint", f"{table}.{constraint}")] = {"kind": kind.lower(), "columns": columns}
    for view, definition in rows("view"):
        snapshot[("view", view)] = {"definition": " ".join((definition or "").split())}
    for table, trigger, timing, body in rows("trigger"):
        snapshot[("trigger", f"{table}.{trigger}")] = {"timing": timing, "body (md5)": body}
    for kind, routine, body in rows("routine"):
        snapshot[(kind.lower(), routine)] = {"body (md5)": body}
    return snapshot

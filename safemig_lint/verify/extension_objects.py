"""What each PostgreSQL extension provides, read from the extension's own SQL scripts.

A missing extension is blamed for a failing statement only when the object the database says
does not exist is one the extension creates: a function, a type, an operator (with its operand
types), an operator class or family, an access method, a text search object. Those lists come
from the extensions' install and upgrade scripts (`uuid-ossp--1.1.sql`, `pgcrypto--1.3.sql`, ...),
parsed with PostgreSQL's own parser (pglast), and are shipped as extension_objects.json.
Regenerate it from a PostgreSQL installation's share/extension directory:

    python -m safemig_lint.verify.extension_objects /usr/share/postgresql/15/extension
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

from safemig_lint.atomic import replace_file
from safemig_lint.dialects import postgres_type_shown

DATA = Path(__file__).with_name("extension_objects.json")
KINDS = ("function", "type", "operator", "operator class", "operator family", "access method", "text search")


def _name(names) -> str:
    """The unqualified name of a pglast list of String nodes."""
    return names[-1].sval.lower() if names else ""


def _type_name(type_name) -> str:
    """An operand type as PostgreSQL's messages spell it (format_type): `text`, `integer`, `character varying`."""
    if type_name is None:
        return "none"
    name = _name(type_name.names)
    return postgres_type_shown(name) + ("[]" if type_name.arrayBounds else "")


def objects_of(script: str) -> dict[str, set[str]]:
    """The objects one extension script creates, by kind. Operators are `symbol(left,right)`, `none` for no operand."""
    from pglast import ast, parse_sql
    from pglast.enums import ObjectType

    # psql meta-commands (`\echo`) and the @extschema@, @extowner@ placeholders are not SQL.
    text = re.sub(r"(?m)^\\.*$", "", script).replace("@extschema@", "extschema").replace("@extowner@", "extowner")
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for raw in parse_sql(text):
        node = raw.stmt
        if isinstance(node, ast.CreateFunctionStmt):
            found["function"].add(_name(node.funcname))
        elif isinstance(node, ast.CompositeTypeStmt):
            # pglast types every field of a node as optional; the parser fills these in
            if node.typevar is not None and node.typevar.relname:
                found["type"].add(node.typevar.relname.lower())
        elif isinstance(node, ast.CreateDomainStmt):
            found["type"].add(_name(node.domainname))
        elif isinstance(node, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
            found["type"].add(_name(node.typeName))
        elif isinstance(node, ast.DefineStmt):
            kinds: dict[ObjectType | None, str] = {ObjectType.OBJECT_TYPE: "type", ObjectType.OBJECT_AGGREGATE: "function"}
            kind = kinds.get(node.kind)
            if node.kind == ObjectType.OBJECT_OPERATOR:
                arguments = {d.defname.lower(): d.arg for d in node.definition or ()}
                left, right = arguments.get("leftarg"), arguments.get("rightarg")
                found["operator"].add(f"{_name(node.defnames)}({_type_name(left)},{_type_name(right)})")
            elif node.kind in (
                ObjectType.OBJECT_TSDICTIONARY,
                ObjectType.OBJECT_TSTEMPLATE,
                ObjectType.OBJECT_TSPARSER,
                ObjectType.OBJECT_TSCONFIGURATION,
            ):
                found["text search"].add(_name(node.defnames))
            elif kind:
                found[kind].add(_name(node.defnames))
        elif isinstance(node, ast.CreateOpClassStmt):
            found["operator class"].add(_name(node.opclassname))
        elif isinstance(node, ast.CreateOpFamilyStmt):
            found["operator family"].add(_name(node.opfamilyname))
        elif isinstance(node, ast.CreateAmStmt) and node.amname:
            found["access method"].add(node.amname.lower())
    return found


def collect(directory: Path) -> dict[str, dict[str, list[str]]]:
    """Every extension in a share/extension directory: the union over its install and upgrade scripts."""
    extensions: dict[str, dict[str, set[str]]] = {}
    for script in sorted(directory.glob("*--*.sql")):
        name = script.name.split("--", 1)[0]
        merged = extensions.setdefault(name, {kind: set() for kind in KINDS})
        for kind, names in objects_of(script.read_text(encoding="utf-8")).items():
            merged[kind] |= names
    return {name: {kind: sorted(names) for kind, names in kinds.items() if names} for name, kinds in sorted(extensions.items())}


@cache
def shipped() -> dict[str, dict[str, frozenset[str]]]:
    """extension name -> kind -> names, as extension_objects.json holds them."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {name: {kind: frozenset(names) for kind, names in kinds.items()} for name, kinds in data["extensions"].items()}


def main(arguments: list[str]) -> int:
    if len(arguments) != 1 or not Path(arguments[0]).is_dir():
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    directory = Path(arguments[0])
    document = {"source": f"{directory} (PostgreSQL's share/extension scripts)", "extensions": collect(directory)}
    replace_file(DATA, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode())
    print(f"{DATA}: {len(document['extensions'])} extensions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

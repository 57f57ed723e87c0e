"""SM404 privilege-escalation: powerful roles, SECURITY DEFINER without search_path, superuser owners."""

from __future__ import annotations

import pytest


def escalations(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM404"]


def lint_up(lint_sql, up: str, dialect: str = "postgres"):
    return lint_sql({"000001_roles.up.sql": up, "000001_roles.down.sql": "SELECT 1;"}, dialect=dialect)


def test_powerful_role_attributes_are_flagged_at_the_attribute(lint_sql):
    up = "CREATE ROLE admin WITH SUPERUSER LOGIN;\nALTER USER app CREATEROLE BYPASSRLS;\nCREATE USER replicator REPLICATION LOGIN;\n"
    found = escalations(lint_up(lint_sql, up))
    assert [(line, column) for line, column, _ in found] == [(1, 24), (2, 16), (2, 27), (3, 24)]
    assert found[0][2].startswith("role `admin` is given SUPERUSER")


def test_membership_in_powerful_roles(lint_sql):
    up = "CREATE ROLE boss SUPERUSER;\nGRANT pg_execute_server_program TO app;\nGRANT boss, reader TO app;\n"
    found = escalations(lint_up(lint_sql, up))
    assert [message.split(" gives")[0] for _, _, message in found[1:]] == [
        "membership in `pg_execute_server_program`",
        "membership in `boss`",
    ]


def test_security_definer_without_search_path(lint_sql):
    up = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;\n"
        "ALTER FUNCTION g() SECURITY DEFINER;\n"
        "DO $$ BEGIN\n"
        "  CREATE FUNCTION h() RETURNS int SECURITY DEFINER LANGUAGE plpgsql AS $h$ BEGIN RETURN 1; END $h$;\n"
        "END $$;\n"
    )
    found = escalations(lint_up(lint_sql, up))
    assert [(line, column) for line, column, _ in found] == [(1, 46), (2, 20), (4, 35)]
    assert all(message.startswith("SECURITY DEFINER without SET search_path") for _, _, message in found)


def test_code_handed_to_a_superuser(lint_sql):
    up = "ALTER FUNCTION f() OWNER TO postgres;\nALTER MATERIALIZED VIEW v OWNER TO rdsadmin;\n"
    found = escalations(lint_up(lint_sql, up))
    assert [(line, message.split(":")[0]) for line, _, message in found] == [
        (1, "this function is now owned by superuser `postgres`"),
        (2, "this materialized view is now owned by superuser `rdsadmin`"),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER ROLE app NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION;",
        "ALTER ROLE app SET session_replication_role = replica;",
        "CREATE ROLE app LOGIN PASSWORD 'superuser-but-a-string';",
        "CREATE FUNCTION f() RETURNS int SECURITY DEFINER SET search_path = pg_catalog, public LANGUAGE sql AS $$ SELECT 1 $$;",
        "ALTER FUNCTION f() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;",
        "CREATE FUNCTION f() RETURNS int SECURITY INVOKER LANGUAGE sql AS $$ SELECT 'SECURITY DEFINER' $$;",
        "ALTER TABLE orders OWNER TO postgres;",
        "ALTER FUNCTION f() OWNER TO app_owner;",
        "GRANT reader TO app;",
        "SELECT superuser, replication FROM roles;",
    ],
)
def test_look_alikes_are_not_flagged(lint_sql, statement):
    assert escalations(lint_up(lint_sql, statement)) == []


def test_mysql_sql_security_definer_is_not_the_postgres_problem(lint_sql):
    up = "CREATE DEFINER = 'admin'@'%' PROCEDURE p() SQL SECURITY DEFINER BEGIN SELECT 1; END;"
    assert escalations(lint_up(lint_sql, up, dialect="mysql")) == []

"""SM405 server-file-or-program-access: server files, programs, untrusted languages; and look-alikes."""

from __future__ import annotations

import pytest


def accesses(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM405"]


def lint_up(lint_sql, up: str, dialect: str = "postgres"):
    return lint_sql({"000001_files.up.sql": up, "000001_files.down.sql": "SELECT 1;"}, dialect=dialect)


def test_postgres_server_files_programs_and_untrusted_languages(lint_sql):
    up = (
        "COPY countries FROM PROGRAM 'curl -s https://example.com/c.csv';\n"
        "COPY countries FROM '/srv/countries.csv' WITH (FORMAT csv);\n"
        "COPY (SELECT * FROM countries) TO '/tmp/countries.csv';\n"
        "SELECT pg_read_file('/etc/passwd');\n"
        "CREATE EXTENSION IF NOT EXISTS plpython3u;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plperlu AS $$ return 1 $$;\n"
        "DO $$ BEGIN PERFORM lo_export(1, '/tmp/blob'); END $$;\n"
        "DO LANGUAGE plpython3u $$ import os $$;\n"
    )
    found = accesses(lint_up(lint_sql, up))
    assert [(line, column) for line, column, _ in found] == [(1, 16), (2, 16), (3, 32), (4, 8), (5, 1), (6, 33), (7, 21), (8, 4)]
    assert found[0][2] == "COPY FROM PROGRAM runs a shell command on the database server"
    assert "'/srv/countries.csv'" in found[1][2]


def test_mysql_and_tsql_forms(lint_sql):
    mysql = (
        "LOAD DATA LOCAL INFILE '/tmp/seed.csv' INTO TABLE t;\n"
        "LOAD DATA INFILE '/var/lib/mysql-files/seed.csv' INTO TABLE t;\n"
        "SELECT * FROM t INTO OUTFILE '/tmp/t.csv';\n"
        "SELECT LOAD_FILE('/etc/hosts');\n"
    )
    assert [line for line, _, _ in accesses(lint_up(lint_sql, mysql, dialect="mysql"))] == [1, 2, 3, 4]
    tsql = "EXEC xp_cmdshell 'dir';\nSELECT * FROM OPENROWSET(BULK 'C:\\data.csv', SINGLE_CLOB) AS x;\n"
    assert [line for line, _, _ in accesses(lint_up(lint_sql, tsql, dialect="tsql"))] == [1, 2]


@pytest.mark.parametrize(
    "statement",
    [
        "COPY countries FROM STDIN;",
        "COPY countries (code, program) FROM STDIN WITH (FORMAT csv);",
        "COPY (SELECT program FROM jobs) TO STDOUT;",
        "SELECT program, 'COPY t FROM PROGRAM ''x''', 'pg_read_file(x)' FROM jobs; -- lo_import('/etc/passwd')",
        "CREATE TABLE jobs (program text, outfile text);",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'LANGUAGE plpython3u' $$;",
    ],
)
def test_look_alikes_are_not_flagged(lint_sql, statement):
    assert accesses(lint_up(lint_sql, statement)) == []

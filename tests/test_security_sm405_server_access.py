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


# Every way of writing an untrusted language's name the rule reads: as a word, quoted either way, in
# another case, in a quoted body (doubled quotes), as a constant run by EXECUTE, and the extension forms.
_UNTRUSTED_FORMS = (
    "CREATE FUNCTION f() RETURNS int LANGUAGE plperlu AS $$ return 1 $$;\n"
    "CREATE FUNCTION g() RETURNS int AS $$ return 1 $$ LANGUAGE 'PLPythonU';\n"
    'CREATE FUNCTION h() RETURNS int AS $$ echo 1 $$ LANGUAGE "plsh";\n'
    "DO 'BEGIN EXECUTE ''CREATE FUNCTION i() RETURNS int LANGUAGE plr AS $b$ 1 $b$''; END';\n"
    "DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS pltclu'; END $$;\n"
    'CREATE EXTENSION "plpython3u";\n'
    "DO LANGUAGE plpython3u $$ import os $$;\n"
)


def test_the_word_gate_lets_every_untrusted_language_through(lint_sql, monkeypatch):
    """The gate (_PROBLEM_GATE) holds no LANGUAGE or EXTENSION, only the untrusted names: the same
    findings as reading every statement's code, and a routine in a trusted language holding no
    problem word has no code built for the rule."""
    from safemig_lint.analysis import bodies
    from safemig_lint.checks import sm405_server_file_or_program_access as sm405
    from safemig_lint.reading.statements import parse_file

    gated = accesses(lint_up(lint_sql, _UNTRUSTED_FORMS))
    assert len(gated) == 7
    monkeypatch.setattr(bodies, "may_hold_words", lambda statement, words, lowered: True)
    assert accesses(lint_up(lint_sql, _UNTRUSTED_FORMS)) == gated
    monkeypatch.undo()
    trusted = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\nCREATE EXTENSION pgcrypto;\n"
    parsed = parse_file(trusted, "postgres")
    assert not any(bodies.may_hold_words(s, sm405._PROBLEM_GATE, parsed.text.lower()) for s in parsed.statements)

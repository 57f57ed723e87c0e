"""Ways of writing a secret into a migration, shared by the secret matrix and the fuzz harness.

Each form is SQL with `{S}` where the secret goes; the secret is a value no rule message,
name or keyword could contain by chance.
"""

from __future__ import annotations

import contextlib
import os

SECRET = "Zq9xPlant3dSecret"

FORMS = {
    "role password": "CREATE ROLE app LOGIN PASSWORD '{S}';",
    "alter role encrypted password": "ALTER ROLE app WITH ENCRYPTED PASSWORD '{S}';",
    "mysql identified by": "CREATE USER 'app'@'%' IDENTIFIED BY '{S}';",
    "mysql identified with plugin by": "ALTER USER app IDENTIFIED WITH mysql_native_password BY '{S}';",
    "mysql set password": "SET PASSWORD FOR app = '{S}';",
    "tsql login": "CREATE LOGIN app WITH PASSWORD = '{S}';",
    "connection url in a value": "INSERT INTO settings (dsn) VALUES ('postgres://admin:{S}@db.internal/app');",
    "conninfo string": "SELECT dblink_connect('host=db user=admin password={S} dbname=app');",
    "server options": "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db', password '{S}');",
    "user mapping": "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'admin', password '{S}');",
    "replication source": "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db', SOURCE_USER='repl', SOURCE_PASSWORD='{S}';",
    "replication master": "CHANGE MASTER TO MASTER_HOST='db', MASTER_PASSWORD='{S}';",
    "curl -u in a program": "COPY t FROM PROGRAM 'curl -s -u admin:{S} https://files.internal/t.csv';",
    "url in a program": "COPY t FROM PROGRAM 'curl -s https://admin:{S}@files.internal/t.csv';",
    "url in a line comment": "-- connect with postgres://admin:{S}@db.internal/app\nSELECT 1;",
    "statement in a block comment": "/* CREATE ROLE app PASSWORD '{S}'; */\nSELECT 1;",
    "unterminated string": "CREATE ROLE app PASSWORD '{S}\n",
    "before an unterminated comment": "CREATE ROLE app PASSWORD '{S}' /* to do\n",
    "suppression reason": "CREATE ROLE app PASSWORD '{S}'; -- safemig-lint: ignore SM402 {S} is rotated weekly\n",
    "do block variable": "DO $$ DECLARE pw text := '{S}'; BEGIN EXECUTE format('CREATE ROLE app PASSWORD %L', pw); END $$;",
    "execute in a do block": "DO $$ BEGIN EXECUTE 'CREATE ROLE app PASSWORD ''{S}'''; END $$;",
    "url as a table name": 'DROP TABLE "postgres://admin:{S}@db/app";',
    "url as a string name": "DROP TABLE 'postgres://admin:{S}@db/app';",
    "url as a column default": "CREATE TABLE t (dsn text DEFAULT 'postgres://admin:{S}@db/app');",
    "url in a view": "CREATE VIEW v AS SELECT 'postgres://admin:{S}@db/app' AS dsn;",
    "password in a check": "CREATE TABLE c (dsn text CHECK (dsn <> 'password={S}'));",
    "url as an enum label": "CREATE TYPE e AS ENUM ('postgres://admin:{S}@db/app');",
    "url in a partial index": "CREATE TABLE p (dsn text);\nCREATE INDEX p_dsn ON p (dsn) WHERE dsn <> 'postgres://admin:{S}@db/app';",
    "secret-named setting": "SET app.api_token = '{S}';",
    "bearer token": "INSERT INTO hooks (auth) VALUES ('Bearer {S}0123456789abcdef');",
    "template-built password": "CREATE ROLE app PASSWORD '{{{{ .Prefix }}}}{S}';",
    # Issue 24: forms that passed masking.
    "go mysql dsn": "CREATE TABLE g (dsn text DEFAULT 'app:{S}@tcp(db:3306)/app');",
    "go mysql dsn without protocol": "-- local: app:{S}@/app\nDROP TABLE g;",
    "url with an empty user": "CREATE TABLE r (dsn text DEFAULT 'redis://:{S}@cache:6379/0');",
    "url whose user holds @": "CREATE TABLE u (dsn text DEFAULT 'postgres://me@corp.example:{S}@db/app');",
    "jdbc thin": "CREATE TABLE j (dsn text DEFAULT 'jdbc:oracle:thin:scott/{S}@db:1521/ORCL');",
    "libpq quoted value": "SELECT dblink_connect('host=db user=admin password=''{S}'' dbname=app');\nDROP TABLE l;",
    "aws secret key in credentials": "COPY t FROM 's3://b/k' CREDENTIALS 'aws_access_key_id=AKIAIOSFODNN7EXAMPLF;aws_secret_access_key={S}';\nDROP TABLE a;",
    "alter database set to": "ALTER DATABASE app SET \"app.jwt_secret\" TO '{S}';\nDROP TABLE s;",
    "set_config": "SELECT set_config('app.jwt_secret', '{S}', false);\nDROP TABLE s;",
    "url assembled with ||": "CREATE TABLE c (dsn text DEFAULT 'postgres://admin:' || '{S}' || '@db/app');",
    "mysql -p in a comment": "-- restore: mysql -uroot -p{S} app < dump.sql\nDROP TABLE m;",
    "password: in a comment": "-- password: {S}\nDROP TABLE p;",
    "dsn in a suppression reason": "DROP TABLE t; -- safemig-lint: ignore SM101 moved to postgres://admin:{S}@db/app\n",
    "url in a comment in a function body": (
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN -- postgres://admin:{S}@db/app\n RETURN 1; END $$ LANGUAGE plpgsql;\nDROP TABLE f;"
    ),
    "PGPASSWORD on a command line": "-- PGPASSWORD={S} migrate -path . -database postgres://u@db/app up\nDROP TABLE e;",
    "sqlserver password parameter": "-- migrate -database 'sqlserver://sa@db:1433?database=app&password={S}' up\nDROP TABLE q;",
    "clickhouse password parameter": "CREATE TABLE k (dsn text DEFAULT 'clickhouse://db:9000?username=u&password={S}&database=app');",
    "cassandra password parameter": "-- cassandra://db:9042/app?username=u&password={S}\nDROP TABLE k;",
    "quoted password in a url": "-- postgres://u:'{S}'@host/db\nDROP TABLE w;",
    "double-quoted password in a url": "CREATE TABLE w (dsn text DEFAULT 'postgres://u:\"{S}\"@host/db');",
    "url written bare as a statement": "postgres://admin:{S}@db/app\nDROP TABLE b;",
}


def form(name: str) -> str:
    return FORMS[name].replace("{S}", SECRET)


@contextlib.contextmanager
def cache_on():
    """The content cache on (the suite runs with SAFEMIG_LINT_NO_CACHE), to see what it would hold."""
    previous = os.environ.pop("SAFEMIG_LINT_NO_CACHE", None)
    try:
        yield
    finally:
        if previous is not None:
            os.environ["SAFEMIG_LINT_NO_CACHE"] = previous

"""Ways of writing a secret into a migration, shared by the secret matrix and the fuzz harness.

Each form is SQL with `{S}` where the secret goes; the secret is a value no rule message,
name or keyword could contain by chance.
"""

from __future__ import annotations

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
}


def form(name: str) -> str:
    return FORMS[name].replace("{S}", SECRET)

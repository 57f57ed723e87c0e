"""Every error SM610-SM614 report is one the database agrees with, in its own words: each case is linted,
then run by `verify` on a real PostgreSQL (embedded), SQLite and MariaDB (when installed), which must
reject the same statement with the same message."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import verify_files, write_migrations

from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.verify.targets import PostgresTarget, SqliteTarget

RESOLVED = ("SM610", "SM611", "SM612", "SM613", "SM614")

USERS_UP = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, status text);\n"
BASE = {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": "DROP TABLE users;\n"}
POSTGRES_BASE_UP = (
    USERS_UP + "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\n"
    "CREATE VIEW names AS SELECT id, name FROM users;\n"
    "CREATE SEQUENCE ticket_seq;\n"
    "CREATE TABLE tickets (id int DEFAULT nextval('ticket_seq'));\n"
    "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n"
    "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\n"
    "CREATE INDEX users_name_idx ON users (name);\n"
    "ALTER TABLE users ADD CONSTRAINT users_name_check CHECK (name <> '');\n"
)
POSTGRES_BASE = {
    "000001_base.up.sql": POSTGRES_BASE_UP,
    "000001_base.down.sql": "DROP TABLE tickets;\nDROP SEQUENCE ticket_seq;\nDROP VIEW names;\nDROP TABLE orders;\nDROP TABLE users;\n"
    "DROP FUNCTION touch();\n",
}

# Histories of cases: each case is a down file whose last statement the database rejects, after an up that
# changes nothing (verify goes on past a failing down file, rebuilding the database there).
POSTGRES_CASES = [
    [
        "INSERT INTO users (id, nmae) VALUES (1, 'a');",
        "UPDATE users SET name = 'b' WHERE stauts = 'x';",
        "DELETE FROM users u WHERE u.naem = 'c';",
        "CREATE INDEX users_email ON users (email);",
        "CREATE TABLE posts (id int, author int REFERENCES users (uid));",
        "ALTER INDEX idx_users_name RENAME TO users_by_name;",
        "DROP INDEX users_name;",
        "ALTER TABLE users DROP CONSTRAINT users_name_key;",
        "CREATE TABLE users (id int);",
        "ALTER TABLE users ADD COLUMN name text;",
        "ALTER TABLE users ADD CONSTRAINT users_pkey UNIQUE (name);",
        "ALTER TABLE users ADD PRIMARY KEY (name);",
        "CREATE INDEX users_name_idx ON users (status);",
        "CREATE TABLE t (a int, a text);",
        "ALTER TABLE users RENAME TO orders;",
        "ALTER TABLE users RENAME COLUMN name TO status;",
        "INSERT INTO users (id, name) VALUES (1, 'a', 'x');",
        "INSERT INTO users (id, name, status) VALUES (2, 'b');",
        "INSERT INTO users (id, name) VALUES (3, 'c'), (4);",
        "INSERT INTO users VALUES (5, 'e', 'on', 'extra');",
        "INSERT INTO orders (user_id, id) SELECT name, id FROM users;",
        'UPDATE users SET status = "active" WHERE id = 1;',
        'INSERT INTO users (id, name) VALUES (2, "bob");',
        'ALTER TABLE users ADD CONSTRAINT users_status CHECK (status IN ("on", "off"));',
        'ALTER TABLE users ALTER COLUMN status SET DEFAULT "on";',
        "CREATE VIEW names AS SELECT 1 AS a;",
        "UPDATE users SET nope = 1 WHERE nope2 = 1;",  # PostgreSQL looks the WHERE up first
        "ALTER TABLE users ADD CONSTRAINT users_name_check UNIQUE (name);",  # a constraint of that name, no index
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id);",  # a second primary key, before the name
        "INSERT INTO users (id) VALUES (1, 2, nope);",  # the values' names before their number
        "DROP TRIGGER users_audit ON users;",
        "ALTER SEQUENCE ticket_sq RESTART WITH 100;",  # a down naming a sequence no migration creates
        "SELECT setval('ticket_sq', 5);",
        "SELECT nextval('public.ticket_sq'::regclass);",
        "DROP SEQUENCE ticket_seq CASCADE;\nSELECT setval('ticket_seq', 1);",
    ],
    # A drop other objects depend on is refused by the database, but the model drops it as meant: one a history.
    ["ALTER TABLE users DROP COLUMN name;"],
    ["DROP TABLE users;"],
    ["DROP SEQUENCE ticket_seq;"],
    ["DROP FUNCTION touch();"],
    ["ALTER TABLE users DROP CONSTRAINT users_pkey;"],
    ["DROP INDEX users_pkey;"],
    ["ALTER TABLE users RENAME TO accounts;\nALTER TABLE users ADD COLUMN note text;"],
]

SQLITE_BASE = {
    "000001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT);\n"
    "CREATE INDEX users_name_idx ON users (name);\n",
    "000001_users.down.sql": "DROP TABLE users;\n",
}
SQLITE_CASES = [
    [
        "INSERT INTO users (id, nmae) VALUES (1, 'a');",
        "UPDATE users SET name = 'b' WHERE stauts = 'x';",
        "CREATE INDEX users_email ON users (email);",
        "DROP INDEX users_name;",
        "CREATE TABLE users (id INTEGER);",
        "ALTER TABLE users ADD COLUMN name TEXT;",
        "CREATE INDEX users_name_idx ON users (status);",
        "ALTER TABLE users RENAME COLUMN nmae TO full_name;",
        "ALTER TABLE users DROP COLUMN nmae;",
        "INSERT INTO users (id, name) VALUES (1, 'a', 'x');",
        "INSERT INTO users VALUES (6, 'f');",
        "INSERT INTO users (id, name) VALUES (3, 'c'), (4);",
    ],
    ["ALTER TABLE users RENAME TO accounts;\nUPDATE users SET name = 'x';"],
]

MYSQL_BASE = {
    "000001_users.up.sql": "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, status VARCHAR(10));\n"
    "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));\n"
    "CREATE INDEX users_name_idx ON users (name);\n",
    "000001_users.down.sql": "DROP TABLE orders;\nDROP TABLE users;\n",
}
MYSQL_CASES = [
    "ALTER TABLE users DROP COLUMN nickname;",
    "DROP INDEX users_gone ON users;",
    "ALTER TABLE users ADD COLUMN name TEXT;",
    "CREATE INDEX users_name_idx ON users (status);",
    "ALTER TABLE users ADD PRIMARY KEY (name);",
    "CREATE TABLE users (id INT);",
    "INSERT INTO users VALUES (6, 'f');",
    "INSERT INTO users (id, name) VALUES (1, 'a', 'x');",
    "DROP TABLE users;",
    "DROP TABLE users, orders;",  # MariaDB drops the tables in turn: the parent first is refused
    "ALTER TABLE orders DROP COLUMN user_id;",
]


def history(base: dict[str, str], ups: list[tuple[str, str]]) -> dict[str, str]:
    files = dict(base)
    for number, (up, down) in enumerate(ups, 2):
        files[f"{number:06d}_case.up.sql"] = up + "\n"
        files[f"{number:06d}_case.down.sql"] = down + "\n"
    return files


def downs(base: dict[str, str], cases: list[str]) -> dict[str, str]:
    return history(base, [("SELECT 1;", case) for case in cases])


def linted(directory: Path, files: dict[str, str], dialect: str) -> dict[str, tuple[int, str]]:
    """The first error of SM610-SM614 in each file: (line, the database's message as quoted)."""
    write_migrations(directory, files)
    result = lint([str(directory)], Config(dialect=dialect, select=RESOLVED))
    first: dict[str, tuple[int, str]] = {}
    for d in sorted(result.active, key=lambda d: d.span.line):
        said = d.message.split(" rejects this statement: ", 1)[1].rsplit(" (", 1)[0] if " (" in d.message else d.message.split(": ", 1)[1]
        first.setdefault(Path(d.path).name, (d.span.line, said))
    return first


def rejected(outcome) -> dict[str, tuple[int, str]]:
    """What the database rejected in each file (verify's SM701/SM702): (line, its message)."""
    found = {}
    for d in outcome.diagnostics:
        if d.code in ("SM701", "SM702"):
            found[Path(d.path).name] = (d.span.line, d.message.split(": ", 1)[1])
    return found


def agree(mine: dict[str, tuple[int, str]], database: dict[str, tuple[int, str]]) -> None:
    assert set(mine) == set(database), f"files flagged by one but not the other: {set(mine) ^ set(database)}"
    for name, (line, message) in mine.items():
        at, said = database[name]
        assert line >= at, name  # verify points at the statement's first line, a finding at its name
        assert said.startswith(message) or message in said, f"{name}: {message!r} vs the database's {said!r}"


@pytest.mark.parametrize("cases", POSTGRES_CASES, ids=lambda cases: cases[0][:40])
def test_postgres_agrees(tmp_path, embedded_postgres, cases):
    files = downs(POSTGRES_BASE, cases)
    mine = linted(tmp_path / "lint", files, "postgres")
    assert len(mine) == len(cases)  # every case is flagged
    outcome = verify_files(
        tmp_path / "verify",
        files,
        "postgres",
        lambda: PostgresTarget(embedded_postgres.connection_kwargs, statement_timeout=30),
    )
    agree(mine, rejected(outcome))


@pytest.mark.parametrize("cases", SQLITE_CASES, ids=lambda cases: cases[0][:40])
def test_sqlite_agrees(tmp_path, cases):
    files = downs(SQLITE_BASE, cases)
    mine = linted(tmp_path / "lint", files, "sqlite")
    assert len(mine) == len(cases)
    scratch = tmp_path / "db"
    scratch.mkdir()
    outcome = verify_files(tmp_path / "verify", files, "sqlite", lambda: SqliteTarget(scratch, statement_timeout=10))
    agree(mine, rejected(outcome))


def test_mysql_agrees(tmp_path, mariadb_url):
    """Against MariaDB, where verify stops at a failing version (a MySQL database cannot be copied): a history a case."""
    from safemig_lint.verify.targets import MysqlTarget
    from safemig_lint.verify.urls import parse_url

    for number, case in enumerate(MYSQL_CASES):
        files = downs(MYSQL_BASE, [case])
        mine = linted(tmp_path / f"lint{number}", files, "mysql")
        assert len(mine) == 1, case
        outcome = verify_files(
            tmp_path / f"verify{number}", files, "mysql", lambda: MysqlTarget(parse_url(mariadb_url), statement_timeout=30)
        )
        database = rejected(outcome)
        # MariaDB words a few errors its own way (MySQL's are what SM6xx quote): the same statement, not always the same text.
        assert {name: line for name, (line, _) in mine.items()} == {name: line for name, (line, _) in database.items()}, case


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_look_alikes_the_database_accepts(tmp_path, request, dialect):
    """What the rules must not flag, run on the database: it accepts every file."""
    ups = [
        ("DROP TABLE IF EXISTS legacy;", "SELECT 1;"),
        ("CREATE TABLE tags (id int);\nCREATE INDEX tags_id ON tags (id);\nDROP INDEX tags_id;", "DROP TABLE tags;"),
        ("CREATE TABLE IF NOT EXISTS users (id int);", "SELECT 1;"),
        ("INSERT INTO users (id, name) VALUES (1, 'a'), (2, 'b');", "DELETE FROM users;"),
        ("UPDATE users SET status = 'x' WHERE name = 'a';", "SELECT 1;"),
    ]
    if dialect == "postgres":
        ups += [
            ("ALTER TABLE users ADD COLUMN IF NOT EXISTS name text;", "SELECT 1;"),
            ("ALTER TABLE IF EXISTS accounts ADD COLUMN note text;", "SELECT 1;"),
            ("INSERT INTO users VALUES (7, 'g');", "DELETE FROM users;"),
            ('SELECT ctid, xmin, current_user, users FROM users ORDER BY name COLLATE "C";', "SELECT 1;"),
            (  # one statement drops what depends on an object named before it (exposure-notifications' initial down)
                "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id int REFERENCES a (id));\n"
                "CREATE VIEW va AS SELECT * FROM a;\nCREATE VIEW vb AS SELECT * FROM va;",
                "DROP VIEW va, vb;\nDROP TABLE a, b;",
            ),
        ]
    else:
        ups += [('UPDATE users SET status = "active";', "SELECT 1;")]  # SQLite takes it as a string
    ups.append(("ALTER TABLE users RENAME COLUMN name TO full_name;", "ALTER TABLE users RENAME COLUMN full_name TO name;"))
    files = history(BASE, ups)
    assert linted(tmp_path / "lint", files, dialect) == {}
    if dialect == "sqlite":
        scratch = tmp_path / "db"
        scratch.mkdir()
        new_target = lambda: SqliteTarget(scratch, statement_timeout=10)  # noqa: E731
    else:
        server = request.getfixturevalue("embedded_postgres")
        new_target = lambda: PostgresTarget(server.connection_kwargs, statement_timeout=30)  # noqa: E731
    outcome = verify_files(tmp_path / "verify", files, dialect, new_target)
    assert rejected(outcome) == {}

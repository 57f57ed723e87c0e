"""The replay's and the resolver's quicker answers agree with the general ones they stand in front of."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import write_migrations

from safemig_lint.analysis.schema import resolve
from safemig_lint.analysis.schema.chronicle import Chronicle
from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.history import History
from safemig_lint.config import Config
from safemig_lint.engine import read_and_parse
from safemig_lint.operations import ops as o
from safemig_lint.reading.discovery import discover

BASE = (
    "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, status text);\n"
    "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users (id), title text);\n"
    "CREATE TABLE made AS SELECT 1 AS n;\n"  # columns the model does not know
    "CREATE VIEW active AS SELECT id, name FROM users WHERE status = 'on';\n"
)

# Column names found in a table of the model, missing from every one, and in tables the model is unsure of,
# through each way a statement names a column: a query's scopes (joins, subqueries, a view, a system column),
# INSERT's and a foreign key's targets, ADD, RENAME, ALTER and DROP COLUMN.
COLUMNS = (
    "SELECT name, nosuch FROM users;\n"
    "SELECT p.title, u.name, u.nosuch, p.nosuch2 FROM posts p JOIN users u ON u.id = p.user_id;\n"
    "SELECT title FROM posts WHERE user_id IN (SELECT id FROM users WHERE status = 'x' AND title IS NOT NULL);\n"
    "SELECT missing_everywhere FROM posts WHERE EXISTS (SELECT 1 FROM users WHERE users.id = posts.user_id);\n"
    "UPDATE users SET status = name WHERE nosuch3 = 1;\n"
    "SELECT ctid, xmin FROM users;\n"
    "SELECT n, other FROM made;\n"
    "SELECT id, other FROM active;\n"
    'SELECT "name", "nosuch4" FROM users;\n'
    "INSERT INTO users (id, name, nosuch5) VALUES (1, 'a', 2);\n"
    "INSERT INTO made (n, m) VALUES (1, 2);\n"
    "ALTER TABLE posts ADD COLUMN editor_id int REFERENCES users (nosuch6);\n"
    "ALTER TABLE posts ADD COLUMN owner_id int REFERENCES users (id);\n"
    "ALTER TABLE users ADD COLUMN name text;\n"
    "ALTER TABLE users ADD COLUMN email text;\n"
    "ALTER TABLE made ADD COLUMN n int;\n"
    "ALTER TABLE users RENAME COLUMN nosuch7 TO other;\n"
    "ALTER TABLE users RENAME COLUMN status TO name;\n"
    "ALTER TABLE users ALTER COLUMN nosuch8 SET NOT NULL;\n"
    "ALTER TABLE users DROP COLUMN nosuch9;\n"
    "ALTER TABLE users DROP COLUMN email;\n"
    "CREATE INDEX users_nosuch_idx ON users (nosuch10);\n"
    "CREATE INDEX users_name_idx ON users (name);\n"
)


# Index names made by each way a statement makes one (CREATE INDEX, a table's named keys, ADD CONSTRAINT, a rename),
# in two schemas, dropped and made again, and made by a statement the model cannot follow, then made again.
INDEXES = (
    "CREATE SCHEMA app;\n"
    "CREATE TABLE app.users (id int PRIMARY KEY, name text);\n"
    "CREATE TABLE books (id int CONSTRAINT books_pk PRIMARY KEY, isbn text CONSTRAINT books_isbn_key UNIQUE, title text);\n"
    "CREATE INDEX users_name_idx ON users (name);\n"
    "CREATE INDEX users_name_idx ON users (status);\n"
    "CREATE INDEX users_name_idx ON app.users (name);\n"
    "CREATE INDEX users_name_idx ON app.users (id);\n"
    "CREATE INDEX app_only_idx ON app.users (name);\n"
    "CREATE INDEX app_only_idx ON app.users (id);\n"
    "CREATE INDEX books_pk ON books (title);\n"
    "CREATE INDEX books_isbn_key ON books (title);\n"
    "ALTER TABLE books ADD CONSTRAINT books_title_key UNIQUE (title);\n"
    "CREATE INDEX books_title_key ON books (id);\n"
    "ALTER INDEX books_title_key RENAME TO books_title_idx;\n"
    "CREATE INDEX books_title_key ON books (id);\n"
    "CREATE INDEX books_title_idx ON books (id);\n"
    "DROP INDEX users_name_idx;\n"
    "CREATE INDEX users_name_idx ON users (name);\n"
    "DO $$ BEGIN EXECUTE 'CREATE INDEX made_idx ON users (id)'; END $$;\n"
    "CREATE INDEX made_idx ON users (id);\n"
    "CREATE INDEX IF NOT EXISTS users_name_idx ON users (name);\n"
)


def _history(tmp_path, name: str, dialect: str, statements: str = COLUMNS) -> History:
    files = {"000001_base.up.sql": BASE, "000002_more.up.sql": statements, "000002_more.down.sql": statements}
    directory = discover([str(write_migrations(tmp_path / name, files))]).directories[0]
    config = Config(dialect=dialect)
    return History(directory, {f.path: read_and_parse(f.path, config) for f in directory.files()}, dialect)


def _effects(history: History) -> list[tuple[str, int, str, list]]:
    """Every effect of every file (verdicts included), by its fields but the locator it points with and the identity
    (unique to the process) of what it made."""
    return [
        (
            file.path.name,
            start,
            type(effect).__name__,
            [getattr(effect, f.name) for f in dataclasses.fields(effect) if f.name not in ("at", "identity")],
        )
        for file in history.directory.files()
        for start, effects in history.effects(file).items()
        for effect in effects
    ]


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_a_column_found_in_the_model_is_not_looked_up_again(tmp_path, monkeypatch, dialect):
    """resolve._held answers first for the columns a table of the model holds: the verdicts are those
    resolve_column alone gives."""
    quick = _effects(_history(tmp_path, "quick", dialect))
    monkeypatch.setattr(resolve, "_held", lambda db, ref: False)
    general = _effects(_history(tmp_path, "general", dialect))
    assert quick == general
    missing = [e for e in general if e[2] == Rejected.__name__]
    assert len(missing) >= 8  # the cases reach verdicts in both files, not only the quiet answers


def test_op_classes_have_no_subclasses():
    """Chronicle.add and Resolver.begin_statement tell ops by a set of their exact types (as the replay's and the
    resolver's handlers are found): an op class subclassing another would be missed."""
    classes = [c for c in vars(o).values() if isinstance(c, type) and issubclass(c, o.Op) and c not in (o.Op, o.Uses)]
    assert len(classes) > 25
    assert [c for c in classes if c.__subclasses__()] == []
    assert set(o.Uses.__subclasses__()) == {o.UsesTable, o.UsesSequence, o.UsesColumn}


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_an_index_name_no_statement_made_before_is_not_looked_for(tmp_path, monkeypatch, dialect):
    """CREATE INDEX's verdict needs a statement the model followed to have made the name: without one in the chronicle,
    the resolver answers before asking which tables hold it. The verdicts are those it gives when it always asks."""
    quick = _effects(_history(tmp_path, "quick", dialect, INDEXES))
    seen = Chronicle.seen
    monkeypatch.setattr(Chronicle, "seen", lambda self, space, key, at: space == "index" or seen(self, space, key, at))
    general = _effects(_history(tmp_path, "general", dialect, INDEXES))
    assert quick == general
    assert len([e for e in general if e[2] == Rejected.__name__]) >= 6

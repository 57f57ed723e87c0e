"""The schema history's states, kept as changes (analysis/schema/snapshots.py): each state is the one a
replay of the history up to it gives, whatever later versions and down files change, and what the
history keeps grows linearly with it."""

from __future__ import annotations

import tracemalloc

import pytest
from conftest import write_migrations

from safemig_lint.analysis.schema import snapshots
from safemig_lint.analysis.schema.history import History
from safemig_lint.config import Config
from safemig_lint.engine import read_and_parse
from safemig_lint.reading.discovery import discover

# Every kind of statement the replay follows, on tables, columns, indexes, constraints, sequences,
# views, types and schemas; each down file undoes (some of) its up file.
STEPS = [
    (
        "CREATE SCHEMA s;\n"
        "CREATE TABLE a (id serial PRIMARY KEY, x int, y text, w int);\n"
        "CREATE INDEX a_x_idx ON a (x);\n"
        "CREATE SEQUENCE q;\n"
        "CREATE VIEW va AS SELECT x FROM a;\n"
        "CREATE TYPE mood AS ENUM ('a');\n"
        "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));\n"
        "CREATE TABLE s.c (id int, a_id int);",
        "DROP TABLE s.c; DROP TABLE b; DROP TYPE mood; DROP VIEW va; DROP SEQUENCE q; DROP TABLE a; DROP SCHEMA s;",
    ),
    (
        "ALTER TABLE a ADD COLUMN z int;\nALTER TABLE a ALTER COLUMN x TYPE bigint;\n"
        "ALTER TABLE a ALTER COLUMN y SET NOT NULL;\nALTER TABLE a ALTER COLUMN w SET DEFAULT 1;",
        "ALTER TABLE a ALTER COLUMN w DROP DEFAULT; ALTER TABLE a ALTER COLUMN y DROP NOT NULL; ALTER TABLE a DROP COLUMN z;",
    ),
    (
        "ALTER TABLE a RENAME COLUMN y TO y2;\nALTER INDEX a_x_idx RENAME TO a_x2_idx;\n"
        "ALTER TABLE b RENAME CONSTRAINT b_a_id_fkey TO b_fk;",
        "ALTER TABLE b RENAME CONSTRAINT b_fk TO b_a_id_fkey; ALTER INDEX a_x2_idx RENAME TO a_x_idx; ALTER TABLE a RENAME COLUMN y2 TO y;",
    ),
    (
        "ALTER TABLE a ADD CONSTRAINT a_x_check CHECK (x > 0);\nALTER TABLE a ADD CONSTRAINT a_z_key UNIQUE (z);\n"
        "ALTER TABLE s.c ADD CONSTRAINT c_a_fk FOREIGN KEY (a_id) REFERENCES a (id);\nCREATE UNIQUE INDEX a_w_idx ON a (w);",
        "DROP INDEX a_w_idx; ALTER TABLE s.c DROP CONSTRAINT c_a_fk; ALTER TABLE a DROP CONSTRAINT a_z_key; ALTER TABLE a DROP CONSTRAINT a_x_check;",
    ),
    (
        "ALTER TABLE a DROP CONSTRAINT a_x_check;\nDROP INDEX a_x2_idx;\nALTER TABLE a DROP COLUMN z;\n"
        "ALTER TABLE a DROP COLUMN w CASCADE;",
        "ALTER TABLE a ADD COLUMN w int; ALTER TABLE a ADD COLUMN z int; CREATE INDEX a_x2_idx ON a (x);",
    ),
    (
        "ALTER SEQUENCE q RENAME TO q2;\nALTER SEQUENCE q2 OWNED BY a.x;\nALTER TYPE mood ADD VALUE 'b';\n"
        "ALTER TYPE mood RENAME VALUE 'a' TO 'aa';\nALTER VIEW va RENAME TO vb;\nALTER TABLE a ALTER COLUMN id SET DATA TYPE bigint;",
        "ALTER VIEW vb RENAME TO va; ALTER SEQUENCE q2 OWNED BY NONE; ALTER SEQUENCE q2 RENAME TO q;",
    ),
    (
        "ALTER TABLE a RENAME TO a2;\nALTER TABLE s.c RENAME TO c2;\nDROP SEQUENCE q2;\nDROP VIEW vb;",
        "CREATE VIEW vb AS SELECT x FROM a2; CREATE SEQUENCE q2; ALTER TABLE s.c2 RENAME TO c; ALTER TABLE a2 RENAME TO a;",
    ),
    (
        "INSERT INTO a2 (x) VALUES (1);\nUPDATE a2 SET x = 2 WHERE x IS NULL;\nDELETE FROM b WHERE a_id IS NULL;\n"
        "CREATE TABLE a3 (id int, x bigint);\nINSERT INTO a3 SELECT id, x FROM a2;",
        "DROP TABLE a3;",
    ),
    (
        "DROP TABLE b;\nDROP TYPE mood;\nDROP TABLE s.c2;\nDROP SCHEMA s;\nDROP TABLE a2 CASCADE;\nALTER TABLE a3 RENAME TO a2;",
        "CREATE SCHEMA s; CREATE TYPE mood AS ENUM ('aa', 'b'); CREATE TABLE b (id int PRIMARY KEY);",
    ),
    (
        "CREATE TABLE b (id int);\nDO $$ BEGIN EXECUTE 'ALTER TABLE ' || 'b ADD COLUMN v int'; END $$;\n"
        "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n"
        "CREATE TRIGGER tr BEFORE INSERT ON b FOR EACH ROW EXECUTE FUNCTION f();",
        "DROP TRIGGER tr ON b; DROP FUNCTION f(); DROP TABLE b;",
    ),
]


def _files(steps: list[tuple[str, str]]) -> dict[str, str]:
    files = {}
    for version, (up, down) in enumerate(steps, 1):
        files[f"{version:04d}_step.up.sql"] = up
        files[f"{version:04d}_step.down.sql"] = down
    return files


def _history(path, files: dict[str, str]) -> History:
    directory = discover([str(write_migrations(path, files))]).directories[0]
    config = Config(dialect="postgres")
    return History(directory, {f.path: read_and_parse(f.path, config) for f in directory.files()}, "postgres")


def _state(db) -> tuple:
    """All of a state, in map order (a rule may read the first of several in order)."""
    maps = (db.tables, db.views, db.sequences, db.types, db.routines)
    return (*(list(m.items()) for m in maps), sorted(db.schemas), db.open_world)


def test_a_table_only_read_is_not_touched(tmp_path):
    # INSERT ... SELECT and CREATE TABLE ... LIKE read their source tables: they stay the tables the
    # state before holds (SM201 compares only touched tables), where a copy taken to read was touched.
    setup = "CREATE TABLE a (id int PRIMARY KEY, x int);\nCREATE TABLE b (id int, x int);"
    reads = "INSERT INTO b SELECT * FROM a;\nCREATE TABLE c (LIKE a);"
    history = _history(tmp_path, _files([(setup, ""), (reads, "DROP TABLE c;")]))
    assert history.tables_touched(2) == {"c"}
    assert dict.get(history.before(2).tables, "a") is dict.get(history.after(2).tables, "a")


@pytest.mark.parametrize("order", ["latest first", "earliest first"])  # made from a checkpoint / from the state before
@pytest.mark.parametrize("checkpoints", ["first only", "every version", "by size"])
def test_each_state_is_what_the_history_up_to_it_gives(tmp_path, monkeypatch, checkpoints, order):
    # A checkpoint only at the first state: every state is the journal replayed; at every one: none is.
    if checkpoints != "by size":
        monkeypatch.setattr(snapshots, "size", lambda db: 10**9 if checkpoints == "first only" else -1)
    history = _history(tmp_path / "all", _files(STEPS))
    whole = _state(history.at())
    versions = range(len(STEPS), 0, -1) if order == "latest first" else range(1, len(STEPS) + 1)
    for version in versions:
        history.after_down(version)  # a down file's changes must not reach the timeline either
        alone = _history(tmp_path / f"upto{version}", _files(STEPS[:version]))
        assert _state(history.after(version)) == _state(alone.at()), version
        assert _state(history.before(version)) == _state(alone.before(version)), version
        assert _state(history.after_down(version)) == _state(alone.after_down(version)), version
        assert history.tables_touched(version) == alone.tables_touched(version)
    assert _state(history.at()) == whole
    # The states really differ along the way (the test compares something).
    assert len({repr(_state(history.before(v))) for v in range(1, len(STEPS) + 1)}) == len(STEPS)


def test_a_state_made_again_is_the_same_and_reading_it_changes_nothing(tmp_path):
    history = _history(tmp_path / "m", _files(STEPS))
    first = [_state(history.after(v)) for v in range(1, len(STEPS) + 1)]
    for version in range(1, len(STEPS) + 1):  # take tables out, as a rule may: a frozen state copies nothing
        for key in list(history.after(version).tables):
            history.after(version).tables.get(key)
        for key in list(history.after_down(version).tables):
            history.after_down(version).tables[key].columns.clear()  # its own copy: the timeline keeps its
    for _ in range(3):  # past the few states kept: made again from the journal
        assert [_state(history.after(v)) for v in range(1, len(STEPS) + 1)] == first


def _growing(versions: int) -> dict[str, str]:
    """A history that keeps every table it creates (as long-lived schemas do), changing one each version."""
    files = {}
    for v in range(1, versions + 1):
        files[f"{v:05d}_t.up.sql"] = f"CREATE TABLE t{v} (id serial PRIMARY KEY, x int);\nALTER TABLE t{(v + 1) // 2} ADD COLUMN c{v} int;"
        files[f"{v:05d}_t.down.sql"] = f"ALTER TABLE t{(v + 1) // 2} DROP COLUMN c{v};\nDROP TABLE t{v};"
    return files


def _kept(path, versions: int) -> int:
    """Bytes the history holds once every state before, after and after the down file of each version was asked for."""
    history = _history(path, _growing(versions))
    for migration in history.directory.migrations:
        for file in (*migration.ups, *migration.downs):
            history.file_ops(file)  # the files read: only the states are measured
    tracemalloc.start()
    try:
        for version in range(1, versions + 1):
            history.before(version), history.after(version), history.after_down(version)
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_the_states_kept_grow_linearly_with_the_history(tmp_path):
    # A copy of every map per version grows as versions x tables: 16x on 4x the versions.
    small, large = _kept(tmp_path / "n", 100), _kept(tmp_path / "4n", 400)
    assert large / small < 6, f"{small} bytes on n, {large} on 4n"

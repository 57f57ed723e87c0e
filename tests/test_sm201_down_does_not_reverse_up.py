"""SM201 down-does-not-reverse-up: after up and down the schema must be what it was before."""

from __future__ import annotations

from safemig_lint.diagnostics import Span

BASE = {"1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100) NOT NULL, legacy text);"}


def not_reversed(lint_sql, files: dict[str, str], dialect: str = "postgres"):
    result = lint_sql({**BASE, **files}, dialect=dialect, select=("SM201",))
    return [d.message for d in result.active]


def test_what_the_up_creates_and_the_down_leaves_behind(lint_sql):
    files = {
        "2_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (email);",
        "2_email.down.sql": "DROP INDEX users_email_idx;",
    }
    result = lint_sql({**BASE, **files}, select=("SM201",))
    assert [(d.path.rsplit("/", 1)[-1], d.span) for d in result.active] == [("2_email.down.sql", Span(1, 1, 1, 1))]
    assert result.active[0].message == "the up migration creates column users.email, and this down migration does not remove it"


def test_an_index_left_behind_when_only_the_column_is_dropped(lint_sql):
    # The example: PostgreSQL drops an index with its column, but not a separate one.
    files = {
        "2_email.up.sql": (
            "ALTER TABLE users ADD COLUMN email text;\nCREATE TABLE emails (address text);\nCREATE INDEX emails_idx ON emails (address);"
        ),
        "2_email.down.sql": "ALTER TABLE users DROP COLUMN email;",
    }
    assert not_reversed(lint_sql, files) == ["the up migration creates table emails, and this down migration does not remove it"]


def test_what_the_up_removes_or_changes_and_the_down_does_not_restore(lint_sql):
    files = {
        "2_cleanup.up.sql": (
            "ALTER TABLE users DROP COLUMN legacy;\nALTER TABLE users ALTER COLUMN name TYPE text, ALTER COLUMN name DROP NOT NULL;"
        ),
        "2_cleanup.down.sql": "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",
    }
    assert sorted(not_reversed(lint_sql, files)) == [
        "column users.name is VARCHAR(100) NOT NULL before the up migration but VARCHAR(100) after the up and this down migration",
        "the up migration removes column users.legacy, and this down migration does not bring it back",
    ]


def test_a_down_creating_what_never_existed(lint_sql):
    files = {
        "2_noop.up.sql": "ALTER TABLE users ADD COLUMN age int;",
        "2_noop.down.sql": "ALTER TABLE users DROP COLUMN age;\nCREATE INDEX users_name_idx ON users (name);",
    }
    assert not_reversed(lint_sql, files) == [
        "this down migration creates index users.users_name_idx, which did not exist before the up migration"
    ]


def test_mysql_keeps_the_index_of_a_dropped_foreign_key(lint_sql):
    files = {
        "1_users.up.sql": "CREATE TABLE teams (id INT PRIMARY KEY);\nCREATE TABLE users (id INT PRIMARY KEY, team_id INT);",
        "2_fk.up.sql": "ALTER TABLE users ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES teams (id);",
        "2_fk.down.sql": "ALTER TABLE users DROP FOREIGN KEY users_team_fk;",
    }
    result = lint_sql(files, dialect="mysql", select=("SM201",))
    assert [d.message for d in result.active] == [
        "the up migration creates index users.users_team_fk, and this down migration does not remove it"
    ]


# --- look-alikes that must not be flagged ---------------------------------------------------------


def test_a_down_that_undoes_everything_in_reverse(lint_sql):
    files = {
        "2_email.up.sql": (
            "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';\n"
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n"
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(200);\n"
            "ALTER TABLE users RENAME COLUMN legacy TO notes;\n"
            "CREATE TYPE mood AS ENUM ('ok');\nCREATE VIEW named AS SELECT name FROM users;"
        ),
        "2_email.down.sql": (
            "DROP VIEW named;\nDROP TYPE mood;\nALTER TABLE users RENAME COLUMN notes TO legacy;\n"
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);\n"
            "ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users DROP COLUMN email;"
        ),
    }
    assert not_reversed(lint_sql, files) == []


def test_a_sqlite_rebuild_back_and_forth(lint_sql):
    files = {
        "2_rebuild.up.sql": (
            "CREATE TABLE users_new (id bigint PRIMARY KEY, name varchar(100) NOT NULL, legacy text, age int);\n"
            "INSERT INTO users_new (id, name, legacy) SELECT id, name, legacy FROM users;\n"
            "DROP TABLE users;\n"
            "ALTER TABLE users_new RENAME TO users;"
        ),
        "2_rebuild.down.sql": (
            "CREATE TABLE users_old (id bigint PRIMARY KEY, name varchar(100) NOT NULL, legacy text);\n"
            "INSERT INTO users_old SELECT id, name, legacy FROM users;\nDROP TABLE users;\nALTER TABLE users_old RENAME TO users;"
        ),
    }
    assert not_reversed(lint_sql, files, "sqlite") == []


def test_empty_or_uncertain_downs_and_unknown_objects_are_left_to_others(lint_sql):
    assert not_reversed(lint_sql, {"2_a.up.sql": "ALTER TABLE users ADD COLUMN a int;", "2_a.down.sql": "-- nothing"}) == []
    dynamic = {"2_a.up.sql": "ALTER TABLE users ADD COLUMN a int;", "2_a.down.sql": "EXECUTE undo_stmt;"}
    assert not_reversed(lint_sql, dynamic) == []  # the model cannot see what EXECUTE undoes
    unknown = {"2_a.up.sql": "ALTER TABLE outsider ADD COLUMN a int;", "2_a.down.sql": "SELECT 1;"}
    assert not_reversed(lint_sql, unknown) == []  # a table the migrations never created


def test_a_down_destroying_what_the_up_left_alone_is_not_sm201s(lint_sql):
    files = {
        "2_a.up.sql": "ALTER TABLE users ADD COLUMN a int;",
        "2_a.down.sql": "ALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN legacy;",
    }
    assert not_reversed(lint_sql, files) == []  # SM102 reports the drop of legacy


def test_a_serial_changed_to_bigint_and_back_to_int_is_restored(lint_sql):
    # PostgreSQL stores SERIAL as integer + DEFAULT nextval(...) + an owned sequence, and so does the model.
    files = {
        "1_users.up.sql": "CREATE TABLE counters (id serial PRIMARY KEY, n int);",
        "2_widen.up.sql": "ALTER TABLE counters ALTER COLUMN id TYPE bigint;",
        "2_widen.down.sql": "ALTER TABLE counters ALTER COLUMN id TYPE int;",
        "3_narrow.up.sql": "ALTER TABLE counters ALTER COLUMN n TYPE smallint;",
        "3_narrow.down.sql": "ALTER TABLE counters ALTER COLUMN n TYPE bigint;",
    }
    # The look-alike that is not restored is still reported; the serial, restored, is not.
    assert not_reversed(lint_sql, files) == [
        "column counters.n is INT before the up migration but BIGINT after the up and this down migration"
    ]


def test_a_serial_default_dropped_and_set_again_as_pg_dump_spells_it(lint_sql):
    files = {
        "1_users.up.sql": "CREATE TABLE counters (id serial PRIMARY KEY, n int);",
        "2_manual.up.sql": "ALTER TABLE counters ALTER COLUMN id DROP DEFAULT;\nALTER TABLE counters ALTER COLUMN n SET DEFAULT 0;",
        "2_manual.down.sql": "ALTER TABLE counters ALTER COLUMN id SET DEFAULT nextval('counters_id_seq'::regclass);",
    }
    assert not_reversed(lint_sql, files) == [
        "column counters.n is INT before the up migration but INT DEFAULT 0 after the up and this down migration"
    ]


RERUN = {
    "2_rerun.up.sql": (
        "ALTER TABLE users ADD COLUMN rerun_of int;\n"
        "CREATE INDEX users_rerun_idx ON users (COALESCE(rerun_of, id) DESC);\n"
        "CREATE INDEX users_named_idx ON users (name) WHERE rerun_of IS NULL;"
    ),
    "2_rerun.down.sql": "DROP TABLE users;",
    # The bigint swap: the old column keeps its indexes under its new name; the new one gets copies.
    "3_bigint.up.sql": (
        "ALTER TABLE users RENAME COLUMN rerun_of TO rerun_of_old;\nALTER TABLE users ADD COLUMN rerun_of bigint;\n"
        "DROP INDEX users_rerun_idx;\nCREATE INDEX users_rerun_idx ON users (COALESCE(rerun_of, rerun_of_old, id) DESC);"
    ),
}


def test_a_down_whose_drop_column_takes_back_an_index_it_just_recreated(lint_sql):
    down = (
        "DROP INDEX users_rerun_idx;\nCREATE INDEX users_rerun_idx ON users (COALESCE(rerun_of, id) DESC);\n"
        "ALTER TABLE users DROP COLUMN rerun_of;\nALTER TABLE users RENAME COLUMN rerun_of_old TO rerun_of;"
    )
    assert not_reversed(lint_sql, {**RERUN, "3_bigint.down.sql": down}) == [
        "this down migration removes index users.users_rerun_idx, which was there before the up migration and after it"
    ]


def test_a_down_that_drops_the_new_column_first_restores_every_index(lint_sql):
    # The look-alike in the right order; users_named_idx (on the renamed column) is never touched.
    down = (
        "DROP INDEX users_rerun_idx;\nALTER TABLE users DROP COLUMN rerun_of;\nALTER TABLE users RENAME COLUMN rerun_of_old TO rerun_of;\n"
        "CREATE INDEX users_rerun_idx ON users (COALESCE(rerun_of, id) DESC);"
    )
    assert not_reversed(lint_sql, {**RERUN, "3_bigint.down.sql": down}) == []

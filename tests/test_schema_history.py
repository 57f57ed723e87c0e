"""The replayed history of a directory: snapshots by version, down files, laziness, and how it is shown."""

from __future__ import annotations

import json

from conftest import write_migrations
from typer.testing import CliRunner

from safemig_lint.analysis.schema import history as history_module
from safemig_lint.analysis.schema.diff import differences
from safemig_lint.analysis.schema.history import History
from safemig_lint.analysis.schema.render import to_json, to_sql
from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint, read_and_parse
from safemig_lint.reading.discovery import discover

FILES = {
    "000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100) NOT NULL);",
    "000001_users.down.sql": "DROP TABLE users;",
    "000002_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\nCREATE INDEX users_email_idx ON users (email);",
    "000002_email.down.sql": "ALTER TABLE users DROP COLUMN email;",
    "000003_longer_name.up.sql": "ALTER TABLE users ALTER COLUMN name TYPE varchar(200);",
}


def history_of(tmp_path, files: dict[str, str], dialect: str = "postgres") -> History:
    directory = discover([str(write_migrations(tmp_path / "m", files))]).directories[0]
    config = Config(dialect=dialect)
    return History(directory, {f.path: read_and_parse(f.path, config) for f in directory.files()}, dialect)


def test_states_before_and_after_each_version(tmp_path):
    history = history_of(tmp_path, FILES)
    assert history.before(1).tables == {}
    assert list(history.after(1).tables["users"].columns) == ["id", "name"]
    assert list(history.before(3).tables["users"].columns) == ["id", "name", "email"]
    assert history.at(2) == history.after(2) and history.at(99) == history.at() == history.after(3)
    assert history.at(0).tables == {}
    assert history.at().tables["users"].columns["name"].type.sql == "VARCHAR(200)"


def test_a_down_file_is_replayed_on_the_state_its_up_file_left(tmp_path):
    history = history_of(tmp_path, FILES)
    after_down = history.after_down(2)
    assert list(after_down.tables["users"].columns) == ["id", "name"]
    assert set(after_down.tables["users"].indexes) == set()  # dropped with its column
    assert history.after(2).tables["users"].indexes  # the timeline itself is untouched
    assert history.after_down(3) == history.after(3)  # no down file: nothing undone


def test_several_up_files_of_one_version_are_replayed_in_file_order(tmp_path):
    history = history_of(
        tmp_path,
        {"0001_a_users.up.sql": "CREATE TABLE users (id int);", "0001_b_index.up.sql": "CREATE INDEX users_id ON users (id);"},
    )
    assert set(history.at().tables["users"].indexes) == {"users_id"}
    assert history.at().tables["users"].unknown is None


def test_notes_say_where_the_model_lost_track(tmp_path):
    history = history_of(
        tmp_path, {**FILES, "000004_odd.up.sql": "SELECT 1;\nALTER TABLE users SET WITHOUT OIDS, INHERIT parent, FROBNICATE;"}
    )
    assert [(n.display_path.rsplit("/", 1)[-1], n.line, n.object) for n in history.notes] == [("000004_odd.up.sql", 2, "table users")]
    assert history.at().tables["users"].unknown == "ALTER TABLE clause not understood"


def test_the_history_is_only_replayed_when_a_rule_needs_it(tmp_path, monkeypatch):
    replayed = []
    original = history_module.History._replay_file

    def spy(self, replay, file, *args):
        replayed.append(file.path.name)
        return original(self, replay, file, *args)

    monkeypatch.setattr(history_module.History, "_replay_file", spy)
    directory = str(write_migrations(tmp_path / "m", FILES))
    lint([directory], Config(select=("SM302",)))
    assert replayed == []
    lint([directory], Config(select=("SM107",)))
    assert replayed[:3] == ["000001_users.up.sql", "000002_email.up.sql", "000003_longer_name.up.sql"]


def test_render_as_ddl_and_json(tmp_path):
    db = history_of(tmp_path, FILES).at()
    ddl = to_sql(db)
    assert "CREATE TABLE users (\n  id BIGINT NOT NULL,\n  name VARCHAR(200) NOT NULL,\n  email TEXT," in ddl
    assert "CONSTRAINT users_pkey PRIMARY KEY (id)" in ddl and "CREATE INDEX users_email_idx ON users (email);" in ddl
    mysql = to_sql(db, "mysql")
    assert "name VARCHAR(200) NOT NULL" in mysql and "CREATE INDEX users_email_idx ON users (email);" in mysql
    data = to_json(db)
    assert [c["name"] for c in data["tables"]["users"]["columns"]] == ["id", "name", "email"]
    assert data["tables"]["users"]["indexes"] == [{"name": "users_email_idx", "columns": ["email"], "unique": False, "where": None}]


def test_render_says_what_is_unknown(tmp_path):
    db = history_of(tmp_path, {"1_a.up.sql": "ALTER TABLE legacy ADD COLUMN x int;"}).at()
    assert "-- unknown: no earlier statement the model followed created it" in to_sql(db)
    assert to_json(db)["tables"]["legacy"]["unknown"]


def test_differences_between_versions(tmp_path):
    history = history_of(tmp_path, FILES)
    found = [(d.change, d.kind, d.name) for d in differences(history.at(1), history.at(3))]
    assert found == [("added", "column", "users.email"), ("changed", "column", "users.name"), ("added", "index", "users.users_email_idx")]
    changed = differences(history.at(2), history.at(3))[0]
    assert changed.describe() == "column users.name: VARCHAR(100) NOT NULL -> VARCHAR(200) NOT NULL"


def test_schema_and_diff_commands(tmp_path):
    directory = str(write_migrations(tmp_path / "m", FILES))
    runner = CliRunner()
    ddl = runner.invoke(app, ["schema", directory, "--at", "1"])
    assert ddl.exit_code == 0 and "name VARCHAR(100) NOT NULL" in ddl.output and "email" not in ddl.output
    as_json = runner.invoke(app, ["schema", directory, "--format", "json"])
    schema = json.loads(as_json.output)[directory]
    assert schema["tables"]["users"]["columns"][2]["name"] == "email" and schema["unknown"] == []
    diff = runner.invoke(app, ["diff", directory, "--from", "1", "--to", "3"])
    assert diff.exit_code == 0
    assert diff.output.splitlines() == [
        "+ column users.email TEXT",
        "~ column users.name: VARCHAR(100) NOT NULL -> VARCHAR(200) NOT NULL",
        "+ index users.users_email_idx (email)",
    ]
    assert runner.invoke(app, ["schema", str(tmp_path / "nowhere")]).exit_code == 2
    assert runner.invoke(app, ["schema", directory, "--format", "yaml"]).exit_code == 2
    assert runner.invoke(app, ["schema", directory, "--output-dialect", "klingon"]).exit_code == 2


def test_changes_to_other_tables_leave_earlier_snapshots_alone(tmp_path):
    # DROP INDEX ... CASCADE removes a foreign key of another table, DROP INDEX schema.index an index:
    # the versions before keep them (snapshots share unchanged tables).
    history = history_of(
        tmp_path,
        {
            "1_a.up.sql": "CREATE SCHEMA s;\nCREATE TABLE p (id int NOT NULL);\nCREATE UNIQUE INDEX p_id ON p (id);\n"
            "CREATE TABLE c (p_id int REFERENCES p (id));\nCREATE TABLE s.t (x int);\nCREATE INDEX t_x ON s.t (x);",
            "2_b.up.sql": "DROP INDEX p_id CASCADE;\nDROP INDEX s.t_x;",
        },
    )
    assert set(history.after(1).tables["c"].constraints) == {"c_p_id_fkey"} and set(history.after(1).tables["s.t"].indexes) == {"t_x"}
    assert history.after(2).tables["c"].constraints == {} and history.after(2).tables["s.t"].indexes == {}

"""Verdicts the resolver (SM610) gives on histories it used to give up on: indexes of materialized views,
PL/pgSQL blocks that run DDL built from templates, DROP CONSTRAINT of a plain index, a down file's
DROP TYPE of a type no migration made, and the columns every table has. Each with the look-alikes
that must stay quiet."""

from __future__ import annotations

import pytest
from conftest import versions_after

BUILDS = {
    "000001_builds.up.sql": (
        "CREATE TABLE builds (id int PRIMARY KEY, job_id int, rerun_of int);\n"
        "CREATE INDEX builds_rerun_of_idx ON builds (rerun_of);\n"
        "CREATE MATERIALIZED VIEW latest_builds AS SELECT job_id, max(id) AS id FROM builds GROUP BY job_id;\n"
        "CREATE UNIQUE INDEX latest_builds_id ON latest_builds (id);\n"
    ),
    "000001_builds.down.sql": "DROP MATERIALIZED VIEW latest_builds;\nDROP TABLE builds;\n",
}

# A block that renames every pipeline's partition index: the names exist only at run time.
PARTITIONS_BLOCK = """DO $$
DECLARE
  pipeline record;
BEGIN
FOR pipeline IN SELECT id FROM builds
LOOP
  EXECUTE format('ALTER INDEX IF EXISTS pipeline_events_%s_idx RENAME TO pipeline_events_%s_old_idx', pipeline.id, pipeline.id);
  EXECUTE 'DROP SEQUENCE IF EXISTS build_event_seq_' || pipeline.id;
END LOOP;
END
$$;
"""


def found(result, code: str = "SM610") -> list[tuple[str, int, str]]:
    return [(d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in result.active if d.code == code]


def history(*versions: tuple[str, str], base=BUILDS) -> dict[str, str]:
    return versions_after(base, versions)


RENAME_DOWN = "ALTER INDEX builds_rerun_of_old_idx RENAME TO builds_rerun_of_idx;\n"
RENAME_MESSAGE = 'PostgreSQL rejects this statement: relation "builds_rerun_of_old_idx" does not exist'


# --- indexes of materialized views


def test_an_index_on_a_materialized_view_is_known_and_a_never_made_one_is_not(lint_sql):
    up = "DROP INDEX latest_builds_id;\nDROP INDEX builds_rerun_idx;\n"
    result = lint_sql(history((up, "CREATE UNIQUE INDEX latest_builds_id ON latest_builds (id);\n")))
    assert [(name, line) for name, line, _ in found(result)] == [("000002_v2.up.sql", 2)]


def test_a_renamed_index_of_a_materialized_view_goes_by_its_new_name(lint_sql):
    up = "ALTER INDEX latest_builds_id RENAME TO latest_builds_uniq;\nDROP INDEX latest_builds_uniq;\n"
    result = lint_sql(history((up, "CREATE UNIQUE INDEX latest_builds_id ON latest_builds (id);\n")))
    assert found(result) == []


def test_an_index_of_a_dropped_materialized_view_is_gone_with_it(lint_sql):
    up = "DROP MATERIALIZED VIEW latest_builds;\nDROP INDEX latest_builds_id;\n"
    result = lint_sql(history((up, "")))
    assert [(name, line) for name, line, _ in found(result)] == [("000002_v2.up.sql", 2)]


# --- PL/pgSQL blocks running DDL built from templates


def test_a_block_of_templated_ddl_leaves_the_rest_of_the_history_known(lint_sql):
    # The up renames nothing under the name the down restores: the down's rename fails.
    result = lint_sql(history((PARTITIONS_BLOCK, ""), ("CREATE INDEX builds_job_idx ON builds (job_id);\n", RENAME_DOWN)))
    assert found(result) == [("000003_v3.down.sql", 1, RENAME_MESSAGE)]


def test_a_name_the_template_may_have_built_is_not_missing(lint_sql):
    down = "ALTER INDEX pipeline_events_7_old_idx RENAME TO pipeline_events_7_idx;\nDROP SEQUENCE build_event_seq_7;\n"
    result = lint_sql(history((PARTITIONS_BLOCK, down)))
    assert found(result) == []


def test_a_table_the_block_only_reads_stays_known(lint_sql):
    up = PARTITIONS_BLOCK + "ALTER TABLE builds DROP COLUMN rerun_of;\nALTER TABLE builds DROP COLUMN rerun_of;\n"
    result = lint_sql(history((up, "")))
    assert [(name, line) for name, line, _ in found(result)] == [("000002_v2.up.sql", 13)]


@pytest.mark.parametrize(
    "statement",
    [
        "EXECUTE statement_text;",  # the text is known only at run time
        "EXECUTE prefix || ' RENAME TO x';",  # so is the start of it
        "PERFORM rebuild_indexes();",  # a function may run any DDL
        "EXECUTE format('DROP TABLE pipeline_%s CASCADE', pipeline.id);",  # takes what depends on it
    ],
)
def test_a_block_that_may_touch_any_name_keeps_the_world_open(lint_sql, statement):
    block = PARTITIONS_BLOCK.replace("END LOOP;", f"  {statement}\nEND LOOP;")
    result = lint_sql(history((block, ""), ("CREATE INDEX builds_job_idx ON builds (job_id);\n", RENAME_DOWN)))
    assert found(result) == []


# --- DROP CONSTRAINT of what is an index


def test_drop_constraint_of_a_unique_index_is_refused_by_postgresql(lint_sql):
    up = "CREATE UNIQUE INDEX builds_job_key ON builds (job_id);\n"
    result = lint_sql(history((up, "DROP INDEX builds_job_key;\n"), ("ALTER TABLE builds DROP CONSTRAINT builds_job_key;\n", up)))
    assert found(result) == [
        (
            "000003_v3.up.sql",
            1,
            'PostgreSQL rejects this statement: constraint "builds_job_key" of relation "builds" does not exist'
            " (it is an index, not a constraint: DROP INDEX drops it)",
        )
    ]


@pytest.mark.parametrize(
    "drop",
    [
        "ALTER TABLE builds DROP CONSTRAINT builds_job_key;",  # made as a constraint
        "ALTER TABLE builds DROP CONSTRAINT IF EXISTS builds_job_idx;",  # guarded
    ],
)
def test_drop_constraint_of_a_constraint_or_guarded_is_accepted(lint_sql, drop):
    up = "ALTER TABLE builds ADD CONSTRAINT builds_job_key UNIQUE (job_id);\nCREATE UNIQUE INDEX builds_job_idx ON builds (job_id, id);\n"
    result = lint_sql(history((up, ""), (drop, "")))
    assert found(result) == []


def test_mysql_drops_a_unique_index_by_drop_constraint(lint_sql):
    base = {
        "000001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a int);\nCREATE UNIQUE INDEX t_a ON t (a);\n",
        "000001_t.down.sql": "DROP TABLE t;\n",
    }
    result = lint_sql(history(("ALTER TABLE t DROP CONSTRAINT t_a;", ""), base=base), dialect="mysql")
    assert found(result) == []


# --- DROP TYPE of a type no migration made


STATUS = {
    "000001_status.up.sql": "CREATE TYPE export_status AS ENUM ('running', 'done');\nCREATE TABLE exports (id int, state export_status);\n",
    "000001_status.down.sql": "DROP TABLE exports;\nDROP TYPE exports_status;\n",
}


def test_a_down_dropping_a_type_under_a_name_no_migration_made(lint_sql):
    assert found(lint_sql(STATUS)) == [
        ("000001_status.down.sql", 2, 'PostgreSQL rejects this statement: type "exports_status" does not exist (no migration creates it)')
    ]


@pytest.mark.parametrize(
    "files",
    [
        {**STATUS, "000001_status.down.sql": "DROP TABLE exports;\nDROP TYPE IF EXISTS exports_status;\n"},  # guarded
        {**STATUS, "000001_status.down.sql": "DROP TABLE exports;\nDROP TYPE export_status;\n"},  # the right name
        {**STATUS, "000001_status.up.sql": "CREATE EXTENSION citext;\n" + STATUS["000001_status.up.sql"]},  # an extension's?
    ],
)
def test_a_type_that_may_be_there_is_not_reported(lint_sql, files):
    assert found(lint_sql(files)) == []


def test_an_up_file_may_name_a_type_made_outside_the_migrations(lint_sql):
    files = {**STATUS, "000001_status.up.sql": STATUS["000001_status.up.sql"] + "DROP TYPE other_status;\n"}
    assert [message for _, _, message in found(lint_sql(files)) if "other_status" in message] == []


# --- columns every table has


def test_postgresql_system_columns_are_there(lint_sql):
    up = "DELETE FROM builds a USING builds b WHERE a.ctid < b.ctid AND a.job_id = b.job_id;\nSELECT xmin, tableoid FROM builds;\n"
    result = lint_sql(history((up, "")))
    assert found(result) == []


def test_sqlite_rowid_is_there_and_other_columns_are_checked(lint_sql):
    base = {"000001_t.up.sql": "CREATE TABLE t (id int, a int);\n", "000001_t.down.sql": "DROP TABLE t;\n"}
    up = "DELETE FROM t WHERE rowid NOT IN (SELECT min(rowid) FROM t GROUP BY a);\nUPDATE t SET b = 1;\n"
    result = lint_sql(history((up, ""), base=base), dialect="sqlite")
    assert [(name, line) for name, line, _ in found(result)] == [("000002_v2.up.sql", 2)]


# --- two primary keys in one CREATE TABLE


@pytest.mark.parametrize(
    "dialect, message",
    [
        ("postgres", 'PostgreSQL rejects this statement: multiple primary keys for table "t" are not allowed'),
        ("sqlite", 'SQLite rejects this statement: table "t" has more than one primary key'),
        ("mysql", "MySQL rejects this statement: Multiple primary key defined"),
    ],
)
def test_a_column_primary_key_and_a_table_primary_key(lint_sql, dialect, message):
    files = {
        "000001_t.up.sql": "CREATE TABLE t (id varchar(9) NOT NULL, pk int PRIMARY KEY, nid varchar(9) NOT NULL, PRIMARY KEY (id, nid));\n"
    }
    files["000001_t.down.sql"] = "DROP TABLE t;\n"  # the table as meant stays in the model: no verdict on the down
    assert found(lint_sql(files, dialect=dialect), "SM611") == [("000001_t.up.sql", 1, message)]
    assert found(lint_sql(files, dialect=dialect)) == []


def test_one_primary_key_however_written_is_accepted(lint_sql):
    for table in (
        "t (id int PRIMARY KEY, a int)",
        "t (id int, a int, PRIMARY KEY (id, a))",
        "t (id int, CONSTRAINT t_pk PRIMARY KEY (id), UNIQUE (id))",
    ):
        assert found(lint_sql({"000001_t.up.sql": f"CREATE TABLE {table};\n"}), "SM611") == []

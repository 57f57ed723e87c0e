"""SM202 irreversible-data-loss: what the up deletes, its down can only bring back empty."""

from __future__ import annotations

BASE = {"1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, token varchar(255), bio text);\nCREATE TABLE audit (id bigint);"}


def losses(lint_sql, files: dict[str, str], dialect: str = "postgres"):
    result = lint_sql({**BASE, **files}, dialect=dialect, select=("SM202",))
    return [(d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in result.active]


def test_a_down_recreating_what_the_up_dropped(lint_sql):
    files = {
        "2_drop.up.sql": "ALTER TABLE users DROP COLUMN bio;\nDROP TABLE audit;",
        "2_drop.down.sql": "CREATE TABLE audit (id bigint);\nALTER TABLE users ADD COLUMN bio text;",
    }
    assert losses(lint_sql, files) == [
        (
            "2_drop.down.sql",
            1,
            (
                "this down migration recreates table audit, which its up migration drops: "
                "rolling back brings the table back empty, and its rows are gone"
            ),
        ),
        (
            "2_drop.down.sql",
            2,
            (
                "this down migration adds back column bio of users, which its up migration drops: "
                "rolling back brings the column back empty (or with its default)"
            ),
        ),
    ]


def test_a_down_widening_back_what_the_up_narrowed(lint_sql):
    files = {
        "2_short.up.sql": "ALTER TABLE users MODIFY token varchar(40);",
        "2_short.down.sql": "ALTER TABLE users MODIFY token varchar(255);",
    }
    base = {"1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, token varchar(255), bio text);"}
    result = lint_sql({**base, **files}, dialect="mysql", select=("SM202",))  # MySQL outside strict mode cuts them
    [(name, line, message)] = [(d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in result.active]
    assert (name, line) == ("2_short.down.sql", 1) and "values its up migration cut to fit VARCHAR(40) stay cut" in message
    # On PostgreSQL the up cuts with an explicit conversion, or not at all.
    cut = {
        "2_short.up.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(40) USING substr(token, 1, 40);",
        "2_short.down.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(255);",
    }
    assert [line for _, line, _ in losses(lint_sql, cut)] == [1]
    numbers = {
        "2_short.up.sql": "ALTER TABLE users ALTER COLUMN id TYPE numeric(20, 0);\nALTER TABLE users ALTER COLUMN id TYPE int;",
        "2_short.down.sql": "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
    }
    assert [line for _, line, _ in losses(lint_sql, numbers)] == [1]


def test_postgres_refuses_a_longer_value_rather_than_cutting_it(lint_sql):
    # ory/hydra, openmeter: varchar(255) -> varchar(40) and varchar -> char(26) with no USING; if the up ran, it cut nothing.
    files = {
        "2_short.up.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(40);\nALTER TABLE users ALTER COLUMN bio TYPE char(26);",
        "2_short.down.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(255);\nALTER TABLE users ALTER COLUMN bio TYPE text;",
    }
    assert losses(lint_sql, files) == []


def test_a_value_made_an_array_of_one_is_not_cut(lint_sql):
    # exposure-notifications: one digest became a list of digests (the up cuts nothing; the down's USING
    # keeps the first, a conversion it spells out).
    files = {
        "2_many.up.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(255)[] USING ARRAY[token];",
        "2_many.down.sql": "ALTER TABLE users ALTER COLUMN token TYPE varchar(255) USING COALESCE(token[1], '');",
    }
    assert losses(lint_sql, files) == []


def test_a_rebuild_that_leaves_a_column_behind(lint_sql):
    files = {
        "2_rebuild.up.sql": (
            "CREATE TABLE users_new (id bigint PRIMARY KEY, token varchar(255));\n"
            "INSERT INTO users_new (id, token) SELECT id, token FROM users;\n"
            "DROP TABLE users;\n"
            "ALTER TABLE users_new RENAME TO users;"
        ),
    }
    result = lint_sql({**BASE, **files}, dialect="sqlite", select=("SM202", "SM101"))
    assert [(d.code, d.span.line) for d in result.active] == [("SM202", 3)]  # not SM101: the rows live on
    assert result.active[0].message.startswith("this rebuild of users does not copy column bio into the new table")


# --- look-alikes that must not be flagged ---------------------------------------------------------


def test_a_rebuild_that_keeps_every_column(lint_sql):
    files = {
        "2_rebuild.up.sql": (
            "CREATE TABLE users_new (id bigint PRIMARY KEY, token varchar(255) NOT NULL, bio text, extra int);\n"
            "INSERT INTO users_new (id, token, bio) SELECT id, token, bio FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;"
        ),
    }
    assert losses(lint_sql, files, "sqlite") == []


def test_a_rebuild_that_leaves_the_numbered_key_to_be_numbered_anew(lint_sql):
    # taproot-assets: the copy omits id INTEGER PRIMARY KEY (the rowid) so that the new table numbers the rows.
    base = {"1_log.up.sql": "CREATE TABLE log (id INTEGER PRIMARY KEY, status text, at timestamp);"}
    rebuild = (
        "CREATE TABLE log_new (id INTEGER PRIMARY KEY, status text NOT NULL, at timestamp);\n"
        "INSERT INTO log_new (status, at) SELECT status, at FROM log;\nDROP TABLE log;\nALTER TABLE log_new RENAME TO log;"
    )
    result = lint_sql({**base, "2_rebuild.up.sql": rebuild}, dialect="sqlite", select=("SM202",))
    assert result.active == []
    # The look-alike: a column with data of its own left out as well.
    lossy = rebuild.replace("(status, at) SELECT status, at", "(status) SELECT status")
    result = lint_sql({**base, "2_rebuild.up.sql": lossy}, dialect="sqlite", select=("SM202",))
    assert [d.message.split(" into")[0] for d in result.active] == ["this rebuild of log does not copy column at"]
    # And a numbered key another table's foreign key holds: its values are what those rows point at.
    held = {"1_log.up.sql": base["1_log.up.sql"] + "\nCREATE TABLE notes (log_id INTEGER REFERENCES log (id));"}
    result = lint_sql({**held, "2_rebuild.up.sql": rebuild}, dialect="sqlite", select=("SM202",))
    assert [d.message.split(" into")[0] for d in result.active] == ["this rebuild of log does not copy column id"]


def test_a_down_dropping_only_what_its_up_created(lint_sql):
    files = {
        "2_add.up.sql": "ALTER TABLE users ADD COLUMN age int;\nCREATE TABLE tags (id int);",
        "2_add.down.sql": "DROP TABLE tags;\nALTER TABLE users DROP COLUMN age;",
    }
    assert losses(lint_sql, files) == []


def test_a_table_kept_in_a_backup_and_restored_from_it(lint_sql):
    files = {
        "2_drop.up.sql": "CREATE TABLE audit_backup AS SELECT * FROM audit;\nDROP TABLE audit;",
        "2_drop.down.sql": "CREATE TABLE audit (id bigint);\nINSERT INTO audit SELECT * FROM audit_backup;\nDROP TABLE audit_backup;",
    }
    assert losses(lint_sql, files) == []


def test_what_the_same_migration_created_and_dropped_held_no_old_data(lint_sql):
    files = {
        "2_tmp.up.sql": "CREATE TABLE scratch (id int);\nDROP TABLE scratch;",
        "2_tmp.down.sql": "CREATE TABLE scratch (id int);\nDROP TABLE scratch;",
    }
    assert losses(lint_sql, files) == []


def test_a_rebuild_split_over_versions_is_followed_across_files(lint_sql):
    # popx-style: one statement per version; the copy, the drop and the rename are separate files.
    files = {
        "2_a.up.sql": 'CREATE TABLE "_users_tmp" (id bigint PRIMARY KEY, token varchar(255));',
        "3_b.up.sql": 'INSERT INTO "_users_tmp" (id, token) SELECT id, token FROM "users";',
        "4_c.up.sql": 'DROP TABLE "users";',
        "5_d.up.sql": 'ALTER TABLE "_users_tmp" RENAME TO "users";',
    }
    result = lint_sql({**BASE, **files}, dialect="sqlite", select=("SM101", "SM202"))
    assert [(d.code, d.path.rsplit("/", 1)[-1]) for d in result.active] == [("SM202", "4_c.up.sql")]
    assert "does not copy column bio" in result.active[0].message

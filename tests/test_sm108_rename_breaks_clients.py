"""SM108 rename-breaks-clients: renaming a table or column the running application still uses."""

from __future__ import annotations

USERS = {"1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, mail text, name text);"}


def renames(lint_sql, files: dict[str, str], dialect: str = "postgres"):
    result = lint_sql({**USERS, **files}, dialect=dialect, select=("SM108",))
    return [(d.path.rsplit("/", 1)[-1], d.span.line, d.message.split(" breaks")[0]) for d in result.active]


def test_column_and_table_renames_in_every_spelling(lint_sql):
    assert renames(lint_sql, {"2_r.up.sql": "ALTER TABLE users RENAME COLUMN mail TO email;\nALTER TABLE users RENAME TO accounts;"}) == [
        ("2_r.up.sql", 1, "renaming column mail of users to email"),
        ("2_r.up.sql", 2, "renaming table users to accounts"),
    ]
    assert renames(lint_sql, {"2_r.up.sql": "ALTER TABLE users CHANGE mail email TEXT;\nRENAME TABLE users TO accounts;"}, "mysql") == [
        ("2_r.up.sql", 1, "renaming column mail of users to email"),
        ("2_r.up.sql", 2, "renaming table users to accounts"),
    ]


def test_a_down_file_renaming_something_its_up_did_not(lint_sql):
    files = {"2_r.up.sql": "ALTER TABLE users ADD COLUMN age int;", "2_r.down.sql": "ALTER TABLE users RENAME COLUMN name TO full_name;"}
    assert renames(lint_sql, files) == [("2_r.down.sql", 1, "renaming column name of users to full_name")]


# --- look-alikes that must not be flagged ---------------------------------------------------------


def test_undoing_the_up_files_rename_is_not_flagged_again(lint_sql):
    files = {
        "2_r.up.sql": "ALTER TABLE users RENAME COLUMN mail TO email;",
        "2_r.down.sql": "ALTER TABLE users RENAME COLUMN email TO mail;",
    }
    assert renames(lint_sql, files) == [("2_r.up.sql", 1, "renaming column mail of users to email")]


def test_renaming_what_the_same_migration_created(lint_sql):
    files = {"2_r.up.sql": "CREATE TABLE tmp (a int);\nALTER TABLE tmp RENAME COLUMN a TO b;\nALTER TABLE tmp RENAME TO final;"}
    assert renames(lint_sql, files) == []


def test_table_rebuilds_and_column_swaps_keep_the_names_clients_use(lint_sql):
    files = {
        "2_rebuild.up.sql": (
            "CREATE TABLE users_new (id bigint PRIMARY KEY, mail text NOT NULL, name text);\n"
            "INSERT INTO users_new SELECT * FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;"
        ),
        "3_swap.up.sql": (
            "ALTER TABLE users ADD COLUMN name_v2 varchar(100);\nUPDATE users SET name_v2 = name;\n"
            "ALTER TABLE users DROP COLUMN name;\nALTER TABLE users RENAME COLUMN name_v2 TO name;"
        ),
    }
    assert renames(lint_sql, files, "sqlite") == []


def test_a_column_swapped_in_by_two_renames_keeps_the_name_clients_use(lint_sql):
    # taproot-assets: the old column renamed away, the new one renamed into its name, the old one dropped.
    swap = (
        "ALTER TABLE users ADD COLUMN name_v2 varchar(100);\nUPDATE users SET name_v2 = name;\n"
        "ALTER TABLE users RENAME COLUMN name TO name_old;\nALTER TABLE users RENAME COLUMN name_v2 TO name;\n"
        "ALTER TABLE users DROP COLUMN name_old;"
    )
    assert renames(lint_sql, {"2_swap.up.sql": swap}, "sqlite") == []
    # The look-alike: an old column renamed into the freed name; clients reading mail lose it.
    taken = "ALTER TABLE users RENAME COLUMN name TO name_old;\nALTER TABLE users RENAME COLUMN mail TO name;"
    assert renames(lint_sql, {"2_swap.up.sql": taken}) == [("2_swap.up.sql", 2, "renaming column mail of users to name")]


def test_a_table_the_model_does_not_know_is_not_judged(lint_sql):
    assert renames(lint_sql, {"2_r.up.sql": "ALTER TABLE legacy RENAME COLUMN a TO b;"}) == []

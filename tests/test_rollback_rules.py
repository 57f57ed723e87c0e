"""SM204-SM208: rollbacks (and ups) that cannot work on the rows a live database holds; each with the
look-alikes it must not flag."""

from __future__ import annotations

import pytest

USERS = {
    "1_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, nick text, CONSTRAINT users_nick_len CHECK (length(nick) < 20));\n",
    "1_users.down.sql": "DROP TABLE users;\n",
}


def found(lint_sql, files, code, dialect="postgres", **settings):
    return [
        (d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in lint_sql(files, dialect=dialect, **settings).active if d.code == code
    ]


# --- SM204 down-restores-constraint


def test_a_down_restoring_not_null_its_up_dropped(lint_sql):
    files = {
        **USERS,
        "2_a.up.sql": "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n",
        "2_a.down.sql": "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
    }
    (finding,) = found(lint_sql, files, "SM204")
    assert finding[:2] == ("2_a.down.sql", 1)
    assert "makes users.email NOT NULL again" in finding[2]


@pytest.mark.parametrize(
    "fill",
    [
        "UPDATE users SET email = '' WHERE email IS NULL;",
        "DELETE FROM users WHERE email IS NULL;",
        "TRUNCATE users;",
    ],
)
def test_a_down_that_settles_the_rows_first_is_not_flagged(lint_sql, fill):
    files = {
        **USERS,
        "2_a.up.sql": "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n",
        "2_a.down.sql": f"{fill}\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
    }
    assert found(lint_sql, files, "SM204") == []


def test_a_down_setting_not_null_on_a_column_its_up_did_not_relax(lint_sql):
    files = {**USERS, "2_a.up.sql": "CREATE INDEX users_nick ON users (nick);\n", "2_a.down.sql": "DROP INDEX users_nick;\n"}
    files["2_a.down.sql"] += "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n"
    assert found(lint_sql, files, "SM204") == []  # not the up's change: SM201 says the down does more than undo


def test_a_down_restoring_a_check_and_a_unique_key(lint_sql):
    files = {
        **USERS,
        "2_a.up.sql": "ALTER TABLE users DROP CONSTRAINT users_nick_len;\nCREATE UNIQUE INDEX users_email ON users (email);\n",
        "2_a.down.sql": "DROP INDEX users_email;\nALTER TABLE users ADD CONSTRAINT users_nick_len CHECK (length(nick) < 20);\n",
    }
    assert [f[:2] for f in found(lint_sql, files, "SM204")] == [("2_a.down.sql", 2)]
    files["2_a.down.sql"] = (
        "DROP INDEX users_email;\nALTER TABLE users ADD CONSTRAINT users_nick_len CHECK (length(nick) < 20) NOT VALID;\n"
    )
    assert found(lint_sql, files, "SM204") == []  # existing rows are not checked
    unique = {
        **USERS,
        "2_u.up.sql": "CREATE UNIQUE INDEX users_nick_key ON users (nick);\n",
        "2_u.down.sql": "DROP INDEX users_nick_key;\n",
        "3_u.up.sql": "DROP INDEX users_nick_key;\n",
        "3_u.down.sql": "CREATE UNIQUE INDEX users_nick_key ON users (nick);\n",
    }
    (finding,) = found(lint_sql, unique, "SM204")
    assert finding[:2] == ("3_u.down.sql", 1) and "same (nick)" in finding[2]


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_key_declared_with_the_column_the_down_adds_back_is_not_flagged(lint_sql, dialect):
    # The up drops a column with its UNIQUE / CHECK; the down adds it back, empty: no row written meanwhile has a value in it.
    files = {
        **USERS,
        "2_a.up.sql": "ALTER TABLE users DROP COLUMN email;\n",
        "2_a.down.sql": "ALTER TABLE users ADD COLUMN email text UNIQUE;\n",
    }
    files["1_users.up.sql"] = "CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, code text CHECK (code IN ('a', 'b')));\n"
    assert found(lint_sql, files, "SM204", dialect) == []
    files["2_a.up.sql"] += "ALTER TABLE users DROP COLUMN code;\n"
    files["2_a.down.sql"] += "ALTER TABLE users ADD COLUMN code text CHECK (code IN ('a', 'b'));\n"
    assert found(lint_sql, files, "SM204", dialect) == []
    # The look-alike: the same key restored on a column that stayed, holding the rows written meanwhile.
    files["2_a.up.sql"] = "ALTER TABLE users DROP CONSTRAINT users_email_key;\n"
    files["2_a.down.sql"] = "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n"
    if dialect == "postgres":
        assert [f[:2] for f in found(lint_sql, files, "SM204", dialect)] == [("2_a.down.sql", 1)]


def test_mysql_modify_back_to_not_null_and_mysql_checks_before_8_0_16(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, n INT, CONSTRAINT n_pos CHECK (n > 0));\n",
        "2_t.up.sql": "ALTER TABLE t MODIFY code VARCHAR(10) NULL;\nALTER TABLE t DROP CHECK n_pos;\n",
        "2_t.down.sql": "ALTER TABLE t MODIFY code VARCHAR(10) NOT NULL;\nALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);\n",
    }
    assert [f[:2] for f in found(lint_sql, files, "SM204", "mysql")] == [("2_t.down.sql", 1), ("2_t.down.sql", 2)]
    assert [f[:2] for f in found(lint_sql, files, "SM204", "mysql", mysql_version=(8, 0, 15))] == [("2_t.down.sql", 1)]


# --- SM205 copy-by-position-mismatch

REBUILD = {
    "1_users.up.sql": "CREATE TABLE users (id integer PRIMARY KEY, name text, email text);\n",
    "1_users.down.sql": "DROP TABLE users;\n",
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_select_star_into_a_table_with_another_column_order(lint_sql, dialect):
    files = {
        **REBUILD,
        "2_r.up.sql": "CREATE TABLE users_new (id integer PRIMARY KEY, email text, name text);\n"
        "INSERT INTO users_new SELECT * FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;\n",
    }
    (finding,) = found(lint_sql, files, "SM205", dialect)
    assert finding[:2] == ("2_r.up.sql", 2)
    assert "users.email into users_new.name" in finding[2] and "users.name into users_new.email" in finding[2]


def test_a_down_copying_back_into_the_old_column_order(lint_sql):
    files = {
        **REBUILD,
        "2_r.up.sql": "ALTER TABLE users ADD COLUMN age integer;\n",
        "2_r.down.sql": "CREATE TABLE users_old (id integer PRIMARY KEY, name text, email text);\n"
        "INSERT INTO users_old SELECT id, email, name FROM users;\nDROP TABLE users;\nALTER TABLE users_old RENAME TO users;\n",
    }
    (finding,) = found(lint_sql, files, "SM205", "sqlite")
    assert finding[:2] == ("2_r.down.sql", 2)


@pytest.mark.parametrize(
    "copy",
    [
        "INSERT INTO users_new (id, email, name) SELECT id, email, name FROM users;",  # both sides named
        "INSERT INTO users_new (id, name, email) SELECT * FROM users;",  # the list follows the source's order
        "INSERT INTO users_new (id, email, name) SELECT id, name AS email, email AS name FROM users;",  # a swap, written out
    ],
)
def test_copies_whose_columns_are_matched_by_name_are_not_flagged(lint_sql, copy):
    files = {**REBUILD, "2_r.up.sql": f"CREATE TABLE users_new (id integer PRIMARY KEY, email text, name text);\n{copy}\n"}
    assert found(lint_sql, files, "SM205", "sqlite") == []


def test_same_order_renamed_columns_and_unknown_tables_are_not_flagged(lint_sql):
    same = {**REBUILD, "2_r.up.sql": "CREATE TABLE b (id integer, name text, email text);\nINSERT INTO b SELECT * FROM users;\n"}
    renamed = {**REBUILD, "2_r.up.sql": "CREATE TABLE b (id integer, full_name text, mail text);\nINSERT INTO b SELECT * FROM users;\n"}
    unknown = {"2_r.up.sql": "CREATE TABLE b (id integer, email text, name text);\nINSERT INTO b SELECT * FROM legacy;\n"}
    for files in (same, renamed, unknown):
        assert found(lint_sql, files, "SM205", "sqlite") == []


# --- SM206 explicit-id-without-setval


@pytest.mark.parametrize(
    "table",
    [
        "CREATE TABLE roles (id serial PRIMARY KEY, name text);",
        "CREATE TABLE roles (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text);",
        "CREATE SEQUENCE role_ids;\nCREATE TABLE roles (id bigint DEFAULT nextval('role_ids') PRIMARY KEY, name text);",
    ],
)
def test_explicit_ids_into_a_sequence_column(lint_sql, table):
    files = {"1_roles.up.sql": f"{table}\nINSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'member');\n"}
    (finding,) = found(lint_sql, files, "SM206")
    assert "roles.id" in finding[2] and "setval" not in finding[2]


@pytest.mark.parametrize(
    ("insert", "explicit"),
    [
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", 0b11),
        ("INSERT INTO t (a, b, c) VALUES (DEFAULT, 1, nextval('s')), (2)", 0b11),  # rows of unequal widths
        ("INSERT INTO t (a, b, c) VALUES (DEFAULT, NULL, nextval('s'))", 0),
        ("INSERT INTO t (a, b) VALUES (DEFAULT, 1), (DEFAULT, DEFAULT), (DEFAULT, 2)", 0b10),
        ("INSERT INTO t (a, b) SELECT 1, nextval('s')", 0b01),
        ("INSERT INTO t SELECT * FROM u", -1),
        ("INSERT INTO t DEFAULT VALUES", 0),
    ],
)
def test_the_positions_an_insert_gives_values_at(insert, explicit):
    """SM206 reads which positions of an INSERT's rows hold a value of their own (not DEFAULT, NULL or nextval)."""
    from safemig_lint.checks.sm206_explicit_id_without_setval import _explicit_positions
    from safemig_lint.reading.statements import parse_file

    (statement,) = parse_file(insert, "postgres").statements
    assert _explicit_positions(statement) == explicit


def test_ids_copied_by_a_rebuild_into_a_new_serial_table(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id serial PRIMARY KEY, v text);\n",
        "2_t.up.sql": "CREATE TABLE t_new (id serial PRIMARY KEY, v text NOT NULL);\nINSERT INTO t_new SELECT * FROM t;\n"
        "DROP TABLE t;\nALTER TABLE t_new RENAME TO t;\n",
    }
    assert [f[:2] for f in found(lint_sql, files, "SM206")] == [("2_t.up.sql", 2)]


@pytest.mark.parametrize(
    "after",
    [
        "SELECT setval(pg_get_serial_sequence('roles', 'id'), (SELECT max(id) FROM roles));",
        "SELECT setval('roles_id_seq', 100);",
        "ALTER SEQUENCE roles_id_seq RESTART WITH 100;",
        "DO $$ BEGIN PERFORM setval(pg_get_serial_sequence(t, 'id'), 100) FROM unnest(ARRAY['roles']) t; END $$;",
    ],
)
def test_an_insert_followed_by_a_sequence_move_is_not_flagged(lint_sql, after):
    files = {
        "1_roles.up.sql": f"CREATE TABLE roles (id serial PRIMARY KEY, name text);\nINSERT INTO roles (id, name) VALUES (1, 'a');\n{after}\n"
    }
    assert found(lint_sql, files, "SM206") == []


def test_default_ids_other_dialects_and_restored_rows_are_not_flagged(lint_sql):
    table = "CREATE TABLE roles (id serial PRIMARY KEY, name text);\n"
    defaults = {
        "1_r.up.sql": table
        + "INSERT INTO roles (name) VALUES ('a');\nINSERT INTO roles VALUES (DEFAULT, 'b'), (nextval('roles_id_seq'), 'c');\n"
    }
    assert found(lint_sql, defaults, "SM206") == []
    mysql = {
        "1_r.up.sql": "CREATE TABLE roles (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT);\nINSERT INTO roles (id, name) VALUES (1, 'a');\n"
    }
    assert found(lint_sql, mysql, "SM206", "mysql") == []
    sqlite = {
        "1_r.up.sql": "CREATE TABLE roles (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);\nINSERT INTO roles (id, name) VALUES (1, 'a');\n"
    }
    assert found(lint_sql, sqlite, "SM206", "sqlite") == []
    restored = {
        "1_r.up.sql": table,
        "2_r.up.sql": "DELETE FROM roles WHERE id = 7;\n",
        "2_r.down.sql": "INSERT INTO roles (id, name) VALUES (7, 'legacy');\n",
    }
    assert found(lint_sql, restored, "SM206") == []


# --- SM207 set-not-null-without-backfill


def test_set_not_null_on_a_column_nothing_filled(lint_sql):
    files = {**USERS, "2_a.up.sql": "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n"}
    (finding,) = found(lint_sql, files, "SM207")
    assert finding[:2] == ("2_a.up.sql", 1) and "contains null values" in finding[2]


def test_a_column_added_without_default_then_made_not_null(lint_sql):
    files = {**USERS, "2_a.up.sql": "ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n"}
    (finding,) = found(lint_sql, files, "SM207")
    assert finding[:2] == ("2_a.up.sql", 2) and "every existing row holds NULL" in finding[2]


@pytest.mark.parametrize(
    "up",
    [
        "UPDATE users SET nick = 'x' WHERE nick IS NULL;\nALTER TABLE users ALTER COLUMN nick SET NOT NULL;",  # a backfill first
        "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;",  # filled by ADD COLUMN
        "CREATE TABLE t (id int, v text);\nALTER TABLE t ALTER COLUMN v SET NOT NULL;",  # a new table has no rows
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",  # already NOT NULL: nothing changes
        "ALTER TABLE users ADD CONSTRAINT nick_nn CHECK (nick IS NOT NULL) NOT VALID;\nDELETE FROM users WHERE nick IS NULL;\n"
        "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;",  # rows with NULL deleted first
    ],
)
def test_set_not_null_after_a_backfill_is_not_flagged(lint_sql, up):
    assert found(lint_sql, {**USERS, "2_a.up.sql": up + "\n"}, "SM207") == []


def test_a_type_change_of_the_same_alter_that_converts_the_nulls(lint_sql):
    # pocket-id: scope text -> jsonb, NULL and '' becoming '[]', made NOT NULL in the same ALTER TABLE.
    converted = (
        "ALTER TABLE users ALTER COLUMN nick TYPE jsonb USING (CASE WHEN nick IS NULL OR btrim(nick) = '' THEN '[]'::jsonb "
        "ELSE to_jsonb(nick) END),\n  ALTER COLUMN nick SET NOT NULL;\n"
    )
    assert found(lint_sql, {**USERS, "2_a.up.sql": converted}, "SM207") == []
    coalesced = "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40) USING COALESCE(nick, ''), ALTER COLUMN nick SET NOT NULL;\n"
    assert found(lint_sql, {**USERS, "2_a.up.sql": coalesced}, "SM207") == []
    # The look-alikes: a conversion that keeps the NULLs, and one of another column's NULLs.
    kept = "ALTER TABLE users ALTER COLUMN nick TYPE jsonb USING to_jsonb(nick), ALTER COLUMN nick SET NOT NULL;\n"
    assert [line for _, line, _ in found(lint_sql, {**USERS, "2_a.up.sql": kept}, "SM207")] == [1]
    other = "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40) USING CASE WHEN email IS NULL THEN '' ELSE nick END, ALTER COLUMN nick SET NOT NULL;\n"
    assert [line for _, line, _ in found(lint_sql, {**USERS, "2_a.up.sql": other}, "SM207")] == [1]


def test_a_new_column_filled_only_for_the_rows_a_join_or_where_reaches(lint_sql):
    # Harbor 2.0's upgrade: rows without a matching repository kept NULL and SET NOT NULL failed.
    for fill in (
        "UPDATE users AS u SET plan = p.name FROM plans AS p WHERE p.user_id = u.id;",
        "UPDATE users SET plan = 'pro' WHERE nick LIKE 'a%';",
    ):
        files = {
            **USERS,
            "2_a.up.sql": f"ALTER TABLE users ADD COLUMN plan text;\n{fill}\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n",
        }
        (finding,) = found(lint_sql, files, "SM207")
        assert finding[:2] == ("2_a.up.sql", 3) and "filled only by an UPDATE of some rows" in finding[2]
    # A join on a column that may be NULL (no guarantee of a match) leaves rows out.
    teams = "CREATE TABLE teams (id bigint PRIMARY KEY, plan text);\nALTER TABLE users ADD COLUMN team_id bigint REFERENCES teams (id);\n"
    fill = "UPDATE users SET plan = teams.plan FROM teams WHERE users.team_id = teams.id;"
    files = {
        **USERS,
        "2_t.up.sql": teams,
        "3_a.up.sql": f"ALTER TABLE users ADD COLUMN plan text;\n{fill}\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n",
    }
    assert ("3_a.up.sql", 3) in [f[:2] for f in found(lint_sql, files, "SM207")]  # (the folder keeps the files written above)


@pytest.mark.parametrize(
    "fills",
    [
        "UPDATE users SET plan = 'free' WHERE plan IS NULL;",  # reaches every NULL
        "UPDATE users SET plan = 'pro' WHERE nick LIKE 'a%';\nUPDATE users SET plan = 'free' WHERE NOT nick LIKE 'a%';",  # together, maybe all
        "UPDATE users SET plan = 'pro' WHERE nick LIKE 'a%';\nDELETE FROM users WHERE plan IS NULL;",  # the rest deleted
        "UPDATE users AS u SET plan = p.name FROM plans AS p WHERE p.user_id = u.id;\nUPDATE users SET plan = 'free';",  # then all
        # joined to its own rows: every row has its match
        "WITH s AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users) UPDATE users u SET plan = s.n FROM s WHERE u.id = s.id;",
        # a NOT NULL foreign key to the joined table: every row has its match
        "UPDATE users SET plan = teams.plan FROM teams WHERE users.team_id = teams.id;",
        # a UNION of other tables: nothing tells which rows it covers
        "WITH s AS (SELECT id, 'a' AS p FROM plans UNION SELECT id, 'b' FROM teams) UPDATE users SET plan = s.p FROM s WHERE users.id = s.id;",
    ],
)
def test_partial_fills_that_may_reach_every_row_are_not_flagged(lint_sql, fills):
    teams = "CREATE TABLE teams (id bigint PRIMARY KEY, plan text);\nALTER TABLE users ADD COLUMN team_id bigint NOT NULL REFERENCES teams (id);\n"
    files = {
        **USERS,
        "2_t.up.sql": teams,
        "3_a.up.sql": f"ALTER TABLE users ADD COLUMN plan text;\n{fills}\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;\n",
    }
    assert found(lint_sql, files, "SM207") == []


def test_a_backfill_in_an_earlier_migration_counts(lint_sql):
    files = {
        **USERS,
        "2_a.up.sql": "UPDATE users SET nick = 'x' WHERE nick IS NULL;\n",
        "3_a.up.sql": "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n",
    }
    assert found(lint_sql, files, "SM207") == []


def test_mysql_modify_to_not_null(lint_sql):
    files = {
        "1_t.up.sql": "CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(10));\n",
        "2_t.up.sql": "ALTER TABLE t MODIFY code VARCHAR(10) NOT NULL;\n",
    }
    (finding,) = found(lint_sql, files, "SM207", "mysql")
    assert "Invalid use of NULL value" in finding[2]
    files["2_t.up.sql"] = "UPDATE t SET code = '' WHERE code IS NULL;\n" + files["2_t.up.sql"]
    assert found(lint_sql, files, "SM207", "mysql") == []


def test_a_down_restoring_a_key_the_up_replaced_by_a_stricter_one_is_not_flagged(lint_sql):
    files = {
        "1_c.up.sql": "CREATE TABLE c (id int PRIMARY KEY, cfg int, version text, CONSTRAINT c_key UNIQUE (cfg, version));\n",
        "2_c.up.sql": "ALTER TABLE c DROP CONSTRAINT c_key;\nCREATE UNIQUE INDEX c_key ON c (cfg, md5(version));\n",
        "2_c.down.sql": "DROP INDEX c_key;\nALTER TABLE c ADD CONSTRAINT c_key UNIQUE (cfg, version);\n",
    }
    assert found(lint_sql, files, "SM204") == []  # md5(version) unique keeps version unique
    files["2_c.up.sql"] = "ALTER TABLE c DROP CONSTRAINT c_key;\nCREATE UNIQUE INDEX c_key ON c (cfg, version) WHERE id > 0;\n"
    assert [f[:2] for f in found(lint_sql, files, "SM204")] == [("2_c.down.sql", 2)]  # a partial key lets duplicates in


def test_a_down_that_clears_duplicates_before_restoring_a_unique_key(lint_sql):
    files = {
        "1_b.up.sql": "CREATE TABLE b (id int PRIMARY KEY, resource_id int UNIQUE);\n",
        "2_b.up.sql": "ALTER TABLE b DROP CONSTRAINT b_resource_id_key;\n",
        "2_b.down.sql": "UPDATE b SET resource_id = NULL WHERE id NOT IN (SELECT max(id) FROM b GROUP BY resource_id);\n"
        "ALTER TABLE b ADD CONSTRAINT b_resource_id_key UNIQUE (resource_id);\n",
    }
    assert found(lint_sql, files, "SM204") == []


def test_one_finding_per_statement_and_a_column_the_down_recreates(lint_sql):
    files = {
        "1_f.up.sql": "CREATE TABLE f (id int PRIMARY KEY, a text NOT NULL, b text NOT NULL, code text UNIQUE);\n",
        "2_f.up.sql": "ALTER TABLE f ALTER COLUMN a DROP NOT NULL, ALTER COLUMN b DROP NOT NULL;\n",
        "2_f.down.sql": "ALTER TABLE f ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;\n",
        "3_f.up.sql": "ALTER TABLE f DROP COLUMN code;\n",
        "3_f.down.sql": "ALTER TABLE f ADD COLUMN code text;\nALTER TABLE f ADD CONSTRAINT f_code_key UNIQUE (code);\n",
    }
    (finding,) = found(lint_sql, files, "SM204")
    assert finding[:2] == ("2_f.down.sql", 1) and "makes f.a, f.b NOT NULL again" in finding[2]


def test_rows_deleted_by_an_earlier_migration_count_as_settled(lint_sql):
    files = {
        **USERS,
        "2_a.up.sql": "DELETE FROM users WHERE nick IS NULL;\n",
        "3_a.up.sql": "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n",
    }
    assert found(lint_sql, files, "SM207") == []
    files["2_a.up.sql"] = "DELETE FROM users WHERE id < 10;\n"  # rows chosen by something else: NULLs may remain
    assert [f[:2] for f in found(lint_sql, files, "SM207")] == [("3_a.up.sql", 1)]


def test_a_backfill_inside_a_data_modifying_cte_and_a_dedup_delete_settle_the_rows(lint_sql):
    files = {
        "1_v.up.sql": "CREATE TABLE v (id int PRIMARY KEY, scope int, md5 text NOT NULL, kind int, CONSTRAINT v_md5 UNIQUE (scope, md5));\n",
        "2_v.up.sql": "ALTER TABLE v ALTER COLUMN md5 DROP NOT NULL;\n",
        "2_v.down.sql": "WITH h AS (SELECT id, md5(id::text) AS digest FROM v WHERE md5 IS NULL),\n"
        "u AS (UPDATE v SET md5 = h.digest FROM h WHERE v.id = h.id)\nSELECT 1;\n"
        "ALTER TABLE v ALTER COLUMN md5 SET NOT NULL;\n",
        "3_v.up.sql": "ALTER TABLE v DROP CONSTRAINT v_md5;\nCREATE UNIQUE INDEX v_md5_part ON v (scope, md5) WHERE kind IS NOT NULL;\n",
        "3_v.down.sql": "DELETE FROM v WHERE kind IS NULL;\nDROP INDEX v_md5_part;\nALTER TABLE v ADD CONSTRAINT v_md5 UNIQUE (scope, md5);\n",
    }
    assert found(lint_sql, files, "SM204") == []


# --- SM208 copy-nulls-into-not-null

PEOPLE = {
    "1_p.up.sql": "CREATE TABLE people (id text PRIMARY KEY, email text, name text NOT NULL);\n",
    "1_p.down.sql": "DROP TABLE people;\n",
}
TIGHTENING = (
    "CREATE TABLE people_new (id text PRIMARY KEY NOT NULL, email text NOT NULL, name text NOT NULL);\n"
    "{before}INSERT INTO people_new (id, email, name) SELECT {select} FROM people{where};\n"
    "DROP TABLE people;\nALTER TABLE people_new RENAME TO people;\n"
)


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_rebuild_that_makes_a_nullable_column_required(lint_sql, dialect):
    up = TIGHTENING.format(before="", select="id, email, name", where="")
    (finding,) = found(lint_sql, {**PEOPLE, "2_p.up.sql": up}, "SM208", dialect)
    assert finding[:2] == ("2_p.up.sql", 2) and "people.email into people_new.email" in finding[2]
    assert "people.id" not in finding[2] and "people.name" not in finding[2]  # a key, and a column already NOT NULL


@pytest.mark.parametrize(
    "before, select, where",
    [
        ("", "id, COALESCE(email, ''), name", ""),  # an expression, not the column
        ("", "id, email, name", " WHERE email IS NOT NULL"),  # the NULLs are left out
        ("UPDATE people SET email = id || '@invalid' WHERE email IS NULL;\n", "id, email, name", ""),  # filled first
        ("DELETE FROM people WHERE email IS NULL;\n", "id, email, name", ""),  # their rows deleted first
    ],
)
def test_a_rebuild_that_cares_for_the_nulls_is_not_flagged(lint_sql, before, select, where):
    up = TIGHTENING.format(before=before, select=select, where=where)
    assert found(lint_sql, {**PEOPLE, "2_p.up.sql": up}, "SM208", "sqlite") == []


def test_copies_the_file_made_itself_or_a_down_are_not_flagged(lint_sql):
    own = "CREATE TABLE staging (id text, email text);\nCREATE TABLE kept (id text, email text NOT NULL);\nINSERT INTO kept SELECT id, email FROM staging;\n"
    down = TIGHTENING.format(before="", select="id, email, name", where="")
    files = {
        **PEOPLE,
        "2_p.up.sql": own,
        "2_p.down.sql": "DROP TABLE kept;\nDROP TABLE staging;\n",
        "3_p.up.sql": "SELECT 1;\n",
        "3_p.down.sql": down,
    }
    assert found(lint_sql, files, "SM208", "sqlite") == []

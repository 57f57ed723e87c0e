"""Statements resolved against the schema they run on (SM610-SM615): what each rule flags, and the
look-alikes it must not (IF EXISTS, CASCADE, objects made earlier in the file, objects the model
cannot be sure of, names made elsewhere, schemas and quoting, each dialect's own ways)."""

from __future__ import annotations

import pytest
from conftest import versions_after

USERS = {
    "000001_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, status text);\n",
    "000001_users.down.sql": "DROP TABLE users;\n",
}


def found(result, code: str) -> list[tuple[str, int, str]]:
    """(file name, line, message) of each active finding of `code`."""
    return [(d.path.rsplit("/", 1)[-1], d.span.line, d.message) for d in result.active if d.code == code]


def messages(result, code: str) -> list[str]:
    return [message for _, _, message in found(result, code)]


def history(*versions: tuple[str, str], base=USERS) -> dict[str, str]:
    return versions_after(base, versions)


# --- SM610 missing-object


def test_a_down_that_drops_the_table_under_the_name_its_up_renamed_away(lint_sql):
    result = lint_sql(history(("ALTER TABLE users RENAME TO accounts;", "DROP TABLE users;")))
    assert found(result, "SM610") == [
        (
            "000002_v2.down.sql",
            1,
            'PostgreSQL rejects this statement: table "users" does not exist (an earlier statement dropped or renamed it)',
        )
    ]


def test_a_name_an_earlier_statement_of_the_same_file_dropped(lint_sql):
    up = "ALTER TABLE users DROP COLUMN status;\nUPDATE users SET status = 'x';\nALTER TABLE users DROP COLUMN status;\n"
    result = lint_sql(history((up, "ALTER TABLE users ADD COLUMN status text;")))
    assert found(result, "SM610") == [
        ("000002_v2.up.sql", 2, 'PostgreSQL rejects this statement: column "status" of relation "users" does not exist'),
        ("000002_v2.up.sql", 3, 'PostgreSQL rejects this statement: column "status" of relation "users" does not exist'),
    ]


def test_a_temporary_table_made_from_a_query_after_dropping_any_old_one(lint_sql):
    # openmeter: DROP TABLE IF EXISTS m; CREATE TEMP TABLE m AS SELECT ... FROM t; then m is used.
    up = (
        "DROP TABLE IF EXISTS dedup;\nCREATE TEMP TABLE dedup AS SELECT id AS loser_id FROM users WHERE status = 'x';\n"
        "CREATE INDEX ON dedup (loser_id);\nUPDATE users SET status = 'y' FROM dedup WHERE users.id = dedup.loser_id;\nDROP TABLE dedup;"
    )
    assert messages(lint_sql(history((up, "SELECT 1;"))), "SM610") == []
    # What its query reads is still resolved.
    gone = "ALTER TABLE users RENAME TO members;\nCREATE TEMP TABLE dedup AS SELECT id FROM users;"
    assert messages(lint_sql(history((gone, "SELECT 1;"))), "SM610") == [
        'PostgreSQL rejects this statement: relation "users" does not exist (an earlier statement dropped or renamed it)'
    ]


def test_a_down_using_a_name_a_later_version_creates(lint_sql):
    files = history(
        ("CREATE TABLE orders (id int);", "DROP TABLE orders;\nDROP TABLE invoices;"),
        ("CREATE TABLE invoices (id int);", "DROP TABLE invoices;"),
    )
    assert found(lint_sql(files), "SM610") == [
        ("000002_v2.down.sql", 2, 'PostgreSQL rejects this statement: table "invoices" does not exist (it is created only later)')
    ]


def test_a_statement_before_the_one_that_creates_the_name(lint_sql):
    up = "CREATE INDEX orders_total ON orders (total);\nCREATE TABLE orders (id int, total int);\n"
    assert messages(lint_sql(history((up, "DROP TABLE orders;"))), "SM610") == [
        'PostgreSQL rejects this statement: relation "orders" does not exist (it is created only later)'
    ]


def test_an_index_renamed_or_dropped_that_no_statement_created(lint_sql):
    up = "CREATE INDEX users_name_idx ON users (name);\nALTER INDEX idx_users_name RENAME TO users_by_name;\n"
    result = lint_sql(history((up, "DROP INDEX users_name;")))
    assert found(result, "SM610") == [
        ("000002_v2.down.sql", 1, 'PostgreSQL rejects this statement: index "users_name" does not exist'),
        ("000002_v2.up.sql", 2, 'PostgreSQL rejects this statement: relation "idx_users_name" does not exist'),
    ]


def test_columns_named_by_data_changes_and_definitions(lint_sql):
    up = (
        "INSERT INTO users (id, nmae) VALUES (1, 'a');\n"
        "UPDATE users SET name = 'b' WHERE stauts = 'x';\n"
        "CREATE INDEX users_email ON users (email);\n"
        "CREATE TABLE posts (id int, author int REFERENCES users (uid));\n"
        "DELETE FROM users u WHERE u.naem = 'c';\n"
    )
    assert messages(lint_sql(history((up, "DROP TABLE posts;"))), "SM610") == [
        'PostgreSQL rejects this statement: column "nmae" of relation "users" does not exist',
        'PostgreSQL rejects this statement: column "stauts" does not exist',
        'PostgreSQL rejects this statement: column "email" does not exist',
        'PostgreSQL rejects this statement: column "uid" referenced in foreign key constraint does not exist',
        "PostgreSQL rejects this statement: column u.naem does not exist",
    ]


def test_a_view_taken_by_cascade_is_gone(lint_sql):
    files = history(
        ("CREATE VIEW active AS SELECT id, name FROM users WHERE status = 'on';", "DROP VIEW active;"),
        ("DROP TABLE users CASCADE;", "DROP VIEW active;"),
    )
    assert messages(lint_sql(files, select=("SM610",)), "SM610") == [
        'PostgreSQL rejects this statement: view "active" does not exist (an earlier statement took it away with what it belonged to)'
    ]


@pytest.mark.parametrize(
    "up",
    [
        pytest.param("DROP TABLE IF EXISTS legacy;\nALTER TABLE users DROP COLUMN IF EXISTS nickname;", id="IF EXISTS"),
        pytest.param("ALTER TABLE IF EXISTS accounts ADD COLUMN note text;", id="ALTER TABLE IF EXISTS"),
        pytest.param("CREATE TABLE tags (id int);\nCREATE INDEX tags_id ON tags (id);\nDROP INDEX tags_id;", id="made earlier in the file"),
        pytest.param("DO $$ BEGIN EXECUTE 'CREATE TABLE audit (id int)'; END $$;\nDROP TABLE audit;", id="dynamic SQL"),
        pytest.param("SELECT create_partitions();\nALTER TABLE events_2024 ADD COLUMN note text;", id="a function may have made it"),
        pytest.param("ALTER TABLE {{ .Schema }}.users ADD COLUMN note text;", id="template placeholder"),
        pytest.param("CREATE EXTENSION IF NOT EXISTS pgcrypto;\nSELECT gen_random_bytes(4);", id="an extension's"),
        pytest.param("ALTER TABLE sessions ADD COLUMN note text;", id="a table the history never made, in an up file"),
        pytest.param(
            "DROP INDEX legacy_idx;\nALTER TABLE sessions ADD COLUMN note text;",
            id="an index, in a history that names tables it never made",
        ),
        pytest.param(
            "ALTER TABLE users RENAME COLUMN name TO full_name;\nUPDATE users SET full_name = 'x';", id="renamed earlier in the file"
        ),
        pytest.param('UPDATE users SET name = "Name" FROM (SELECT 1 AS "Name") AS s;', id="a subquery's column"),
        pytest.param("INSERT INTO users (id, name) SELECT id, name FROM users WHERE status = 'x' RETURNING id;", id="RETURNING"),
        pytest.param(
            "WITH moved AS (DELETE FROM users WHERE status = 'x' RETURNING id, name) INSERT INTO users (id, name) SELECT id + 100, name FROM moved;",
            id="a data-modifying CTE",
        ),
        pytest.param("SELECT ctid, xmin, current_user, users FROM users;", id="system columns, whole-row references"),
    ],
)
def test_not_flagged_where_the_database_accepts_it_or_the_model_cannot_tell(lint_sql, up):
    result = lint_sql(history((up, "SELECT 1;")))
    assert found(result, "SM610") == [] and found(result, "SM613") == []


def test_the_down_that_restores_exactly_what_its_up_changed(lint_sql):
    files = history(
        (
            "ALTER TABLE users RENAME COLUMN name TO full_name;\nCREATE INDEX users_status ON users (status);\nALTER TABLE users RENAME TO accounts;",
            "ALTER TABLE accounts RENAME TO users;\nDROP INDEX users_status;\nALTER TABLE users RENAME COLUMN full_name TO name;",
        )
    )
    assert [d for d in lint_sql(files).active if d.code.startswith("SM61")] == []


def test_schemas_search_path_and_quoting(lint_sql):
    base = {
        "000001_app.up.sql": 'CREATE SCHEMA app;\nCREATE TABLE app.users (id int);\nCREATE TABLE "Users" (id int);\nCREATE TABLE items (id int);\n',
        "000001_app.down.sql": 'DROP TABLE items;\nDROP TABLE "Users";\nDROP TABLE app.users;\nDROP SCHEMA app;\n',
    }
    up = (
        "ALTER TABLE users ADD COLUMN note text;\n"  # public.users was never made, but app.users may be on the search_path
        "ALTER TABLE ITEMS ADD COLUMN note text;\n"  # items, folded
        'ALTER TABLE "items" ADD COLUMN other text;\n'
    )
    result = lint_sql(history((up, "SELECT 1;"), base=base))
    assert [d for d in result.active if d.code.startswith("SM61")] == []
    renamed = history(("ALTER TABLE app.users RENAME TO members;", "DROP TABLE app.users;"), base=base)
    assert messages(lint_sql(renamed), "SM610") == [
        'PostgreSQL rejects this statement: table "users" does not exist (an earlier statement dropped or renamed it)'
    ]
    path = history(("SET search_path TO app;\nALTER TABLE members ADD COLUMN x int;", "SELECT 1;"), base=base)
    assert messages(lint_sql(path), "SM610") == []


@pytest.mark.parametrize("between", ["USE other;\n", "  use other;\n"])
def test_mysql_use_makes_unqualified_names_unsure(lint_sql, between):
    """After USE, `items` names another database's table: the model cannot tell it is gone."""
    base = {"000001_app.up.sql": "CREATE TABLE items (id int);\n", "000001_app.down.sql": "DROP TABLE items;\n"}
    twice = "DROP TABLE items;\n{}DROP TABLE items;"
    assert messages(lint_sql(history((twice.format(between), "SELECT 1;"), base=base), dialect="mysql"), "SM610") == []
    # The look-alike: a statement that only holds the word is no USE.
    known = lint_sql(history((twice.format("SELECT 1 AS used;\n"), "SELECT 1;"), base=base), dialect="mysql")
    assert [m.split(" (")[0] for m in messages(known, "SM610")] == ["MySQL rejects this statement: Unknown table 'items'"]


def test_partitions_and_inheritance_share_columns_the_model_does_not_follow(lint_sql):
    base = {
        "000001_p.up.sql": "CREATE TABLE parent (id int);\nCREATE TABLE child () INHERITS (parent);\n",
        "000001_p.down.sql": "DROP TABLE child;\nDROP TABLE parent;\n",
    }
    up = "ALTER TABLE parent ADD COLUMN note text;\nCREATE INDEX child_note ON child (note);\nUPDATE child SET note = 'x';\n"
    assert messages(lint_sql(history((up, "SELECT 1;"), base=base)), "SM610") == []


def test_a_version_whose_up_is_not_sql(lint_sql):
    files = {**USERS, "000002_go.down.sql": "ALTER TABLE users DROP COLUMN kind;\n"}
    assert messages(lint_sql(files), "SM610") == []


def test_mysql_and_sqlite_words(lint_sql):
    files = history(("ALTER TABLE users DROP COLUMN nickname;\nDROP INDEX users_gone ON users;", "SELECT 1;"))
    assert messages(lint_sql(files, dialect="mysql"), "SM610") == [
        "MySQL rejects this statement: Can't DROP 'nickname'; check that column/key exists",
        "MySQL rejects this statement: Can't DROP 'users_gone'; check that column/key exists",
    ]
    sqlite = history(("ALTER TABLE users RENAME TO members;\nUPDATE users SET name = 'x';", "ALTER TABLE members RENAME TO users;"))
    assert messages(lint_sql(sqlite, dialect="sqlite"), "SM610") == [
        "SQLite rejects this statement: no such table: users (an earlier statement dropped or renamed it)"
    ]


def test_sqlite_has_the_last_word(lint_sql):
    # SQLite refuses to drop a column an index uses (SM530), so the index is still there for the
    # next statement: the model's "the index went with its column" is not SQLite's.
    base = {
        "000001_t.up.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, deleted INTEGER);\nCREATE INDEX t_deleted ON t (deleted) WHERE deleted IS NULL;\n",
        "000001_t.down.sql": "DROP TABLE t;\n",
    }
    files = history(("ALTER TABLE t DROP COLUMN deleted;\nDROP INDEX t_deleted;", "SELECT 1;"), base=base)
    assert messages(lint_sql(files, dialect="sqlite"), "SM610") == []
    assert messages(lint_sql(files), "SM610") == ['PostgreSQL rejects this statement: index "t_deleted" does not exist']
    # SQLite looks a foreign key's table up only when rows change.
    forward = history(("CREATE TABLE a (b_id INTEGER REFERENCES b (id));\nCREATE TABLE b (id INTEGER PRIMARY KEY);", "SELECT 1;"))
    assert messages(lint_sql(forward, dialect="sqlite"), "SM610") == []
    assert messages(lint_sql(forward), "SM610") == [
        'PostgreSQL rejects this statement: relation "b" does not exist (it is created only later)'
    ]


def test_several_up_files_for_one_version_are_not_judged(lint_sql):
    files = {
        **USERS,
        "000002_a.up.sql": "ALTER TABLE users ADD COLUMN note text;\n",
        "000002_a.mysql.up.sql": "ALTER TABLE users ADD COLUMN note text;\n",
        "000003_b.up.sql": "ALTER TABLE users DROP COLUMN note;\n",
    }
    result = lint_sql(files)
    assert found(result, "SM611") == [] and found(result, "SM610") == []


# --- SM611 object-already-exists


def test_objects_made_twice(lint_sql):
    up = (
        "CREATE TABLE users (id int);\n"
        "ALTER TABLE users ADD COLUMN name text;\n"
        "ALTER TABLE users ADD CONSTRAINT users_pkey UNIQUE (id);\n"
        "ALTER TABLE users ADD PRIMARY KEY (name);\n"
        "CREATE INDEX users_name ON users (name);\nCREATE INDEX users_name ON users (status);\n"
        "CREATE TABLE t (a int, a text);\n"
    )
    assert messages(lint_sql(history((up, "DROP TABLE t;"))), "SM611") == [
        'PostgreSQL rejects this statement: relation "users" already exists',
        'PostgreSQL rejects this statement: column "name" of relation "users" already exists',
        'PostgreSQL rejects this statement: relation "users_pkey" already exists',
        'PostgreSQL rejects this statement: multiple primary keys for table "users" are not allowed',
        'PostgreSQL rejects this statement: relation "users_name" already exists',
        'PostgreSQL rejects this statement: column "a" specified more than once',
    ]


def test_renamed_onto_an_existing_name(lint_sql):
    up = "CREATE TABLE accounts (id int);\nALTER TABLE users RENAME TO accounts;\nALTER TABLE users RENAME COLUMN name TO status;\n"
    assert messages(lint_sql(history((up, "DROP TABLE accounts;"))), "SM611") == [
        'PostgreSQL rejects this statement: relation "accounts" already exists',
        'PostgreSQL rejects this statement: column "status" of relation "users" already exists',
    ]


@pytest.mark.parametrize(
    "up",
    [
        pytest.param(
            "CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users ADD COLUMN IF NOT EXISTS name text;", id="IF NOT EXISTS"
        ),
        pytest.param("CREATE OR REPLACE VIEW v AS SELECT 1 AS a;\nCREATE OR REPLACE VIEW v AS SELECT 2 AS a;", id="OR REPLACE"),
        pytest.param("DO $$ BEGIN DROP TABLE users; END $$;\nCREATE TABLE users (id int);", id="a block the model reads straight"),
        pytest.param("DO $$ BEGIN IF true THEN DROP TABLE users; END IF; END $$;\nCREATE TABLE users (id int);", id="conditional DDL"),
        pytest.param("ALTER TABLE users ADD UNIQUE (name);\nALTER TABLE users ADD UNIQUE (name);", id="unnamed keys get new names"),
        pytest.param(
            "CREATE TABLE posts (id int);\nCREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();\n"
            "CREATE TRIGGER touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION f();",
            id="a trigger name per table",
        ),  # fmt: skip
    ],
)
def test_not_already_existing(lint_sql, up):
    files = history((up, "SELECT 1;"))
    files["000001_users.up.sql"] += "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n"
    assert found(lint_sql(files), "SM611") == []


def test_mysql_keeps_foreign_key_names_apart_from_index_names(lint_sql):
    base = {
        "000001_t.up.sql": "CREATE TABLE p (id INT PRIMARY KEY);\n"
        "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id));\n",
        "000001_t.down.sql": "DROP TABLE c;\nDROP TABLE p;\n",
    }
    up = "ALTER TABLE c DROP FOREIGN KEY c_p_fk;\nALTER TABLE c ADD CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id);\n"
    assert messages(lint_sql(history((up, "SELECT 1;"), base=base), dialect="mysql"), "SM611") == []
    twice = "ALTER TABLE c ADD COLUMN note TEXT;\nALTER TABLE c ADD COLUMN note TEXT;\n"
    assert messages(lint_sql(history((twice, "SELECT 1;"), base=base), dialect="mysql"), "SM611") == [
        "MySQL rejects this statement: Duplicate column name 'note'"
    ]


# --- SM612 insert-does-not-fit


def test_insert_values_that_do_not_fit(lint_sql):
    up = (
        "INSERT INTO users (id, name) VALUES (1, 'a', 'x');\n"
        "INSERT INTO users (id, name, status) VALUES (2, 'b');\n"
        "INSERT INTO users (id, name) VALUES (3, 'c'), (4);\n"
        "INSERT INTO users VALUES (5, 'e', 'on', 'extra');\n"
        "INSERT INTO users VALUES (6, 'f');\n"  # PostgreSQL fills the rest with defaults
        "INSERT INTO users (id, name) SELECT id, name, status FROM users;\n"
    )
    assert messages(lint_sql(history((up, "SELECT 1;"))), "SM612") == [
        "PostgreSQL rejects this statement: INSERT has more expressions than target columns",
        "PostgreSQL rejects this statement: INSERT has more target columns than expressions",
        "PostgreSQL rejects this statement: VALUES lists must all be the same length",
        "PostgreSQL rejects this statement: INSERT has more expressions than target columns",
        "PostgreSQL rejects this statement: INSERT has more expressions than target columns",
    ]
    assert messages(lint_sql(history(("INSERT INTO users VALUES (6, 'f');", "SELECT 1;")), dialect="mysql"), "SM612") == [
        "MySQL rejects this statement: Column count doesn't match value count at row 1"
    ]
    assert messages(lint_sql(history(("INSERT INTO users VALUES (6, 'f');", "SELECT 1;")), dialect="sqlite"), "SM612") == [
        "SQLite rejects this statement: table users has 3 columns but 2 values were supplied"
    ]


def test_insert_select_of_a_value_postgres_cannot_convert(lint_sql):
    up = (
        "CREATE TABLE events (id bigint, created_at timestamp, note varchar(20));\n"
        "CREATE TABLE events_new (created_at timestamp, id bigint, note text);\n"
        "INSERT INTO events_new SELECT * FROM events;\n"
        "INSERT INTO events_new (created_at, id, note) SELECT created_at, id, note FROM events;\n"
        "INSERT INTO events_new (note, id) SELECT id, id FROM events;\n"  # anything becomes text; bigint to bigint
    )
    result = lint_sql(history((up, "DROP TABLE events_new;\nDROP TABLE events;")))
    assert messages(result, "SM612") == [
        'PostgreSQL rejects this statement: column "created_at" is of type timestamp without time zone but expression is of type bigint '
        "(events.id is BIGINT)"
    ]
    assert messages(lint_sql(history((up, "DROP TABLE events_new;\nDROP TABLE events;")), dialect="mysql"), "SM612") == []


# --- SM613 double-quoted-string


def test_strings_in_double_quotes(lint_sql):
    up = (
        'UPDATE users SET status = "active" WHERE id = 1;\n'
        'INSERT INTO users (id, name) VALUES (2, "bob");\n'
        'ALTER TABLE users ADD CONSTRAINT users_status CHECK (status IN ("on", "off"));\n'
        'ALTER TABLE users ALTER COLUMN status SET DEFAULT "on";\n'
        'UPDATE users SET status = "name";\n'  # a column of that name: a name indeed
    )
    result = lint_sql(history((up, "SELECT 1;")))
    assert [(line, message) for _, line, message in found(result, "SM613")] == [
        (1, 'PostgreSQL rejects this statement: column "active" does not exist ("active" in double quotes is a name, not a string)'),
        (2, 'PostgreSQL rejects this statement: column "bob" does not exist ("bob" in double quotes is a name, not a string)'),
        (3, 'PostgreSQL rejects this statement: column "on" does not exist ("on" in double quotes is a name, not a string)'),
        (
            4,
            'PostgreSQL rejects this statement: cannot use column reference in DEFAULT expression ("on" in double quotes is a name, not a string)',
        ),
    ]
    # MySQL reads "x" as a string, and SQLite takes a double-quoted name that matches no column as one.
    for dialect in ("mysql", "sqlite"):
        assert found(lint_sql(history(('UPDATE users SET status = "active";', "SELECT 1;")), dialect=dialect), "SM613") == []


# --- SM614 drop-breaks-dependents


def test_drops_that_other_objects_depend_on(lint_sql):
    base = {
        "000001_t.up.sql": (
            "CREATE TABLE users (id int PRIMARY KEY, name text, status text);\n"
            "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\n"
            "CREATE VIEW names AS SELECT id, name FROM users;\n"
            "CREATE SEQUENCE ticket_seq;\n"
            "CREATE TABLE tickets (id int DEFAULT nextval('ticket_seq'));\n"
            "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;\n"
            "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\n"
        ),
        "000001_t.down.sql": "SELECT 1;\n",
    }
    checks = {
        "ALTER TABLE users DROP COLUMN name;": "cannot drop column name of table users because other objects depend on it (view names)",
        "DROP TABLE users;": "cannot drop table users because other objects depend on it (view names; constraint orders_user_id_fkey on table orders)",
        "DROP SEQUENCE ticket_seq;": "cannot drop sequence ticket_seq because other objects depend on it (default value for column id of table tickets)",
        "DROP FUNCTION touch();": "cannot drop function touch() because other objects depend on it (trigger users_touch on table users)",
        "ALTER TABLE users DROP CONSTRAINT users_pkey;": (
            "cannot drop constraint users_pkey on table users because other objects depend on it (constraint orders_user_id_fkey on table orders)"
        ),
        "DROP INDEX users_pkey;": "cannot drop index users_pkey because constraint users_pkey on table users requires it",
    }
    for up, message in checks.items():
        assert messages(lint_sql(history((up, "SELECT 1;"), base=base)), "SM614") == [f"PostgreSQL rejects this statement: {message}"]
    fine = (
        "ALTER TABLE users DROP COLUMN name CASCADE;\n"
        "DROP TABLE orders, users;\n"  # the foreign key's table goes in the same statement
        "DROP FUNCTION touch() CASCADE;\n"
    )
    assert messages(lint_sql(history((fine, "SELECT 1;"), base=base)), "SM614") == []
    # PostgreSQL drops what one statement names together: what depends on an object may be named after it.
    together = "CREATE VIEW first_names AS SELECT name FROM names;\nDROP VIEW names, first_names;\nDROP TABLE users, orders;"
    assert messages(lint_sql(history((together, "SELECT 1;"), base=base)), "SM614") == []
    alone = "CREATE VIEW first_names AS SELECT name FROM names;\nDROP VIEW names;"
    assert messages(lint_sql(history((alone, "SELECT 1;"), base=base)), "SM614") == [
        "PostgreSQL rejects this statement: cannot drop view names because other objects depend on it (view first_names)"
    ]


def test_mysql_foreign_keys_hold_their_tables_and_columns(lint_sql):
    base = {
        "000001_t.up.sql": "CREATE TABLE p (id INT PRIMARY KEY);\n"
        "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id));\n",
        "000001_t.down.sql": "DROP TABLE c;\nDROP TABLE p;\n",
    }
    files = history(("DROP TABLE p;\nALTER TABLE c DROP COLUMN p_id;", "SELECT 1;"), base=base)
    assert messages(lint_sql(files, dialect="mysql"), "SM614") == [
        "MySQL rejects this statement: Cannot drop table 'p' referenced by a foreign key constraint 'c_p_fk' (constraint c_p_fk on table c)",
        "MySQL rejects this statement: Cannot drop column 'p_id': needed in a foreign key constraint 'c_p_fk' (constraint c_p_fk)",
    ]
    # MariaDB drops the tables one statement names in turn: the parent named before its child is refused.
    both = history(("DROP TABLE p, c;", "SELECT 1;"), base=base)
    assert messages(lint_sql(both, dialect="mysql"), "SM614") == [
        "MySQL rejects this statement: Cannot drop table 'p' referenced by a foreign key constraint 'c_p_fk' (constraint c_p_fk on table c)"
    ]
    assert messages(lint_sql(history(("DROP TABLE c, p;", "SELECT 1;"), base=base), dialect="mysql"), "SM614") == []
    off = history(("SET FOREIGN_KEY_CHECKS = 0;\nDROP TABLE p;", "SELECT 1;"), base=base)
    assert messages(lint_sql(off, dialect="mysql"), "SM614") == []


# --- SM615 cascade-drops-dependents


def test_cascade_says_what_it_takes(lint_sql):
    base = {
        "000001_t.up.sql": "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
        "CREATE TABLE orders (id int, user_id int REFERENCES users (id));\nCREATE VIEW names AS SELECT name FROM users;\n",
        "000001_t.down.sql": "DROP VIEW names;\nDROP TABLE orders;\nDROP TABLE users;\n",
    }
    files = history(("DROP TABLE users CASCADE;", "SELECT 1;"), base=base)
    assert messages(lint_sql(files), "SM615") == [
        "dropping table users with CASCADE also drops view names, constraint orders_user_id_fkey on table orders"
    ]
    # Its own objects: the down of the migration that made them all, or a table dropped next anyway.
    own = {"000001_t.up.sql": base["000001_t.up.sql"], "000001_t.down.sql": "DROP TABLE users CASCADE;\nDROP TABLE orders;\n"}
    assert messages(lint_sql(own), "SM615") == []
    nothing = history(("DROP TABLE orders CASCADE;", "SELECT 1;"), base=base)
    assert messages(lint_sql(nothing), "SM615") == []
    # What belongs to a table the same statement drops goes with it anyway; a view it does not name is still taken.
    together = history(("DROP TABLE users, orders CASCADE;", "SELECT 1;"), base=base)
    assert messages(lint_sql(together), "SM615") == ["dropping table users with CASCADE also drops view names"]


# --- SM610: sequences (ALTER SEQUENCE, and the literal argument of nextval, currval, setval)

SERIAL = {
    "000001_a.up.sql": "CREATE TABLE a (id bigserial PRIMARY KEY);\n",
    "000001_a.down.sql": "DROP TABLE a;\n",
}


def test_a_sequence_dropped_earlier_in_the_file(lint_sql):
    up = (
        "CREATE SEQUENCE c_seq;\nDROP SEQUENCE c_seq;\nSELECT setval('c_seq', 5);\n"
        "SELECT nextval('c_seq'::regclass);\nALTER SEQUENCE c_seq RESTART;\n"
    )
    result = lint_sql(history((up, "SELECT 1;"), base=SERIAL))
    why = 'PostgreSQL rejects this statement: relation "c_seq" does not exist (an earlier statement dropped or renamed it)'
    assert found(result, "SM610") == [("000002_v2.up.sql", line, why) for line in (3, 4, 5)]


def test_a_down_naming_a_sequence_its_up_never_created(lint_sql):
    result = lint_sql(history(("SELECT 1;", "ALTER SEQUENCE b_id_seq RESTART WITH 100;\nSELECT currval('b_id_seq');"), base=SERIAL))
    why = 'PostgreSQL rejects this statement: relation "b_id_seq" does not exist (no migration creates it)'
    assert found(result, "SM610") == [("000002_v2.down.sql", 1, why), ("000002_v2.down.sql", 2, why)]


def test_sequences_that_exist_or_may_exist_are_not_flagged(lint_sql):
    cases = [
        # the serial's own sequence, also after its table and column are renamed (PostgreSQL keeps its name)
        "ALTER SEQUENCE a_id_seq RESTART WITH 100;\nSELECT setval('a_id_seq', 5);\nSELECT nextval('public.a_id_seq'::regclass);",
        "ALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME COLUMN id TO uid;\nSELECT setval('a_id_seq', 5);",
        "ALTER SEQUENCE IF EXISTS gone_seq RESTART;",
        "CREATE SEQUENCE d_seq;\nSELECT setval('d_seq', 5);\nALTER SEQUENCE d_seq RESTART;",
        "SELECT setval(pg_get_serial_sequence('a', 'id'), 5);",
        "SELECT setval(pg_get_serial_sequence('a', 'id'), max(id)) FROM a;",
    ]
    for case in cases:
        assert found(lint_sql(history((case, "SELECT 1;"), base=SERIAL)), "SM610") == [], case
        if "RENAME" not in case:  # the same in a down file
            assert found(lint_sql(history(("SELECT 1;", case), base=SERIAL)), "SM610") == [], case


def test_a_sequence_the_model_cannot_be_sure_of_is_not_flagged(lint_sql):
    made_unseen = [
        "CREATE SEQUENCE e_seq;\nDROP SEQUENCE e_seq;\nDO $$ BEGIN EXECUTE 'CREATE SEQUENCE e_seq'; END $$;\nSELECT setval('e_seq', 5);",
        "CREATE SEQUENCE e_seq;\nDROP SEQUENCE e_seq;\nCREATE SEQUENCE e_seq WITH nonsense ????;\nSELECT setval('e_seq', 5);",
    ]
    for case in made_unseen:
        assert found(lint_sql(history((case, "SELECT 1;"), base=SERIAL)), "SM610") == [], case
    # in a down file, a sequence no migration creates may be an extension's
    extension = history(("CREATE EXTENSION IF NOT EXISTS postgis;", "SELECT setval('ext_made_seq', 1);"), base=SERIAL)
    assert found(lint_sql(extension), "SM610") == []
    # the same names in MySQL and SQLite are not sequences
    assert found(lint_sql(history(("SELECT 1;", "SELECT setval('x_seq', 1);")), "sqlite"), "SM610") == []


def test_a_column_made_an_identity_later_has_its_sequence(lint_sql):
    """ALTER COLUMN ... ADD GENERATED AS IDENTITY makes `<table>_<column>_seq`, which the model does not hold."""
    up = "CREATE TABLE a (id bigint NOT NULL);\nALTER TABLE a ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;\n"
    files = history((up, "SELECT setval('a_id_seq', 5);\nDROP TABLE a;"), base={})
    assert found(lint_sql(files), "SM610") == []

"""Replaying statements into the schema model: each dialect's DDL, table rebuilds, and what stays unknown."""

from __future__ import annotations

from safemig_lint.analysis.schema.effects import Dropped, Renamed, RowsCopied, TypeChanged
from safemig_lint.analysis.schema.replay import Replay
from safemig_lint.operations.model import ColumnType, Database
from safemig_lint.operations.read import read_file
from safemig_lint.reading.statements import parse_file


def replay(sql: str, dialect: str = "postgres", db: Database | None = None):
    """The database after `sql`, and the effects of each statement."""
    db = db if db is not None else Database(dialect)
    engine = Replay(db)
    effects = [[e for op in ops for e in engine.apply(op)] for ops in read_file(parse_file(sql, dialect), dialect)]
    return db, effects, engine.notes


def test_postgres_create_table_with_every_kind_of_key():
    db, _, notes = replay(
        """
        CREATE TABLE users (
            id bigserial PRIMARY KEY,
            email varchar(255) NOT NULL UNIQUE,
            age int CHECK (age > 0),
            team_id int REFERENCES teams (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ON users (created_at);
        CREATE UNIQUE INDEX users_lower_email ON users (lower(email)) WHERE age > 18;
        """
    )
    users = db.tables["users"]
    assert list(users.columns) == ["id", "email", "age", "team_id", "created_at"]
    assert users.columns["email"].type.sql == "VARCHAR(255)" and not users.columns["email"].nullable
    assert users.columns["id"].nullable is False and users.columns["created_at"].default == "CURRENT_TIMESTAMP"
    assert set(users.constraints) == {"users_pkey", "users_email_key", "users_age_check", "users_team_id_fkey"}
    assert users.constraints["users_team_id_fkey"].references == "teams(id)"
    assert set(users.indexes) == {"users_created_at_idx", "users_lower_email"}
    assert users.indexes["users_lower_email"].unique and users.indexes["users_lower_email"].where == "age > 18"
    assert "users_id_seq" in db.sequences  # bigserial's sequence
    assert users.unknown is None and users.keys_unknown is None and notes == []


def test_postgres_alterations_and_their_effects():
    db, effects, _ = replay(
        """
        CREATE TABLE t (a varchar(10) NOT NULL DEFAULT 'x', b int, c int);
        CREATE INDEX t_b_idx ON t (b);
        ALTER TABLE t ALTER COLUMN a TYPE text, ALTER COLUMN a DROP NOT NULL, ALTER COLUMN a DROP DEFAULT;
        ALTER TABLE t RENAME COLUMN c TO d;
        ALTER TABLE t DROP COLUMN b;
        ALTER TABLE t RENAME TO u;
        ALTER TABLE u DROP CONSTRAINT IF EXISTS nothing_here;
        """
    )
    assert "t" not in db.tables
    u = db.tables["u"]
    assert list(u.columns) == ["a", "d"] and u.indexes == {}  # the index went with its column
    assert u.columns["a"].type.base == "TEXT" and u.columns["a"].nullable and u.columns["a"].default is None
    changed = effects[2][0]
    assert isinstance(changed, TypeChanged) and (changed.old.sql, changed.new.sql) == ("VARCHAR(10)", "TEXT")
    assert [(e.kind, e.old, e.new) for e in effects[3] + effects[5] if isinstance(e, Renamed)] == [
        ("column", "c", "d"),
        ("table", "t", "u"),
    ]
    assert u.keys_unknown is None  # DROP CONSTRAINT IF EXISTS of a missing key is no news


def test_postgres_rename_without_the_column_keyword_is_a_column_rename():
    db, _, _ = replay("CREATE TABLE t (pk int); ALTER TABLE t RENAME pk TO pk_old;")
    assert list(db.tables["t"].columns) == ["pk_old"]


def test_postgres_keys_dropped_by_the_name_postgres_gave_them():
    db, _, notes = replay(
        """
        CREATE TABLE users (id int PRIMARY KEY, email text UNIQUE, team_id int REFERENCES teams);
        ALTER TABLE users DROP CONSTRAINT users_email_key, DROP CONSTRAINT users_team_id_fkey, DROP CONSTRAINT users_pkey;
        """
    )
    assert db.tables["users"].constraints == {} and db.tables["users"].keys_unknown is None and notes == []


def test_a_partial_index_goes_with_a_column_of_its_predicate():
    db, _, _ = replay(
        "CREATE TABLE r (a int, deleted bigint);\nCREATE INDEX r_a ON r (a) WHERE deleted IS NULL;\nALTER TABLE r DROP COLUMN deleted;"
    )
    assert db.tables["r"].indexes == {}


def test_mysql_modify_change_and_keys():
    db, effects, notes = replay(
        """
        CREATE TABLE t (
            id INT(11) UNSIGNED NOT NULL AUTO_INCREMENT,
            name VARCHAR(255) NOT NULL,
            team_id INT,
            flag TINYINT(1),
            PRIMARY KEY (id),
            KEY idx_name (name),
            CONSTRAINT t_team FOREIGN KEY (team_id) REFERENCES teams (id)
        ) ENGINE=InnoDB;
        ALTER TABLE t MODIFY COLUMN name VARCHAR(100);
        ALTER TABLE t CHANGE COLUMN flag is_active BOOLEAN NOT NULL;
        ALTER TABLE t ADD COLUMN owner_id INT AFTER id, ADD FOREIGN KEY (owner_id) REFERENCES users (id);
        ALTER TABLE t DROP FOREIGN KEY t_ibfk_1, DROP INDEX owner_id;
        """,
        "mysql",
    )
    t = db.tables["t"]
    assert list(t.columns) == ["id", "owner_id", "name", "team_id", "is_active"]
    assert t.columns["name"].nullable  # MODIFY redefines the whole column
    assert t.columns["is_active"].type == ColumnType("TINYINT")  # BOOLEAN is TINYINT(1)
    assert set(t.constraints) == {"PRIMARY", "t_team"}
    assert set(t.indexes) == {"idx_name", "t_team"}  # MySQL indexed the foreign key under its name
    narrowed = effects[1][0]
    assert isinstance(narrowed, TypeChanged) and narrowed.new.sql == "VARCHAR(100)"
    assert any(isinstance(e, Renamed) and (e.old, e.new) == ("flag", "is_active") for e in effects[2])
    assert t.keys_unknown is None and notes == []


def test_mysql_rename_table_statement():
    db, _, _ = replay("CREATE TABLE a (x int); CREATE TABLE c (y int); RENAME TABLE a TO b, c TO d;", "mysql")
    assert set(db.tables) == {"b", "d"}


def test_sqlite_rebuild_keeps_the_table_and_reports_what_the_copy_lost():
    db, effects, _ = replay(
        """
        CREATE TABLE "t" ("id" TEXT PRIMARY KEY, "n" INTEGER NOT NULL, "legacy" TEXT);
        CREATE TABLE "_t_tmp" ("id" TEXT PRIMARY KEY, "n" INTEGER NOT NULL, "extra" TEXT);
        INSERT INTO "_t_tmp" (id, n) SELECT id, n FROM "t";
        DROP TABLE "t";
        ALTER TABLE "_t_tmp" RENAME TO "t";
        """,
        "sqlite",
    )
    assert set(db.tables) == {"t"} and list(db.tables["t"].columns) == ["id", "n", "extra"]
    copied, dropped, renamed = effects[2][0], effects[3][0], effects[4][0]
    assert isinstance(copied, RowsCopied) and copied.rebuild
    assert [(t, s) for t, s, _, _ in copied.pairs] == [("id", "id"), ("n", "n")]
    assert isinstance(dropped, Dropped) and dropped.rebuilt_into == "t" and dropped.lost_columns == ("legacy",)
    assert isinstance(renamed, Renamed) and renamed.restored


def test_sqlite_rebuild_renaming_the_old_table_away_first():
    _, effects, _ = replay(
        """
        CREATE TABLE t (id INTEGER, v TEXT);
        ALTER TABLE t RENAME TO t_old;
        CREATE TABLE t (id INTEGER, v TEXT);
        INSERT INTO t SELECT * FROM t_old;
        DROP TABLE t_old;
        """,
        "sqlite",
    )
    assert effects[1][0].restored  # clients still find `t`
    assert effects[4][0].rebuilt_into == "t" and effects[4][0].lost_columns == ()


def test_a_filtered_copy_is_not_a_rebuild_that_keeps_every_row():
    _, effects, _ = replay(
        """
        CREATE TABLE t (id INTEGER); CREATE TABLE t2 (id INTEGER);
        INSERT INTO t2 SELECT * FROM t WHERE id > 10;
        DROP TABLE t; ALTER TABLE t2 RENAME TO t;
        """,
        "sqlite",
    )
    assert effects[3][0].rebuilt_into is None


def test_columns_copied_elsewhere_are_not_lost_in_a_rebuild():
    _, effects, _ = replay(
        """
        CREATE TABLE images (id INTEGER PRIMARY KEY, path TEXT, title TEXT);
        CREATE TABLE files (image_id INTEGER, basename TEXT);
        INSERT INTO files (image_id, basename) SELECT i.id, i.path FROM images AS i JOIN files AS f ON f.image_id = i.id;
        CREATE TABLE images_new (id INTEGER PRIMARY KEY, title TEXT);
        INSERT INTO images_new (id, title) SELECT id, title FROM images;
        DROP TABLE images;
        ALTER TABLE images_new RENAME TO images;
        """,
        "sqlite",
    )
    assert effects[5][0].rebuilt_into == "images" and effects[5][0].lost_columns == ()


def test_a_column_swapped_in_under_an_old_name_is_a_restored_rename():
    _, effects, _ = replay(
        """
        CREATE TABLE c (uris text, uris_json jsonb);
        ALTER TABLE c DROP COLUMN uris;
        ALTER TABLE c RENAME COLUMN uris_json TO uris;
        ALTER TABLE c RENAME COLUMN uris TO uris_old;
        ALTER TABLE c ADD COLUMN uris jsonb;
        """
    )
    assert effects[2][0].restored and effects[3][0].restored


def test_postgres_enums_from_text_and_do_blocks():
    db, _, notes = replay(
        """
        DO $$ BEGIN
            CREATE TYPE mood AS ENUM ('sad', 'happy');
        EXCEPTION WHEN duplicate_object THEN null;
        END $$;
        ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';
        ALTER TYPE mood ADD VALUE IF NOT EXISTS 'great';
        ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
        """
    )
    assert db.types["mood"].values == ("blue", "ok", "happy", "great") and notes == []


def test_what_the_model_cannot_follow_becomes_unknown():
    db, _, notes = replay(
        """
        CREATE TABLE accounts (id int, balance numeric(10,2));
        CREATE TABLE orders (id int);
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts') THEN
                ALTER TABLE accounts ADD COLUMN currency text;
            END IF;
        END $$;
        ALTER TABLE legacy ADD COLUMN x int;
        CALL rebuild_everything();
        """
    )
    assert db.tables["accounts"].unknown == "conditional DDL in a DO block"
    assert db.tables["accounts"].columns["balance"].type is None  # no longer trusted
    assert db.tables["orders"].unknown is None
    assert db.tables["legacy"].unknown  # altered, but never created by these migrations
    assert ("(no object the model knows)", "dynamic SQL or a procedure call") in notes


def test_a_do_block_of_data_changes_only_changes_nothing():
    db, _, notes = replay("CREATE TABLE t (id int); DO $$ BEGIN UPDATE t SET id = id + 1; END $$;")
    assert db.tables["t"].unknown is None and notes == []


def test_a_key_dropped_that_the_model_never_saw_makes_the_keys_unknown():
    db, _, notes = replay("CREATE TABLE t (id int); ALTER TABLE t DROP CONSTRAINT t_mystery_key;")
    assert db.tables["t"].keys_unknown and db.tables["t"].unknown is None
    assert notes == [("keys of table t", "key t_mystery_key was dropped but the model did not have it")]


def test_alter_actions_sqlglot_keeps_as_text_are_read_from_it():
    db, _, notes = replay("CREATE TABLE t (a int, b int); ALTER TABLE t DROP b;", "sqlite")
    assert list(db.tables["t"].columns) == ["a"] and notes == []


def test_a_column_sqlglot_cannot_parse_is_added_with_an_unknown_type():
    db, _, _ = replay("CREATE TABLE performers (id integer); ALTER TABLE `performers` ADD COLUMN `circumcised` varchar[10];", "sqlite")
    column = db.tables["performers"].columns["circumcised"]
    assert column.type is None and column.unknown


def test_template_placeholders_name_the_same_schema_however_spelled():
    db, _, notes = replay(
        """
        CREATE TABLE {{ index .Options "Namespace" }}.users (id uuid);
        ALTER TABLE {{index .Options "Namespace" }}.users ADD COLUMN email text;
        CREATE TABLE {{ index .Options "Namespace" }}.sessions (id uuid);
        do $$ begin
            alter table {{ index .Options "Namespace" }}.users enable row level security;
            alter table {{ index .Options "Namespace" }}.sessions add column user_id uuid;
        end $$;
        """
    )
    assert list(db.tables) == ["{{}}.users", "{{}}.sessions"] and notes == []
    assert list(db.tables["{{}}.users"].columns) == ["id", "email"]
    assert list(db.tables["{{}}.sessions"].columns) == ["id", "user_id"]


def test_snapshots_are_independent_copies():
    db, _, _ = replay("CREATE TABLE t (a int);")
    snapshot = db.copy()
    replay("ALTER TABLE t ADD COLUMN b int;", db=db)
    assert list(snapshot.tables["t"].columns) == ["a"] and list(db.tables["t"].columns) == ["a", "b"]
    assert snapshot != db and snapshot == snapshot.copy()


def test_postgres_generated_names_and_what_goes_with_what():
    """Names and dependencies as PostgreSQL 18 makes them (checked against it in test_verify_model_gaps.py)."""
    db, _, _ = replay(
        """
        CREATE TABLE t (a int CHECK (a > 0), b int, c int, CHECK (b > c), CHECK (b < 10), CHECK (c > 0 AND c < b));
        CREATE TABLE users (email text, name text, id serial, seq bigint GENERATED ALWAYS AS IDENTITY);
        CREATE INDEX ON users USING gin (name gin_trgm_ops);
        CREATE INDEX ON users (lower(email));
        CREATE INDEX ON users (lower(name));
        CREATE TABLE child () INHERITS (t);
        CREATE SEQUENCE c_id_seq;
        ALTER SEQUENCE c_id_seq OWNED BY child.a;
        DROP TABLE child;
        CREATE UNIQUE INDEX users_email ON users (email);
        CREATE TABLE refs (email text REFERENCES users (email));
        DROP INDEX users_email CASCADE;
        DROP INDEX IF EXISTS refs.users_name_idx;
        """
    )
    assert set(db.tables["t"].constraints) == {"t_a_check", "t_check", "t_b_check", "t_check1"}
    users = db.tables["users"]
    assert set(users.indexes) == {"users_name_idx", "users_lower_idx", "users_lower_idx1"}
    assert users.columns["id"].type == ColumnType("INT") and users.columns["id"].default == "NEXTVAL('users_id_seq')"
    assert users.columns["id"].cid != 0  # still tracked as the column it was created as
    assert not users.columns["seq"].nullable and set(db.sequences) == {"users_id_seq", "users_seq_seq"}
    assert db.tables["refs"].constraints == {}


def test_a_sequence_created_owned_by_a_column_goes_with_its_table():
    # openmeter: CREATE SEQUENCE ... OWNED BY t.c, and the down drops only the table.
    db, _, _ = replay("CREATE TABLE locks (rvn int8);\nCREATE SEQUENCE locks_rvn CYCLE OWNED BY locks.rvn;\nCREATE SEQUENCE kept;")
    assert db.sequences["locks_rvn"].owned_by == "locks.rvn"
    replay("DROP TABLE locks;", db=db)
    assert set(db.sequences) == {"kept"}


def test_sqlite_primary_key_nullable_unless_rowid():
    db, _, _ = replay("CREATE TABLE a (id TEXT PRIMARY KEY, n int);\nCREATE TABLE b (id INTEGER PRIMARY KEY);", "sqlite")
    assert db.tables["a"].columns["id"].nullable and not db.tables["b"].columns["id"].nullable


def test_ddl_passed_to_a_function_as_a_string_leaves_its_table_unknown():
    db, _, notes = replay(
        "CREATE TABLE uploads (id int, name text);\nCREATE TABLE other (id int);\n"
        "SELECT create_constraint_if_not_exists('uploads', 'uq', 'ALTER TABLE uploads ADD CONSTRAINT uq UNIQUE (id, name);');\n"
        "SELECT 'alter the name' FROM other;"
    )
    assert db.tables["uploads"].unknown == "DDL passed as a string to a function" and not db.tables["other"].unknown


def test_postgres_drop_constraint_cascade_naming_a_unique_index_is_modelled():
    """DROP CONSTRAINT ... CASCADE that names an index (not a constraint) takes no foreign key with it:
    PostgreSQL has no such constraint. The model drops the key without following a cascade it has not,
    rather than tripping on it (an Index has no `kind`) and losing track of the statement."""
    db, effects, _ = replay(
        """
        CREATE TABLE parent (id int PRIMARY KEY, code int);
        CREATE UNIQUE INDEX parent_code ON parent (code);
        CREATE TABLE child (id int PRIMARY KEY, code int REFERENCES parent (code));
        ALTER TABLE parent DROP CONSTRAINT parent_code CASCADE;
        """
    )
    assert [type(e).__name__ for e in effects[-1]] == ["Dropped"]
    assert "parent_code" not in db.tables["parent"].indexes
    assert set(db.tables["child"].constraints) == {"child_pkey", "child_code_fkey"}

"""Locking and online-safety rules (SM5xx): what they flag, the look-alikes they leave alone,
and the knowledge that keeps false alarms away (tables created in the same file, small tables,
server versions)."""

from __future__ import annotations

import pytest
from conftest import codes

from safemig_lint.analysis.locks import binary_coercible, mysql_type_change, volatile_call
from safemig_lint.config import Config, ConfigError, apply_settings
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.model import ColumnType

USERS = "CREATE TABLE users (id int PRIMARY KEY, email varchar(50), name text, score numeric(10,2), created timestamp);\n"
USERS_INDEXED = USERS + "CREATE INDEX users_email_idx ON users (email);\n"


def found(result, code: str) -> list:
    return [d for d in result.active if d.code == code]


def second(lint_sql, sql: str, first: str = USERS, dialect: str = "postgres", **settings):
    """Lint `sql` as migration 2, after `first` created the tables in migration 1."""
    return lint_sql({"000001_init.up.sql": first, "000002_change.up.sql": sql}, dialect, **settings)


def lines(result, code: str) -> list[int]:
    return [d.span.line for d in found(result, code) if d.path.endswith("000002_change.up.sql")]


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        ("SM501", "CREATE INDEX i ON users (name);", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (name);"),
        ("SM501", "CREATE UNIQUE INDEX i ON users (name);", "CREATE UNIQUE INDEX CONCURRENTLY i ON users (name);"),
        ("SM502", "DROP INDEX users_email_idx;", "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;"),
        ("SM503", "REINDEX TABLE users;", "REINDEX TABLE CONCURRENTLY users;"),
        ("SM503", "REINDEX (VERBOSE) INDEX users_email_idx;", "REINDEX INDEX CONCURRENTLY users_email_idx;"),
        ("SM504", "ALTER TABLE users ALTER COLUMN name SET NOT NULL;", "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;"),
        ("SM505", "ALTER TABLE users ADD COLUMN plan text NOT NULL;", "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';"),
        ("SM505", "ALTER TABLE users ADD COLUMN plan text NOT NULL;", "ALTER TABLE users ADD COLUMN seq bigserial NOT NULL;"),
        (
            "SM506",
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
            "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now();",
        ),
        ("SM506", "ALTER TABLE users ADD COLUMN seq bigserial;", "ALTER TABLE users ADD COLUMN seq bigint;"),
        ("SM506", "ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", "ALTER TABLE users ADD COLUMN n int DEFAULT 0;"),
        ("SM506", "ALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (id * 2) STORED;", "ALTER TABLE users ADD COLUMN twice int;"),
        ("SM507", "ALTER TABLE users ALTER COLUMN id TYPE bigint;", "ALTER TABLE users ALTER COLUMN email TYPE varchar(100);"),
        ("SM507", "ALTER TABLE users ALTER COLUMN name TYPE jsonb USING name::jsonb;", "ALTER TABLE users ALTER COLUMN email TYPE text;"),
        ("SM507", "ALTER TABLE users ALTER COLUMN score TYPE numeric(12,4);", "ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2);"),
        (
            "SM508",
            "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES accounts (id);",
            "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID;",
        ),
        ("SM508", "ALTER TABLE users ADD CONSTRAINT pos CHECK (id > 0);", "ALTER TABLE users ADD CONSTRAINT pos CHECK (id > 0) NOT VALID;"),
        ("SM508", "ALTER TABLE users ADD COLUMN account bigint REFERENCES accounts (id);", "ALTER TABLE users ADD COLUMN account bigint;"),
        (
            "SM509",
            "ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name);",
            "ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE USING INDEX users_name_idx;",
        ),
        ("SM509", "ALTER TABLE users ADD COLUMN handle text UNIQUE;", "ALTER TABLE users ADD COLUMN handle text;"),
        ("SM510", "VACUUM FULL users;", "VACUUM (ANALYZE) users;"),
        ("SM510", "CLUSTER users USING users_email_idx;", "ALTER TABLE users CLUSTER ON users_email_idx;"),
        ("SM510", "ALTER TABLE users SET TABLESPACE fast;", "ALTER TABLE users SET (fillfactor = 90);"),
    ],
)
def test_postgres_rule_flags_the_hazard_and_not_its_safe_form(lint_sql, code, bad, good):
    assert lines(second(lint_sql, bad, USERS_INDEXED), code) == [1]
    assert lines(second(lint_sql, good, USERS_INDEXED), code) == []


STATEMENTS_ON_A_NEW_TABLE = """CREATE TABLE accounts (id bigint PRIMARY KEY, name text, n int);
CREATE INDEX accounts_name_idx ON accounts (name);
DROP INDEX accounts_name_idx;
REINDEX TABLE accounts;
ALTER TABLE accounts ALTER COLUMN name SET NOT NULL;
ALTER TABLE accounts ADD COLUMN plan text NOT NULL;
ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE accounts ALTER COLUMN n TYPE bigint;
ALTER TABLE accounts ADD CONSTRAINT accounts_user_fk FOREIGN KEY (id) REFERENCES users (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_name_key UNIQUE (name);
VACUUM FULL accounts;
"""


def test_no_lock_rule_fires_on_a_table_created_earlier_in_the_same_file(lint_sql):
    result = second(lint_sql, STATEMENTS_ON_A_NEW_TABLE)
    assert [d for d in result.active if d.code.startswith("SM5")] == []


def test_a_table_created_and_renamed_in_the_file_is_still_new(lint_sql):
    sql = "CREATE TABLE users_new (id int, name text);\nALTER TABLE users_new RENAME TO accounts;\nCREATE INDEX i ON accounts (name);\n"
    assert lines(second(lint_sql, sql), "SM501") == []


def test_a_table_dropped_and_created_again_in_an_earlier_migration_is_not_new(lint_sql):
    # Created in migration 1 (rows may have arrived since): the lock matters in migration 2.
    assert lines(second(lint_sql, "CREATE INDEX i ON users (name);"), "SM501") == [1]


def test_the_statement_creating_the_table_comes_first(lint_sql):
    # The index is on the existing table; the new table is created after it.
    sql = "CREATE INDEX i ON users (name);\nCREATE TABLE users2 (id int);\n"
    assert lines(second(lint_sql, sql), "SM501") == [1]


def test_drop_index_of_an_index_created_in_the_same_file_is_not_flagged(lint_sql):
    sql = "CREATE INDEX CONCURRENTLY i ON users (name);\nDROP INDEX i;\n"
    assert lines(second(lint_sql, sql), "SM502") == []


@pytest.mark.parametrize(
    "earlier",
    ["DROP TABLE users;", "ALTER TABLE users DROP COLUMN email;"],
    ids=["with-its-table", "with-its-column"],
)
def test_drop_index_of_an_index_already_gone_locks_nothing(lint_sql, earlier):
    # PostgreSQL drops a table's indexes with it, and every index using a dropped column: the DROP INDEX after it
    # finds nothing (IF EXISTS) or fails, and takes no lock on the table.
    for drop in ("DROP INDEX IF EXISTS users_email_idx;", "DROP INDEX users_email_idx;"):
        result = second(lint_sql, f"{earlier}\n{drop}\n", USERS_INDEXED)
        assert lines(result, "SM502") == [] and 2 not in lines(result, "SM511") + lines(result, "SM512")
    # The look-alikes: another table's drop, or a column the index does not use, leave it in place.
    result = second(lint_sql, "DROP TABLE other;\nDROP INDEX users_email_idx;\n", USERS_INDEXED + "CREATE TABLE other (id int);\n")
    assert lines(result, "SM502") == [2]
    # (each statement on its own, so that the drop does not find its table locked already by the first)
    multi = {"driver_options": {"x-multi-statement": "true"}}
    result = second(lint_sql, "ALTER TABLE users DROP COLUMN name;\nDROP INDEX users_email_idx;\n", USERS_INDEXED, **multi)
    assert lines(result, "SM502") == [2]
    result = second(lint_sql, "ALTER TABLE users DROP COLUMN email;\nDROP INDEX users_email_idx;\n", USERS_INDEXED, **multi)
    assert lines(result, "SM502") == []


def test_set_not_null_after_a_check_constraint_from_an_earlier_migration_is_not_flagged(lint_sql):
    files = {
        "000001_init.up.sql": USERS,
        "000002_check.up.sql": "ALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;",
        "000003_validate.up.sql": "ALTER TABLE users VALIDATE CONSTRAINT name_nn;",
        "000004_change.up.sql": "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
    }
    assert "SM504" not in codes(lint_sql(files))
    # PostgreSQL 11 does not use the constraint: it still scans.
    assert "SM504" in codes(lint_sql(files, postgres_version=11))


def test_any_default_rewrites_before_postgres_11(lint_sql):
    sql = "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';"
    assert lines(second(lint_sql, sql), "SM506") == []
    [finding] = found(second(lint_sql, sql, postgres_version=10), "SM506")
    assert "before 11" in finding.message


def test_one_statement_rewriting_for_several_columns_is_one_finding_naming_them(lint_sql):
    sql = "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN seq bigserial, ADD COLUMN note text;"
    [finding] = found(second(lint_sql, sql), "SM506")
    assert "users.token" in finding.message and "users.seq" in finding.message and "users.note" not in finding.message
    assert finding.span.line == 1


@pytest.mark.parametrize(
    ("before", "flagged"),
    [
        ("TRUNCATE TABLE users;", False),
        ("TRUNCATE users CASCADE;", False),
        ("DELETE FROM users;", False),
        ("DELETE FROM users WHERE id > 10;", True),  # rows may remain
        ("TRUNCATE users;\nINSERT INTO users (id) VALUES (1);", True),  # filled again
        ("TRUNCATE accounts;", True),  # another table
    ],
)
def test_a_required_column_on_a_table_emptied_earlier_in_the_file(lint_sql, before, flagged):
    sql = f"{before}\nALTER TABLE users ADD COLUMN plan text NOT NULL;\n"
    assert bool(found(second(lint_sql, sql, USERS + "CREATE TABLE accounts (id int);\n"), "SM505")) is flagged


def test_reindex_help_depends_on_the_version(lint_sql):
    [new] = found(second(lint_sql, "REINDEX TABLE users;"), "SM503")
    [old] = found(second(lint_sql, "REINDEX TABLE users;", postgres_version=11), "SM503")
    assert "REINDEX ... CONCURRENTLY" in new.help and "Before PostgreSQL 12" in old.help


def test_lock_timeout_set_earlier_in_the_file_satisfies_sm511(lint_sql):
    assert lines(second(lint_sql, "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;"), "SM511") == [1]
    assert lines(second(lint_sql, "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN a int;"), "SM511") == []
    assert lines(second(lint_sql, "SELECT set_config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN a int;"), "SM511") == []
    assert lines(second(lint_sql, "SELECT SET_Config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN a int;"), "SM511") == []
    # Another setting is no lock_timeout, however it is set.
    assert lines(
        second(lint_sql, "SELECT set_config('statement_timeout', '2s', false);\nALTER TABLE users ADD COLUMN a int;"), "SM511"
    ) == [2]
    assert lines(second(lint_sql, "SET statement_timeout = '2s';\nALTER TABLE users ADD COLUMN a int;"), "SM511") == [2]
    # Zero means no timeout at all.
    assert lines(second(lint_sql, "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a int;"), "SM511") == [2]
    # Set after the statement: too late.
    assert lines(second(lint_sql, "ALTER TABLE users ADD COLUMN a int;\nSET lock_timeout = '2s';"), "SM511") == [1]


def test_sm511_is_info_and_ignores_drops_of_whole_tables(lint_sql):
    [finding] = found(second(lint_sql, "ALTER TABLE users ADD COLUMN a int;"), "SM511")
    assert finding.severity == Severity.INFO
    assert lines(second(lint_sql, "DROP TABLE users;"), "SM511") == []


def test_small_tables_lower_lock_findings_to_info(lint_sql):
    result = second(lint_sql, "CREATE INDEX i ON users (name);", small_tables=("users",))
    [finding] = found(result, "SM501")
    assert finding.severity == Severity.INFO and "small-tables" in finding.message
    other = second(lint_sql, "CREATE INDEX i ON users (name);", small_tables=("settings",))
    assert found(other, "SM501")[0].severity == Severity.WARNING


def test_configured_severity_still_applies(lint_sql):
    result = second(lint_sql, "CREATE INDEX i ON users (name);", severity={"SM501": Severity.ERROR})
    assert found(result, "SM501")[0].severity == Severity.ERROR


def test_postgres_rules_stay_silent_on_other_dialects(lint_sql):
    result = second(lint_sql, "CREATE INDEX i ON users (name);", USERS, dialect="mysql")
    assert [d for d in result.active if d.code in {"SM501", "SM511"}] == []


def test_down_files_are_checked_too(lint_sql):
    files = {
        "000001_init.up.sql": USERS_INDEXED,
        "000002_change.up.sql": "DROP INDEX CONCURRENTLY users_email_idx;",
        "000002_change.down.sql": "CREATE INDEX users_email_idx ON users (email);",
    }
    result = lint_sql(files)
    assert [d.path.rsplit("/", 1)[1] for d in found(result, "SM501")] == ["000002_change.down.sql"]


# --- knowledge tables -------------------------------------------------------------------


def t(base: str, *params: int, values: tuple[str, ...] = ()) -> ColumnType:
    return ColumnType(base, params, values, sql=f"{base}{params or ''}")


@pytest.mark.parametrize(
    ("old", "new", "coercible"),
    [
        (t("VARCHAR", 50), t("VARCHAR", 100), True),
        (t("VARCHAR", 100), t("VARCHAR", 50), False),
        (t("VARCHAR", 50), t("TEXT"), True),
        (t("VARCHAR", 50), t("VARCHAR"), True),
        (t("TEXT"), t("VARCHAR"), True),
        (t("TEXT"), t("VARCHAR", 10), False),
        (t("DECIMAL", 10, 2), t("DECIMAL", 12, 2), True),
        (t("DECIMAL", 10, 2), t("DECIMAL", 12, 4), False),
        (t("DECIMAL", 10, 2), t("DECIMAL"), True),
        (t("INT"), t("BIGINT"), False),
        (t("CIDR"), t("INET"), True),
        (t("TIMESTAMP"), t("TIMESTAMPTZ"), False),
        (t("CHAR", 5), t("CHAR", 10), False),
    ],
)
def test_binary_coercible_type_changes(old, new, coercible):
    assert binary_coercible(old, new) is coercible


@pytest.mark.parametrize(
    ("default", "volatile"),
    [
        ("GEN_RANDOM_UUID()", "gen_random_uuid"),
        ("public.uuid_generate_v4()", "uuid_generate_v4"),
        ("NEXTVAL('s')", "nextval"),
        ("NOW()", None),
        ("CURRENT_TIMESTAMP", None),
        ("'x'", None),
        ("my_func()", None),
    ],
)
def test_volatile_defaults(default, volatile):
    assert volatile_call(default) == volatile


@pytest.mark.parametrize(
    ("old", "new", "algorithm"),
    [
        (t("VARCHAR", 100), t("VARCHAR", 200), "INPLACE"),
        (t("VARCHAR", 50), t("VARCHAR", 300), "COPY"),
        (t("VARCHAR", 50), t("VARCHAR", 200), "INPLACE"),  # crosses 255 bytes only in some character sets
        (t("ENUM", values=("a", "b")), t("ENUM", values=("a", "b", "c")), "INPLACE"),
        (t("ENUM", values=("a", "b")), t("ENUM", values=("c", "a", "b")), "COPY"),
        (t("INT"), t("BIGINT"), "COPY"),
        (t("INT"), t("INT"), None),
    ],
)
def test_mysql_type_changes(old, new, algorithm):
    assert mysql_type_change(old, new) == algorithm


# --- MySQL ------------------------------------------------------------------------------

ORDERS = "CREATE TABLE orders (id int PRIMARY KEY, status enum('new','paid'), note varchar(100), body text);\n"


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        ("SM520", "ALTER TABLE orders MODIFY id bigint;", "ALTER TABLE orders MODIFY note varchar(200);"),
        ("SM520", "ALTER TABLE orders MODIFY id bigint;", "ALTER TABLE orders MODIFY id bigint, ALGORITHM=INPLACE, LOCK=NONE;"),
        ("SM520", "ALTER TABLE orders MODIFY status enum('paid','new');", "ALTER TABLE orders MODIFY status enum('new','paid','shipped');"),
        ("SM520", "ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4;", "ALTER TABLE orders COMMENT = 'orders';"),
        ("SM520", "ALTER TABLE orders ADD INDEX i (note), ALGORITHM=COPY;", "ALTER TABLE orders ADD INDEX i (note);"),
        (
            "SM520",
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES users (id);",
            "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES users (id);",
        ),
        ("SM520", "ALTER TABLE orders DROP PRIMARY KEY;", "ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, note);"),
        (
            "SM520",
            "ALTER TABLE orders ADD COLUMN twice int AS (id * 2) STORED;",
            "ALTER TABLE orders ADD COLUMN twice int AS (id * 2) VIRTUAL;",
        ),
        ("SM522", "ALTER TABLE orders ADD FULLTEXT INDEX ft (body);", "ALTER TABLE orders ADD INDEX i (note);"),
        ("SM522", "CREATE FULLTEXT INDEX ft ON orders (body);", "CREATE INDEX i ON orders (note);"),
    ],
)
def test_mysql_rule_flags_the_hazard_and_not_its_safe_form(lint_sql, code, bad, good):
    assert lines(second(lint_sql, bad, ORDERS, "mysql"), code) == [1]
    assert lines(second(lint_sql, good, ORDERS, "mysql"), code) == []


@pytest.mark.parametrize(
    ("sql", "version", "flagged"),
    [
        ("ALTER TABLE orders ADD COLUMN extra int;", (8, 0, 11), True),
        ("ALTER TABLE orders ADD COLUMN extra int;", (8, 0, 12), False),
        ("ALTER TABLE orders ADD COLUMN extra int AFTER id;", (8, 0, 28), True),
        ("ALTER TABLE orders ADD COLUMN extra int AFTER id;", (8, 0, 29), False),
        ("ALTER TABLE orders DROP COLUMN note;", (8, 0, 28), True),
        ("ALTER TABLE orders DROP COLUMN note;", None, False),  # the default, 8.4
        ("ALTER TABLE orders ADD COLUMN extra int, ALGORITHM=INSTANT;", (5, 7), False),
        ("OPTIMIZE TABLE orders;", None, True),
    ],
)
def test_mysql_rebuilds_depend_on_the_version(lint_sql, sql, version, flagged):
    result = second(lint_sql, sql, ORDERS, "mysql", mysql_version=version)
    assert bool(lines(result, "SM521")) is flagged


@pytest.mark.parametrize(
    ("sql", "copies"),
    [
        # One statement runs with one algorithm: the most demanding of its operations decides.
        ("ALTER TABLE orders ADD pk INT UNSIGNED AUTO_INCREMENT PRIMARY KEY;", True),  # not "a primary key rebuilt in place" too
        ("ALTER TABLE orders ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8mb4;", True),  # CONVERT copies the table
        ("ALTER TABLE orders ENGINE=InnoDB;", False),  # rebuilt in place
        ("ALTER TABLE orders ADD COLUMN extra int, ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES users (id);", True),
        ("ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, note);", False),
    ],
)
def test_mysql_copy_and_rebuild_findings_never_disagree_about_a_statement(lint_sql, sql, copies):
    result = second(lint_sql, sql, ORDERS, "mysql", mysql_version=(8, 0, 11))
    assert (bool(lines(result, "SM520")), bool(lines(result, "SM521"))) == (copies, not copies)


@pytest.mark.parametrize(
    "column",
    ["g int GENERATED ALWAYS AS (id * 2)", "g int GENERATED ALWAYS AS (id * 2) VIRTUAL", "g varchar(20) AS (concat(note, '!'))"],
)
def test_a_virtual_generated_column_is_not_an_auto_increment_one(lint_sql, column):
    result = second(lint_sql, f"ALTER TABLE orders ADD COLUMN {column};", ORDERS, "mysql")
    assert lines(result, "SM520") == [] and lines(result, "SM521") == []
    stored = second(lint_sql, f"ALTER TABLE orders ADD COLUMN {column.replace(' VIRTUAL', '')} STORED;", ORDERS, "mysql")
    [finding] = found(stored, "SM520")
    assert "stored generated column g" in finding.message and "AUTO_INCREMENT" not in finding.message


def test_mysql_statements_on_a_table_created_in_the_same_file_are_not_flagged(lint_sql):
    sql = "CREATE TABLE items (id int PRIMARY KEY, body text);\nALTER TABLE items MODIFY id bigint;\nALTER TABLE items ADD FULLTEXT INDEX ft (body);\n"
    result = second(lint_sql, sql, ORDERS, "mysql", mysql_version=(5, 7))
    assert [d for d in result.active if d.code.startswith("SM5")] == []


# --- SQLite -----------------------------------------------------------------------------

NOTES = "CREATE TABLE notes (id integer PRIMARY KEY, body text, tag text UNIQUE, n int);\nCREATE INDEX notes_n ON notes (n);\n"


@pytest.mark.parametrize(
    ("bad", "good"),
    [
        ("ALTER TABLE notes ADD COLUMN slug text UNIQUE;", "ALTER TABLE notes ADD COLUMN slug text;"),
        ("ALTER TABLE notes ADD COLUMN k int PRIMARY KEY;", "ALTER TABLE notes ADD COLUMN k int;"),
        ("ALTER TABLE notes ADD COLUMN k int NOT NULL;", "ALTER TABLE notes ADD COLUMN k int NOT NULL DEFAULT 0;"),
        ("ALTER TABLE notes ADD COLUMN at text DEFAULT CURRENT_TIMESTAMP;", "ALTER TABLE notes ADD COLUMN at text DEFAULT 'now';"),
        ("ALTER TABLE notes ADD COLUMN k int DEFAULT (1 + 1);", "ALTER TABLE notes ADD COLUMN k int DEFAULT -1;"),
        ("ALTER TABLE notes ADD COLUMN k int AS (n + 1) STORED;", "ALTER TABLE notes ADD COLUMN k int AS (n + 1);"),
        ("ALTER TABLE notes DROP COLUMN n;", "ALTER TABLE notes DROP COLUMN body;"),
        ("ALTER TABLE notes DROP COLUMN tag;", "DROP INDEX notes_n;"),
    ],
)
def test_sqlite_alter_forms_that_fail(lint_sql, bad, good):
    assert lines(second(lint_sql, bad, NOTES, "sqlite"), "SM530") == [1]
    assert lines(second(lint_sql, good, NOTES, "sqlite"), "SM530") == []


LINKS = (
    "CREATE TABLE users (id integer PRIMARY KEY);\n"
    "CREATE TABLE links (id integer PRIMARY KEY, a int REFERENCES users(id), b int, c int CHECK (c > 0), d int CHECK (d > b), e int,"
    " FOREIGN KEY (b) REFERENCES users(id), CHECK (e > 0));\n"
)


@pytest.mark.parametrize(
    ("column", "fails"),
    [
        ("a", False),  # its own REFERENCES goes with it
        ("c", False),  # its own CHECK too
        ("b", True),  # a table FOREIGN KEY names it, and another column's CHECK reads it
        ("e", True),  # a table CHECK reads it
        ("d", False),  # its own CHECK reads another column: it goes with it
    ],
)
def test_sqlite_drop_column_as_sqlite_itself_decides(lint_sql, column, fails):
    import sqlite3

    result = second(lint_sql, f"ALTER TABLE links DROP COLUMN {column};", LINKS, "sqlite")
    assert bool(lines(result, "SM530")) is fails
    # The same answer from SQLite's own library, on the same tables.
    db = sqlite3.connect(":memory:")
    db.executescript(LINKS)
    try:
        db.execute(f"ALTER TABLE links DROP COLUMN {column}")
        refused = False
    except sqlite3.OperationalError:
        refused = True
    assert refused is fails


def test_sqlite_column_added_with_its_own_references_can_be_dropped(lint_sql):
    files = {
        "000001_init.up.sql": "CREATE TABLE users (id integer PRIMARY KEY);\nCREATE TABLE notes (id integer PRIMARY KEY);\n",
        "000002_link.up.sql": "ALTER TABLE notes ADD COLUMN user_id int NULL REFERENCES users (id) ON DELETE CASCADE;\n",
        "000002_link.down.sql": "ALTER TABLE notes DROP COLUMN user_id;\n",
    }
    assert [d for d in lint_sql(files, "sqlite").active if d.code == "SM530"] == []


def test_sqlite_findings_carry_sqlites_own_words(lint_sql):
    [finding] = found(second(lint_sql, "ALTER TABLE notes DROP COLUMN n;", NOTES, "sqlite"), "SM530")
    assert 'SQLite: "error in index notes_n after drop column: no such column: n"' in finding.message
    [finding] = found(second(lint_sql, "ALTER TABLE notes ADD COLUMN k int NOT NULL;", NOTES, "sqlite"), "SM530")
    assert 'SQLite: "Cannot add a NOT NULL column with default value NULL"' in finding.message


def test_a_statement_sqlites_grammar_rejects_is_a_syntax_error_not_an_alter_failure(lint_sql):
    result = second(lint_sql, "ALTER TABLE notes ADD created_at timestamp NOT NULL DEFAULT now();", NOTES, "sqlite")
    assert lines(result, "SM530") == [] and lines(result, "SM001") == [1]


def test_sqlite_row_dependent_failures_do_not_apply_to_a_table_created_in_the_file(lint_sql):
    sql = "CREATE TABLE tags (id integer PRIMARY KEY);\nALTER TABLE tags ADD COLUMN k int NOT NULL;\nALTER TABLE tags ADD COLUMN u int UNIQUE;\n"
    # NOT NULL without a default works on an empty table; UNIQUE never does.
    assert lines(second(lint_sql, sql, NOTES, "sqlite"), "SM530") == [3]


@pytest.mark.parametrize(
    ("sql", "version", "flagged"),
    [
        ("ALTER TABLE notes DROP COLUMN body;", (3, 34, 1), True),
        ("ALTER TABLE notes DROP COLUMN body;", (3, 35), False),
        ("ALTER TABLE notes RENAME COLUMN body TO text;", (3, 24), True),
        ("ALTER TABLE notes RENAME COLUMN body TO text;", (3, 25), False),
        ("ALTER TABLE notes ADD COLUMN k int AS (n + 1);", (3, 30), True),
        ("ALTER TABLE notes ADD COLUMN k int AS (n + 1);", None, False),
    ],
)
def test_sqlite_versions(lint_sql, sql, version, flagged):
    result = second(lint_sql, sql, NOTES, "sqlite", sqlite_version=version)
    assert bool(lines(result, "SM530")) is flagged


# --- configuration ----------------------------------------------------------------------


def test_version_and_small_table_settings_are_read_and_checked():
    config = apply_settings(
        Config(), {"postgres-version": "9.6", "mysql-version": "8.0.29", "sqlite-version": "3.35", "small-tables": ["settings"]}, [], "t"
    )
    assert (config.postgres_version, config.mysql_version, config.sqlite_version, config.small_tables) == (
        9,
        (8, 0, 29),
        (3, 35),
        ("settings",),
    )
    for bad in ({"mysql-version": "eight"}, {"sqlite-version": "3.x"}, {"small-tables": 3}, {"mysql-version": True}):
        with pytest.raises(ConfigError):
            apply_settings(Config(), bad, [], "t")


# --- transactions (the execution model) --------------------------------------------------


def test_a_lock_held_across_a_backfill_or_another_tables_lock_is_flagged(lint_sql):
    sql = "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\nUPDATE users SET a = 1;\nALTER TABLE accounts ADD COLUMN c int;\n"
    first = USERS + "CREATE TABLE accounts (id int);\n"
    # One per transaction, at the statement that takes the lock, naming what it is held across.
    [finding] = found(second(lint_sql, sql, first), "SM512")
    assert finding.span.line == 1
    assert "across line 3, which UPDATEs rows of users; line 4, which waits for an ACCESS EXCLUSIVE lock on accounts" in finding.message
    assert [r.span.line for r in finding.related] == [3, 4]
    # A lock_timeout bounds the wait for the other table's lock; the backfill still runs under the lock.
    [finding] = found(second(lint_sql, "SET lock_timeout = '2s';\n" + sql, first), "SM512")
    assert finding.span.line == 2 and "across line 4, which UPDATEs rows of users:" in finding.message


def test_a_lock_the_transaction_already_holds_adds_no_hazard(lint_sql):
    # A second rewrite of the table takes the same lock for its own duration anyway.
    sql = "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n"
    assert lines(second(lint_sql, sql), "SM512") == []
    assert lines(second(lint_sql, sql), "SM507") == [2]  # the rewrite itself is still reported
    # DROP INDEX on a table the transaction already locked waits for nobody: not SM502.
    sql = "ALTER TABLE users ADD COLUMN a int;\nDROP INDEX users_email_idx;\n"
    assert lines(second(lint_sql, sql, USERS_INDEXED), "SM502") == []
    # ... but it is the first lock of its transaction, or in a transaction of its own, it is.
    assert lines(second(lint_sql, "DROP INDEX users_email_idx;\nALTER TABLE users ADD COLUMN a int;\n", USERS_INDEXED), "SM502") == [1]
    sql = "BEGIN;\nALTER TABLE users ADD COLUMN a int;\nCOMMIT;\nBEGIN;\nDROP INDEX users_email_idx;\nSELECT 1;\nCOMMIT;\n"
    assert lines(second(lint_sql, sql, USERS_INDEXED), "SM502") == [5]
    # Work on another table while the lock is held still is a hazard, and a backfill of the locked table too.
    sql = "ALTER TABLE users ADD COLUMN a int;\nCREATE INDEX i ON accounts (id);\n"
    assert lines(second(lint_sql, sql, USERS + "CREATE TABLE accounts (id int);\n"), "SM512") == [1]


def test_statements_in_separate_transactions_do_not_hold_each_others_locks(lint_sql):
    sql = "BEGIN;\nALTER TABLE users ADD COLUMN a int;\nCOMMIT;\nUPDATE users SET a = 1;\n"
    assert lines(second(lint_sql, sql), "SM512") == []
    multi = "ALTER TABLE users ADD COLUMN a int;\nUPDATE users SET a = 1;\n"
    assert lines(second(lint_sql, multi), "SM512") == [1]
    assert lines(second(lint_sql, multi, driver_options={"x-multi-statement": "true"}), "SM512") == []


def test_cockroachdb_changes_schemas_online(lint_sql):
    result = second(lint_sql, "CREATE INDEX i ON users (name);\nALTER TABLE users ALTER COLUMN id TYPE bigint;", driver="cockroachdb")
    assert [d for d in result.active if d.code.startswith("SM5")] == []


def _fixed(files: dict[str, str], tmp_path, **settings) -> tuple[list, str]:
    """SM508's findings, and migration 2 with their fixes applied."""
    from conftest import write_migrations

    from safemig_lint.analysis.schema.history import History
    from safemig_lint.checks.base import FileContext
    from safemig_lint.checks.sm508_constraint_validates_under_lock import ConstraintValidatesUnderLock
    from safemig_lint.engine import read_and_parse
    from safemig_lint.reading.discovery import discover

    config = Config(**settings)
    directory = discover([str(write_migrations(tmp_path / "fix", files))], []).directories[0]
    parsed = {f.path: read_and_parse(f.path, config) for f in directory.files()}
    migration = directory.migrations[1]
    up = migration.ups[0]
    context = FileContext(up, parsed[up.path], migration, None, "postgres", History(directory, parsed, "postgres"), config)
    findings = [f for s in context.parsed.statements for f in ConstraintValidatesUnderLock().check_statement(s, context)]
    text = context.parsed.text
    for edit in sorted((e for f in findings for e in f.fix), key=lambda e: -e.start):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return findings, text


def test_not_valid_fix_only_where_each_statement_commits_on_its_own(tmp_path):
    files = {
        "000001_init.up.sql": USERS + "CREATE TABLE accounts (id int PRIMARY KEY);\n",
        "000002_change.up.sql": "ALTER TABLE users ADD CONSTRAINT users_account_fk FOREIGN KEY (id) REFERENCES accounts (id);\n",
    }
    findings, text = _fixed(files, tmp_path / "a", driver_options={"x-multi-statement": "true"})
    assert len(findings) == 1 and "Fix:" in findings[0].help
    assert text == (
        "ALTER TABLE users ADD CONSTRAINT users_account_fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID;\n"
        "ALTER TABLE users VALIDATE CONSTRAINT users_account_fk;\n"
    )
    # One transaction for the whole file: validating there would still hold the first lock.
    findings, text = _fixed(files, tmp_path / "b")
    assert len(findings) == 1 and findings[0].fix == () and text == files["000002_change.up.sql"]


def test_one_lock_held_finding_per_transaction(lint_sql):
    block = "BEGIN;\nALTER TABLE users ADD COLUMN {0} int;\nUPDATE users SET {0} = 1;\nUPDATE users SET {0} = 2;\nCOMMIT;\n"
    assert lines(second(lint_sql, block.format("a") + block.format("b")), "SM512") == [2, 7]


def test_keys_sqlglot_cannot_parse_are_still_read_by_kind(lint_sql):
    # sqlglot keeps this ALTER TABLE as text; the text reader still knows a CHECK is added.
    bad = "ALTER TABLE users ADD CHECK (name ~~ 'x%' OR id = 2);"
    assert lines(second(lint_sql, bad), "SM508") == [1]
    assert lines(second(lint_sql, bad.replace(");", ") NOT VALID;")), "SM508") == []


def test_sqlite_drop_column_after_dropping_its_index_in_the_same_file(lint_sql):
    assert lines(second(lint_sql, "DROP INDEX notes_n;\nALTER TABLE notes DROP COLUMN n;", NOTES, "sqlite"), "SM530") == []
    # Dropping the index after the column is too late.
    assert lines(second(lint_sql, "ALTER TABLE notes DROP COLUMN n;\nDROP INDEX notes_n;", NOTES, "sqlite"), "SM530") == [1]
    # A partial index's WHERE clause counts as a use too.
    partial = NOTES + "CREATE INDEX notes_live ON notes (id) WHERE body IS NOT NULL;\n"
    assert lines(second(lint_sql, "ALTER TABLE notes DROP COLUMN body;", partial, "sqlite"), "SM530") == [1]


def test_no_lock_finding_on_a_table_the_same_file_drops_later(lint_sql):
    """A down file dropping an index, then its table: the table's drop takes the lock anyway."""
    result = lint_sql(
        {
            "000001_books.up.sql": "CREATE TABLE books (id bigint PRIMARY KEY, owner bigint);\nCREATE INDEX books_owner_idx ON books (owner);\n",
            "000001_books.down.sql": "DROP INDEX books_owner_idx;\nDROP TABLE books;\n",
            "000002_books_title.up.sql": "CREATE INDEX books_owner_idx2 ON books (owner);\n",
            "000002_books_title.down.sql": "DROP INDEX books_owner_idx2;\n",
        }
    )
    drops = [(d.path.rsplit("/", 1)[-1], d.code) for d in result.active if d.code in ("SM501", "SM502")]
    assert drops == [("000002_books_title.down.sql", "SM502"), ("000002_books_title.up.sql", "SM501")]


COMMAND_TEXTS = [
    "LOCK TABLE users IN SHARE MODE;",
    "lock users;",
    "Vacuum FULL users;",
    "VACUUM (FULL, ANALYZE) users;",
    "vacuum users;",
    "CLUSTER users USING users_email_idx;",
    "cluster verbose users;",
    "(SELECT 1);",
    '"LOCK" TABLE users;',
    "_lock users;",
    "CREATE TABLE clusters (id int);",
    "COMMENT ON TABLE users IS 'lock';",
    "LOCKED;",
    "VACUUMING;",
    "Clock users;",
    "L;",
    "l users;",
    "CLUSTERING users;",
    "Vẚcuum FULL users;",
    "cluſter users;",
]


@pytest.mark.parametrize("text", [*COMMAND_TEXTS, "ılock;", "ſ;", "Cı;", "C", "", "  VACUUM FULL users;", "/* x */ LOCK users;"])
def test_first_word_may_be_whenever_the_first_word_is(text):
    """first_word_may_be tells from a text's first two characters alone; never False where the first word is one."""
    from safemig_lint.analysis.locks import first_text_word, first_word_may_be
    from safemig_lint.reading.statements import Statement

    statement = Statement(0, len(text), text, [], None)
    words = ("LOCK", "VACUUM", "CLUSTER", "CI")
    assert first_word_may_be(statement, words) or first_text_word(statement) not in words
    start = text[:2].upper()
    if text[:1].isascii() and text[:1].isalpha() and len(start) <= 2:  # a set look-up of the first two: as each word was asked
        assert first_word_may_be(statement, words) == any(word.startswith(start) for word in words)


def test_command_locks_first_letter_gate_answers_as_the_first_word_does(monkeypatch):
    """command_locks turns away a statement whose text starts with two letters LOCK, VACUUM and CLUSTER do not
    start with, before searching for its first word: the same locks as with every first word searched."""
    from conftest import FIXTURES

    from safemig_lint.analysis import locks
    from safemig_lint.checks.base import FileContext
    from safemig_lint.reading.discovery import Migration, MigrationFile
    from safemig_lint.reading.statements import parse_file

    texts = COMMAND_TEXTS + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    file = MigrationFile(FIXTURES / "000001_x.up.sql", "000001_x.up.sql", 1, "x", "up")
    contexts = [FileContext(file, parse_file(text, "postgres"), Migration(1, [file]), None, "postgres") for text in texts]

    def command_locks():
        return [locks.command_locks(s, c) for c in contexts for s in c.parsed.statements]

    gated = command_locks()
    monkeypatch.setattr(locks, "first_word_may_be", lambda statement, words: True)
    assert command_locks() == gated
    assert sum(map(bool, gated)) >= 6  # the comparison is between real locks


SETTING_TEXTS = [
    "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a int;",
    "set LOCK_TIMEOUT to 0;\nALTER TABLE users ADD COLUMN a int;",
    "SET SESSION lock_timeout = 1000;\nSET lock_timeout = DEFAULT;\nALTER TABLE users ADD COLUMN a int;",
    "SELECT set_config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN a int;",
    "SELECT SET_CONFIG('Lock_Timeout', '2s', true);\nCREATE INDEX i ON users (a);",
    "SET foreign_key_checks = 0;\nALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES t (id);\nSET foreign_key_checks = 1;\nSELECT 1;",
    "SET @@SESSION.FOREIGN_KEY_CHECKS = OFF;\nALTER TABLE users ADD COLUMN a int;",
    "SET statement_timeout = '5s';\nALTER TABLE users ADD COLUMN a int;",
]


def test_settings_are_followed_only_in_files_naming_them_with_the_same_answers(monkeypatch):
    """FileLocks reads `SET lock_timeout` and `foreign_key_checks` from a file whose text names either (else
    every statement is searched, as in a file that is not ASCII): the statements after each are the same."""
    from conftest import FIXTURES

    from safemig_lint.analysis.locks import FileLocks
    from safemig_lint.checks.base import FileContext
    from safemig_lint.reading.discovery import Migration, MigrationFile
    from safemig_lint.reading.statements import parse_file

    texts = SETTING_TEXTS + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    file = MigrationFile(FIXTURES / "000001_x.up.sql", "000001_x.up.sql", 1, "x", "up")

    def settled(lowered_too: bool) -> list[tuple[list[int], list[int]]]:
        found = []
        for dialect in ("postgres", "mysql"):
            for text in texts:
                context = FileContext(file, parse_file(text, dialect), Migration(1, [file]), None, dialect)
                if not lowered_too:
                    context.lowered = None  # as in a file that is not ASCII
                locks = FileLocks(context)
                statements = context.parsed.statements
                found.append(
                    (
                        [i for i, s in enumerate(statements) if locks.lock_timeout_before(s)],
                        [i for i, s in enumerate(statements) if locks.foreign_key_checks_off_before(s)],
                    )
                )
        return found

    gated = settled(lowered_too=True)
    assert gated == settled(lowered_too=False)
    assert sum(bool(timeouts) for timeouts, _ in gated) >= 8 and sum(bool(off) for _, off in gated) >= 4  # real settings compared


def test_sm510_first_letter_gate_finds_what_every_first_word_searched_finds(monkeypatch):
    """SM510 turns away a statement whose text starts with two letters VACUUM and CLUSTER do not start with."""
    from conftest import FIXTURES

    from safemig_lint.checks import sm510_table_rewrite_command as sm510
    from safemig_lint.checks.base import FileContext
    from safemig_lint.reading.discovery import Migration, MigrationFile
    from safemig_lint.reading.statements import parse_file

    texts = COMMAND_TEXTS + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
    file = MigrationFile(FIXTURES / "000001_x.up.sql", "000001_x.up.sql", 1, "x", "up")
    contexts = [FileContext(file, parse_file(text, "postgres"), Migration(1, [file]), None, "postgres") for text in texts]

    def findings():
        rule = sm510.TableRewriteCommand()
        return [list(rule.check_file(c)) for c in contexts]

    gated = findings()
    monkeypatch.setattr(sm510, "first_word_may_be", lambda statement, words: True)
    assert findings() == gated
    assert sum(map(bool, gated)) >= 4  # the comparison is between real findings


def test_sm511_and_sm512_read_only_the_locking_statements_with_the_same_findings(monkeypatch, tmp_path):
    """FileLocks.locking leaves out the statements that lock nothing, and SM512 starts at the first one locking a table
    ACCESS EXCLUSIVE: on every fixture and these texts, the same findings as reading every statement from the first."""
    from conftest import FIXTURES, write_migrations

    from safemig_lint.analysis.locks import FileLocks
    from safemig_lint.config import Config
    from safemig_lint.engine import lint

    texts = [
        "CREATE INDEX i ON users (a);\nALTER TABLE users ADD COLUMN b int;\nUPDATE users SET b = 1;",
        "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN b int;\nCREATE INDEX j ON orders (a);",
        "BEGIN;\nALTER TABLE users ADD COLUMN b int;\nCOMMIT;\nBEGIN;\nCREATE INDEX j ON orders (a);\nALTER TABLE orders ADD COLUMN c int;\nCOMMIT;",
        "LOCK TABLE users;\nVACUUM FULL orders;\nALTER TABLE orders ADD COLUMN c int NOT NULL DEFAULT random();",
    ]
    base = "CREATE TABLE users (id int, a int);\nCREATE TABLE orders (id int, a int);\n"
    folders = [str(path) for path in sorted(FIXTURES.iterdir()) if path.is_dir()]
    for number, text in enumerate(texts):
        files = {"000001_base.up.sql": base, "000002_change.up.sql": text, "000002_change.down.sql": "SELECT 1;\n"}
        folders.append(str(write_migrations(tmp_path / f"m{number}", files)))

    def findings() -> list[tuple]:
        diagnostics = lint(folders, Config(dialect="postgres")).diagnostics
        return sorted(d.sort_key for d in diagnostics if d.code in ("SM511", "SM512"))

    chosen = findings()
    monkeypatch.setattr(FileLocks, "locking", property(lambda self: self.context.parsed.statements))
    monkeypatch.setattr(FileLocks, "position", lambda self, statement: 0)
    assert findings() == chosen
    assert {key[3] for key in chosen} == {"SM511", "SM512"} and len(chosen) >= 8  # real findings compared

"""Correct SQL that looks like a broken rollback or a data loss: none of these may be flagged."""

from __future__ import annotations

NOT_ABOUT_ROLLBACKS = {"SM301", "SM302", "SM303", "SM304"}  # re-run and execution rules: not what these tests are about
# SM204 asks whether the rows written between up and down still fit a constraint the down puts back: a
# down that restores a CHECK exactly is its very case. These look-alikes are about the schema; SM204's own
# are in tests/test_rollback_rules.py.
NOT_ABOUT_ROLLBACKS.add("SM204")


def findings(result) -> list[tuple[str, str, int]]:
    # Locking rules (SM5xx) judge how a statement runs on a live table, not what it does to the data.
    return [
        (d.code, d.path.rsplit("/", 1)[-1], d.span.line)
        for d in result.active
        if d.code not in NOT_ABOUT_ROLLBACKS and not d.code.startswith("SM5")
    ]


def test_a_down_dropping_the_schema_its_up_created_removes_what_is_inside(lint_sql):
    up = "CREATE SCHEMA app;\nCREATE TABLE app.users (id int);\nCREATE TYPE app.mood AS ENUM ('a');\nCREATE SEQUENCE app.ids;\n"
    for down in ("DROP SCHEMA app CASCADE;\n", "DROP SCHEMA IF EXISTS app CASCADE;\n"):
        assert findings(lint_sql({"1_a.up.sql": up, "1_a.down.sql": down})) == []
    # Without removing what is inside, the down leaves it behind.
    result = lint_sql({"1_a.up.sql": up, "1_a.down.sql": "DROP TYPE app.mood;\n"})
    assert ("SM201", "1_a.down.sql", 1) in findings(result)


def test_a_mysql_down_dropping_the_database_its_up_created(lint_sql):
    up = "CREATE DATABASE app;\nCREATE TABLE app.users (id int);\n"
    assert findings(lint_sql({"1_a.up.sql": up, "1_a.down.sql": "DROP DATABASE app;\n"}, dialect="mysql")) == []


def test_an_up_that_only_validates_constraints_or_holds_only_comments_needs_no_down(lint_sql):
    base = {
        "0_base.up.sql": "CREATE TABLE t (x int);\nALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\n",
        "0_base.down.sql": "DROP TABLE t;\n",
    }
    files = {
        **base,
        "1_a.up.sql": "-- Validated apart from 0 so that it takes no long lock.\nALTER TABLE t VALIDATE CONSTRAINT c;\n",
        "2_b.up.sql": "-- nothing left to do here\n/* kept for the version number */\n",
        "3_c.up.sql": "ALTER TABLE ONLY t VALIDATE CONSTRAINT c;\nANALYZE t;\n",
        "3_c.down.sql": "-- nothing to undo\n",
    }
    assert findings(lint_sql(files)) == []
    # An up that does change something still needs its down.
    files = {**base, "1_a.up.sql": "ALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ADD COLUMN y int;\n"}
    assert findings(lint_sql(files)) == [("SM004", "1_a.up.sql", 1)]
    files = {**base, "1_a.up.sql": "ALTER TABLE t ADD COLUMN y int;\n", "1_a.down.sql": "-- todo\n"}
    assert findings(lint_sql(files)) == [("SM005", "1_a.down.sql", 1)]
    files = {**base, "1_a.up.sql": "SELECT setval('t_id_seq', 100);\n"}
    assert findings(lint_sql(files)) == [("SM004", "1_a.up.sql", 1)]


def test_names_equal_in_their_first_63_bytes_are_one_name_in_postgres(lint_sql):
    long = "index_on_the_orders_table_by_customer_and_creation_time_for_reports"  # 67 bytes
    base = {"0_base.up.sql": "CREATE TABLE orders (customer int, created timestamptz);\n", "0_base.down.sql": "DROP TABLE orders;\n"}
    files = {**base, "1_a.up.sql": f"CREATE INDEX {long} ON orders (customer, created);\n", "1_a.down.sql": f"DROP INDEX {long[:63]};\n"}
    assert findings(lint_sql(files)) == []
    # Cut at a character boundary: 31 two-byte letters are 62 bytes, the 32nd does not fit.
    accented = "é" * 40
    files = {**base, "1_a.up.sql": f'CREATE INDEX "{accented}" ON orders (customer);\n', "1_a.down.sql": f'DROP INDEX "{"é" * 31}";\n'}
    assert findings(lint_sql(files)) == []
    files = {**base, "1_a.up.sql": f"CREATE INDEX {long} ON orders (customer);\n", "1_a.down.sql": f"DROP INDEX {long[:62]};\n"}
    assert ("SM201", "1_a.down.sql", 1) in findings(lint_sql(files))


def test_a_foreign_key_follows_the_column_and_the_table_it_references_when_they_are_renamed(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE accounts (big_id bigint PRIMARY KEY);\nCREATE TABLE posts (account bigint REFERENCES accounts (big_id));\n",
        "0_base.down.sql": "DROP TABLE posts;\nDROP TABLE accounts;\n",
        "1_rename.up.sql": "ALTER TABLE accounts RENAME COLUMN big_id TO id;\nALTER TABLE accounts RENAME TO users;\n",
        "1_rename.down.sql": "ALTER TABLE users RENAME TO accounts;\nALTER TABLE accounts RENAME COLUMN id TO big_id;\n",
        # The key is dropped and put back under the new names: the same key as before.
        "2_fk.up.sql": "ALTER TABLE posts DROP CONSTRAINT posts_account_fkey;\n",
        "2_fk.down.sql": "ALTER TABLE posts ADD CONSTRAINT posts_account_fkey FOREIGN KEY (account) REFERENCES users (id);\n",
    }
    assert [f for f in findings(lint_sql(files)) if f[0] != "SM108"] == []
    files["2_fk.down.sql"] = "ALTER TABLE posts ADD CONSTRAINT posts_account_fkey FOREIGN KEY (account) REFERENCES users (other);\n"
    assert ("SM201", "2_fk.down.sql", 1) in findings(lint_sql(files))


def test_check_expressions_compare_after_normalisation(lint_sql):
    # The first as pg_dump shows it; the down wrote it by hand.
    base = {
        "0_base.up.sql": "CREATE TABLE t (x text, Y varchar(9), CONSTRAINT t_x_check CHECK ((x <> ''::text)), "
        "CONSTRAINT t_y_check CHECK (((y)::text <> 'none'::character varying)));\n",
        "0_base.down.sql": "DROP TABLE t;\n",
    }
    files = {
        **base,
        "1_a.up.sql": "ALTER TABLE t DROP CONSTRAINT t_x_check, DROP CONSTRAINT t_y_check;\n",
        "1_a.down.sql": "ALTER TABLE t ADD CONSTRAINT t_x_check CHECK (x != '');\n"
        "ALTER TABLE t ADD CONSTRAINT t_y_check CHECK (Y::text <> 'none');\n",
    }
    assert findings(lint_sql(files)) == []
    files["1_a.down.sql"] = (
        "ALTER TABLE t ADD CONSTRAINT t_x_check CHECK (x != 'a');\nALTER TABLE t ADD CONSTRAINT t_y_check CHECK (y::text <> 'none');\n"
    )
    assert findings(lint_sql(files)) == [("SM201", "1_a.down.sql", 1)]


def test_a_down_may_drop_what_its_up_created_through_a_rebuild(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE legacy (id int, body text);\n",
        "0_base.down.sql": "DROP TABLE legacy;\n",
        "1_a.up.sql": "CREATE TABLE notes_new (id int, body text);\nINSERT INTO notes_new (id, body) SELECT id, body FROM legacy;\n"
        "ALTER TABLE notes_new RENAME TO notes;\n",
        "1_a.down.sql": "DROP TABLE notes;\n",
    }
    assert findings(lint_sql(files, dialect="sqlite")) == []
    files["1_a.down.sql"] = "DROP TABLE legacy;\nDROP TABLE notes;\n"  # legacy predates the migration
    assert findings(lint_sql(files, dialect="sqlite")) == [("SM101", "1_a.down.sql", 1)]
    # A rebuild under the same name: the rows of `notes` predate the migration, and a down
    # that drops it without copying them back loses them.
    files = {
        "0_base.up.sql": "CREATE TABLE notes (id int, body text);\n",
        "0_base.down.sql": "DROP TABLE notes;\n",
        "1_a.up.sql": "CREATE TABLE notes_new (id int, body text, tag text);\nINSERT INTO notes_new (id, body) SELECT id, body FROM notes;\n"
        "DROP TABLE notes;\nALTER TABLE notes_new RENAME TO notes;\n",
        "1_a.down.sql": "DROP TABLE notes;\nCREATE TABLE notes (id int, body text);\n",
    }
    assert ("SM101", "1_a.down.sql", 1) in findings(lint_sql(files, dialect="sqlite"))


def test_a_column_the_down_adds_back_and_fills_again_lost_no_data(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE users (id int, phone text);\n",
        "0_base.down.sql": "DROP TABLE users;\n",
        "1_a.up.sql": "CREATE TABLE user_phones (user_id int, phone text);\n"
        "INSERT INTO user_phones (user_id, phone) SELECT id, phone FROM users;\n"
        "ALTER TABLE users DROP COLUMN phone;\n",
        "1_a.down.sql": "ALTER TABLE users ADD COLUMN phone text;\n"
        "UPDATE users SET phone = p.phone FROM user_phones p WHERE p.user_id = users.id;\n"
        "DROP TABLE user_phones;\n",
    }
    # The up's drop is still reported: the running application may read the column.
    assert findings(lint_sql(files)) == [("SM102", "1_a.up.sql", 3)]
    files["1_a.down.sql"] = "ALTER TABLE users ADD COLUMN phone text;\nUPDATE users SET phone = '';\nDROP TABLE user_phones;\n"
    assert ("SM202", "1_a.down.sql", 1) in findings(lint_sql(files))


def test_swapping_a_column_for_a_new_one_of_another_type_loses_no_data(lint_sql):
    base = {"0_base.up.sql": "CREATE TABLE t (id int, amount text);\n", "0_base.down.sql": "DROP TABLE t;\n"}
    swap = (
        "ALTER TABLE t RENAME COLUMN amount TO amount_old;\nALTER TABLE t ADD COLUMN amount {type};\n"
        "UPDATE t SET amount = amount_old::{type};\nALTER TABLE t DROP COLUMN amount_old;\n"
    )
    files = {**base, "1_a.up.sql": swap.format(type="numeric"), "1_a.down.sql": swap.format(type="text")}
    assert findings(lint_sql(files)) == []
    # Without the copy the old values are gone.
    no_copy = swap.format(type="numeric").replace("UPDATE t SET amount = amount_old::numeric;\n", "")
    files = {**base, "1_a.up.sql": no_copy, "1_a.down.sql": swap.format(type="text")}
    assert ("SM102", "1_a.up.sql", 3) in findings(lint_sql(files))
    # Copying into a new column under a new name: the running application still reads the old one.
    files = {
        **base,
        "1_a.up.sql": "ALTER TABLE t ADD COLUMN total numeric;\nUPDATE t SET total = amount::numeric;\nALTER TABLE t DROP COLUMN amount;\n",
    }
    assert ("SM102", "1_a.up.sql", 3) in findings(lint_sql(files))


TRIGGER_FUNCTION = """CREATE TABLE pipelines (id serial PRIMARY KEY, name text, created date, token uuid, paused boolean);
CREATE FUNCTION on_pipeline_insert() RETURNS trigger AS $$
BEGIN
  EXECUTE format('CREATE TABLE pipeline_events_%s () INHERITS (events)', NEW.{field});
  EXECUTE 'ANALYZE pipeline_events_' || NEW.{field};
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER pipeline_insert AFTER INSERT ON pipelines FOR EACH ROW EXECUTE PROCEDURE on_pipeline_insert();
"""


def sm401(result) -> list[tuple[str, int]]:
    return [(d.path.rsplit("/", 1)[-1], d.span.line) for d in result.active if d.code == "SM401"]


def test_a_value_whose_type_cannot_carry_a_quote_may_be_spliced_into_dynamic_sql(lint_sql):
    down = "DROP TRIGGER pipeline_insert ON pipelines;\nDROP FUNCTION on_pipeline_insert();\nDROP TABLE pipelines;\n"
    for field in ("id", "created", "token", "paused"):
        assert sm401(lint_sql({"1_a.up.sql": TRIGGER_FUNCTION.format(field=field), "1_a.down.sql": down})) == []
    # text can carry a quote: NEW.name is flagged, at both sinks.
    assert sm401(lint_sql({"1_a.up.sql": TRIGGER_FUNCTION.format(field="name"), "1_a.down.sql": down})) == [
        ("1_a.up.sql", 4),
        ("1_a.up.sql", 5),
    ]


def test_the_trigger_may_come_in_a_later_migration_and_rows_read_in_a_loop_have_their_columns_types(lint_sql):
    function, trigger = TRIGGER_FUNCTION.format(field="id").rsplit("CREATE TRIGGER", 1)
    loop = (
        "DO $$\nDECLARE\n  p record;\nBEGIN\n  FOR p IN SELECT id, name FROM pipelines LOOP\n"
        "    EXECUTE format('DROP TABLE IF EXISTS pipeline_events_%s', p.id);\n"
        "    EXECUTE format('DROP TABLE IF EXISTS events_%s', p.name);\n  END LOOP;\nEND $$;\n"
    )
    files = {
        "1_a.up.sql": function,
        "1_a.down.sql": "DROP FUNCTION on_pipeline_insert();\nDROP TABLE pipelines;\n",
        "2_b.up.sql": "CREATE TRIGGER" + trigger,
        "2_b.down.sql": "DROP TRIGGER pipeline_insert ON pipelines;\n",
        "3_c.up.sql": loop,
        "3_c.down.sql": "SELECT 1;\n",
    }
    assert sm401(lint_sql(files)) == [("3_c.up.sql", 7)]
    # Without the schema model's word on the table, the value is not known to be safe.
    files = {"1_a.up.sql": loop.replace("pipelines", "elsewhere"), "1_a.down.sql": "SELECT 1;\n"}
    assert sm401(lint_sql(files)) == [("1_a.up.sql", 6), ("1_a.up.sql", 7)]


def test_the_other_order_of_a_column_swap_add_copy_drop_rename(lint_sql):
    base = {"0_base.up.sql": "CREATE TABLE flows (id int, url text);\n", "0_base.down.sql": "DROP TABLE flows;\n"}
    swap = (
        "ALTER TABLE flows ADD COLUMN url_new varchar(1024) NOT NULL DEFAULT '';\n"
        "UPDATE flows SET url_new = substr(url, 1, 1024);\n"
        "ALTER TABLE flows DROP COLUMN url;\n"
        "ALTER TABLE flows RENAME COLUMN url_new TO url;\n"
    )
    files = {
        **base,
        "1_a.up.sql": swap,
        "1_a.down.sql": swap.replace("varchar(1024) NOT NULL DEFAULT ''", "text").replace("substr(url, 1, 1024)", "url"),
    }
    assert [f for f in findings(lint_sql(files, dialect="sqlite")) if f[0] != "SM107"] == []
    # The copy kept under another name: clients reading `url` break, and it is reported.
    files["1_a.up.sql"] = swap.replace("RENAME COLUMN url_new TO url", "RENAME COLUMN url_new TO link")
    assert ("SM102", "1_a.up.sql", 3) in findings(lint_sql(files, dialect="sqlite"))
    # A down that drops the swapped column without copying it back loses what predates the migration.
    files = {**base, "1_a.up.sql": swap, "1_a.down.sql": "ALTER TABLE flows DROP COLUMN url;\nALTER TABLE flows ADD COLUMN url text;\n"}
    assert ("SM102", "1_a.down.sql", 1) in findings(lint_sql(files, dialect="sqlite"))


def test_a_column_filled_from_its_own_row_or_a_generated_value_stays_lost(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE addresses (id int, code varchar(32));\n",
        "0_base.down.sql": "DROP TABLE addresses;\n",
        "1_a.up.sql": "ALTER TABLE addresses DROP COLUMN code;\n",
        "1_a.down.sql": "ALTER TABLE addresses ADD COLUMN code varchar(32);\n"
        "UPDATE addresses SET code = substr(md5(random()::text), 0, 32);\n"
        "UPDATE addresses AS a SET code = a.code || '';\n",
    }
    assert ("SM202", "1_a.down.sql", 1) in findings(lint_sql(files))


def test_parentheses_that_change_nothing_do_not_make_a_definition_differ(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE checks (id int, state text, done boolean, CONSTRAINT c CHECK (((state = 'a' AND done) OR id IS NULL)));\n"
        "CREATE UNIQUE INDEX one_started ON checks (id) WHERE state = 'started' AND done = false;\n",
        "0_base.down.sql": "DROP TABLE checks;\n",
        "1_a.up.sql": "DROP INDEX one_started;\nALTER TABLE checks DROP CONSTRAINT c;\n",
        "1_a.down.sql": "CREATE UNIQUE INDEX one_started ON checks (id) WHERE (state = 'started' AND done = false);\n"
        "ALTER TABLE checks ADD CONSTRAINT c CHECK (state = 'a' AND done OR id IS NULL);\n",
    }
    assert findings(lint_sql(files)) == []
    files["1_a.down.sql"] = files["1_a.down.sql"].replace("state = 'a' AND done OR id IS NULL", "state = 'a' AND (done OR id IS NULL)")
    assert findings(lint_sql(files)) == [("SM201", "1_a.down.sql", 1)]


def test_a_refill_may_set_several_columns_at_once(lint_sql):
    files = {
        "0_base.up.sql": "CREATE TABLE resources (id int, pinned jsonb, pin_comment text);\n",
        "0_base.down.sql": "DROP TABLE resources;\n",
        "1_a.up.sql": "CREATE TABLE pins (resource_id int, version jsonb, comment_text text);\n"
        "INSERT INTO pins (resource_id, version, comment_text) SELECT id, pinned, pin_comment FROM resources;\n"
        "ALTER TABLE resources DROP COLUMN pinned, DROP COLUMN pin_comment;\n",
        "1_a.down.sql": "ALTER TABLE resources ADD COLUMN pinned jsonb, ADD COLUMN pin_comment text;\n"
        "UPDATE resources SET (pinned, pin_comment) = (pins.version, pins.comment_text) FROM pins WHERE resources.id = pins.resource_id;\n"
        "DROP TABLE pins;\n",
    }
    assert [f for f in findings(lint_sql(files)) if f[0] == "SM202"] == []
    files["1_a.down.sql"] = files["1_a.down.sql"].replace("(pins.version, pins.comment_text)", "(NULL, '')")
    assert [f for f in findings(lint_sql(files)) if f[0] == "SM202"] == [("SM202", "1_a.down.sql", 1), ("SM202", "1_a.down.sql", 1)]

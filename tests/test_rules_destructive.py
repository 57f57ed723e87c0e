"""Rules for statements that destroy data (SM101-SM106): what they flag, and the look-alikes they must not."""

from __future__ import annotations

import pytest

from safemig_lint.diagnostics import Span

DESTRUCTIVE = ("SM101", "SM102", "SM103", "SM104", "SM105", "SM106")


def destructive(result) -> list[tuple[str, str, Span]]:
    """(code, file name, span) of the destructive findings, in report order."""
    return [(d.code, d.path.rsplit("/", 1)[-1], d.span) for d in result.active if d.code in DESTRUCTIVE]


def codes_in(result, file_name: str) -> set[str]:
    return {d.code for d in result.active if d.code in DESTRUCTIVE and d.path.endswith("/" + file_name)}


def lint_up(lint_sql, up: str, dialect: str = "postgres", down: str = "-- nothing to undo"):
    return lint_sql({"000001_change.up.sql": up, "000001_change.down.sql": down}, dialect=dialect)


# --- flagged forms ------------------------------------------------------------------------------


def test_every_destructive_statement_is_flagged_at_its_name(lint_sql):
    up = (
        "DROP TABLE legacy_orders;\n"  # line 1
        "ALTER TABLE users DROP COLUMN password_md5;\n"
        "DROP SCHEMA reporting CASCADE;\n"
        "TRUNCATE audit_log;\n"
        "DELETE FROM sessions;\n"  # line 5
        "UPDATE users SET active = true;\n"
    )
    assert destructive(lint_up(lint_sql, up)) == [
        ("SM101", "000001_change.up.sql", Span(1, 12, 1, 25)),
        ("SM102", "000001_change.up.sql", Span(2, 31, 2, 43)),
        ("SM103", "000001_change.up.sql", Span(3, 13, 3, 22)),
        ("SM104", "000001_change.up.sql", Span(4, 10, 4, 19)),
        ("SM105", "000001_change.up.sql", Span(5, 13, 5, 21)),
        ("SM106", "000001_change.up.sql", Span(6, 8, 6, 13)),
    ]


def test_each_dropped_table_of_a_statement_is_its_own_finding(lint_sql):
    result = lint_up(lint_sql, 'DROP TABLE IF EXISTS a, public."B" CASCADE;')
    messages = [d.message for d in result.active if d.code == "SM101"]
    assert len(messages) == 2
    assert messages[0].startswith("DROP TABLE a ") and messages[1].startswith("DROP TABLE B ")  # quoted keeps its case


def test_a_down_file_dropping_what_its_up_did_not_create_is_flagged(lint_sql):
    result = lint_sql(
        {
            "2_rename.up.sql": "ALTER TABLE users RENAME COLUMN mail TO email;",
            "2_rename.down.sql": "DROP TABLE users;\nALTER TABLE users DROP COLUMN email;\nDELETE FROM users;",
        }
    )
    assert codes_in(result, "2_rename.down.sql") == {"SM101", "SM102", "SM105"}
    assert "its up file did not create it" in next(d.message for d in result.active if d.code == "SM101")


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_drop_without_the_column_keyword_drops_a_column(lint_sql, dialect):
    # MySQL and PostgreSQL both make COLUMN optional: `ALTER TABLE t DROP c` drops column c.
    result = lint_up(lint_sql, "ALTER TABLE t DROP c, DROP COLUMN d;", dialect)
    assert [(code, span) for code, _, span in destructive(result)] == [("SM102", Span(1, 20, 1, 21)), ("SM102", Span(1, 35, 1, 36))]


def test_a_column_dropped_with_if_exists_is_still_dropped(lint_sql):
    assert codes_in(lint_up(lint_sql, "ALTER TABLE t DROP COLUMN IF EXISTS c;"), "000001_change.up.sql") == {"SM102"}


@pytest.mark.parametrize(
    ("statement", "dialect"),
    [("DROP DATABASE analytics;", "mysql"), ("DROP SCHEMA IF EXISTS analytics;", "mysql"), ("DROP DATABASE analytics;", "postgres")],
)
def test_dropping_a_schema_or_database(lint_sql, statement, dialect):
    assert codes_in(lint_up(lint_sql, statement, dialect), "000001_change.up.sql") == {"SM103"}


def test_truncating_several_tables(lint_sql):
    result = lint_up(lint_sql, "TRUNCATE TABLE carts, cart_items RESTART IDENTITY;")
    assert [(code, span) for code, _, span in destructive(result)] == [("SM104", Span(1, 16, 1, 21)), ("SM104", Span(1, 23, 1, 33))]
    assert "ACCESS EXCLUSIVE" in result.active[-1].message


def test_truncate_says_what_it_does_in_each_dialect(lint_sql):
    [mysql] = [d for d in lint_up(lint_sql, "TRUNCATE t;", "mysql").active if d.code == "SM104"]
    assert "commits implicitly" in mysql.message and "ACCESS EXCLUSIVE" not in mysql.message


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("DELETE FROM sessions USING users;", "SM105"),  # USING without WHERE is a cross join: every row
        ("UPDATE orders SET total = 0 FROM customers;", "SM106"),
        ("WITH stale AS (SELECT 1) UPDATE orders SET total = 0;", "SM106"),
        ("UPDATE orders SET status = 'new', total = 0;", "SM106"),
    ],
)
def test_more_whole_table_changes(lint_sql, statement, code):
    assert codes_in(lint_up(lint_sql, statement), "000001_change.up.sql") == {code}


def test_update_names_the_columns_it_overwrites(lint_sql):
    [finding] = [d for d in lint_up(lint_sql, "UPDATE orders SET status = 'new', total = 0;").active if d.code == "SM106"]
    assert "overwrites status, total in every row" in finding.message


# --- look-alikes that must not be flagged -------------------------------------------------------------


def test_a_down_undoing_its_up_is_not_data_loss(lint_sql):
    result = lint_sql(
        {
            "3_add.up.sql": (
                "CREATE SCHEMA IF NOT EXISTS billing;\n"
                "CREATE TABLE billing.invoices (id int);\n"
                "ALTER TABLE users ADD COLUMN nickname text;\n"
                "INSERT INTO billing.invoices VALUES (1);"
            ),
            "3_add.down.sql": (
                "DELETE FROM invoices;\n"
                "TRUNCATE billing.invoices;\n"
                "UPDATE users SET nickname = NULL;\n"
                "ALTER TABLE users DROP COLUMN nickname;\n"
                "DROP TABLE IF EXISTS billing.invoices;\n"
                "DROP SCHEMA billing;"
            ),
        }
    )
    assert destructive(result) == []


def test_a_scratch_table_created_earlier_in_the_file_may_be_emptied_and_dropped(lint_sql):
    up = (
        "CREATE TEMPORARY TABLE totals (order_id int, total int);\n"
        "INSERT INTO totals SELECT order_id, sum(amount) FROM lines GROUP BY order_id;\n"
        "UPDATE orders SET total = totals.total FROM totals WHERE totals.order_id = orders.id;\n"
        "DELETE FROM totals;\n"
        "UPDATE totals SET total = 0;\n"
        "TRUNCATE totals;\n"
        "ALTER TABLE totals DROP COLUMN total;\n"
        "DROP TABLE totals;"
    )
    assert destructive(lint_up(lint_sql, up)) == []


def test_dropping_a_table_before_creating_it_is_still_flagged(lint_sql):
    # Order matters: this drops the existing table and its rows, then creates an empty one.
    result = lint_up(lint_sql, "DROP TABLE reports;\nCREATE TABLE reports (id int);")
    assert destructive(result) == [("SM101", "000001_change.up.sql", Span(1, 12, 1, 19))]


def test_filtered_deletes_and_updates(lint_sql):
    up = (
        "DELETE FROM sessions WHERE expires_at < now();\n"
        "UPDATE users SET active = false WHERE last_login < '2020-01-01';\n"
        "UPDATE users SET active = true WHERE true;"
    )
    assert destructive(lint_up(lint_sql, up)) == []


def test_a_backfill_of_a_column_added_by_the_migration(lint_sql):
    up = "ALTER TABLE users ADD COLUMN locale text;\nUPDATE users SET locale = 'en';"
    assert destructive(lint_up(lint_sql, up)) == []
    # ... and of columns added by the up file, in its down file (e.g. before dropping them)
    result = lint_sql({"4_a.up.sql": "ALTER TABLE users ADD COLUMN locale text;", "4_a.down.sql": "UPDATE users SET locale = NULL;"})
    assert destructive(result) == []


def test_a_backfill_of_new_columns_from_a_subquery(lint_sql):
    # SET (a) = (SELECT ...) and SET (a, b) = (SELECT ...) assign the columns in the parentheses.
    up = (
        "ALTER TABLE users ADD COLUMN project_id int, ADD COLUMN scope_id int;\n"
        "UPDATE users SET (project_id) = (SELECT p.id FROM projects p WHERE p.owner = users.id);\n"
        "UPDATE users SET (project_id, scope_id) = (SELECT p.id, p.scope FROM projects p WHERE p.owner = users.id);"
    )
    assert destructive(lint_up(lint_sql, up)) == []
    [finding] = [d for d in lint_up(lint_sql, "UPDATE users SET (a, b) = (SELECT 1, 2);").active if d.code == "SM106"]
    assert "overwrites a, b in every row" in finding.message


def test_a_backfill_that_also_overwrites_an_old_column_is_flagged(lint_sql):
    up = "ALTER TABLE users ADD COLUMN locale text;\nUPDATE users SET locale = 'en', language = 'en';"
    assert destructive(lint_up(lint_sql, up)) == [("SM106", "000001_change.up.sql", Span(2, 8, 2, 13))]


def test_destructive_words_in_strings_and_comments_are_not_statements(lint_sql):
    up = (
        "-- DROP TABLE users;\n"
        "/* TRUNCATE orders; DELETE FROM carts; */\n"
        "INSERT INTO audit (note) VALUES ('DROP TABLE users; UPDATE users SET x = 1');\n"
        "COMMENT ON TABLE users IS 'ALTER TABLE users DROP COLUMN email';\n"
        "CREATE FUNCTION purge() RETURNS void AS $$ DELETE FROM carts $$ LANGUAGE sql;"
    )
    assert destructive(lint_up(lint_sql, up)) == []


@pytest.mark.parametrize(
    ("statement", "dialect"),
    [
        ("ALTER TABLE t DROP INDEX t_email_idx, DROP FOREIGN KEY t_user_fk, DROP PRIMARY KEY;", "mysql"),
        ("ALTER TABLE t DROP CONSTRAINT t_email_key;", "postgres"),
        ("DROP INDEX t_email_idx;", "postgres"),
        ("DROP VIEW active_users;", "postgres"),
        ("DELETE t FROM t JOIN u ON t.user_id = u.id;", "mysql"),
        ("UPDATE t JOIN u ON t.user_id = u.id SET t.name = u.name;", "mysql"),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name;", "postgres"),
    ],
)
def test_statements_that_drop_no_data(lint_sql, statement, dialect):
    result = lint_up(lint_sql, statement, dialect)
    assert destructive(result) == []
    assert "SM000" not in [d.code for d in result.active]


# --- SQLite's table rebuild ------------------------------------------------------------------------


def test_rebuilding_a_table_by_copy_and_rename_keeps_its_rows(lint_sql):
    up = (
        "CREATE TABLE notes_new (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
        "INSERT INTO notes_new (id, body) SELECT id, COALESCE(body, '') FROM notes;\n"
        "DROP TABLE notes;\n"
        "ALTER TABLE notes_new RENAME TO notes;"
    )
    assert destructive(lint_up(lint_sql, up, "sqlite")) == []


def test_rebuilding_a_table_by_renaming_the_old_one_away_keeps_its_rows(lint_sql):
    up = (
        "ALTER TABLE `scenes` RENAME TO `_scenes_old`;\n"
        "CREATE TABLE `scenes` (`id` integer PRIMARY KEY, `title` text);\n"
        "INSERT INTO `scenes` SELECT `id`, `title` FROM `_scenes_old`;\n"
        "DROP TABLE `_scenes_old`;"
    )
    assert destructive(lint_up(lint_sql, up, "sqlite")) == []


def test_copying_rows_elsewhere_is_not_a_rebuild_without_the_rename(lint_sql):
    up = "INSERT INTO archived_orders SELECT * FROM orders;\nDROP TABLE orders;"
    assert destructive(lint_up(lint_sql, up, "sqlite")) == [("SM101", "000001_change.up.sql", Span(2, 12, 2, 18))]


def test_a_rename_without_copying_the_rows_first_is_not_a_rebuild(lint_sql):
    up = "CREATE TABLE notes_new (id INTEGER);\nDROP TABLE notes;\nALTER TABLE notes_new RENAME TO notes;"
    assert destructive(lint_up(lint_sql, up, "sqlite")) == [("SM101", "000001_change.up.sql", Span(2, 12, 2, 17))]


# --- data moved before it is dropped --------------------------------------------------------------

ORDERS = {"0_base.up.sql": "CREATE TABLE orders (id int, total int, note text);\n", "0_base.down.sql": "DROP TABLE orders;\n"}


def _drops(lint_sql, up: str, down: str = "SELECT 1;") -> list:
    result = lint_sql({**ORDERS, "1_move.up.sql": up, "1_move.down.sql": down})
    return [d for d in result.active if d.code in ("SM101", "SM102") and d.path.endswith("1_move.up.sql")]


@pytest.mark.parametrize(
    "up",
    [
        # Every row and column copied into a table that stays.
        "CREATE TABLE invoices (id int, total int, note text);\nINSERT INTO invoices SELECT * FROM orders;\nDROP TABLE orders;",
        "CREATE TABLE invoices (id int, amount int, memo text);\n"
        "INSERT INTO invoices (id, amount, memo) SELECT id, total * 100, coalesce(note, '') FROM orders;\nDROP TABLE orders;",
        # Merged with another table into one.
        "CREATE TABLE lines (order_id int, qty int);\nCREATE TABLE flows (id int, total int, note text, qty int);\n"
        "INSERT INTO flows SELECT o.id, o.total, o.note, l.qty FROM orders o LEFT JOIN lines l ON l.order_id = o.id;\n"
        "DROP TABLE orders;",
        # Rebuilt through a backup table.
        "ALTER TABLE orders RENAME TO orders_bkp;\nCREATE TABLE orders (id bigint, total int, note text);\n"
        "INSERT INTO orders SELECT id, total, note FROM orders_bkp;\nDROP TABLE orders_bkp;",
        # Aggregated through a common table expression into a table of another shape.
        "CREATE TABLE order_notes (id int, notes json);\n"
        "WITH grouped AS (SELECT o.id, json_agg(json_build_object('total', o.total, 'note', o.note)) AS notes FROM orders o GROUP BY o.id)\n"
        "INSERT INTO order_notes (id, notes) SELECT g.id, g.notes FROM grouped g;\nDROP TABLE orders;",
        # Copied row by row by a DO block.
        "CREATE TABLE invoices (id int, amount int, memo text);\n"
        "DO $$\nDECLARE o RECORD;\nBEGIN\n  FOR o IN SELECT * FROM orders\n  LOOP\n"
        "    INSERT INTO invoices (id, amount, memo) VALUES (o.id, o.total, o.note);\n  END LOOP;\nEND $$;\nDROP TABLE orders;",
        # Folded into one JSON value; HAVING count(*) > 0 only skips an empty table (pocket-id's frozen config).
        "CREATE TABLE kv (key text, value text);\n"
        "INSERT INTO kv (key, value) SELECT 'orders', json_agg(json_build_object('id', id, 'total', total, 'note', note))::text\n"
        "FROM orders HAVING count(*) > 0;\nDROP TABLE orders;",
    ],
    ids=["select-star", "columns-converted", "merged", "backup-table", "aggregated-through-a-cte", "do-block-loop", "aggregated-if-any"],
)
def test_a_table_whose_rows_were_copied_first_loses_no_data(lint_sql, up):
    assert _drops(lint_sql, up) == []


@pytest.mark.parametrize(
    ("up", "said"),
    [
        (
            "CREATE TABLE invoices (id int, total int);\nINSERT INTO invoices SELECT id, total FROM orders;\nDROP TABLE orders;",
            "the copy of its rows left out column note",
        ),
        (
            "CREATE TABLE invoices (id int, total int, note text);\nINSERT INTO invoices SELECT * FROM orders WHERE total > 0;\n"
            "DROP TABLE orders;",
            "only some of its rows were copied elsewhere",
        ),
        (  # the copy went away before the drop
            "CREATE TABLE invoices (id int, total int, note text);\nINSERT INTO invoices SELECT * FROM orders;\n"
            "DROP TABLE invoices;\nDROP TABLE orders;",
            "deletes the table and every row in it",
        ),
        (  # a table read only in a subquery of the WHERE is not copied
            "CREATE TABLE invoices (id int, total int, note text);\nCREATE TABLE audits (id int);\n"
            "INSERT INTO audits SELECT 1 WHERE EXISTS (SELECT 1 FROM orders);\nDROP TABLE orders;",
            "deletes the table and every row in it",
        ),
        (  # a loop over some of the rows
            "CREATE TABLE invoices (id int, amount int, memo text);\n"
            "DO $$\nDECLARE o RECORD;\nBEGIN\n  FOR o IN SELECT * FROM orders WHERE total > 0\n  LOOP\n"
            "    INSERT INTO invoices (id, amount, memo) VALUES (o.id, o.total, o.note);\n  END LOOP;\nEND $$;\nDROP TABLE orders;",
            "only some of its rows were copied elsewhere",
        ),
        (  # HAVING that keeps only some groups
            "CREATE TABLE totals (total int, n int);\nINSERT INTO totals SELECT total, count(*) FROM orders GROUP BY total HAVING count(*) > 1;\n"
            "DROP TABLE orders;",
            "only some of its rows were copied elsewhere",
        ),
    ],
    ids=["column-left-out", "rows-filtered", "copy-dropped", "only-tested", "do-block-loop-filtered", "having-filters-groups"],
)
def test_a_drop_the_copy_does_not_cover_is_still_data_loss(lint_sql, up, said):
    findings = [d for d in _drops(lint_sql, up) if "orders" in d.message]
    assert len(findings) == 1 and said in findings[0].message


def test_a_column_copied_elsewhere_first_says_where_its_values_went(lint_sql):
    up = "ALTER TABLE orders ADD COLUMN total_cents bigint;\nUPDATE orders SET total_cents = total * 100;\nALTER TABLE orders DROP COLUMN total;"
    [finding] = _drops(lint_sql, up)
    # Its data lives on; clients reading the old column still break.
    assert "its values were copied into orders.total_cents first, but the running application" in finding.message


def _rollback(down_of: dict[int, str]) -> dict[str, str]:
    """Versions 2 to 5 change nothing much on the way up; their downs rebuild `orders` in steps, newest first."""
    files = dict(ORDERS)
    for version in range(2, 6):
        files[f"{version}_step.up.sql"] = f"ALTER TABLE orders ADD COLUMN c{version} int;\n"
        files[f"{version}_step.down.sql"] = down_of.get(version, "SELECT 1;\n")
    return files


def test_a_rebuild_spread_over_down_files_is_followed_as_migrate_down_runs_them(lint_sql):
    steps = {
        5: "CREATE TABLE orders_tmp (id int, total int, note text);\n",
        4: "INSERT INTO orders_tmp (id, total, note) SELECT id, total, note FROM orders;\n",
        3: "DROP TABLE orders;\n",
        2: "ALTER TABLE orders_tmp RENAME TO orders;\n",
    }
    result = lint_sql(_rollback(steps))
    assert [d for d in result.active if d.code == "SM101"] == []
    # Without the copy, the down file's drop deletes the rows.
    result = lint_sql(_rollback({**steps, 4: "SELECT 1;\n"}))
    assert [d.path.rsplit("/", 1)[-1] for d in result.active if d.code == "SM101"] == ["3_step.down.sql"]


def test_a_down_removing_what_a_later_up_created_is_the_expected_undo(lint_sql):
    # A generator pairing each down with the wrong up: the down of 2 removes what the up of 3 created.
    files = {
        **ORDERS,
        "2_a.up.sql": "ALTER TABLE orders ADD COLUMN a int;\n",
        "2_a.down.sql": "DROP TABLE invoices;\nALTER TABLE orders DROP COLUMN b;\n",
        "3_b.up.sql": "CREATE TABLE invoices (id int);\nALTER TABLE orders ADD COLUMN b int;\n",
        "3_b.down.sql": "ALTER TABLE orders DROP COLUMN a;\n",
    }
    result = lint_sql(files)
    assert [(d.code, d.path.rsplit("/", 1)[-1]) for d in result.active if d.code in ("SM101", "SM102")] == [("SM102", "3_b.down.sql")]


def test_a_down_dropping_columns_its_up_added_through_a_rebuild(lint_sql):
    up = (
        "CREATE TABLE orders_new (id int, total int, note text, currency text);\n"
        "INSERT INTO orders_new (id, total, note) SELECT id, total, note FROM orders;\n"
        "DROP TABLE orders;\nALTER TABLE orders_new RENAME TO orders;\n"
    )
    result = lint_sql({**ORDERS, "1_move.up.sql": up, "1_move.down.sql": "ALTER TABLE orders DROP COLUMN currency;\n"})
    assert [d for d in result.active if d.code in ("SM101", "SM102")] == []
    # Dropping a column the table had before the migration still is data loss.
    result = lint_sql({**ORDERS, "1_move.up.sql": up, "1_move.down.sql": "ALTER TABLE orders DROP COLUMN note;\n"})
    assert [d.code for d in result.active if d.code in ("SM101", "SM102")] == ["SM102"]


def test_tables_created_outside_the_migrations_merged_into_one_before_they_are_dropped(lint_sql):
    # The model never saw `requests` nor `handled`: only the copy of their rows tells where the data went.
    up = (
        "CREATE TABLE flows (id int, subject text, remember bool);\n"
        "INSERT INTO flows (id, subject, remember) SELECT r.id, r.subject, h.remember FROM requests r LEFT JOIN handled h ON h.id = r.id;\n"
        "DROP TABLE handled;\nDROP TABLE IF EXISTS requests;\n"
    )
    assert destructive(lint_up(lint_sql, up)) == []
    # Without the copy they are simply dropped.
    assert [code for code, _, _ in destructive(lint_up(lint_sql, "DROP TABLE handled;\nDROP TABLE IF EXISTS requests;\n"))] == ["SM101"] * 2


def test_a_down_dropping_a_table_its_up_only_renamed_still_loses_its_rows(lint_sql):
    result = lint_sql(
        {**ORDERS, "1_move.up.sql": "ALTER TABLE orders RENAME TO purchases;\n", "1_move.down.sql": "DROP TABLE purchases;\n"}
    )
    assert [d.code for d in result.active if d.code == "SM101"] == ["SM101"]


def test_a_column_swap_whose_copy_was_made_by_an_earlier_version(lint_sql):
    files = {
        **ORDERS,
        "1_copy.up.sql": "ALTER TABLE orders ADD COLUMN total_json jsonb;\nUPDATE orders SET total_json = to_jsonb(total);\n",
        "2_swap.up.sql": "ALTER TABLE orders DROP COLUMN total;\nALTER TABLE orders RENAME COLUMN total_json TO total;\n",
    }
    assert [d for d in lint_sql(files).active if d.code == "SM102"] == []
    files["2_swap.up.sql"] = "ALTER TABLE orders DROP COLUMN total;\nALTER TABLE orders RENAME COLUMN total_json TO amount;\n"
    [finding] = [d for d in lint_sql(files).active if d.code == "SM102"]
    assert "dropping column total of orders: its values were copied into orders.total_json first" in finding.message


def test_a_copy_leaving_out_only_the_numbered_key_moves_the_rows(lint_sql):
    # The new table numbers the rows itself: the old serial ids are not data of their own.
    base = {"0_base.up.sql": "CREATE TABLE jobs (id serial PRIMARY KEY, name text, state text);\n", "0_base.down.sql": "DROP TABLE jobs;\n"}
    up = "CREATE TABLE tasks (id serial PRIMARY KEY, name text, state text);\nINSERT INTO tasks (name, state) SELECT name, state FROM jobs;\nDROP TABLE jobs;\n"
    assert [d for d in lint_sql({**base, "1_a.up.sql": up, "1_a.down.sql": "SELECT 1;"}).active if d.code == "SM101"] == []
    # A key that is data (a natural key) is another matter.
    base["0_base.up.sql"] = "CREATE TABLE jobs (id text PRIMARY KEY, name text, state text);\n"
    [finding] = [d for d in lint_sql({**base, "1_a.up.sql": up, "1_a.down.sql": "SELECT 1;"}).active if d.code == "SM101"]
    assert "left out column id" in finding.message

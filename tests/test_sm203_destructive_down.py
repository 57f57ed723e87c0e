"""SM203 destructive-down: a down file destroying data that existed before its up file ran."""

from __future__ import annotations

from conftest import codes

BASE = {"1_base.up.sql": "CREATE TABLE audit_log (id bigint PRIMARY KEY, entry text);\nCREATE SEQUENCE invoice_numbers;"}


def destructive(lint_sql, files: dict[str, str], dialect: str = "postgres"):
    result = lint_sql({**BASE, **files}, dialect=dialect, select=("SM101", "SM102", "SM203"))
    return [(d.code, d.path.rsplit("/", 1)[-1], d.span.line) for d in result.active]


def test_dropping_what_the_up_only_claimed_to_create(lint_sql):
    files = {
        "2_ensure.up.sql": (
            "CREATE TABLE IF NOT EXISTS audit_log (id bigint PRIMARY KEY, entry text);\n"
            "ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS entry text;"
        ),
        "2_ensure.down.sql": "ALTER TABLE audit_log DROP COLUMN entry;\nDROP TABLE audit_log;",
    }
    assert destructive(lint_sql, files) == [("SM203", "2_ensure.down.sql", 1), ("SM203", "2_ensure.down.sql", 2)]


def test_dropping_a_sequence_and_narrowing_an_untouched_column(lint_sql):
    files = {
        "2_x.up.sql": "ALTER TABLE audit_log ADD COLUMN level int;",
        "2_x.down.sql": (
            "ALTER TABLE audit_log DROP COLUMN level;\n"
            "DROP SEQUENCE invoice_numbers;\n"
            "ALTER TABLE audit_log ALTER COLUMN entry TYPE varchar(50);"
        ),
    }
    result = lint_sql({**BASE, **files}, select=("SM203",))
    assert [d.span.line for d in result.active] == [2, 3]
    assert "drops sequence invoice_numbers" in result.active[0].message
    assert "narrows audit_log.entry from TEXT to VARCHAR(50), a column its up migration did not change" in result.active[1].message


def test_a_drop_sm101_already_reports_is_not_reported_twice(lint_sql):
    files = {"2_x.up.sql": "ALTER TABLE audit_log ADD COLUMN level int;", "2_x.down.sql": "DROP TABLE audit_log;"}
    assert destructive(lint_sql, files) == [("SM101", "2_x.down.sql", 1)]


# --- look-alikes that must not be flagged ---------------------------------------------------------


def test_a_down_dropping_only_what_its_up_created(lint_sql):
    files = {
        "2_x.up.sql": "CREATE TABLE tags (id int);\nALTER TABLE audit_log ADD COLUMN level int;\nCREATE SEQUENCE tag_ids;",
        "2_x.down.sql": "DROP SEQUENCE tag_ids;\nALTER TABLE audit_log DROP COLUMN level;\nDROP TABLE tags;",
    }
    assert destructive(lint_sql, files) == []


def test_a_column_renamed_away_and_replaced_is_the_new_one_when_dropped(lint_sql):
    files = {
        "2_pk.up.sql": "ALTER TABLE audit_log RENAME COLUMN entry TO entry_old;\nALTER TABLE audit_log ADD COLUMN entry jsonb;",
        "2_pk.down.sql": "ALTER TABLE audit_log DROP COLUMN entry;\nALTER TABLE audit_log RENAME COLUMN entry_old TO entry;",
    }
    assert "SM203" not in codes(lint_sql({**BASE, **files}, select=("SM203",)))


def test_undoing_the_ups_type_change_is_sm107s(lint_sql):
    files = {
        "2_x.up.sql": "ALTER TABLE audit_log ALTER COLUMN entry TYPE varchar(50);",
        "2_x.down.sql": "ALTER TABLE audit_log ALTER COLUMN entry TYPE text;",
    }
    assert destructive(lint_sql, files) == []


def test_a_column_whose_enum_the_up_extended_was_changed_by_the_up(lint_sql):
    # ente: the up adds a label to the column's enum; the down rebuilds the enum without it, through text.
    base = {"1_base.up.sql": "CREATE TYPE role AS ENUM ('viewer', 'owner');\nCREATE TABLE shares (id int, role role);"}
    files = {
        "2_admin.up.sql": "ALTER TYPE role ADD VALUE 'admin';",
        "2_admin.down.sql": (
            "UPDATE shares SET role = 'viewer' WHERE role = 'admin';\nALTER TABLE shares ALTER COLUMN role TYPE text;\n"
            "DROP TYPE role;\nCREATE TYPE role AS ENUM ('viewer', 'owner');\n"
            "ALTER TABLE shares ALTER COLUMN role TYPE role USING role::role;"
        ),
    }
    assert lint_sql({**base, **files}, select=("SM203",)).active == []


def test_a_column_retyped_and_back_in_the_down_holds_the_values_it_began_with(lint_sql):
    files = {
        "2_x.up.sql": "ALTER TABLE audit_log ADD COLUMN level int;",
        "2_x.down.sql": (
            "ALTER TABLE audit_log DROP COLUMN level;\nALTER TABLE audit_log ALTER COLUMN id TYPE text;\n"
            "ALTER TABLE audit_log ALTER COLUMN id TYPE bigint USING id::bigint;"
        ),
    }
    assert destructive(lint_sql, files) == []
    # The look-alike: retyped to a narrower type than it began with.
    narrower = files["2_x.down.sql"].replace("TYPE bigint USING id::bigint", "TYPE smallint USING id::smallint")
    result = lint_sql({**BASE, **files, "2_x.down.sql": narrower}, select=("SM203",))
    assert [(d.span.line, d.message.split(",")[0]) for d in result.active] == [
        (3, "this down migration narrows audit_log.id from BIGINT to SMALLINT")
    ]

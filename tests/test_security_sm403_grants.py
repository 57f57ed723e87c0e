"""SM403 overbroad-grant: GRANT ALL, grants to PUBLIC, WITH GRANT OPTION; and the look-alikes."""

from __future__ import annotations

import pytest


def grants(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM403"]


def lint_up(lint_sql, up: str, dialect: str = "postgres"):
    return lint_sql({"000001_grants.up.sql": up, "000001_grants.down.sql": "SELECT 1;"}, dialect=dialect)


def test_each_overbroad_grant_is_flagged_with_what_is_wrong(lint_sql):
    up = (
        "GRANT ALL ON TABLE orders TO PUBLIC;\n"
        "GRANT SELECT ON orders TO app WITH GRANT OPTION;\n"
        "GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO app;\n"
        "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO PUBLIC;\n"
    )
    found = grants(lint_up(lint_sql, up))
    assert [(line, column) for line, column, _ in found] == [(1, 1), (2, 1), (3, 1), (4, 38)]
    assert "GRANT ALL" in found[0][2] and "PUBLIC" in found[0][2]
    assert found[1][2].startswith("WITH GRANT OPTION")
    assert "PUBLIC" not in found[2][2]
    assert found[3][2].startswith("default privileges")


def test_mysql_grants(lint_sql):
    up = "GRANT ALL PRIVILEGES ON *.* TO 'app'@'%' WITH GRANT OPTION;\nGRANT SELECT, INSERT ON shop.* TO 'app'@'%';\n"
    ((line, _, message),) = grants(lint_up(lint_sql, up, dialect="mysql"))
    assert line == 1 and "GRANT ALL" in message and "WITH GRANT OPTION" in message


def test_a_grant_inside_a_do_block_is_flagged_at_its_place(lint_sql):
    up = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1) THEN\n    GRANT ALL ON orders TO app;\n  END IF;\nEND $$;\n"
    assert [(line, column) for line, column, _ in grants(lint_up(lint_sql, up))] == [(4, 5)]


@pytest.mark.parametrize(
    "statement",
    [
        "REVOKE ALL ON orders FROM PUBLIC;",
        "REVOKE GRANT OPTION FOR SELECT ON orders FROM app;",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA s REVOKE ALL ON TABLES FROM PUBLIC;",
        "GRANT USAGE ON SCHEMA app TO app_role;",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;",
        "GRANT reader TO app;",
        "SELECT 'GRANT ALL ON t TO PUBLIC'; -- GRANT ALL ON t TO PUBLIC",
        "CREATE TABLE grants (public boolean, grant_option boolean);",
    ],
)
def test_narrow_grants_and_revokes_are_not_flagged(lint_sql, statement):
    assert grants(lint_up(lint_sql, statement)) == []

"""SM402 hardcoded-credential: secrets in migrations are found, and no report ever shows them."""

from __future__ import annotations

import io

import pytest

from safemig_lint.reporters import FORMATS, get_reporter

SECRETS = {
    "role": "Hunter2-role-pw",
    "hash": "md5a3556571e93b0d20722ba62be61e8c2d",
    "mysql": "Mysql-user-pw",
    "mapping": "Mapping-pw-42",
    "dblink": "Dblink-pw-42",
    "url": "Url-pw-42",
    "body": "In-body-pw-42",
    "aws": "AKIAQWERTYUIOPASDFGH",
    "github": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
}

POSTGRES = f"""CREATE ROLE app LOGIN PASSWORD '{SECRETS["role"]}';
ALTER USER bob WITH ENCRYPTED PASSWORD '{SECRETS["hash"]}';
CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app', password '{SECRETS["mapping"]}');
SELECT dblink_connect('host=db dbname=x user=app password={SECRETS["dblink"]}');
-- connect with postgres://admin:{SECRETS["url"]}@db.internal/prod
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'svc') THEN
    CREATE ROLE svc LOGIN SUPERUSER PASSWORD '{SECRETS["body"]}';
  END IF;
  -- deploy key {SECRETS["aws"]}
END $$;
COMMENT ON TABLE t IS 'token {SECRETS["github"]}';
"""


def credentials(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM402"]


def lint_up(lint_sql, up: str, dialect: str = "postgres", **settings):
    return lint_sql({"000001_secrets.up.sql": up, "000001_secrets.down.sql": "SELECT 1;"}, dialect=dialect, **settings)


def test_each_kind_of_credential_is_found_where_it_is(lint_sql):
    found = credentials(lint_up(lint_sql, POSTGRES))
    assert [(line, column) for line, column, _ in found] == [
        (1, 32),
        (2, 40),
        (3, 73),
        (4, 50),
        (5, 17),
        (9, 46),
        (11, 17),
        (13, 30),
    ]
    messages = [message.split(":")[0] for _, _, message in found]
    assert messages == [
        "hardcoded password of role `app`",
        "hardcoded password of user `bob`",
        "hardcoded `password` option",
        "hardcoded password in a connection string",
        "hardcoded password in a connection URL",
        "hardcoded password of role `svc`",
        "hardcoded AWS access key ID",
        "hardcoded GitHub token",
    ]


def test_mysql_and_tsql_account_passwords(lint_sql):
    mysql = (
        f"CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY '{SECRETS['mysql']}';\n"
        "ALTER USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY 'Other-pw-1';\n"
        "SET PASSWORD FOR 'app'@'%' = 'Other-pw-2';\n"
    )
    assert [m.split(":")[0] for _, _, m in credentials(lint_up(lint_sql, mysql, dialect="mysql"))] == [
        "hardcoded password of user `app`",
        "hardcoded password of user `app`",
        "hardcoded password",
    ]
    tsql = "CREATE LOGIN app WITH PASSWORD = 'Tsql-pw-1';"
    assert [m.split(":")[0] for _, _, m in credentials(lint_up(lint_sql, tsql, dialect="tsql"))] == ["hardcoded password of login `app`"]


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE ROLE app LOGIN PASSWORD '';",
        "CREATE ROLE app LOGIN PASSWORD NULL;",
        "CREATE ROLE app LOGIN PASSWORD '{{ .Password }}';",
        "CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}';",
        "CREATE ROLE app LOGIN PASSWORD :'app_password';",
        "CREATE ROLE app LOGIN PASSWORD '<password>';",
        "CREATE ROLE app LOGIN PASSWORD '********';",
        "ALTER ROLE app PASSWORD EXPIRE;",
        "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app');",
        "SELECT dblink_connect('host=db dbname=x user=app');",
        "UPDATE users SET password = 'bcrypt-of-a-seeded-user';",
        "INSERT INTO users (name, password) VALUES ('admin', 'seeded');",
        "SELECT 'AKIAIOSFODNN7EXAMPLE';",
        "-- set the password with: ALTER ROLE app PASSWORD '...'\nSELECT 1;",
    ],
)
def test_placeholders_and_application_data_are_not_credentials(lint_sql, statement):
    assert credentials(lint_up(lint_sql, statement)) == []


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_no_report_format_shows_a_secret(lint_sql, format_name):
    result = lint_up(lint_sql, POSTGRES)
    assert {d.code for d in result.active} >= {"SM402", "SM404"}  # SM404 reports the svc statement too
    stream = io.StringIO()
    get_reporter(format_name)(result, stream)
    output = stream.getvalue()
    assert output
    for secret in SECRETS.values():
        assert secret not in output, f"{format_name} report shows {secret}"
    assert all(secret not in d.snippet + d.message + d.help for d in result.diagnostics for secret in SECRETS.values())


def test_the_text_report_masks_the_secret_in_other_findings_on_the_same_lines(lint_sql):
    up = f"CREATE ROLE admin SUPERUSER LOGIN PASSWORD '{SECRETS['role']}';\n"
    result = lint_up(lint_sql, up)
    assert sorted(d.code for d in result.active) == ["SM402", "SM404"]
    stream = io.StringIO()
    get_reporter("text")(result, stream)
    output = stream.getvalue()
    assert SECRETS["role"] not in output
    assert output.count("PASSWORD '" + "*" * len(SECRETS["role"]) + "'") == 2


def test_a_suppressed_credential_finding_still_masks_the_secret(lint_sql):
    up = f"-- safemig-lint: ignore SM402 test fixture\nCREATE ROLE admin SUPERUSER PASSWORD '{SECRETS['role']}';\n"
    result = lint_up(lint_sql, up)
    assert [d.code for d in result.active] == ["SM404"]
    stream = io.StringIO()
    get_reporter("text")(result, stream)
    assert SECRETS["role"] not in stream.getvalue()


@pytest.mark.parametrize("select", [("SM1",), ("SM001",), ("SM4",)])
def test_source_excerpts_mask_secrets_whichever_rules_run(lint_sql, select):
    up = (
        f"CREATE ROLE admin SUPERUSER LOGIN PASSWORD '{SECRETS['role']}';\n"
        f"DROP TABLE t; -- old dsn postgres://app:{SECRETS['role']}@db/app\n"
        f"CREATE TABLE broken (; -- dsn postgres://app:{SECRETS['role']}@db/app\n"
    )
    result = lint_up(lint_sql, up, select=select)
    assert result.active
    stream = io.StringIO()
    get_reporter("text")(result, stream)
    assert " | " in stream.getvalue()  # source lines were shown
    assert SECRETS["role"] not in stream.getvalue()

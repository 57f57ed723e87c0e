"""What SM204-SM207 say, shown on a real PostgreSQL (the embedded server verify uses): the bad
sequence fails or corrupts as the finding says, the good one does not."""

from __future__ import annotations

import pytest

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def run(embedded_postgres):
    """Run statements in a fresh schema; each call returns the error message, or None."""
    connection = psycopg.connect(**embedded_postgres.connection_kwargs, autocommit=True)
    connection.execute("DROP SCHEMA IF EXISTS rollback_probe CASCADE")
    connection.execute("CREATE SCHEMA rollback_probe")
    connection.execute("SET search_path TO rollback_probe")

    def execute(sql: str):
        try:
            connection.execute(sql)
        except psycopg.Error as error:
            return str(error).splitlines()[0]
        return None

    execute.connection = connection
    yield execute
    connection.execute("DROP SCHEMA rollback_probe CASCADE")
    connection.close()


def test_sm204_a_down_restoring_not_null_fails_on_a_row_the_up_allowed(run):
    assert run("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)") is None
    assert run("ALTER TABLE users ALTER COLUMN email DROP NOT NULL") is None  # the up
    assert run("INSERT INTO users VALUES (1, NULL)") is None  # the application, while the up is live
    assert run("ALTER TABLE users ALTER COLUMN email SET NOT NULL") == 'column "email" of relation "users" contains null values'
    assert run("UPDATE users SET email = 'unknown@example.invalid' WHERE email IS NULL") is None  # the good down
    assert run("ALTER TABLE users ALTER COLUMN email SET NOT NULL") is None


def test_sm205_select_star_copies_into_the_wrong_columns(run):
    run("CREATE TABLE users (id integer PRIMARY KEY, name text, email text)")
    run("INSERT INTO users VALUES (1, 'Ada', 'ada@example.com')")
    run("CREATE TABLE users_new (id integer PRIMARY KEY, email text, name text)")
    assert run("INSERT INTO users_new SELECT * FROM users") is None  # no error: the values are just in the wrong columns
    assert run.connection.execute("SELECT email, name FROM users_new").fetchone() == ("Ada", "ada@example.com")


def test_sm206_explicit_ids_leave_the_sequence_behind(run):
    run("CREATE TABLE roles (id serial PRIMARY KEY, name text NOT NULL)")
    assert run("INSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'member')") is None
    assert 'duplicate key value violates unique constraint "roles_pkey"' in run("INSERT INTO roles (name) VALUES ('guest')")
    assert run("SELECT setval(pg_get_serial_sequence('roles', 'id'), (SELECT max(id) FROM roles))") is None
    assert run("INSERT INTO roles (name) VALUES ('guest')") is None


def test_sm207_set_not_null_fails_on_a_null_nothing_filled(run):
    run("CREATE TABLE users (id bigint PRIMARY KEY, email text)")
    run("INSERT INTO users VALUES (1, NULL)")
    run("ALTER TABLE users ADD COLUMN plan text")
    assert run("ALTER TABLE users ALTER COLUMN plan SET NOT NULL") == 'column "plan" of relation "users" contains null values'
    assert run("ALTER TABLE users ADD COLUMN tier text DEFAULT 'free'") is None  # ADD COLUMN ... DEFAULT fills every row
    assert run("ALTER TABLE users ALTER COLUMN tier SET NOT NULL") is None
    # A type change whose USING turns the NULLs into values, in the same ALTER TABLE: the rewritten rows are checked.
    assert (
        run(
            "ALTER TABLE users ALTER COLUMN email TYPE jsonb USING CASE WHEN email IS NULL THEN '[]' ELSE to_jsonb(email) END, ALTER COLUMN email SET NOT NULL"
        )
        is None
    )


def test_sm202_postgres_refuses_a_value_too_long_for_the_narrower_type(run):
    run("CREATE TABLE tokens (token varchar(255))")
    run("INSERT INTO tokens VALUES (repeat('x', 50))")
    assert run("ALTER TABLE tokens ALTER COLUMN token TYPE varchar(40)") == "value too long for type character varying(40)"
    assert run("ALTER TABLE tokens ALTER COLUMN token TYPE char(26)") == "value too long for type character(26)"
    assert run("ALTER TABLE tokens ALTER COLUMN token TYPE varchar(40) USING token::varchar(40)") is None  # an explicit cast cuts

"""SM401 dynamic-sql-injection: SQL built from untrusted values and executed, and the safe forms."""

from __future__ import annotations

import pytest


def injections(result) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.column, d.message) for d in result.active if d.code == "SM401"]


def lint_up(lint_sql, up: str, dialect: str = "postgres"):
    return lint_sql({"000001_dynamic.up.sql": up, "000001_dynamic.down.sql": "SELECT 1;"}, dialect=dialect)


def plpgsql_function(body: str, params: str = "t text, n int", attributes: str = "") -> str:
    return f"CREATE FUNCTION f({params}) RETURNS void LANGUAGE plpgsql {attributes} AS $fn$\n{body}\n$fn$;\n"


# --- flagged forms ------------------------------------------------------------------------------


def test_a_parameter_concatenated_into_execute_is_flagged_where_it_is_spliced(lint_sql):
    up = plpgsql_function("BEGIN\n  EXECUTE 'SELECT * FROM ' || t || ' LIMIT 1';\nEND")
    ((line, column, message),) = injections(lint_up(lint_sql, up))
    assert (line, column) == (3, 31)
    assert message.startswith("`t` (a parameter) is spliced unquoted into SQL that EXECUTE runs;")
    assert "format('%I', t)" in message and "USING" in message


def test_format_with_percent_s_is_flagged(lint_sql):
    up = plpgsql_function("BEGIN\n  EXECUTE format('DROP TABLE %s', t);\nEND")
    assert [(line, column) for line, column, _ in injections(lint_up(lint_sql, up))] == [(3, 35)]


def test_format_positional_specifiers_pick_the_right_argument(lint_sql):
    up = plpgsql_function("BEGIN\n  EXECUTE format('SELECT %2$s FROM %1$I', t, n::text || t);\nEND")
    ((line, column, message),) = injections(lint_up(lint_sql, up))
    assert (line, column) == (3, 57) and message.startswith("`t` (a parameter)")


def test_a_string_built_in_a_variable_is_followed_to_the_execute(lint_sql):
    body = "DECLARE\n  q text;\nBEGIN\n  q := 'DROP TABLE ' || t;\n  EXECUTE q;\nEND"
    ((line, column, message),) = injections(lint_up(lint_sql, plpgsql_function(body)))
    assert (line, column) == (5, 25)
    assert "EXECUTE runs on line 6" in message


def test_values_read_by_a_query_are_untrusted_too(lint_sql):
    body = (
        "DECLARE r record;\nBEGIN\n"
        "  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n"
        "    EXECUTE 'ANALYZE ' || r.tablename;\n"
        "  END LOOP;\nEND"
    )
    ((line, column, message),) = injections(lint_up(lint_sql, f"DO $$\n{body}\n$$;"))
    assert (line, column) == (5, 27)
    assert message.startswith("`r.tablename` (read by a query)")


def test_a_statement_built_by_the_loop_query_itself_is_flagged_at_the_column(lint_sql):
    body = (
        "DECLARE stmt text;\nBEGIN\n"
        "FOR stmt IN SELECT 'DROP TABLE \"' || table_name || '\"' FROM information_schema.tables LOOP\n"
        "  EXECUTE stmt;\nEND LOOP;\nEND"
    )
    ((line, column, message),) = injections(lint_up(lint_sql, f"DO $do$\n{body}\n$do$;"))
    assert (line, column) == (4, 38) and message.startswith("`table_name` (read by a query)")


def test_a_single_quoted_do_body_with_doubled_quotes_reports_the_right_column(lint_sql):
    result = lint_up(lint_sql, "SELECT 1;\nDO 'BEGIN EXECUTE ''DROP TABLE '' || v; END';\n")
    assert [(line, column) for line, column, _ in injections(result)] == [(2, 38)]


def test_a_single_quoted_function_body_whose_language_comes_after_it(lint_sql):
    up = "CREATE FUNCTION f(t text) RETURNS void AS '\nBEGIN\n  EXECUTE ''SELECT * FROM '' || t;\nEND' LANGUAGE plpgsql;\n"
    assert [(line, column) for line, column, _ in injections(lint_up(lint_sql, up))] == [(3, 33)]


def test_mysql_prepare_of_a_concat_with_procedure_parameters(lint_sql):
    up = (
        "CREATE PROCEDURE drop_fk(IN tableName VARCHAR(64), IN fk VARCHAR(64))\n"
        "BEGIN\n"
        "  SET @q = CONCAT('ALTER TABLE ', tableName, ' DROP FOREIGN KEY ', fk);\n"
        "  PREPARE stmt FROM @q;\n"
        "  EXECUTE stmt;\n"
        "END;\n"
    )
    found = injections(lint_up(lint_sql, up, dialect="mysql"))
    assert [(line, column) for line, column, _ in found] == [(3, 35), (3, 68)]
    assert "PREPARE runs on line 4" in found[0][2] and "REPLACE(tableName, '`', '``')" in found[0][2]


def test_mysql_session_variables_built_in_earlier_statements(lint_sql):
    up = (
        "SET @t = (SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'tmp_%' LIMIT 1);\n"
        "SET @s = CONCAT('DROP TABLE ', @t);\n"
        "PREPARE stmt FROM @s;\n"
        "EXECUTE stmt;\n"
    )
    ((line, column, message),) = injections(lint_up(lint_sql, up, dialect="mysql"))
    assert (line, column) == (2, 32) and message.startswith("`@t` (read by a query)")


def test_tsql_exec_and_sp_executesql_with_concatenation(lint_sql):
    up = (
        "CREATE PROCEDURE purge @table sysname, @days int AS\n"
        "BEGIN\n"
        "  DECLARE @sql nvarchar(max) = N'DELETE FROM ' + @table + N' WHERE age > ' + CAST(@days AS nvarchar(10));\n"
        "  EXEC sp_executesql @sql;\n"
        "  EXEC('TRUNCATE TABLE ' + @table);\n"
        "END;\n"
    )
    found = injections(lint_up(lint_sql, up, dialect="tsql"))
    assert [(line, column) for line, column, _ in found] == [(3, 50), (5, 28)]
    assert "QUOTENAME(@table)" in found[0][2]


def test_tsql_batches_without_semicolons(lint_sql):
    up = (
        "CREATE PROCEDURE p @t sysname AS\n"
        "BEGIN\n"
        "  DECLARE @sql nvarchar(max)\n"
        "  SET @sql = N'SELECT * FROM ' + @t\n"
        "  EXEC(@sql)\n"
        "  UPDATE x SET name = @t\n"
        "END\n"
    )
    assert [(line, column) for line, column, _ in injections(lint_up(lint_sql, up, dialect="tsql"))] == [(4, 34)]


def test_a_security_definer_function_executing_its_parameter(lint_sql):
    up = plpgsql_function("BEGIN\n  EXECUTE t;\nEND", attributes="SECURITY DEFINER SET search_path = pg_catalog")
    ((line, column, message),) = injections(lint_up(lint_sql, up))
    assert (line, column) == (3, 11) and "SECURITY DEFINER" in message


# --- safe look-alikes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "EXECUTE 'SELECT * FROM ' || quote_ident(t);",
        "EXECUTE 'SELECT ' || quote_literal(t) || ', ' || quote_nullable(t);",
        "EXECUTE format('SELECT * FROM %I WHERE a = %L', t, t);",
        "EXECUTE format('SELECT %s', quote_ident(t));",
        "EXECUTE 'SELECT * FROM x WHERE a = $1' USING t;",
        "EXECUTE 'SELECT ' || 'a' || 'b';",
        "EXECUTE 'SELECT * FROM x LIMIT ' || n;",
        "EXECUTE 'SELECT * FROM x LIMIT ' || (length(t) + 1);",
        "EXECUTE 'SELECT ' || t::regclass;",
        "EXECUTE 'SELECT ''' || replace(t, '''', '''''') || '''';",
        "EXECUTE 'SELECT ' || CASE WHEN t = 'a' THEN 'x' ELSE 'y' END;",
        "EXECUTE t;",  # runs caller SQL with the caller's own rights: not built here
        "PERFORM 'SELECT ' || t;",  # not executed
    ],
)
def test_safe_dynamic_sql_is_not_flagged(lint_sql, statement):
    assert injections(lint_up(lint_sql, plpgsql_function(f"BEGIN\n  {statement}\nEND"))) == []


def test_dynamic_sql_in_comments_and_strings_of_a_body_is_not_code(lint_sql):
    body = (
        "BEGIN\n"
        "  EXECUTE 'SELECT ' || quote_ident(t); -- EXECUTE 'x' || t\n"
        "  /* EXECUTE 'DROP ' || t; */\n"
        "  RAISE NOTICE 'EXECUTE ''x'' || t';\n"
        "  EXECUTE $q$SELECT 'a' || b$q$;\n"
        "END"
    )
    assert injections(lint_up(lint_sql, plpgsql_function(body))) == []


def test_string_agg_of_quoted_names_is_safe_and_of_raw_names_is_not(lint_sql):
    safe = (
        "DECLARE q text;\nBEGIN\n"
        "  SELECT string_agg(format('SELECT * FROM %I', c.relname), ' UNION ') INTO q FROM pg_class c;\n"
        "  RETURN QUERY EXECUTE q;\nEND"
    )
    assert injections(lint_up(lint_sql, plpgsql_function(safe))) == []
    unsafe = safe.replace("format('SELECT * FROM %I', c.relname)", "'SELECT * FROM ' || c.relname")
    assert [m.split(" ")[0] for _, _, m in injections(lint_up(lint_sql, plpgsql_function(unsafe)))] == ["`c.relname`"]


def test_mysql_constant_and_quoted_prepares_are_not_flagged(lint_sql):
    up = (
        "SET @exists = (SELECT COUNT(*) FROM information_schema.columns WHERE column_name = 'a');\n"
        "SET @table = 'users';\n"
        "SET @s = IF(@exists > 0, 'SELECT 1', CONCAT('ALTER TABLE ', @table, ' ADD COLUMN a INT'));\n"
        "PREPARE stmt FROM @s;\n"
        "SET @charset = (SELECT CHARACTER_SET_NAME FROM information_schema.columns WHERE column_name = 'b');\n"
        "SET @c = CONCAT('ALTER TABLE t CONVERT TO CHARACTER SET ', @charset, ' ', QUOTE(@x));\n"
        "PREPARE stmt FROM @c;\n"
        "PREPARE stmt FROM 'SELECT ?';\n"
        "EXECUTE stmt USING @v;\n"
    )
    assert injections(lint_up(lint_sql, up, dialect="mysql")) == []


def test_a_trigger_executing_a_function_is_not_dynamic_sql(lint_sql):
    up = "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE PROCEDURE touch();"
    assert injections(lint_up(lint_sql, up)) == []


TRIGGER = (
    "CREATE OR REPLACE FUNCTION on_delete() RETURNS TRIGGER AS $$\n"
    "BEGIN\n"
    "  EXECUTE format('INSERT INTO deleted VALUES (%s)', OLD.{field});\n"
    "  RETURN NULL;\n"
    "END;\n"
    "$$ LANGUAGE plpgsql;\n"
    "CREATE TRIGGER on_delete AFTER DELETE ON pipelines FOR EACH ROW EXECUTE PROCEDURE on_delete();\n"
)
PIPELINES = "CREATE TABLE pipelines (id serial PRIMARY KEY, team_id bigint, name text);\nCREATE TABLE deleted (id int);\n"
# A DO block whose dynamic DDL the model cannot follow: the tables it names become unknown.
DYNAMIC = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pipelines) THEN\n    ALTER TABLE pipelines ADD COLUMN x int;\n  END IF;\nEND $$;\n"


def _trigger_history(field: str, dynamic: bool) -> dict[str, str]:
    files = {"000001_init.up.sql": PIPELINES, "000001_init.down.sql": "SELECT 1;"}
    if dynamic:
        files |= {"000002_dynamic.up.sql": DYNAMIC, "000002_dynamic.down.sql": "SELECT 1;"}
    return files | {"000003_trigger.up.sql": TRIGGER.format(field=field), "000003_trigger.down.sql": "SELECT 1;"}


@pytest.mark.parametrize("field", ["id", "team_id"])
@pytest.mark.parametrize("dynamic", [False, True], ids=["known", "after-dynamic-ddl"])
def test_an_integer_field_of_a_trigger_row_cannot_inject(lint_sql, field, dynamic):
    assert [d for d in lint_sql(_trigger_history(field, dynamic)).active if d.code == "SM401"] == []


@pytest.mark.parametrize("dynamic", [False, True], ids=["known", "after-dynamic-ddl"])
def test_a_text_field_of_a_trigger_row_can(lint_sql, dynamic):
    [finding] = [d for d in lint_sql(_trigger_history("name", dynamic)).active if d.code == "SM401"]
    assert "`OLD.name`" in finding.message and finding.span.line == 3


_TRIGGER = "CREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION stamp();\n"


@pytest.mark.parametrize(
    "up",
    [
        _TRIGGER + plpgsql_function("EXECUTE 'SELECT * FROM ' || t;"),
        _TRIGGER + plpgsql_function("EXECUTE\n'SELECT * FROM ' || t;"),
        _TRIGGER + plpgsql_function("EXECUTE/**/function_sql || t; EXECUTE 'x' || t;", "t text, function_sql text"),
        plpgsql_function("EXECUTE (('SELECT ' || t));"),
        "CREATE TRIGGER u AFTER UPDATE ON items EXECUTE PROCEDURE audit();\n" + plpgsql_function("EXECUTE 'DELETE FROM ' || t;"),
    ],
)
def test_the_sink_gate_leaves_out_only_execute_function_and_procedure(lint_sql, monkeypatch, up):
    """A file is read only when its text holds a sink's first word (_SINK_GATE), EXECUTE FUNCTION and
    EXECUTE PROCEDURE aside: the same findings as reading every statement; a file of triggers is not read."""
    from safemig_lint.analysis import bodies
    from safemig_lint.checks import sm401_dynamic_sql_injection as sm401
    from safemig_lint.reading.statements import parse_file

    gated = injections(lint_up(lint_sql, up))
    assert gated
    monkeypatch.setattr(sm401.DynamicSqlInjection, "reads_words", None)
    monkeypatch.setattr(bodies, "may_hold_words", lambda statement, words, lowered: True)
    assert injections(lint_up(lint_sql, up)) == gated
    monkeypatch.undo()
    triggers = parse_file(_TRIGGER + "CREATE TRIGGER u AFTER UPDATE ON items EXECUTE PROCEDURE audit ( );\n", "postgres")
    assert not any(bodies.may_hold_words(s, sm401._SINK_GATE, triggers.text.lower()) for s in triggers.statements)

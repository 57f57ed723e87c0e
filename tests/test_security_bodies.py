"""bodies.py: the code inside routine and DO bodies and command tails, tokenized with file positions."""

from __future__ import annotations

from types import SimpleNamespace

from sqlglot.tokens import TokenType

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import STRING_TOKENS, word
from safemig_lint.reading.statements import parse_file


def code_of(sql: str, dialect: str = "postgres", index: int = 0):
    parsed = parse_file(sql, dialect)
    context = SimpleNamespace(dialect=dialect, parsed=parsed)
    return bodies.code(parsed.statements[index], context), context


def assert_tokens_sit_on_their_text(sql: str, tokens) -> None:
    """Every keyword or name token's offsets point at its text in the file (a body token's line and
    column are not worked out in the file: nothing reads them)."""
    for token in tokens:
        if token.token_type in STRING_TOKENS or token.token_type == TokenType.IDENTIFIER:
            continue
        assert sql[token.start : token.end + 1] == token.text, token


def test_a_dollar_quoted_body_is_tokenized_with_file_offsets():
    sql = (
        "SELECT 1;\n"
        "CREATE FUNCTION f(t text, n int) RETURNS void LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n"
        "  EXECUTE 'SELECT ' || quote_ident(t); -- EXECUTE 'x' || v\n"
        "END $fn$;\n"
    )
    code, _ = code_of(sql, index=1)
    (body,) = code.bodies
    assert sql[body.start : body.end] == "\nBEGIN\n  EXECUTE 'SELECT ' || quote_ident(t); -- EXECUTE 'x' || v\nEND "
    assert body.is_plpgsql and body.routine is code.routine
    assert [p.name for p in code.routine.params] == ["t", "n"] and code.routine.params[1].type == "INT"
    assert_tokens_sit_on_their_text(sql, body.tokens)
    # The comment's `EXECUTE 'x' || v` is not code: one EXECUTE, no `v`.
    assert [t.text for t in body.tokens].count("EXECUTE") == 1
    assert "v" not in [t.text for t in body.tokens]


def test_a_single_quoted_body_with_doubled_quotes_maps_each_token_to_the_file():
    sql = "DO 'BEGIN EXECUTE ''DROP TABLE '' || quote_ident(v) || ''x''; END';"
    code, _ = code_of(sql)
    (body,) = code.bodies
    tokens = body.tokens
    assert_tokens_sit_on_their_text(sql, tokens)
    literal = next(t for t in tokens if t.token_type == TokenType.STRING)
    assert literal.text == "DROP TABLE "
    start, end = bodies.inside_quotes(literal, sql)
    assert sql[literal.start - 1 : literal.start + 1] == "''"  # it starts at the last quote of the pair that opens it
    assert sql[start:end] == "DROP TABLE "
    v = next(t for t in tokens if t.text == "v")
    assert sql.index("(v)") + 1 == v.start


def test_literals_and_bodies_in_quoted_bodies_lie_where_their_text_is_in_the_file():
    """A literal inside a quoted body is written with doubled quotes, and one in a body inside that
    with quadrupled ones: their content, and a body's text, is found where it is written."""
    sql = "DO 'BEGIN EXECUTE ''CREATE ROLE app PASSWORD ''''pw''''''; PERFORM ''it''''s''; END';"
    code, _ = code_of(sql)
    outer, inner = code.bodies
    assert sql[inner.start : inner.end] == "CREATE ROLE app PASSWORD ''''pw''''"
    assert_tokens_sit_on_their_text(sql, inner.tokens)
    literals = [t for t in outer.tokens + inner.tokens if t.token_type == TokenType.STRING]
    assert [t.text for t in literals] == ["CREATE ROLE app PASSWORD 'pw'", "it's", "pw"]
    assert [sql[slice(*bodies.inside_quotes(t, sql))] for t in literals] == [
        "CREATE ROLE app PASSWORD ''''pw''''",
        "it''''s",
        "pw",
    ]


def test_a_secret_in_a_quoted_body_is_masked_exactly():
    """Masking a quote with the secret left the file unterminated when read again (SM001, and the
    rest of the file unchecked), and in a body two quotes deep part of the password was shown."""
    from safemig_lint.analysis.masking import mask_file

    for sql, written in [
        ("DO 'DECLARE pw text := ''Zq9xVal''; BEGIN NULL; END';\nDROP TABLE t;", "''Zq9xVal''"),
        ("DO 'BEGIN EXECUTE ''CREATE ROLE app PASSWORD ''''Zq9xVal''''''; END';\nDROP TABLE t;", "''''Zq9xVal''''"),
    ]:
        masked = mask_file(parse_file(sql, "postgres"), "postgres")
        assert masked.text == sql.replace(written, written.replace("Zq9xVal", "*******"))
        assert [statement.error for statement in masked.statements] == [None, None]


def test_nested_dollar_quotes_are_strings_of_the_body_and_constants_run_by_execute_are_bodies():
    sql = "DO $body$ BEGIN EXECUTE $q$GRANT ALL ON t TO PUBLIC$q$; END $body$;"
    code, _ = code_of(sql)
    outer, inner = code.bodies
    assert outer.routine.kind == "DO" and outer.language == "plpgsql"
    assert inner.routine is None and sql[inner.start : inner.end] == "GRANT ALL ON t TO PUBLIC"
    assert [word(t) for t in inner.tokens] == ["GRANT", "ALL", "ON", "T", "TO", "PUBLIC"]
    assert_tokens_sit_on_their_text(sql, inner.tokens)
    units = [[t.text for t in unit.tokens] for unit in code.units]
    assert ["GRANT", "ALL", "ON", "t", "TO", "PUBLIC"] in units


def test_a_command_tail_inside_a_procedure_is_tokenized_at_its_real_position():
    # sqlglot keeps `stmt FROM @query` as one string whose start offset is wrong.
    sql = (
        "CREATE PROCEDURE p(IN t VARCHAR(64))\n"
        "BEGIN\n"
        "  SET @query = CONCAT('ALTER TABLE ', t);\n"
        "  PREPARE stmt FROM @query;\n"
        "  EXECUTE stmt;\n"
        "END;\n"
    )
    code, _ = code_of(sql, dialect="mysql")
    assert_tokens_sit_on_their_text(sql, code.tokens)
    prepare = [t.text for t in code.tokens]
    assert prepare[prepare.index("PREPARE") : prepare.index("PREPARE") + 5] == ["PREPARE", "stmt", "FROM", "@", "query"]
    assert [(p.name, p.type) for p in code.routine.params] == [("t", "VARCHAR")]


def test_untrusted_language_bodies_are_not_read_as_sql_and_c_functions_have_no_body():
    code, _ = code_of("CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ return 'x' || y $$;")
    (body,) = code.bodies
    assert body.language == "plpython3u" and body.tokens == []
    code, _ = code_of("CREATE FUNCTION g(int) RETURNS int AS 'mylib', 'g' LANGUAGE c;")
    assert code.bodies == [] and code.routine.language == "c"
    assert [p.name for p in code.routine.params] == ["$1"]


def test_template_placeholders_in_a_body_do_not_break_its_tokens():
    sql = "DO $$ BEGIN EXECUTE 'ANALYZE {{ .Schema }}.t'; GRANT SELECT ON t TO {{ .Role }}; END $$;"
    code, _ = code_of(sql)
    words = [upper for unit in code.units for upper in unit.words]
    assert "GRANT" in words and "{{" not in words


def test_the_code_of_a_statement_is_built_once():
    parsed = parse_file("DO $$ BEGIN PERFORM 1; END $$;", "postgres")
    context = SimpleNamespace(dialect="postgres", parsed=parsed)
    assert bodies.code(parsed.statements[0], context) is bodies.code(parsed.statements[0], context)


def test_each_unit_carries_its_words_and_statement_extents_read_once():
    sql = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF x THEN GRANT ALL ON t TO PUBLIC; ELSE SELECT CASE WHEN a THEN 'b' END FROM \"T\"; END IF;\n"
        "  EXECUTE 'DROP TABLE ' || quote_ident(v);\n"
        "END $$;"
    )
    code, _ = code_of(sql)
    assert code.units is code.units  # computed once, shared by every check
    assert code.units == code.own_units + code.bodies[0].units
    for unit in code.units:
        assert unit.words == [word(t) for t in unit.tokens]
        ends = [end for _, end in unit.extents]
        assert [start for start, _ in unit.extents] == [0, *ends[:-1]] and ends[-1] == len(unit.tokens)
    statements = [[t.text for t in unit.tokens[start:end]] for unit in code.bodies[0].units for start, end in unit.extents]
    # A statement starts after BEGIN, THEN and ELSE, but not at the THEN of a CASE expression.
    assert ["GRANT", "ALL", "ON", "t", "TO", "PUBLIC"] in statements
    assert ["SELECT", "CASE", "WHEN", "a", "THEN", "b", "END", "FROM", "T"] in statements
    assert ["EXECUTE", "DROP TABLE ", "||", "quote_ident", "(", "v", ")"] in statements

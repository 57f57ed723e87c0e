"""The database's own grammar decides validity: SM001 for what it rejects, SM011 for what no rule could read."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from test_streaming import _page_examples  # the rule pages' examples, each written out as a folder

from safemig_lint.reading import grammar
from safemig_lint.reading.statements import _mask_placeholders, parse_file

DOWN = {"000001_x.down.sql": "SELECT 1;"}


def lint_codes(lint_sql, sql: str, dialect: str = "postgres", **settings) -> list:
    result = lint_sql({"000001_x.up.sql": sql, **DOWN}, dialect=dialect, select=("SM001", "SM011"), **settings)
    return [d for d in result.active if d.path.endswith("up.sql")]


@pytest.mark.parametrize(
    "sql",
    [
        "DEALLOCATE PREPARE stmt",
        "COMMENT ON TRIGGER t ON tbl IS 'why'",
        "DROP FUNCTION a, b, c",
        "DROP TYPE a, b",
    ],
)
def test_what_postgresql_accepts_is_never_a_syntax_error(lint_sql, sql):
    reported = lint_codes(lint_sql, sql + ";")
    assert "SM001" not in [d.code for d in reported]


@pytest.mark.parametrize(
    ("sql", "near", "column"),
    [
        ("ALTER TABLE t ALTER COLUMN c ADD NOT NULL", '"NOT"', 34),
        ("DROP TRIGGER name", '";"', 18),
        ("ALTER TABLE t DROP COLUMN a a", '"a"', 29),
        ("ALTER TABLE t INSERT COLUMN c int", '"INSERT"', 15),
        ("DROP INDEX i ON t", '"ON"', 14),
    ],
)
def test_what_postgresql_rejects_is_sm001_with_its_message_and_position(lint_sql, sql, near, column):
    [finding] = lint_codes(lint_sql, f"SELECT 1;\n{sql};")
    assert finding.code == "SM001"
    assert finding.message == f"PostgreSQL rejects it: syntax error at or near {near}"
    assert (finding.span.line, finding.span.column) == (2, column)


def test_positions_count_characters_and_survive_masked_placeholders(lint_sql):
    sql = "INSERT INTO {{ .Schema }}.notes VALUES ('café ☕');\nALTER TABLE t ALTER COLUMN c ADD NOT NULL;"
    [finding] = lint_codes(lint_sql, sql)
    assert (finding.code, finding.span.line, finding.span.column) == ("SM001", 2, 34)


def test_one_error_hides_no_other(lint_sql):
    sql = "DROP TRIGGER a;\nCREATE TABLE ok (id int);\nDROP INDEX i ON t;\nSELECT 1;"
    assert [(d.code, d.span.line) for d in lint_codes(lint_sql, sql)] == [("SM001", 1), ("SM001", 3)]


def test_a_rejection_only_with_placeholders_masked_is_not_analysed(lint_sql):
    [finding] = lint_codes(lint_sql, "SELECT 1;\nCREATE TABLE t ({{ .Columns }});")
    assert finding.code == "SM011" and "check the rendered SQL" in finding.message


def test_unterminated_string_keeps_where_it_opens_and_postgresqls_words(lint_sql):
    [finding] = lint_codes(lint_sql, "SELECT 1;\nSELECT 'never closed;\nDROP TABLE x;")
    assert finding.code == "SM001" and finding.span.line == 2
    assert "unterminated string literal" in finding.message and "PostgreSQL: unterminated quoted string" in finding.message


def test_statements_postgresql_accepts_but_the_reader_cannot_follow_are_not_analysed(lint_sql):
    [finding] = lint_codes(lint_sql, "CREATE TABLE t (a int, EXCLUDE USING gist (a WITH &&) WHERE (a > 0) DEFERRABLE);")
    assert finding.code == "SM011" and "PostgreSQL accepts it" in finding.message
    # It speaks of the statement and the database, not of the parser library.
    assert "sqlglot" not in finding.message and "did not check this one" in finding.message


def test_statements_whose_text_tells_what_they_do_were_checked(lint_sql):
    # The reader cannot build a tree of these, but their text says all they do: rules checked them.
    assert lint_codes(lint_sql, "DROP FUNCTION a, b, c;\nDROP SEQUENCE s1, s2;\nDROP INDEX i1, i2;") == []
    files = {
        "000001_x.up.sql": "CREATE TABLE t (a int, b int);\nCREATE INDEX i1 ON t (a);\nCREATE INDEX i2 ON t (b);",
        "000001_x.down.sql": "DROP TABLE t;",
        "000002_y.up.sql": "DROP INDEX i1, i2;",
    }
    result = lint_sql(files, select=("SM011", "SM502"))
    assert [(d.code, d.path.rsplit("/", 1)[-1]) for d in result.active] == [("SM502", "000002_y.up.sql")] * 2


def test_valid_statements_no_rule_reads_are_neither_error_nor_unanalysed(lint_sql):
    # sqlglot cannot read adjacent string literals; PostgreSQL joins them, and a comment holds nothing to check
    assert lint_codes(lint_sql, "COMMENT ON TABLE t IS 'first half, '\n  'second half';\nDEALLOCATE PREPARE stmt;") == []


def test_cockroachdb_extends_postgresqls_grammar(lint_sql):
    sql = "DROP INDEX t@t_idx;"
    assert [d.code for d in lint_codes(lint_sql, sql)] == ["SM001"]
    [finding] = lint_codes(lint_sql, sql, driver="cockroachdb")
    assert finding.code == "SM011" and "CockroachDB" in finding.message


# SQLite: its own parser, through the standard library


def test_sqlite_syntax_errors_come_from_sqlite(lint_sql):
    [finding] = lint_codes(lint_sql, "CREATE TABLE t (id INTEGER);\nALTER TABLE t ADD COLUMN c INTEGER DEFAULT;", "sqlite")
    assert finding.code == "SM001" and finding.message.startswith("SQLite rejects it: ")
    assert finding.span.line == 2


def test_sqlite_points_at_the_token_it_names_when_it_occurs_once(lint_sql):
    sql = "CREATE TABLE t (id INTEGER);\nCREATE TABLE u (id INTEGER, UNIQUE);\nCREATE TABLE v (id INTEGER,, name TEXT);"
    once, twice = lint_codes(lint_sql, sql, "sqlite")
    assert once.message == 'SQLite rejects it: near ")": syntax error'
    assert (once.span.line, once.span.column, once.span.end_column) == (2, 35, 36)
    assert (twice.span.line, twice.span.column, twice.span.end_column) == (3, 1, 40)  # which ","? the statement


def test_sqlite_missing_tables_are_not_syntax_errors(lint_sql):
    sql = "INSERT INTO missing VALUES (1);\nCREATE TRIGGER tr AFTER INSERT ON missing BEGIN UPDATE missing SET a = 1; END;"
    assert lint_codes(lint_sql, sql, "sqlite") == []


def test_sqlite_statements_are_prepared_never_run(tmp_path):
    target = tmp_path / "attached.db"
    parsed = parse_file(f"ATTACH DATABASE '{target}' AS other;\nVACUUM INTO '{target}';", "sqlite")
    assert [s.error for s in parsed.statements] == [None, None]
    assert not target.exists()


# MySQL: no real grammar at hand


def test_mysql_statements_sqlglot_cannot_read_are_not_analysed(lint_sql):
    [finding] = lint_codes(lint_sql, "DEALLOCATE PREPARE stmt;", "mysql")
    assert finding.code == "SM011" and finding.severity.value == "info"


def test_mysql_dash_comment_without_a_space_is_sql(lint_sql):
    sql = "--DROP INDEX i ON t;\nCREATE TABLE t (a int, -- fine\n  b int);\nSELECT 1 --1;"
    [finding] = lint_codes(lint_sql, sql, "mysql")
    assert (finding.code, finding.span.line, finding.span.column) == ("SM001", 1, 1)
    assert "space" in finding.message


def test_mysql_unterminated_string_is_certainly_invalid(lint_sql):
    [finding] = lint_codes(lint_sql, "SELECT 1;\nSELECT 'never closed;", "mysql")
    assert finding.code == "SM001" and "unterminated string literal" in finding.message


# MySQL: sqlfluff's MySQL grammar on the statement kinds where it agrees with a real server


MYSQL_VERDICTS = [
    # (statement, rejected by MySQL and MariaDB)
    ("DROP INDEX users_email_idx", True),
    ("DROP INDEX IF EXISTS users_email_idx", True),
    ("DROP INDEX users_email_idx ON users", False),
    ("DROP INDEX IF EXISTS users_email_idx ON users", False),  # MariaDB's guard: not judged against
    ("ALTER TABLE ONLY users ADD COLUMN age INT", True),
    ("ALTER TABLE ONLY users ALTER COLUMN email SET DEFAULT ''", True),  # sqlfluff reads ONLY as the table
    ("ALTER TABLE only ADD COLUMN age INT", False),  # a table named `only`
    ("ALTER TABLE users RENAME pk TO id", True),
    ("ALTER TABLE users RENAME COLUMN pk TO id", False),
    ("ALTER TABLE users ALTER COLUMN email SET NOT NULL", True),
    ("ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(300)", True),
    ("ALTER TABLE users ALTER COLUMN email SET DEFAULT ''", False),
    ("ALTER TABLE users DROP COLUMN IF EXISTS age", False),
    ("ALTER TABLE users MODIFY email VARCHAR(300) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE", False),
    ("CREATE INDEX users_email ON users (email) WHERE email IS NOT NULL", True),
    ("CREATE INDEX CONCURRENTLY users_email ON users (email)", True),
    ("CREATE UNIQUE INDEX users_email ON users (email(20) DESC) USING BTREE", False),
    ("CREATE INDEX IF NOT EXISTS users_email ON users (email)", False),
    ("DROP TABLE IF EXISTS users, orders CASCADE", False),
    ("CREATE TABLE t (payload JSON NOT NULL DEFAULT ('[]'))", False),  # CREATE TABLE is not judged by it
    ("UPDATE t SET a = '1'::int", True),  # `::`: settled from the tokens
]


@pytest.mark.parametrize(("sql", "rejected"), MYSQL_VERDICTS)
def test_mysql_verdicts(sql, rejected):
    [statement] = parse_file(sql + ";", "mysql").statements
    assert (statement.error is not None) is rejected, statement.error
    if rejected:
        assert statement.error.startswith("MySQL rejects it: ") and statement.rejected_by == "MySQL"


def test_the_mysql_verdicts_are_mariadbs(mariadb_url):
    """The same statements, prepared (parsed, never run) by a real MariaDB: 1064 is its syntax error."""
    import pymysql

    from safemig_lint.verify.urls import parse_url

    url = parse_url(mariadb_url)
    connection = pymysql.connect(host=url.host, port=url.port, user="root")
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE IF NOT EXISTS grammar_probe")
            cursor.execute("USE grammar_probe")
            for sql, rejected in MYSQL_VERDICTS:
                try:
                    cursor.execute("PREPARE probe FROM %s", (sql,))
                    code = 0
                except pymysql.MySQLError as error:
                    code = error.args[0]
                assert (code == 1064) is rejected, (sql, code)
            cursor.execute("DROP DATABASE grammar_probe")
    finally:
        connection.close()


# sqlfluff's verdicts, as grammar.py asks for them, for each text given as JSON; `rust` says which parser ran.
SQLFLUFF_VERDICTS = """
import json, sys
from sqlfluff.core.parser import rust_parser
from safemig_lint.reading.grammar import sqlfluff_mysql_violations
texts = json.loads(sys.argv[1])
verdicts = [[(v.line_no, v.line_pos, v.desc()) for v in sqlfluff_mysql_violations(text)] for text in texts]
print(json.dumps({"rust": rust_parser._HAS_RUST_PARSER, "verdicts": verdicts}))
"""
WITHOUT_SQLFLUFFRS = "import sys; sys.modules['sqlfluffrs'] = None\n"  # what an install without its wheel runs


def test_sqlfluffs_rust_and_python_parsers_give_the_same_verdicts():
    """sqlfluffrs (a dependency where it has wheels) changes speed, never a verdict; and the direct path
    (no configuration copy, no templater) finds what Linter.parse_string finds."""
    import importlib.util
    import json
    import subprocess
    import sys

    if importlib.util.find_spec("sqlfluffrs") is None:
        pytest.skip("sqlfluffrs is not installed here (no wheel for this platform)")
    texts = [sql for sql, _ in MYSQL_VERDICTS] + [
        "ALTER TABLE users\r\n  ALTER COLUMN email SET NOT NULL",
        "ALTER TABLE t ADD COLUMN c INT -- sqlfluff:dialect:ansi\n",
        "ALTER TABLE t ADD COLUMN c VARCHAR(9) DEFAULT '{{ x }}'",
        "DROP INDEX i ON t /* {# */",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE, ADD INDEX (b), DROP FOREIGN KEY f2",
    ]
    texts += [sql for fixture in sorted((FIXTURES / "mysql").glob("*.sql")) for sql in fixture.read_text().split(";") if sql.strip()]

    def verdicts(prelude: str) -> dict:
        run = subprocess.run(
            [sys.executable, "-c", prelude + SQLFLUFF_VERDICTS, json.dumps(texts)], capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    rust, python = verdicts(""), verdicts(WITHOUT_SQLFLUFFRS)
    assert rust["rust"] and not python["rust"]
    assert rust["verdicts"] == python["verdicts"]
    assert sum(1 for found in rust["verdicts"] if found) >= 8  # the rejected ones are among them

    from safemig_lint.reading.grammar import _sqlfluff_mysql

    linter = _sqlfluff_mysql()
    through_the_linter = [[(v.line_no, v.line_pos, v.desc()) for v in linter.parse_string(text).violations] for text in texts]
    assert [[list(v) for v in found] for found in through_the_linter] == rust["verdicts"]


def test_a_mysql_rejection_points_at_what_the_grammar_cannot_read(lint_sql):
    [finding] = lint_codes(lint_sql, "ALTER TABLE users\n  ALTER COLUMN email SET NOT NULL;", "mysql")
    assert (finding.code, finding.span.line, finding.span.column) == ("SM001", 2, 3)
    assert "`ALTER COLUMN email SET NOT NULL`" in finding.message


def test_mysql_statements_with_placeholders_or_too_long_are_not_judged(lint_sql):
    # A placeholder may stand for `name ON table`: no verdict on the masked text.
    assert "SM001" not in [d.code for d in lint_codes(lint_sql, "DROP INDEX {{ .Index }};", "mysql")]
    long = "ALTER TABLE t " + ", ".join(f"ADD COLUMN c{i} INT" for i in range(2000)) + ", ALTER COLUMN c1 SET NOT NULL;"
    [statement] = parse_file(long, "mysql").statements
    assert statement.error is None


def test_a_postgresql_cast_in_mysql_is_certainly_invalid(lint_sql):
    [finding] = lint_codes(lint_sql, "ALTER TABLE t ALTER COLUMN a SET DEFAULT '[]'::json;\nSELECT '::' -- ::\n;", "mysql")
    assert (finding.code, finding.span.line, finding.span.column) == ("SM001", 1, 46) and "no such operator" in finding.message


# --- PostgreSQL's acceptance remembered by the content cache (grammar.accepted_key) ----------------


def _asked(sql: str, remembered: bool = False) -> tuple[list[str], object]:
    """The keys parse_file asks the cache about (answering `remembered`), and the parsed file."""
    asked: list[str] = []
    parsed = parse_file(sql, "postgres", lambda key: asked.append(key) or remembered)
    return asked, parsed


def test_the_same_statements_with_other_comments_and_blanks_between_them_have_one_key():
    (key,), first = _asked("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX i ON t (c);\n")
    assert first.accepted_key == key  # accepted whole: to be remembered
    for edited in (
        "ALTER TABLE t ADD COLUMN c int;\n-- safemig-lint: ignore SM501 small table\nCREATE INDEX i ON t (c);\n-- edited\n",
        "ALTER TABLE t ADD COLUMN c int;\n\n\tCREATE INDEX i ON t (c);-- no line break at the end",
    ):
        (again,), _ = _asked(edited)
        assert again == key, edited


@pytest.mark.parametrize(
    "changed",
    [
        "ALTER TABLE t ADD COLUMN c bigint;\nCREATE INDEX i ON t (c);\n",  # a statement edited
        "ALTER TABLE t ADD COLUMN c int; CREATE INDEX i ON t (c); SELECT 1;",  # one more
        "CREATE INDEX i ON t (c);\nALTER TABLE t ADD COLUMN c int;\n",  # their order
    ],
)
def test_a_statement_changed_added_or_moved_is_another_key(changed):
    (key,), _ = _asked("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX i ON t (c);\n")
    (other,), _ = _asked(changed)
    assert other != key


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1;\n/* a block comment: PostgreSQL nests them, sqlglot does not */\nSELECT 2;",  # not only blanks and -- comments
        "SELECT 1",  # no `;`: what follows could continue it
        "ALTER TABLE t ADD COLUMN c int DEFAULT;",  # a statement sqlglot cannot read: PostgreSQL names its kind
    ],
)
def test_no_key_where_the_statements_alone_may_not_decide_the_verdict(sql):
    asked, parsed = _asked(sql, remembered=True)
    assert asked == [] and parsed.accepted_key is None


def test_a_statement_the_scanner_does_not_end_at_its_own_semicolon_is_not_remembered():
    # PostgreSQL reads the whole of a BEGIN ATOMIC body as one statement; were it cut at an inner `;`,
    # the pieces would not stand alone. As one statement, it is remembered.
    body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;"
    asked, parsed = _asked(body)
    assert len(asked) == 1 and parsed.accepted_key == asked[0]
    rejected = "CREATE TABLE t (a int);\nCREATE TABLE u (a int,);"  # sqlglot reads both; PostgreSQL rejects the second
    asked, parsed = _asked(rejected)
    assert len(asked) == 1 and parsed.accepted_key is None
    assert parsed.statements[1].error.startswith("PostgreSQL rejects it")


def test_a_remembered_acceptance_is_what_the_parser_would_say_for_every_statement():
    sql = "ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX i ON t (c);\n"
    _, remembered = _asked(sql, remembered=True)
    fresh = parse_file(sql, "postgres")
    assert [(s.error, s.unanalysed, s.rejected_by) for s in remembered.statements] == [
        (s.error, s.unanalysed, s.rejected_by) for s in fresh.statements
    ]
    assert remembered.accepted_key is None  # already remembered: not written again


# --- PostgreSQL's verdicts on a long text, a piece at a time (grammar.PIECE) -----------------------------------

# Where PostgreSQL's scanner and sqlglot's do not end a statement at the same `;`, a piece cut at sqlglot's
# statement start holds half of one of PostgreSQL's: it is read again with the next piece.
PIECE_CUTS = [
    "SELECT 1;\n/* nested /* comment */ SELECT 2; */\nSELECT 3;\nSELEC 4;\nSELECT 5;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nCREATE TABLE t (a int,);\nSELECT 1;",
    "SELECT E'it\\'s; still a literal';\nSELECT 1;\nDROP TABLE;\nSELECT $a$ ; $b$ ; $a$;\nALTER TABLE t ADD COLUMN;",
    "SELECT 1;\nSELECT 'déjà vu 🎉' FROM;\nSELECT 2;\nSELECT (;\nSELECT 3",
    "SELECT 1 -- no semicolon at the end of a line\nSELECT 2;\nSELECT 3;\nSELECT 'open",
    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;\nSELEC 2;",
]


def _postgres_texts(root: Path) -> list[str]:
    texts = list(PIECE_CUTS)
    for _, directory, names, config in _page_examples(root):
        if config.dialect == "postgres":
            texts += [(directory / name).read_text(encoding="utf-8") for name in names if name.endswith(".sql")]
    return texts + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("app/*.sql"))]


def test_the_verdicts_read_a_piece_at_a_time_are_the_verdicts_read_whole(tmp_path, monkeypatch):
    """Every statement its own piece (PIECE = 1), against the whole text at once: the same message at the same
    offset for the same statements, on the rule pages, fixtures/app and texts PostgreSQL and sqlglot cut apart."""
    rejected = 0
    for text in _postgres_texts(tmp_path):
        parsed = parse_file(text, "sqlite")  # statements only: no PostgreSQL verdict settled on them yet
        if not parsed.statements:
            continue
        masked = _mask_placeholders(text, [])
        monkeypatch.setattr(grammar, "PIECE", len(text) + 1)
        whole = grammar._postgres_verdicts(parsed.statements, masked)
        monkeypatch.setattr(grammar, "PIECE", 1)
        assert grammar._postgres_verdicts(parsed.statements, masked) == whole, text
        rejected += len(whole[0])
    assert rejected > 10  # verdicts compared, not only acceptances

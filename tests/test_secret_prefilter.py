"""credentials.statements_to_read chooses only statements holding a word some finder needs: it must
skip no statement that holds a secret (a secret it skipped would be shown in reports and caches)."""

from __future__ import annotations

import ast
import inspect
import re

import pytest
from conftest import FIXTURES, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from secret_forms import FORMS, form

from safemig_lint.analysis import credentials
from safemig_lint.analysis.masking import _Reading, file_secrets, mask_file
from safemig_lint.reading.statements import parse_file

DIALECTS = ("postgres", "mysql", "sqlite")
VALUE = "Zq9xPlant3dVal"  # a value holding no word any finder needs (secret_forms.SECRET holds `secret`)


def _sql_in_tests() -> list[str]:
    """Every string of SQL the secret and body tests write (what their f-strings make too)."""
    texts = []
    for name in ("test_security_sm402_credentials.py", "test_security_bodies.py", "test_secret_matrix.py"):
        tree = ast.parse((REPO / "tests" / name).read_text(encoding="utf-8"))
        texts += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    import test_security_sm402_credentials

    texts.append(test_security_sm402_credentials.POSTGRES)
    return [text.replace("{S}", VALUE) for text in texts if ";" in text or "'" in text]


def _rule_page_sql() -> list[str]:
    pages = sorted((REPO / "rules").glob("SM4*.md"))
    return [body for page in pages for body in re.findall(r"^```(?:sql)?\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)]


TEXTS = (
    [form(name) for name in FORMS]
    + [FORMS[name].replace("{S}", VALUE) for name in FORMS]
    + _rule_page_sql()
    + _sql_in_tests()
    + [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))]
)


def _secrets(text: str, dialect: str) -> list[tuple]:
    return [(s.start, s.end, s.what, s.around, s.reported) for s in file_secrets(parse_file(text, dialect), dialect)]


def _statements(text: str, dialect: str):
    parsed = parse_file(text, dialect)
    context = _Reading(parsed, dialect)
    return [(statement, context) for statement in parsed.statements if statement.tokens]


def _missed(text: str, dialect: str) -> list[str]:
    """Statements the prefilter skips although a finder finds something in them."""
    return [
        s.text
        for s, context in _statements(text, dialect)
        if credentials._finders_on(s, context) and not credentials.may_hold_statement_secrets(s, context)
    ]


def test_every_finder_statement_secrets_runs_declares_the_words_it_needs():
    """_finders_on calls only finders that declared their words (a new one cannot be added without),
    and statement_secrets runs nothing but it (through token_secrets), commented_secrets (through _prose_secrets)
    and _unterminated_secrets (for statements without tokens);
    every word a text finder needs is one a statement's finder needs (masking._Reading.may_hold_secrets
    searches for them from the first of those)."""

    def called(function) -> set[str]:
        tree = ast.parse(inspect.getsource(function))
        names = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        return {
            name
            for name in names
            if inspect.isfunction(getattr(credentials, name, None)) and getattr(credentials, name).__module__ == credentials.__name__
        }

    finders = called(credentials._finders_on)
    assert finders == set(credentials._NEEDED)
    assert {"text_secrets", "commented_secrets", "_account_passwords", "_keyed_secrets"} <= finders
    assert called(credentials.statement_secrets) == {"_unterminated_secrets", "token_secrets", "_is_sql", "_prose_secrets"}
    assert called(credentials.token_secrets) == {"_finders_on", "_may_quote_a_secret"}
    assert called(credentials._prose_secrets) == {"commented_secrets"}
    assert set(credentials._TEXT_WORDS) <= {word for words in credentials._NEEDED.values() for word in words}


def test_the_prefilter_changes_no_secret_of_any_fixture_form_page_or_test(monkeypatch):
    filtered = {(text, dialect): _secrets(text, dialect) for text in TEXTS for dialect in DIALECTS}
    skipped = sum(
        not credentials.may_hold_statement_secrets(s, context) for text in TEXTS[:200] for s, context in _statements(text, "postgres")
    )
    monkeypatch.setattr(credentials, "statements_to_read", lambda statements, context: statements)
    assert {key: _secrets(*key) for key in filtered} == filtered
    assert sum(map(len, filtered.values())) > 3 * len(FORMS)  # the comparison is between real findings
    assert skipped > 50  # and the prefilter did skip statements


def test_statement_secrets_is_what_every_finder_finds_in_each_statement():
    """Also where statement_secrets reads nothing although the prefilter admits it: a statement without a
    literal or quoted name."""
    not_read = 0
    for text in TEXTS + list(QUOTED_ONLY.values()) + NAMED_ONLY:
        for dialect in DIALECTS:
            for statement, context in _statements(text, dialect):
                found = credentials._finders_on(statement, context)
                found += [] if credentials._is_sql(statement) else credentials._prose_secrets(statement, context)
                everything = {(s.start, s.end) for s in found if s is not None}
                assert {(s.start, s.end) for s in credentials.statement_secrets(statement, context)} == everything, statement.text
                not_read += credentials.may_hold_statement_secrets(statement, context) and not credentials._may_quote_a_secret(statement)
    assert not_read > 20  # the comparison covers statements holding a finder's word it does not read


# Statements holding a finder's word only in a name, as most of them do in real histories.
NAMED_ONLY = [
    "CREATE TABLE auth_token (id bigint PRIMARY KEY, password_hash text NOT NULL, secret_id bigint REFERENCES secrets (id));",
    "ALTER TABLE users ADD COLUMN api_key text, ADD COLUMN private_key bytea;",
    "CREATE UNIQUE INDEX token_value_idx ON tokens (token);\nDROP TABLE IF EXISTS passwords CASCADE;",
    "CREATE TABLE jdbc_sources (pw int, pwd int, identified boolean, mysql_id int);\nALTER TABLE bearer RENAME TO xoxo;",
    "UPDATE users SET password = NULL WHERE secret IS NULL;\nDELETE FROM api_keys WHERE token_id = 7;",
]


# A secret held by one kind of quoted token only, or by a statement that did not parse (read as prose):
# statement_secrets must read each such statement.
QUOTED_ONLY = {
    "quoted name": f'DROP TABLE "postgres://admin:{VALUE}@h/db";',
    "backquoted name": f"DROP TABLE `postgres://admin:{VALUE}@h/db`;",
    "dollar-quoted body": f"DO $$ BEGIN CREATE ROLE app LOGIN PASSWORD '{VALUE}'; END $$;",
    "escape string": f"SELECT E'postgres://admin:{VALUE}@h/db';",
    "national string": f"SELECT N'postgres://admin:{VALUE}@h/db';",
    "command tail": f"PREPARE s FROM 'CREATE USER app IDENTIFIED BY ''{VALUE}''';",
    "not SQL": f"CREATE TABLE t (id int);\npostgres://admin:{VALUE}@h/db;",
}


@pytest.mark.parametrize("name", list(QUOTED_ONLY))
def test_a_secret_in_any_kind_of_quoted_token_or_in_prose_is_found(name):
    text = QUOTED_ONLY[name]
    dialect = "mysql" if "`" in text or "PREPARE" in text else "postgres"
    assert _secrets(text, dialect)
    assert VALUE not in mask_file(parse_file(text, dialect), dialect).text


# Near misses: the words a finder needs, where the prefilter must still see them (or read the statement anyway).
NEAR_MISSES = {
    "word only in a comment inside the statement": f"CREATE TABLE t (a text /* password */ DEFAULT 'x');\nCREATE ROLE app LOGIN PASSWORD '{VALUE}';",
    "inside a $$ body": f"DO $$ BEGIN CREATE ROLE app LOGIN PASSWORD '{VALUE}'; END $$;",
    "inside a tagged body": f"CREATE FUNCTION f() RETURNS void AS $fn$ DECLARE pw text := '{VALUE}'; BEGIN END $fn$ LANGUAGE plpgsql;",
    "in a body quoted with doubled quotes": f"DO 'DECLARE pw text := ''{VALUE}''; BEGIN END';",
    "quoted identifier": f"ALTER DATABASE app SET \"app.API_KEY\" TO '{VALUE}';",
    "go template in the key": f"SET app.{{{{ .Name }}}}_token = '{VALUE}';",
    "go template before the keyword": f"ALTER ROLE {{{{ .Role }}}} PASSWORD '{VALUE}';",
    "go template in the value": f"CREATE ROLE app PASSWORD '{{{{ .Prefix }}}}{VALUE}';",
    "split across lines": f"CREATE USER app\nIDENTIFIED\nBY\n'{VALUE}';",
    "upper case": f"CREATE SERVER S FOREIGN DATA WRAPPER W OPTIONS (APIKEY '{VALUE}');",
    "mixed case": f"DO $$ DECLARE Private_Key text := '{VALUE}'; BEGIN END $$;",
    "non-ASCII word": f"CREATE ROLE app PAßWORD '{VALUE}';",
    "non-ASCII elsewhere": f"CREATE ROLE app PASSWORD '{VALUE}'; -- naïve",
    "backslash escape makes the key": f"SELECT set_config(E'app.\\160assword', '{VALUE}', false);",
    "unterminated literal": f"CREATE TABLE t (a int);\nx = '{VALUE}",
    "unterminated after a keyword": f"CREATE ROLE app PASSWORD '{VALUE}",
    "url split by concatenation": f"CREATE TABLE c (dsn text DEFAULT concat('postgres://admin:', '{VALUE}'));",
}


@pytest.mark.parametrize("name", list(NEAR_MISSES))
def test_near_misses_are_read(name, monkeypatch):
    text = NEAR_MISSES[name]
    for dialect in DIALECTS:
        assert not _missed(text, dialect), dialect
        found = _secrets(text, dialect)
        assert found == _secrets_unfiltered(text, dialect, monkeypatch)
    assert VALUE not in _masked(text)


def _masked(text: str) -> str:
    return mask_file(parse_file(text, "postgres"), "postgres").text


def _secrets_unfiltered(text: str, dialect: str, monkeypatch) -> list[tuple]:
    with monkeypatch.context() as patch:
        patch.setattr(credentials, "statements_to_read", lambda statements, context: statements)
        return _secrets(text, dialect)


# For each word, a secret only that word lets through: the prefilter without it misses the secret.
ONLY_WORD = {
    "pw": f"DO $$ DECLARE pw text := '{VALUE}'; BEGIN END $$;",
    "api_?key": f"SET app.api_key = '{VALUE}';",
    "private_?key": f"SET app.private_key = '{VALUE}';",
    "token": f"ALTER DATABASE app SET app.jwt_token TO '{VALUE}';",
    "identified": f"CREATE USER app IDENTIFIED BY '{VALUE}';",
    "://": f"CREATE TABLE c (dsn text DEFAULT concat('postgres://admin:', '{VALUE}'));",
    "@": f"CREATE TABLE g (dsn text DEFAULT 'app:{VALUE}@tcp(db:3306)/app');",
    "bearer": f"INSERT INTO h (auth) VALUES ('Bearer {VALUE}0123456789');",
    "\\\\": f"SELECT set_config(E'app.\\160assword', '{VALUE}', false);",
}


@pytest.mark.parametrize("word", list(ONLY_WORD))
def test_a_word_left_out_of_the_prefilter_lets_a_secret_through(word, monkeypatch):
    text = ONLY_WORD[word]
    assert VALUE not in _masked(text)
    without = {finder: tuple(w for w in words if w != word) for finder, words in credentials._NEEDED.items()}
    assert without != credentials._NEEDED
    monkeypatch.setattr(credentials, "_STATEMENT_TRIGGER", re.compile(credentials.statement_trigger(without)))
    assert VALUE in _masked(text)


def test_only_the_non_ascii_rule_reads_a_word_upper_case_makes_ascii():
    text = NEAR_MISSES["non-ASCII word"]
    assert credentials._STATEMENT_TRIGGER.search(text.lower()) is None  # `paßword` holds no word as written
    assert VALUE not in _masked(text)  # yet PAßWORD.upper() is PASSWORD


_FRAGMENTS = [
    "CREATE ROLE app", "ALTER USER app", "SET", "app.", "OPTIONS (", ")", "DECLARE", "text", ":=", "=", " TO ", " BY ",
    "DO $$ BEGIN", "END $$", "EXECUTE", "'", "''", "\"", "$$", "--", "/*", "*/", "\n", " ", ";", ",", "||", "E'", "\\", "{{ .X }}",
    "{{ if .pg }}", "{{ end }}", "password", "PassWord", "pw", "Pw", "api_key", "ApiKey", "private_key", "token", "secret",
    "identified", "IDENTIFIED", "://", "postgres://u:", "@db", "@", "concat(", "set_config(", "bearer ", "ß", "é", "K", VALUE,
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=14), st.sampled_from(DIALECTS))
def test_no_statement_the_prefilter_skips_holds_anything_a_finder_finds(pieces, dialect):
    text = " ".join(pieces)
    assert not _missed(text, dialect)


def test_a_file_without_any_word_is_searched_once_and_its_open_literal_still_read():
    plain = parse_file("CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);\n", "postgres")
    reading = _Reading(plain, "postgres")
    assert reading.first_statement_word == len(plain.text)
    assert credentials.statements_to_read(plain.statements, reading) == []
    open_literal = f"CREATE TABLE t (id int);\nCREATE ROLE app PASSWORD '{VALUE}\n"
    assert [s.what for s in file_secrets(parse_file(open_literal, "postgres"), "postgres")] == ["password in an unterminated string"]


def _chosen_as_each_statement_is_asked(text: str, dialect: str) -> tuple[list[int], list[int], int]:
    """(starts of the statements statements_to_read chooses, starts of those may_hold_statement_secrets
    admits, how many statements the file has)."""
    parsed = parse_file(text, dialect)
    context = _Reading(parsed, dialect)
    chosen = [s.start for s in credentials.statements_to_read(parsed.statements, context)]
    asked = [s.start for s in parsed.statements if not s.tokens or credentials.may_hold_statement_secrets(s, context)]
    return chosen, asked, len(parsed.statements)


def test_statements_to_read_chooses_every_statement_each_one_asked_would():
    """The forward search over the file chooses each statement the search within it admits (and,
    on these texts, no other): the two ways must never differ by a statement holding a word."""
    # Words at a statement's first and last characters, and statements without any between those with some.
    edges = [
        "SELECT 1;pw;SELECT 2;",
        "SELECT 'pw';pw;SELECT 2;",
        "SELECT 1;\nSELECT token;SELECT 2;",
        "SELECT 1;SELECT '@';SELECT 2;SELECT 'x@';",
        "pw",
    ]
    texts = TEXTS + edges + ["\n".join(TEXTS[:60]), "\n".join(ONLY_WORD.values()), "\n".join(NEAR_MISSES.values())]
    admitted = skipped = 0
    for text in texts:
        for dialect in DIALECTS:
            chosen, asked, count = _chosen_as_each_statement_is_asked(text, dialect)
            assert chosen == asked, text
            admitted, skipped = admitted + len(asked), skipped + count - len(asked)
    assert admitted > 400 and skipped > 400  # both kinds compared


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=24), st.sampled_from(DIALECTS))
def test_statements_to_read_chooses_what_each_statement_asked_admits(pieces, dialect):
    chosen, asked, _ = _chosen_as_each_statement_is_asked(" ".join(pieces), dialect)
    assert set(asked) <= set(chosen)


@pytest.mark.parametrize(
    "words", [credentials._TEXT_WORDS, [w for ws in credentials._NEEDED.values() for w in ws]], ids=["text", "statement"]
)
def test_words_grouped_by_their_first_character_match_where_the_plain_alternation_does(words):
    """credentials.alternation groups the words for speed: the same matches, at the same places, on every test text."""
    grouped, plain = re.compile(credentials.alternation(words)), re.compile("|".join(sorted(set(words))))
    assert grouped.pattern != plain.pattern
    texts = [*TEXTS, *_FRAGMENTS, " ".join(_FRAGMENTS)]
    for text in [*texts, *(t.lower() for t in texts)]:
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert sum(1 for text in texts for _ in grouped.finditer(text.lower())) > 300  # real matches compared


# For each pattern credentials._may_hold gates, its gate's words (as its entry in credentials.py holds them,
# so that a test can close that gate) and a text holding a secret (VALUE, or the AWS key) only it finds.
AWS_KEY = "AKIAZQ9XPLANT3DVAL12"
GATED = {
    "private key": (
        ("private key",),
        f"INSERT INTO k VALUES ('-----BEGIN RSA PRIVATE KEY-----\n{VALUE}\n-----END RSA PRIVATE KEY-----');",
    ),
    "connection password": (("pass", "pwd"), f"SELECT dblink_connect('host=db user=admin password={VALUE} dbname=app');"),
    "connection secret": (("secret", "token", "account_key"), f"SELECT 'client_id=app;client_secret={VALUE}';"),
    "go mysql dsn": (("@",), f"CREATE TABLE g (dsn text DEFAULT 'app:{VALUE}@tcp(db:3306)/app');"),
    "jdbc thin": (("jdbc",), f"CREATE TABLE j (dsn text DEFAULT 'jdbc:oracle:thin:scott/{VALUE}@db:1521/ORCL');"),
    "aws key": (("akia", "asia", "abia", "acca"), f"INSERT INTO k VALUES ('{AWS_KEY}');"),
    "bearer": (("bearer",), f"INSERT INTO hooks (auth) VALUES ('Bearer {VALUE}0123456789abcdef');"),
    "github": (("gh",), f"INSERT INTO k VALUES ('ghp_{VALUE}0123456789abcdefghijklmn');"),
    "slack token": (("xox",), f"INSERT INTO k VALUES ('xoxb-{VALUE}-0123');"),
    "slack webhook": (("hooks.slack.com",), f"INSERT INTO k VALUES ('https://hooks.slack.com/services/T0/B0/{VALUE}');"),
    "stripe": (("k_live_",), f"INSERT INTO k VALUES ('sk_live_{VALUE}0123456789');"),
    "google": (("aiza",), f"INSERT INTO k VALUES ('AIza{VALUE}0123456789abcdefghijk');"),
    "-u": (("-u",), f"COPY t FROM PROGRAM 'curl -s -u admin:{VALUE} https://files.internal/t.csv';"),
    "--password": (("--password",), f"COPY t FROM PROGRAM 'mysqldump --password {VALUE} app';"),
    "statement in a comment": (("password", "identified", "secret"), f"/* CREATE USER app IDENTIFIED BY '{VALUE}'; */\nSELECT 1;"),
    "mysql -p": (("-p",), f"-- restore: mysql -uroot -p{VALUE} app < dump.sql\nDROP TABLE m;"),
    "password: in prose": (("pass", "pwd", "secret"), f"-- password: {VALUE}\nDROP TABLE p;"),
    "url assembled in prose": (("://",), f"-- dsn := 'postgres://admin:' || '{VALUE}' || '@db/app'\nDROP TABLE c;"),
}


# A secret after each word a prose key is (commented_secrets), as written and in other cases; after
# `pw` within a word, none.
PROSE = [
    f"-- SET app.{key} = '{VALUE}';\nDROP TABLE s;"
    for word in ("password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "private_key", "privatekey", "pw", "xpw", "2pw")
    for key in (word, word.upper(), word.title())
]


def test_the_patterns_gates_change_no_secret(monkeypatch):
    """A pattern of text_secrets and commented_secrets runs only on a span holding one of its words
    (credentials._may_hold), and prose keys are searched in the text lowered: the same secrets as
    every pattern run on every span that may hold a secret, as before."""
    texts = TEXTS + [text for _, text in GATED.values()] + list(NEAR_MISSES.values()) + PROSE
    gated = {(text, dialect): _secrets(text, dialect) for text in texts for dialect in DIALECTS}
    monkeypatch.setattr(credentials, "_may_hold", lambda words, lowered, start, end: True)
    monkeypatch.setattr(credentials, "_LOWER_PROSE_KEY", credentials._PROSE_KEY)  # IGNORECASE: the text's own matches
    assert {key: _secrets(*key) for key in gated} == gated
    assert sum(map(len, gated.values())) > 3 * len(FORMS)


@pytest.mark.parametrize("name", list(GATED))
def test_each_gate_is_the_one_its_secret_passes(name, monkeypatch):
    """Closed, a pattern's gate hides the secret only that pattern finds: each gate is asked, with its words."""
    words, text = GATED[name]
    secret = AWS_KEY if AWS_KEY in text else VALUE
    assert secret not in _masked(text)
    gate = credentials._may_hold
    monkeypatch.setattr(credentials, "_may_hold", lambda asked, *span: asked != words and gate(asked, *span))
    assert secret in _masked(text)

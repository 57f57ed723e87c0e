"""Hostile inputs of the size that used to take minutes: the work must grow linearly.

Whole-pipeline cases count steps (function calls, through sys.setprofile) on an input and on
one four times larger: linear work grows about 4x, a quadratic path 16x. Pattern scanners are
compared by CPU time on n and 4n (min of five runs: a loaded machine disturbs a 10 ms scan), with the same margin. No wall-clock limit.
"""

from __future__ import annotations

import gc
import io
import sys
import time

import pytest
from conftest import write_migrations

from safemig_lint.analysis.credentials import Secret, private_keys, redacted, url_passwords
from safemig_lint.analysis.schema.chronicle import Chronicle
from safemig_lint.analysis.schema.replay import Replay
from safemig_lint.analysis.schema.resolve import Resolver
from safemig_lint.config import Config
from safemig_lint.diagnostics import Diagnostic, Severity, Span
from safemig_lint.engine import LintResult, lint, quotes_a_secret
from safemig_lint.operations.model import Database
from safemig_lint.operations.read import Names, _domain_base, _plpgsql_block, _read_text, read_file
from safemig_lint.reading.source import LineIndex
from safemig_lint.reading.statements import MAX_NESTING, parse_file, template_placeholders
from safemig_lint.reporters import get_reporter

LINEAR = 7  # work on 4n over work on n: about 4 when linear, 16 when quadratic


def _steps(action) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


def _steps_warm(action) -> int:
    """Steps of a second run: imports and first-use caches out of the count."""
    action()
    return _steps(action)


def _cpu(action) -> float:
    # The collector's passes scale with every object the test process holds, not with the scan's input: off while timed.
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            start = time.process_time()
            action()
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return max(best, 1e-4)


def _assert_linear_time(on_n, on_4n, label: str) -> None:
    """The CPU time of on_4n over that of on_n stays under LINEAR (or on_4n takes under 50 ms). Measured
    again, up to three times, before failing: a busy machine slows one measurement, not every one,
    while a quadratic scan is 16 times slower on each."""
    for _ in range(3):
        small, large = _cpu(on_n), _cpu(on_4n)
        if large / small < LINEAR or large < 0.05:
            return
    pytest.fail(f"{label}: {small:.4f}s on n, {large:.4f}s on 4n")


def _lint_file(tmp_path, sql: str, dialect: str = "postgres"):
    directory = write_migrations(tmp_path / f"m{len(sql)}", {"1_a.up.sql": sql, "1_a.down.sql": sql})
    return lambda: lint([str(directory)], Config(dialect=dialect))


PIPELINE = {
    "DO '' DO ''": lambda n: "DO '' " * (n // 6) + ";",
    "CREATE FUNCTION CREATE FUNCTION": lambda n: "CREATE FUNCTION " * (n // 16) + ";",
    "OPTIONS ( OPTIONS (": lambda n: "CREATE SERVER s OPTIONS ( " + "OPTIONS ( password 'x' " * (n // 24) + ";",
    "SELECT 1 THEN THEN": lambda n: "SELECT 1 " + "THEN " * (n // 5) + ";",
    "BEGIN GRANT in a body": lambda n: "DO $$ " + "BEGIN GRANT " * (n // 12) + " $$;",
    "BEGIN COPY in a body": lambda n: "CREATE FUNCTION f() RETURNS int AS $$ " + "BEGIN COPY " * (n // 11) + " $$ LANGUAGE plpgsql;",
    "BEGIN ALTER TABLE in a body": lambda n: "DO $$ " + "BEGIN ALTER TABLE x " * (n // 20) + " $$;",
    "EXECUTE EXECUTE": lambda n: "DO $$ BEGIN " + "EXECUTE " * (n // 8) + " END $$;",
    "nested CASE": lambda n: "SELECT " + "CASE WHEN 1 THEN " * (n // 18) + "1" + " END" * (n // 18) + ";",
    "unclosed {{": lambda n: "SELECT 1;\n" + "{{" * (n // 2),
    "DO block, EXCEPTION after EXCEPTION": lambda n: "DO $$ BEGIN CREATE TABLE t(a int); " + "EXCEPTION " * (n // 10) + "x $$;",
    # Many statements: per-file facts (placeholders, suppressions, creations, renames, what the up
    # destroyed) are looked up per statement or finding, not rebuilt or rescanned.
    "many placeholders": lambda n: "SELECT {{ .X }};\n" * (n // 16),
    "many suppressions": lambda n: "DROP TABLE t; -- safemig-lint: ignore SM101 ok\n" * (n // 48),
    "many created and dropped tables": lambda n: "".join(f"CREATE TABLE t{i} (a int);\nDROP TABLE t{i};\n" for i in range(n // 40)),
    "many dropped columns": lambda n: "".join(f"ALTER TABLE t DROP COLUMN c{i};\n" for i in range(n // 32)),
    # Tables that stay: what the lock rules know existed before each statement is not a copy per statement.
    "many tables and indexes that stay": lambda n: "".join(
        f"CREATE TABLE t{i} (a int);\nCREATE INDEX i{i} ON t{i} (a);\n" for i in range(n // 56)
    ),
}


@pytest.mark.parametrize("name", list(PIPELINE))
def test_the_pipeline_does_linear_work(tmp_path, name):
    small, large = (_steps(_lint_file(tmp_path, PIPELINE[name](n))) for n in (6_000, 24_000))
    assert large / small < LINEAR, f"{name}: {small} steps on n, {large} on 4n"


# One rule alone on a history of n objects: what it needs of other statements is looked up, not
# searched for per statement. Each case gives the rule and the history's files for n.
ONE_RULE = {
    # SM101: a file's renames and copies are gathered once, not once per DROP TABLE.
    "SM101 tells a drop from a rebuild": (
        "SM101",
        lambda n: {
            "1_a.up.sql": "".join(f"DROP TABLE t{i};\n" for i in range(n)),
            "1_a.down.sql": "SELECT 1;\n",
        },
    ),
    # SM201: each finding's related up statement is looked up, not searched for in the up file.
    "SM201 points at the up statements": (
        "SM201",
        lambda n: {
            "1_a.up.sql": "".join(f"CREATE TABLE t{i} (id int);\n" for i in range(n)),
            "1_a.down.sql": "SELECT 1;\n",
        },
    ),
    # SM206: a seed file's table creations and sequence moves are read once, not once per INSERT.
    "SM206 reads a seed file once": (
        "SM206",
        lambda n: {
            "1_a.up.sql": "CREATE TABLE t (id serial PRIMARY KEY, v int);\n"
            + "".join(f"INSERT INTO t (id, v) VALUES ({i}, {i});\n" for i in range(n // 8))
            + "SELECT setval('t_id_seq', 100000);\n",
            "1_a.down.sql": "DROP TABLE t;\n",
        },
    ),
    # SM207: what the file filled and added before each SET NOT NULL is looked up, not searched for.
    "SM207 finds the backfills": (
        "SM207",
        lambda n: {
            "1_a.up.sql": "".join(f"CREATE TABLE t{i} (a int);\n" for i in range(n // 10)),
            "1_a.down.sql": "SELECT 1;\n",
            "2_b.up.sql": "".join(
                f"UPDATE t{i} SET a = 0 WHERE a IS NULL;\nALTER TABLE t{i} ALTER COLUMN a SET NOT NULL;\n" for i in range(n // 10)
            ),
            "2_b.down.sql": "SELECT 1;\n",
        },
    ),
    # SM502: each dropped index's table is looked up in the schema, not searched for among every table.
    "SM502 finds the table of each dropped index": (
        "SM502",
        lambda n: {
            "1_a.up.sql": "".join(f"CREATE TABLE t{i} (a int);\nCREATE INDEX i{i} ON t{i} (a);\n" for i in range(n)),
            "1_a.down.sql": "SELECT 1;\n",
            "2_b.up.sql": "".join(f"DROP INDEX i{i};\n" for i in range(n)),
            "2_b.down.sql": "SELECT 1;\n",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(ONE_RULE))
def test_one_rule_does_linear_work(tmp_path, case):
    code, files = ONE_RULE[case]

    def lint_history(n: int):
        directory = write_migrations(tmp_path / f"h{n}", files(n))
        return lambda: lint([str(directory)], Config(select=(code,)))

    small, large = _steps_warm(lint_history(1_000)), _steps_warm(lint_history(4_000))
    assert large / small < LINEAR, f"{case}: {small} steps on n, {large} on 4n"


# SM201 on a history of n versions, each of which creates ten tables that its down drops: the schema
# before each up is compared with the schema after its down, and only the tables the version
# touched can differ (every other one is shared by both states), so the others are not looked at.
# Step counts are exact: linear work gives 4.0x here, the comparison of every table 4.8x.
def test_sm201_compares_only_the_tables_a_version_touched(tmp_path):
    def lint_history(n: int):
        files = {}
        for i in range(1, n + 1):
            files[f"{i}_a.up.sql"] = "".join(f"CREATE TABLE t{i}_{j} (id int);\n" for j in range(10))
            files[f"{i}_a.down.sql"] = "".join(f"DROP TABLE t{i}_{j};\n" for j in range(10))
        directory = write_migrations(tmp_path / f"h{n}", files)
        return lambda: lint([str(directory)], Config(select=("SM201",)))

    small, large = _steps_warm(lint_history(30)), _steps_warm(lint_history(120))
    assert large / small < 4.4, f"{small} steps on n, {large} on 4n"


# The schema replay alone, on files that keep every table: what a statement does is found without
# a look at every table, sequence or trigger (unnamed keys are named, renames followed, drops cascaded).
REPLAY = {
    "unnamed keys and serial columns": lambda i: (
        f"CREATE TABLE t{i} (id serial PRIMARY KEY, a int UNIQUE CHECK (a > 0), b int REFERENCES t0 (id));\n"
        f"CREATE INDEX ON t{i} (a);\nALTER TABLE t{i} ADD COLUMN c bigserial, ADD UNIQUE (b);\n"
    ),
    "renamed tables and columns with foreign keys": lambda i: (
        f"CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t0 (id));\n"
        f"ALTER TABLE t{i} RENAME COLUMN id TO key;\nALTER TABLE t{i} RENAME TO u{i};\n"
    ),
    "dropped indexes and columns": lambda i: (
        f"CREATE TABLE t{i} (id serial, a int, b int);\nCREATE TRIGGER g{i} BEFORE INSERT ON t{i} FOR EACH ROW EXECUTE FUNCTION f();\n"
        f"CREATE INDEX i{i} ON t{i} (a);\nDROP INDEX i{i};\nDROP INDEX IF EXISTS public.i{i};\nALTER TABLE t{i} DROP COLUMN id;\n"
    ),
    "statements it cannot follow": lambda i: (
        f"CREATE TABLE t{i} (id int);\nCREATE VIEW v{i} AS SELECT 1;\nCREATE POLICY p ON t{i} USING (v{i}.id > t0.id);\n"
    ),
    "rows copied, then tables dropped and renamed": lambda i: (
        f"CREATE TABLE t{i} (id int);\nINSERT INTO t{i} SELECT * FROM t0;\nCREATE TABLE n{i} (id int);\n"
        f"INSERT INTO n{i} SELECT * FROM t{i};\nDROP TABLE t{i};\nALTER TABLE n{i} RENAME TO t{i};\n"
    ),
}


@pytest.mark.parametrize("name", list(REPLAY))
def test_the_schema_replay_does_linear_work(name):
    def replay(tables: int):
        sql = "CREATE TABLE t0 (id int PRIMARY KEY);\n" + "".join(REPLAY[name](i) for i in range(1, tables))
        ops = [op for ops in read_file(parse_file(sql, "postgres"), "postgres") for op in ops]

        def run():
            replay = Replay(Database("postgres"))
            for op in ops:
                replay.apply(op)

        return run

    small, large = (_steps(replay(n)) for n in (300, 1_200))
    assert large / small < LINEAR, f"{name}: {small} steps on n, {large} on 4n"


# The replay judging each op against the model as it goes (analysis/schema/resolve.py), with the
# chronicle of names it consults: what a question needs is looked up by name, never searched for among
# every table, view, event or statement the model could not follow.
RESOLVE = {
    "tables, views and indexes used, altered, renamed": lambda i: (
        f"CREATE TABLE t{i} (a int, b int);\nCREATE VIEW v{i} AS SELECT a FROM t{i};\nCREATE INDEX i{i} ON t{i} (a);\n"
        f"UPDATE t{i} SET a = 1 WHERE b = 2;\nALTER TABLE t{i} DROP COLUMN b;\nDROP INDEX i{i};\nALTER TABLE t{i} RENAME TO u{i};\n"
        f"INSERT INTO u{i} (a) VALUES ({i});\nINSERT INTO t{i} (a) VALUES (1);\nDROP INDEX never{i};\n"
    ),
    "statements it cannot follow, and drops with dependents": lambda i: (
        f"CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t0 (id));\nCREATE VIEW v{i} AS SELECT * FROM t{i};\n"
        f"DO $$ BEGIN EXECUTE 'SELECT 1'; END $$;\nCREATE POLICY p ON t{i} USING (true);\n"
        f"ALTER TABLE t{i} DROP COLUMN p;\nDROP TABLE t{i} CASCADE;\nDROP VIEW v{i};\n"
    ),
}


@pytest.mark.parametrize("name", list(RESOLVE))
def test_the_resolver_does_linear_work(name):
    def replay(tables: int):
        sql = "CREATE TABLE t0 (id int PRIMARY KEY);\n" + "".join(RESOLVE[name](i) for i in range(1, tables))
        ops = [op for ops in read_file(parse_file(sql, "postgres"), "postgres") for op in ops]

        def run():
            chronicle = Chronicle()
            for op in ops:
                chronicle.add(op)
            replay = Replay(Database("postgres"), Resolver(chronicle, "postgres"))
            for at, op in enumerate(ops):
                replay.apply(op, at)

        return run

    small, large = (_steps(replay(n)) for n in (120, 480))
    assert large / small < LINEAR, f"{name}: {small} steps on n, {large} on 4n"


# Work without calls that step counts miss: dropping each of many tables, adding many columns to one.
REPLAY_CPU = {
    "tables dropped at the end": lambda n: (
        "".join(f"CREATE TABLE t{i} (id int);\n" for i in range(n)) + "".join(f"DROP TABLE t{i};\n" for i in range(n))
    ),
    "columns added to one table": lambda n: (
        "CREATE TABLE w (id int);\n" + "".join(f"ALTER TABLE w ADD COLUMN c{i} int;\n" for i in range(n))
    ),
}


@pytest.mark.parametrize("name", list(REPLAY_CPU))
def test_the_schema_replay_takes_linear_time(name):
    def replay(n: int):
        ops = [op for ops in read_file(parse_file(REPLAY_CPU[name](n), "postgres"), "postgres") for op in ops]

        def run():
            replay = Replay(Database("postgres"))
            for op in ops:
                replay.apply(op)

        return run

    _assert_linear_time(replay(2_000), replay(8_000), name)


SCANNERS = {
    "{{{{": (lambda n: "{{" * (n // 2), template_placeholders),
    "${a${a": (lambda n: "${a" * (n // 3), template_placeholders),
    "-- a-a-a": (lambda n: "-- " + "a-" * (n // 2), url_passwords),
    "a://a://": (lambda n: "x" + "a://" * (n // 4), url_passwords),
    "BEGIN PRIVATE KEY, no END": (lambda n: "-----BEGIN RSA PRIVATE KEY-----" * (n // 31), private_keys),
    "a://b:c@ a://b:c@": (lambda n: "a://b:c@" * (n // 8), url_passwords),
    "a://u:' a://u:'": (lambda n: "a://u:'" * (n // 7), url_passwords),
    "password= x n, redacted": (
        lambda n: "password= " * (n // 10),
        lambda t: redacted(t, 0, [Secret(i, i + 9, "p", (i, i + 9)) for i in range(0, len(t), 10)]),
    ),
    "CREATE DOMAIN base + blanks": (lambda n: " AS int" + " " * n + "x", _domain_base),
    "DO block END + blanks": (lambda n: "BEGIN x; END" + " " * n + "x", _plpgsql_block),
    "DO block EXCEPTION x n": (lambda n: "BEGIN x; " + "EXCEPTION " * (n // 10) + "x", _plpgsql_block),
    "ADD VALUE + blanks": (lambda n: "ALTER TYPE t ADD VALUE 'x'" + " " * n + "x", lambda t: _read_text(t, Names("postgres"))),
    "CREATE TABLE LIKE + blanks": (lambda n: "CREATE TABLE t" + " " * n + "x", lambda t: _read_text(t, Names("postgres"))),
}


@pytest.mark.parametrize("name", list(SCANNERS))
def test_scanners_are_linear(name):
    build, scan = SCANNERS[name]
    small_text, large_text = build(100_000), build(400_000)
    _assert_linear_time(lambda: scan(small_text), lambda: scan(large_text), name)


def test_statements_nested_too_deep_are_not_analysed(lint_sql):
    depth = 5_000
    result = lint_sql({"1_a.up.sql": "SELECT " + "CASE WHEN 1 THEN " * depth + "1" + " END" * depth + ";", "1_a.down.sql": "SELECT 1;"})
    messages = [d.message for d in result.active if d.code == "SM001"]
    # PostgreSQL's own grammar (pglast) rejects it first; other dialects get the nesting limit.
    assert messages
    mysql = lint_sql(
        {"1_a.up.sql": "SELECT " + "CASE WHEN 1 THEN " * depth + "1" + " END" * depth + ";", "1_a.down.sql": "SELECT 1;"}, "mysql"
    )
    nested = [d.message for d in mysql.active if f"more than {MAX_NESTING} levels deep" in d.message]
    assert nested and "not analysed" in nested[0] and "SM000" not in {d.code for d in mysql.active}
    assert "SM000" not in {d.code for d in result.active}


def _result_with_message(message: str) -> LintResult:
    diagnostic = Diagnostic("SM101", "drop-table", Severity.ERROR, "m/1_a.up.sql", Span(1, 1, 1, 2), message, "")
    return LintResult([diagnostic], 1, [])


def test_the_text_report_escapes_nothing_it_does_not_parse():
    def render(n):
        buffer = io.StringIO()
        get_reporter("text")(_result_with_message("\\" * n + "[bold]x[/bold]"), buffer)
        return buffer.getvalue()

    assert "\\" * 1000 + "[bold]x[/bold]" in render(1000)  # shown as written, not as markup
    _assert_linear_time(lambda: render(100_000), lambda: render(400_000), "render")


def test_the_text_report_neutralises_terminal_escape_sequences(lint_sql):
    sql = "DROP TABLE t; -- \x1b[2J\x1b]0;owned\x07 \x9b31m\n"
    result = lint_sql({"1_a.up.sql": sql, "1_a.down.sql": "SELECT 1;"})
    buffer = io.StringIO()
    get_reporter("text")(result, buffer)
    assert "DROP TABLE t" in buffer.getvalue()
    assert not any(c in buffer.getvalue() for c in "\x1b\x07\x9b")
    assert "\\x1b[2J" in buffer.getvalue()


def test_the_text_report_shows_a_window_of_a_long_line_once_per_finding(lint_sql):
    """One 60 KB line with 300 findings on it: each shows the part of the line around its span, so
    the report grows with the findings, not with findings x line length; past ten of one rule on
    one line, the rest are counted (each is in the JSON and SARIF reports)."""
    line = " ".join(f"DELETE FROM t{i};" for i in range(300)) + " " + "-" * 50_000
    result = lint_sql({"000001_x.up.sql": line + "\n", "000001_x.down.sql": "SELECT 1;\n"}, select=("SM105",))
    assert len(result.active) == 300
    out = io.StringIO()
    get_reporter("text")(result, out)
    assert len(out.getvalue()) < 10 * 1_000
    assert "DELETE FROM t9 has no WHERE" in out.getvalue() and "DELETE FROM t10 has no WHERE" not in out.getvalue()
    assert "… and 290 more SM105 findings on line 1 of" in out.getvalue()
    assert "Found 300 problems" in out.getvalue()


def _many_on_one_line(n: int) -> LintResult:
    """n findings on one line of 4n characters (as '${A}' x n gives), with a shared long snippet."""
    line = "${A}" * n
    found = [
        Diagnostic("SM407", "templated-sql", Severity.INFO, "m/1_a.up.sql", Span(1, 1 + 4 * i, 1, 5 + 4 * i), "placeholder", "h", line)
        for i in range(n)
    ]
    return LintResult(found, 1, [], {"m/1_a.up.sql": LineIndex(line)})


@pytest.mark.parametrize("format", ["text", "json", "sarif", "github", "markdown"])
def test_every_report_of_many_findings_on_one_long_line_is_linear(format):
    """'${A}' x 64,000 took 13 s and printed 41 MB in text (the line copied per finding), SARIF and
    GitHub resolved the path and hashed the whole snippet per finding."""

    def render(n):
        buffer = io.StringIO()
        get_reporter(format)(_many_on_one_line(n), buffer)
        return buffer.getvalue()

    _assert_linear_time(lambda: render(2_000), lambda: render(8_000), format)
    if format == "text":
        assert len(render(8_000)) < 20_000  # bounded: ten excerpts and a count


def test_whether_findings_quote_a_secret_is_linear():
    """One statement holding 'password= ' x 30,000: its snippet (shared by every finding) is split once."""

    def check(n):
        snippet = "password= *** " * n
        found = {"1_a.up.sql": [Diagnostic("SM402", "c", Severity.ERROR, "p", Span(1, 1, 1, 2), "m", "h", snippet) for _ in range(n)]}
        return lambda: quotes_a_secret(found, {"hunter2x"})

    _assert_linear_time(check(2_000), check(8_000), "check")


def test_what_the_lock_rules_remember_stays_linear_in_memory(tmp_path):
    """Tables created and kept along a long file: the facts before each statement are events per name,
    not a copy of every set per statement (that made 2 MB files take 7 GB)."""
    import tracemalloc

    def peak(n: int) -> int:
        sql = "".join(f"CREATE TABLE t{i} (a int);\nCREATE INDEX i{i} ON t{i} (a);\n" for i in range(n // 56))
        directory = write_migrations(tmp_path / f"m{n}", {"1_a.up.sql": sql, "1_a.down.sql": "SELECT 1;\n"})
        lint([str(directory)], Config(cache=False))  # imports and first-use caches out of the measurement
        tracemalloc.start()
        try:
            lint([str(directory)], Config(cache=False))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(12_000), peak(48_000)
    assert large / small < LINEAR, f"peak memory {small} bytes on n, {large} on 4n"

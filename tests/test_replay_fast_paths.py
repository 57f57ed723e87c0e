"""The replay's and the rules' shortcuts answer as the general paths they stand in for, on fixtures/,
the rule pages' examples and statements written for the edges of each shortcut."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, page_texts, sql_texts, write_migrations

from safemig_lint.analysis.locks import FileLocks
from safemig_lint.analysis.schema.history import History
from safemig_lint.checks.base import FileContext
from safemig_lint.checks.sm632_frozen_now_default import may_hold_a_moment
from safemig_lint.config import Config
from safemig_lint.engine import read_and_parse
from safemig_lint.reading.discovery import discover
from safemig_lint.reading.statements import parse_file

# Moment words right before `(` and around it: the shortcut skips only a bare word that is a call's name.
_MOMENTS_BEFORE_CALLS = [
    "CREATE TABLE e (a timestamptz DEFAULT now(), b date DEFAULT today())",
    "CREATE TABLE e (a timestamptz DEFAULT NOW (), b timestamptz DEFAULT 'now')",
    "CREATE TABLE e (a timestamptz DEFAULT \"now\"(), b text DEFAULT 'snow(')",
    "CREATE TABLE e (a timestamptz DEFAULT pg_catalog.now(), b timestamp DEFAULT 'tomorrow'::timestamp)",
    "CREATE TABLE e (a date DEFAULT $$yesterday$$, b int DEFAULT length('now('))",
    "CREATE TABLE yesterday(a date DEFAULT ' today ', b timestamp DEFAULT ('now'))",
    "ALTER TABLE e ALTER COLUMN a SET DEFAULT now(), ALTER COLUMN b SET DEFAULT 'now'::date",
]


def test_moments_written_before_a_bracket_are_skipped_as_reading_every_token_would():
    """SM632's gate reads only the tokens where a moment word is written, and none of those right before `(`:
    it answers as reading every token."""
    admitted = skipped = 0
    for text in sql_texts() + _MOMENTS_BEFORE_CALLS:
        parsed = parse_file(text, "postgres")
        lowered = parsed.text.lower()
        for statement in parsed.statements:
            shortcut = may_hold_a_moment(statement, lowered)
            assert shortcut == may_hold_a_moment(statement, None), statement.text
            if "now(" in statement.text.lower():
                admitted += shortcut
                skipped += not shortcut
    assert admitted >= 4 and skipped >= 3  # both sides of the edge met


def _contexts(directory: Path, config: Config):
    """A FileContext for each file of the folder, over its replayed history."""
    folder = discover([str(directory)]).directories[0]
    parsed = {f.path: read_and_parse(f.path, config) for f in folder.files()}
    history = History(folder, parsed, config.dialect)
    for migration in folder.migrations:
        for file in (*migration.ups, *migration.downs):
            yield FileContext(file, parsed[file.path], migration, None, config.dialect, history, config=config)


_LOCKING_FILES = {
    "000001_base.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);\nCREATE INDEX t_a ON t (a);\nCREATE TABLE w (id int);\n",
    "000002_locks.up.sql": (
        "LOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nVACUUM FULL t;\nCLUSTER t USING t_a;\n"
        "ALTER TABLE t ADD COLUMN b int;\nINSERT INTO t (id) VALUES (1);\nDROP INDEX t_a;\n"
        "CREATE TABLE u (id int);\nALTER TABLE u ADD COLUMN c int;\nlock t;\n"
    ),
    # Moot locks (a table created in the file, or dropped later in it) beside live ones: FileLocks._may_lock's edges.
    "000003_moot.up.sql": (
        "CREATE TABLE v (id int PRIMARY KEY);\nCREATE INDEX v_id ON v (id);\nALTER TABLE v ADD COLUMN d int REFERENCES t (id);\n"
        "DROP INDEX v_id;\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nALTER TABLE t ADD CONSTRAINT t_v FOREIGN KEY (id) REFERENCES v (id);\n"
        "ALTER TABLE w ADD COLUMN g int;\nCREATE INDEX w_g ON w (g);\nDROP TABLE w;\nDROP INDEX t_id;\n"
    ),
    # Commands alone in their files, each spelt its own way (command_locks reads them from the text).
    "000004_vacuum.up.sql": "Vacuum (VERBOSE) FULL t;\n",
    "000005_cluster.up.sql": "CLUSTER t;\n",
    "000006_lock.up.sql": "lock TABLE t IN SHARE MODE;\n",
}


@pytest.mark.parametrize("source", ["fixtures", "pages", "written"])
def test_locking_statements_are_those_postgres_locks_finds(source, tmp_path):
    """FileLocks.locking asks postgres_locks only of statements holding a locking op or a command's first word:
    the same statements as asking it of each."""
    if source == "fixtures":
        folders = [(path, Config()) for path in sorted(FIXTURES.iterdir()) if path.is_dir() and path.name not in ("mysql", "sqlite")]
    elif source == "pages":
        folders = [
            (write_migrations(tmp_path / f"p{number}", {"000001_example.up.sql": text}), Config())
            for number, text in enumerate(page_texts())
        ]
    else:
        folders = [(write_migrations(tmp_path / "w", _LOCKING_FILES), Config())]
    locking = 0
    for directory, config in folders:
        for context in _contexts(directory, config):
            asked = FileLocks(context)
            if not asked.postgres:
                continue
            every = [s for s in context.parsed.statements if asked.postgres_locks(s)]
            assert FileLocks(context).locking == every, context.file.display_path
            locking += len(every)
    assert locking >= 3


_SETTING_TEXTS = [
    "USE shop;\nCREATE TABLE t (id int);\n  use other;\nINSERT INTO t VALUES (1);\n",
    "SET search_path = app;\nCREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN a int;\n",
    "uſe shop;\nCREATE TABLE t (id int);\n",  # ſ upper-cases into S: USE to the general path
    "SET foreign_key_checks = 0;\nDROP TABLE t;\nCREATE TABLE u (id int REFERENCES t (id));\n",
]


def _chronicled(text: str, doubtful: bool, every_op: bool) -> dict:
    """What _chronicle_file records of a file, or (every_op) what the general path records: each statement's start
    upper-cased for USE and each op added on its own (Chronicle._add_names), with the tables it names, as before the
    shortcuts (the tables named gathered only when asked for)."""
    from safemig_lint.analysis.schema import history
    from safemig_lint.analysis.schema.chronicle import Chronicle, _tables_named
    from safemig_lint.operations.file_ops import file_ops
    from safemig_lint.operations.read import Reading, mentions

    read = file_ops(parse_file(text, "postgres"), Reading("postgres"))
    chronicle = Chronicle()
    if not every_op:
        history._chronicle_file(chronicle, read, doubtful)
        chronicle.named()
        return vars(chronicle)
    lowered = "\n".join(statement.text for statement in read.statements).lower()
    named = {name for name in history._SETTINGS if name in lowered}
    for statement in read.statements:
        use = statement.text.lstrip()[:3].upper() == "USE"
        if named or use:
            history._settings(chronicle, statement.text, named, use)
        for op in statement.ops:
            chronicle._add_names(op, mentions(statement.text) if doubtful else None)
            chronicle._named.update(_tables_named(op))
    return vars(chronicle)


@pytest.mark.parametrize("doubtful", [False, True])
def test_the_chronicle_of_a_file_is_that_of_each_op_added_on_its_own(doubtful):
    """_chronicle_file looks for USE only in a file whose text may start a statement with it, and adds a statement
    whose ops only name tables at once: the same chronicle as each statement's start read and each op added alone."""
    settings = 0
    for text in sql_texts() + _SETTING_TEXTS:
        chronicled = _chronicled(text, doubtful, every_op=False)
        assert chronicled == _chronicled(text, doubtful, every_op=True), text
        settings += len(chronicled["_settings"].get("search_path", ()))
    assert settings >= 4


_REWRITE_FILES = {
    "000001_base.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);\nCREATE INDEX t_a ON t (a);\nCREATE TABLE w (id int);\n",
    "000002_rewrites.up.sql": (
        "VACUUM FULL t;\nvacuum (full) t;\n/* first */ CLUSTER t USING t_a;\nCLUSTER;\nALTER TABLE t SET TABLESPACE slow;\n"
        "ALTER TABLE IF EXISTS t SET TABLESPACE fast, ADD COLUMN b int;\nINSERT INTO t (id) VALUES (1);\n"
    ),
}


@pytest.mark.parametrize("source", ["fixtures", "pages", "written"])
def test_table_rewrite_commands_are_found_in_the_statements_read(source, tmp_path):
    """SM510 reads only ALTERs and statements whose first word may be VACUUM or CLUSTER: the findings of reading
    each, and its first word whole."""
    from safemig_lint.checks.sm510_table_rewrite_command import TableRewriteCommand

    if source == "fixtures":
        folders = [path for path in sorted(FIXTURES.iterdir()) if path.is_dir() and path.name not in ("mysql", "sqlite")]
    elif source == "pages":
        folders = [write_migrations(tmp_path / f"p{number}", {"000001_example.up.sql": text}) for number, text in enumerate(page_texts())]
    else:
        folders = [write_migrations(tmp_path / "w", _REWRITE_FILES)]
    rule, found, files = TableRewriteCommand(), 0, 0
    for directory in folders:
        for context in _contexts(directory, Config()):
            if not context.locks.postgres:
                continue
            every = [finding for statement in context.parsed.statements for finding in rule._rewrites(statement, context, True)]
            assert list(rule.check_file(context)) == every, context.file.display_path
            found, files = found + len(every), files + 1
    assert files >= 2 and found >= (5 if source == "written" else 0)


@pytest.mark.parametrize("source", ["fixtures", "pages"])
def test_tables_created_in_a_file_are_those_of_every_op(source, tmp_path):
    """SM206 reads the creations of only the statements holding a CREATE TABLE op: those of reading every op."""
    from safemig_lint.checks.sm206_explicit_id_without_setval import _FileTables
    from safemig_lint.operations import ops as o

    if source == "fixtures":
        folders = [path for path in sorted(FIXTURES.iterdir()) if path.is_dir() and path.name not in ("mysql", "sqlite")]
    else:
        folders = [write_migrations(tmp_path / f"p{number}", {"000001_example.up.sql": text}) for number, text in enumerate(page_texts())]
    created = 0
    for directory in folders:
        for context in _contexts(directory, Config()):
            every: dict[str, list] = {}
            for start, ops in context.operations_by_start.items():
                for op in ops:
                    if isinstance(op, o.CreateTable) and not op.unknown and not op.like:
                        every.setdefault(op.table.rpartition(".")[2], []).append((start, {c.name: c for c in op.columns}))
            assert _FileTables(context).created == every, context.file.display_path
            created += len(every)
    assert created >= (2 if source == "fixtures" else 10)

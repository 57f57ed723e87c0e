"""The content cache and the process pool change how fast results come, never what they are."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading

import pytest
from conftest import FIXTURES, write_migrations
from typer.testing import CliRunner

from safemig_lint import cache, engine
from safemig_lint.cache import Cache
from safemig_lint.cli import app
from safemig_lint.config import Config

runner = CliRunner()
SECRET = "Zq9-hunter2-Xy7"


@pytest.fixture(autouse=True)
def _content_cache(monkeypatch):
    monkeypatch.delenv("SAFEMIG_LINT_NO_CACHE")


def entry_body(path) -> dict:
    """A cache entry's JSON, past its signature line."""
    return json.loads(path.read_bytes().split(b"\n", 2)[2])


# The project's migration folders: each fixture folder, and extra/.
DIRECTORIES = len([p for p in FIXTURES.iterdir() if p.is_dir()]) + 1


@pytest.fixture
def project(tmp_path):
    """A copy of the fixtures plus a directory with a secret, a template and a suppression."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root / "migrations")
    write_migrations(
        root / "migrations" / "extra",
        {
            "000001_roles.up.sql": f"CREATE ROLE app LOGIN PASSWORD '{SECRET}';\nDROP TABLE legacy;\n",
            "000001_roles.down.sql": "DROP ROLE app;\n",
            "000002_t.up.sql": "-- safemig-lint: ignore SM104 reseeded\nTRUNCATE {{ .Schema }}.events;\nALTER TABLE t DROP COLUMN c;\n",
        },
    )
    return root


class _Counter:
    """Counts the directories actually linted (not answered from the cache)."""

    def __init__(self, monkeypatch) -> None:
        self.names: list[str] = []
        real = engine.lint_directory

        def counting(work, *rest):
            self.names.append(work.directory.path.name)
            return real(work, *rest)

        monkeypatch.setattr(engine, "lint_directory", counting)


def _check(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check", "--fail-on", "never", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_results_are_identical_with_and_without_the_cache(project, monkeypatch, output_format):
    monkeypatch.chdir(project)
    counter = _Counter(monkeypatch)
    uncached = _check("--no-cache", "--format", output_format, "migrations")
    assert not (project / ".safemig-lint-cache").exists()
    counter.names.clear()
    cold = _check("--format", output_format, "migrations")
    linted_cold = len(counter.names)
    warm = _check("--format", output_format, "migrations")
    assert uncached == cold == warm
    assert linted_cold == DIRECTORIES and len(counter.names) == DIRECTORIES  # the warm run linted nothing
    assert (project / ".safemig-lint-cache" / ".gitignore").read_text().strip().endswith("*")


def test_the_cache_never_holds_a_secret(project, monkeypatch):
    monkeypatch.chdir(project)
    code, output = _check("--format", "text", "migrations/extra")
    assert "SM402" in output and SECRET not in output
    stored = "".join(p.read_text() for p in (project / ".safemig-lint-cache").rglob("*.json"))
    assert stored and SECRET not in stored
    assert _check("--format", "text", "migrations/extra") == (code, output)  # masked again from the cache


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(project, monkeypatch):
    monkeypatch.chdir(project)
    expected = _check("--format", "json", "migrations")
    entries = sorted((project / ".safemig-lint-cache").rglob("*.json"))
    assert len(entries) == DIRECTORIES
    entries[0].write_text("{not json")
    entries[1].write_text(json.dumps({"key": "0" * 64, "covered": [], "diagnostics": {}, "masks": {}}))
    entries[2].write_text(json.dumps({"key": entries[2].stem, "covered": "x", "diagnostics": [1], "masks": None}))
    counter = _Counter(monkeypatch)
    assert _check("--format", "json", "migrations") == expected
    assert len(counter.names) == 3
    for entry in entries[:3]:
        assert entry_body(entry)["key"] == entry.stem


@pytest.mark.parametrize("kept", [0, 40, -10])
def test_an_entry_torn_by_a_crash_is_a_miss_and_is_written_again(project, monkeypatch, kept):
    """Entries are not synced to disk (atomic.replace_file, not durable): after a crash one may hold
    only its first bytes, or none. Its signature then fails, and its folder is linted again."""
    monkeypatch.chdir(project)
    expected = _check("--format", "json", "migrations")
    entry = sorted((project / ".safemig-lint-cache").rglob("*.json"))[0]
    whole = entry.read_bytes()
    entry.write_bytes(whole[:kept])
    counter = _Counter(monkeypatch)
    assert _check("--format", "json", "migrations") == expected
    assert len(counter.names) == 1
    assert entry.read_bytes() == whole


def test_entries_are_not_synced_to_disk_one_by_one(project, monkeypatch):
    """A cold run writes an entry per folder: two fsyncs each cost more wall time than linting a small
    folder. Only the cache's .gitignore (and the signing key, made once) are synced."""
    monkeypatch.chdir(project)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    _check("--format", "json", "migrations")
    assert len(list((project / ".safemig-lint-cache").rglob("*.json"))) == DIRECTORIES
    assert len(synced) <= 3


def test_a_run_without_a_cache_encodes_no_entry_and_the_memory_cache_keeps_them(monkeypatch):
    """--no-cache: the entries a run would store are not even made (JSON of every finding, for nothing)."""

    def encoded(entry, display_of):
        made.append(entry.key)
        return {}

    made: list[str] = []
    monkeypatch.setattr(cache, "_entry_to_json", encoded)
    folder = engine.DirectoryWork(None, Config(), {}, frozenset())
    Cache(None).store(cache.Entry("k1"), folder)
    cache.MemoryCache().store(cache.Entry("k2"), folder)
    assert made == ["k2"]


def test_an_entry_whose_findings_name_another_path_is_not_stored(tmp_path):
    """Reading an entry back gives each finding the path of the file it is stored under: one whose
    finding says another path would come back wrong, so it is recomputed on each run instead."""
    from pathlib import Path

    from safemig_lint.diagnostics import Diagnostic, Severity, Span
    from safemig_lint.reading.discovery import MigrationDirectory

    folder = engine.DirectoryWork(MigrationDirectory(Path("m"), "m", [], []), Config(), {}, frozenset())

    def stored(path: str) -> list:
        root = tmp_path / path.replace("/", "-")
        finding = Diagnostic("SM101", "n", Severity.ERROR, path, Span(1, 1, 1, 2), "m", "h")
        Cache(root).store(cache.Entry("k" * 64, {"1_a.up.sql"}, {"1_a.up.sql": [finding]}), folder)
        return list(root.rglob("*.json"))

    assert len(stored("m/1_a.up.sql")) == 1
    assert stored("elsewhere/1_a.up.sql") == stored("m/1_b.up.sql") == []


def test_a_changed_file_is_linted_again(project, monkeypatch):
    monkeypatch.chdir(project)
    _check("--format", "json", "migrations")
    (project / "migrations" / "extra" / "000002_t.up.sql").write_text("ALTER TABLE t ADD COLUMN c int;\n")
    counter = _Counter(monkeypatch)
    _, output = _check("--format", "json", "migrations")
    assert counter.names == ["extra"]
    assert _check("--no-cache", "--format", "json", "migrations")[1] == output


def test_a_staged_files_warm_run_is_answered_from_its_own_entry_and_the_folders_stays_whole(project, monkeypatch, tmp_path):
    from safemig_lint.cache import Cache, Entry

    monkeypatch.chdir(project)
    staged = "migrations/app/000004_drop_legacy_sessions.up.sql"
    expected = _check("--no-cache", "--format", "json", staged)
    whole = _check("--format", "json", "migrations/app")
    assert _check("--format", "json", staged) == expected
    counter = _Counter(monkeypatch)
    assert _check("--format", "json", staged) == expected  # from the entry of this folder state and these files
    assert _check("--format", "json", "migrations/app") == whole  # the folder's entry is still whole
    assert counter.names == []
    with pytest.raises(ValueError):
        Cache(tmp_path / "c").store(Entry("0" * 64, partial=True), None)  # it would drop the findings not read


def test_a_folders_one_finding_of_a_cause_follows_the_files_reported_whatever_ran_before(tmp_path, monkeypatch):
    """SM004 for a folder without down files sits on the first up file reported: a staged file's run
    after a run of the whole folder (which put it on the first file) reports it as a run without the cache does."""
    folder = write_migrations(tmp_path / "m", {f"00000{n}_t{n}.up.sql": f"CREATE TABLE t{n} (id int);\n" for n in (1, 2, 3)})
    monkeypatch.chdir(tmp_path)
    staged = "m/000003_t3.up.sql"
    expected = _check("--no-cache", "--format", "json", staged)
    assert [d["code"] for d in json.loads(expected[1])["diagnostics"]] == ["SM004"]
    whole = _check("--format", "json", "m")
    assert [(d["code"], d["path"]) for d in json.loads(whole[1])["diagnostics"]] == [("SM004", "m/000001_t1.up.sql")]
    assert _check("--format", "json", staged) == expected
    assert _check("--format", "json", "m/000002_t2.up.sql", staged) == _check(
        "--no-cache", "--format", "json", "m/000002_t2.up.sql", staged
    )
    assert len(list(folder.iterdir())) == 3


def test_a_staged_file_runs_its_own_rules_and_later_runs_add_the_rest(project, monkeypatch):
    monkeypatch.chdir(project)
    staged = "migrations/app/000004_drop_legacy_sessions.up.sql"
    one = _check("--format", "json", staged)
    assert one == _check("--no-cache", "--format", "json", staged)
    assert {d["path"] for d in json.loads(one[1])["diagnostics"]} == {staged}
    counter = _Counter(monkeypatch)
    assert _check("--format", "json", staged) == one and counter.names == []
    whole = _check("--format", "json", "migrations/app")
    assert counter.names == ["app"]  # the other files' rules had not run yet
    assert whole == _check("--no-cache", "--format", "json", "migrations/app")


class _ParseCounter:
    """Counts the files parsed (engine.parse_bytes calls)."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        real = engine.parse_bytes

        def counting(*args):
            self.calls += 1
            return real(*args)

        monkeypatch.setattr(engine, "parse_bytes", counting)


def test_a_staged_file_of_a_changed_folder_replays_the_others_from_their_cached_ops(project, monkeypatch):
    """pre-commit after an edit: the folder's entry is stale, but the files that are only its
    history are replayed from their cached ops instead of parsed, with the same findings."""
    monkeypatch.chdir(project)
    folder = project / "migrations" / "app"
    staged = "migrations/app/000008_limit_title_length.up.sql"
    _check("--format", "json", "migrations/app/000005_archive_books.up.sql")  # an earlier commit's run
    with (project / staged).open("a", encoding="utf-8") as file:
        file.write("ALTER TABLE books DROP COLUMN subtitle;\n")
    parses = _ParseCounter(monkeypatch)
    result = _check("--format", "json", staged)
    # The staged file, its down file, and 000009, which holds a password (a file that held a
    # secret leaves nothing in the cache); the other 13 files' ops came from the cache.
    assert parses.calls == 3
    assert "SM102" in result[1]
    assert result == _check("--no-cache", "--format", "json", staged)
    assert len(list(folder.glob("*.sql"))) == 16


def test_corrupt_ops_entries_are_parsed_again_and_rewritten(project, monkeypatch):
    """Unreadable JSON, or an op of a class that is not an op: never trusted, the file is parsed."""
    monkeypatch.chdir(project)
    staged = "migrations/app/000008_limit_title_length.up.sql"
    expected = _check("--no-cache", "--format", "json", staged)
    _check("--format", "json", "migrations/app/000005_archive_books.up.sql")
    entries = sorted((project / ".safemig-lint-cache").rglob("files/*/*.json"))
    assert entries
    for index, entry in enumerate(entries):
        entry.write_text(
            [
                "{not json",
                json.dumps({"key": entry.stem, "value": {"unreadable": False, "statements": [[0, 1, "x", [{"$": "os.system"}]]]}}),
            ][index % 2]
        )
    parses = _ParseCounter(monkeypatch)
    assert _check("--format", "json", staged) == expected
    assert parses.calls > 2
    assert all(entry_body(entry)["key"] == entry.stem for entry in entries)


def test_a_file_that_held_a_secret_leaves_no_ops_in_the_cache(project, monkeypatch):
    monkeypatch.chdir(project)
    _check("--format", "json", "migrations/extra/000002_t.up.sql")
    stored = list((project / ".safemig-lint-cache").rglob("files/*/*.json"))
    assert stored and all(SECRET not in entry.read_text() for entry in stored)
    assert all("app LOGIN" not in entry.read_text() for entry in stored)  # 000001_roles.up.sql: not kept at all


def test_the_cache_can_be_turned_off_in_the_configuration_or_the_environment(project, monkeypatch):
    monkeypatch.chdir(project)
    (project / ".safemig-lint.toml").write_text("cache = false\n")
    _check("migrations")
    assert not (project / ".safemig-lint-cache").exists()
    (project / ".safemig-lint.toml").write_text('cache-dir = "build/lint-cache"\n')
    _check("migrations")
    assert len(list((project / "build" / "lint-cache").rglob("*.json"))) == DIRECTORIES
    shutil.rmtree(project / "build")
    monkeypatch.setenv("SAFEMIG_LINT_NO_CACHE", "1")
    _check("migrations")
    assert not (project / "build").exists()
    monkeypatch.delenv("SAFEMIG_LINT_NO_CACHE")
    (project / ".safemig-lint.toml").write_text("cache = 1\n")
    assert "cache must be true or false" in _check("migrations")[1]


def test_a_read_only_cache_directory_costs_speed_not_the_run(project, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = engine.lint([str(project / "migrations")], Config(), cache=Cache(blocker / "cache"))
    assert result.diagnostics == engine.lint([str(project / "migrations")], Config()).diagnostics


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="only a forked helper inherits the works")
def test_forked_helpers_inherit_the_works_with_nothing_pickled(project, monkeypatch):
    paths = [str(project / "migrations")]
    serial = engine.lint(paths, Config(), jobs=1)

    def refuse(self, protocol):
        raise AssertionError("a work was pickled")

    monkeypatch.setattr(engine.DirectoryWork, "__reduce_ex__", refuse)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 0)
    assert engine.lint(paths, Config(), jobs=2).diagnostics == serial.diagnostics


def test_patterns_are_compiled_before_helpers_are_forked(monkeypatch):
    """What is imported before forking (engine._import_before_forking) leaves no pattern made with patterns.lazy to be
    compiled (each helper would compile again those it uses), and each compiles as re.compile does."""
    import re

    from safemig_lint import patterns

    made = patterns._LazyPattern("a(?=b)", re.IGNORECASE)
    monkeypatch.setattr(patterns, "_MADE", [*patterns._MADE, made])
    engine._import_before_forking([_PostgresWork()])
    assert len(patterns._MADE) > 100
    assert all("search" in vars(each) for each in patterns._MADE)
    assert made.search("xAB").start() == 1 and (made.pattern, made.flags) == ("a(?=b)", re.compile("a(?=b)", re.IGNORECASE).flags)


class _PostgresWork:
    """What _import_before_forking reads of a work."""

    class config:  # noqa: N801 (a Config's stand-in)
        dialect = "postgres"


def test_a_pooled_run_lints_in_this_process_too(project, monkeypatch):
    """The process that starts the helper lints the costliest folder itself, and more as they come."""
    paths = [str(project / "migrations")]
    serial = engine.lint(paths, Config(), jobs=1)
    counter = _Counter(monkeypatch)  # counts in this process (a helper counts in its own)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 0)
    assert engine.lint(paths, Config(), jobs=2).diagnostics == serial.diagnostics
    assert counter.names


def _sends_in_reverse(works, order, taken, sent):
    """A helper that takes every work left at once, and sends their outcomes back last first."""
    taken_here = []
    while (index := engine._take(order, taken)) is not None:
        taken_here.append(index)
    for index in reversed(taken_here):
        sent.put((index, engine.lint_directory(works[index])))


def test_outcomes_that_come_back_out_of_order_are_given_in_order(tmp_path, monkeypatch):
    for number in range(24):
        write_migrations(tmp_path / f"m{number:02}", {"000001_a.up.sql": f"CREATE TABLE t{number} (id int);\nDROP TABLE t;\n"})
    serial = engine.lint([str(tmp_path)], Config(), jobs=1)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(engine, "_lint_alongside", _sends_in_reverse)
    assert engine.lint([str(tmp_path)], Config(), jobs=2).diagnostics == serial.diagnostics


def _killed(works, order, taken, sent):
    engine._take(order, taken)  # a helper takes a work, and is killed before it sends its outcome
    os._exit(3)


def test_a_pooled_run_survives_a_killed_worker(project, monkeypatch):
    paths = [str(project / "migrations")]
    serial = engine.lint(paths, Config(), jobs=1)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(engine, "_lint_alongside", _killed)
    assert engine.lint(paths, Config(), jobs=2).diagnostics == serial.diagnostics


def test_a_process_pool_gives_the_serial_result(project, monkeypatch):
    paths = [str(project / "migrations")]
    serial = engine.lint(paths, Config(), jobs=1)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 0)
    parallel = engine.lint(paths, Config(), jobs=2)
    assert parallel.diagnostics == serial.diagnostics
    assert [d.suppression for d in parallel.diagnostics] == [d.suppression for d in serial.diagnostics]
    assert {k: v.text for k, v in parallel.sources.items()} == {k: v.text for k, v in serial.sources.items()}
    assert parallel.files_checked == serial.files_checked


def test_rule_metadata_read_without_importing_matches_the_rules():
    from safemig_lint.checks import all_rules, rule_codes, rule_table

    assert rule_table() == [(r.code, r.name, r.severity.value, r.fixable, r.summary) for r in all_rules()]
    assert rule_codes() == [r.code for r in all_rules()]


def _imported(*args: str, cwd) -> str:
    """Modules a fresh interpreter imports to run the command (from `-X importtime`)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "safemig_lint", *args], cwd=cwd, capture_output=True, text=True)
    return " ".join(line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:"))


def test_cached_runs_version_and_rules_do_not_load_sqlglot(project):
    modules = _imported("check", "migrations", cwd=project)
    assert "sqlglot" in modules.split()  # the first run parses
    cached = _imported("check", "migrations", cwd=project).split()
    assert "sqlglot" not in cached and "safemig_lint.checks.base" not in cached
    # Nor any other parser, nor the terminal library when the report is JSON (a staged file's run too).
    staged_run = ("check", "--format", "json", "migrations/app/000004_drop_legacy_sessions.up.sql")
    _imported(*staged_run, cwd=project)  # its first run: a staged file's findings are its own entry's
    staged = _imported(*staged_run, cwd=project).split()
    for parser in ("sqlglot", "pglast", "sqlfluff", "sqlfluffrs"):
        assert parser not in cached and parser not in staged
    assert "rich" not in staged and "tempfile" not in staged  # nothing written either
    assert "sqlglot" not in _imported("rules", cwd=project).split()
    assert "typer" not in _imported("--version", cwd=project).split()


def test_a_staged_file_edited_outside_its_statements_is_not_parsed_by_postgresql_again(tmp_path):
    """pre-commit after a comment or a suppression was added: PostgreSQL accepted these statements
    before (the cache remembers it), so its parser is not even imported; the findings are the same."""
    write_migrations(
        tmp_path / "m",
        {
            "000001_t.up.sql": "CREATE TABLE t (a int);\n",
            "000001_t.down.sql": "DROP TABLE t;\n",
            "000002_c.up.sql": "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;\nCREATE INDEX t_c ON t (c);\n",
            "000002_c.down.sql": "ALTER TABLE t DROP COLUMN c;\n",
        },
    )
    staged = tmp_path / "m" / "000002_c.up.sql"
    run = ("check", "--format", "json", "--fail-on", "never", "m/000002_c.up.sql")
    assert "pglast" in _imported(*run, cwd=tmp_path).split()  # the first run: PostgreSQL's verdict is asked for
    staged.write_text("-- safemig-lint: ignore SM511 a new table\n" + staged.read_text() + "-- edited\n")
    assert "pglast" not in _imported(*run, cwd=tmp_path).split()
    with_cache = subprocess.run([sys.executable, "-m", "safemig_lint", *run], cwd=tmp_path, capture_output=True, text=True)
    without = subprocess.run([sys.executable, "-m", "safemig_lint", *run, "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    assert with_cache.stdout == without.stdout and '"SM501"' in with_cache.stdout
    with staged.open("a", encoding="utf-8") as file:
        file.write("SELECT 1;\n")  # a statement PostgreSQL has not judged
    assert "pglast" in _imported(*run, cwd=tmp_path).split()


def test_an_acceptance_entry_not_signed_with_the_users_key_cannot_hide_a_syntax_error(tmp_path, monkeypatch):
    """What a forged 'PostgreSQL accepted these statements' could do: hide SM001 on a statement sqlglot
    reads and PostgreSQL rejects. Unsigned, signed with another key, for other statements, or corrupt:
    a miss, and the parser decides. Only an entry this user's key signed is believed (which shows
    the forged ones were looked up, and refused)."""
    from safemig_lint.reading.statements import parse_file

    bad = "CREATE TABLE u (a int,);\n"  # sqlglot reads it; PostgreSQL does not
    write_migrations(
        tmp_path / "m",
        {
            "000001_t.up.sql": "CREATE TABLE t (a int);\n",
            "000001_t.down.sql": "DROP TABLE t;\n",
            "000002_u.up.sql": bad,
            "000002_u.down.sql": "DROP TABLE u;\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    staged = "m/000002_u.up.sql"
    expected = _check("--no-cache", "--format", "json", staged)
    assert "SM001" in expected[1]
    asked: list[str] = []
    parse_file(bad, "postgres", lambda key: asked.append(key) or False)
    (key,) = asked
    entry_key = cache._accepted_entry_key(key)
    entry = cache._entry_path(tmp_path / ".safemig-lint-cache", entry_key, "grammar")
    entry.parent.mkdir(parents=True)
    accepted = {"key": entry_key, "value": "accepted"}
    body = json.dumps(accepted).encode()
    forged = {
        "unsigned": cache._MAGIC + b"0" * 64 + b"\n" + body,
        "another key's": cache._MAGIC + cache._mac(b"k" * 32, body) + b"\n" + body,
        "corrupt": b"{not json",
    }

    def edited_and_checked() -> tuple[int, str]:
        """A comment added (the folder's entry is stale, the statements are the same), and the staged file checked."""
        with (tmp_path / staged).open("a", encoding="utf-8") as file:
            file.write("-- edited\n")
        return _check("--format", "json", staged)

    for what, data in forged.items():
        entry.write_bytes(data)
        assert edited_and_checked() == expected, what
    for what, value in {"another key": {**accepted, "key": "0" * 64}, "another verdict": {**accepted, "value": "rejected"}}.items():
        _sign(entry, value)
        assert edited_and_checked() == expected, what
    _sign(entry, accepted)
    assert "SM001" not in edited_and_checked()[1]


def test_a_folder_whose_statements_hold_a_secret_caches_no_secret(tmp_path, monkeypatch):
    # SM301's snippet is statement text: read from the masked file (analysis/masking.py), it holds
    # no key, so the folder may be cached, and the cache holds no key either.
    key = "AKIA2E0A8F3B244C9986"
    write_migrations(
        tmp_path / "m",
        {
            "000001_k.up.sql": f"CREATE TABLE keys (k text DEFAULT '{key}');\n",
            "000001_k.down.sql": "DROP TABLE keys;\n",
        },
    )
    (tmp_path / ".safemig-lint.toml").write_text('idempotency = "strict"\n')  # SM301 on every CREATE
    monkeypatch.chdir(tmp_path)
    first = _check("--format", "json", "m")
    assert "SM301" in first[1] and key not in first[1]
    assert all(key not in f.read_text() for f in (tmp_path / ".safemig-lint-cache").rglob("*.json"))
    assert _check("--format", "json", "m") == first


# --- a cache folder is untrusted input (issue 24) ----------------------------------------------


def _poison(entry, how: str) -> None:
    entry.unlink()
    if how == "fifo":
        os.mkfifo(entry)
    elif how == "dev-zero":
        entry.symlink_to("/dev/zero")
    elif how == "deep":
        entry.write_text("[" * 100_000 + "]" * 100_000)
    elif how == "huge-number":
        entry.write_text(
            json.dumps({"key": entry.stem, "covered": [], "diagnostics": {"": [[1]]}, "masks": {}}).replace("[[1]]", "[[1e999]]")
        )
    else:  # an entry rewritten to say the folder is clean: no findings, every file covered
        entry.write_text(json.dumps({"key": entry.stem, "covered": [], "diagnostics": {}, "masks": {}}))


@pytest.mark.parametrize("how", ["clean", "fifo", "dev-zero", "deep", "huge-number"])
def test_a_poisoned_cache_gives_exactly_the_output_of_no_cache(project, monkeypatch, how):
    monkeypatch.chdir(project)
    expected = _check("--no-cache", "--format", "text", "migrations")
    _check("--format", "json", "migrations")
    for entry in (project / ".safemig-lint-cache").rglob("*.json"):
        _poison(entry, how)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_check("--format", "text", "migrations")), daemon=True)
    worker.start()
    worker.join(60)
    assert outcome == [expected]


def _sign(path, data: dict) -> None:
    """Write `data` as an entry signed with this user's key: what only safemig-lint itself does."""
    body = json.dumps(data).encode()
    path.write_bytes(cache._MAGIC + cache._mac(cache._signing_key(), body) + b"\n" + body)


def test_even_a_signed_entry_cannot_name_a_path_a_span_or_a_mask_the_folder_does_not_have(project, monkeypatch):
    """Defence in depth: what the engine takes from an entry is checked against the folder's files.
    A diagnostic's path (where --fix would write) is never another file's, nor outside the folder."""
    monkeypatch.chdir(project)
    staged = "migrations/extra"
    expected = _check("--no-cache", "--format", "json", staged)
    _check("--format", "json", staged)
    (entry,) = [p for p in (project / ".safemig-lint-cache").rglob("v*/*/*.json") if "files" not in p.parts]
    good = entry_body(entry)
    name = "000002_t.up.sql"
    shown = good["diagnostics"][name][0]
    # An entry holds no path: a diagnostic's is the file's it is stored under, a related place's a name in the folder.
    forged = {
        "path elsewhere": {f"../extra/{name}": [[*shown[:11], [], []]]},  # the same file, by another path
        "span past the end": {name: [[*shown[:3], 999, 1, 999, 2, *shown[7:]]]},
        "edit past the end": {name: [[*shown[:11], [[0, 10**9, ""]], []]]},
        "related elsewhere": {name: [[*shown[:12], [["../../../etc/shadow", 1, 1, 1, 1, shown[7]]]]]},
        "related span past the end": {name: [[*shown[:12], [[name, 999, 1, 999, 1, shown[7]]]]]},
        # Texts are places in the entry's table: none outside it, none counted from its end.
        "text past the table": {name: [[*shown[:7], len(good["strings"]), *shown[8:]]]},
        "text before the table": {name: [[*shown[:7], -1, *shown[8:]]]},
    }
    for what, diagnostics in forged.items():
        _sign(entry, {**good, "diagnostics": {**good["diagnostics"], **diagnostics}})
        assert _check("--format", "json", staged) == expected, what
    _sign(entry, {**good, "masks": {name: [[0, 10**9]]}})
    assert _check("--format", "json", staged) == expected
    # Unsigned, the genuine entry is a miss too; re-signed, it is used again.
    entry.write_bytes(entry.read_bytes().replace(b"\n", b" \n", 1))
    counter = _Counter(monkeypatch)
    assert _check("--format", "json", staged) == expected and counter.names == ["extra"]
    counter.names.clear()
    assert _check("--format", "json", staged) == expected and counter.names == []


def test_entries_are_signed_with_a_key_outside_the_cache_folder(project, monkeypatch, tmp_path):
    monkeypatch.chdir(project)
    _check("--format", "json", "migrations")
    key = cache.key_file()
    assert key.is_file() and not key.is_relative_to(project) and key.stat().st_mode & 0o077 == 0
    stored = b"".join(p.read_bytes() for p in (project / ".safemig-lint-cache").rglob("*.json"))
    assert key.read_bytes() not in stored
    # Another user (another key) trusts none of these entries; a shared CI key is its own.
    monkeypatch.setenv("SAFEMIG_LINT_CACHE_KEY", "ci-secret")
    cache._signing_key.cache_clear()
    try:
        counter = _Counter(monkeypatch)
        _check("--format", "json", "migrations")
        assert len(counter.names) == DIRECTORIES
    finally:
        cache._signing_key.cache_clear()


@pytest.mark.parametrize("value", ["../elsewhere", "/", "/tmp/x", "a/../../b", "~/c", "\u0000"])
def test_cache_dir_in_the_configuration_stays_inside_the_project(project, monkeypatch, value):
    monkeypatch.chdir(project)
    (project / ".safemig-lint.toml").write_text(f"cache-dir = {json.dumps(value)}\n")
    code, output = _check("migrations")
    assert code == 2 and "cache-dir" in output and "Traceback" not in output
    assert not (project.parent / "elsewhere").exists() and not (project.parent / "b").exists()


def test_cache_dir_may_not_lead_out_through_a_link(project, monkeypatch, tmp_path):
    monkeypatch.chdir(project)
    (tmp_path / "outside").mkdir()
    (project / "out").symlink_to(tmp_path / "outside")
    (project / ".safemig-lint.toml").write_text('cache-dir = "out/cache"\n')
    code, output = _check("migrations")
    assert code == 2 and "leads outside the project" in output
    assert not any((tmp_path / "outside").iterdir())


def test_the_cache_folder_is_at_the_project_root_never_in_a_migrations_folder(project, monkeypatch):
    (project / ".git").mkdir()
    app_folder = project / "migrations" / "app"
    monkeypatch.chdir(app_folder)
    _check(".")
    assert (project / ".safemig-lint-cache").is_dir()
    assert not (app_folder / ".safemig-lint-cache").exists()
    # Without git, beside the configuration above; without either, not in the migrations folder run from.
    shutil.rmtree(project / ".git")
    shutil.rmtree(project / ".safemig-lint-cache")
    (project / "migrations" / ".safemig-lint.toml").write_text("")
    _check(".")
    assert (project / "migrations" / ".safemig-lint-cache").is_dir()
    (project / "migrations" / ".safemig-lint.toml").unlink()
    _check(".")
    assert not (app_folder / ".safemig-lint-cache").exists()


def test_keys_name_the_installed_parsers_so_an_upgrade_in_place_reuses_nothing():
    """sqlglot, pglast and sqlfluff read the SQL that findings are made of: their installed versions
    (as their package metadata says) are part of every key, found without importing them."""
    from importlib.metadata import version

    from safemig_lint.cache import _tool_fingerprint, reader_versions

    found = reader_versions()
    for project in ("sqlglot", "pglast", "sqlfluff"):
        assert f"{project}-{version(project)}.dist-info" in found
    assert all(name in _tool_fingerprint() for name in found)

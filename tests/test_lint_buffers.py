"""engine.lint_buffers, the language server's run: `check FILES` with unsaved buffers read
instead of the disk, from a content cache kept in memory; and what the hover reads of the schema."""

from __future__ import annotations

import shutil

from conftest import FIXTURES, table_history, write_migrations

from safemig_lint import engine
from safemig_lint.analysis.schema.lookup import name_at
from safemig_lint.cache import Entry, MemoryCache
from safemig_lint.config import Config, ConfigResolver
from safemig_lint.engine import lint, lint_buffers, replayed_history


def config_for(_path):
    return Config()


def test_buffers_are_linted_instead_of_the_files_on_disk(tmp_path):
    folder = write_migrations(
        tmp_path / "m",
        {
            "000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
            "000001_users.down.sql": "DROP TABLE users;\n",
        },
    )
    up, down = folder / "000001_users.up.sql", folder / "000001_users.down.sql"
    unsaved = b"CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE audit (id bigint);\n"
    result = lint_buffers([down], {up: unsaved}, config_for, MemoryCache())
    assert [(d.path, d.code) for d in result.active] == [(str(down), "SM201")]  # reported on the down file only
    assert "audit" in result.active[0].message
    assert "SM201" not in [d.code for d in lint([str(down)], Config()).active], "the disk still holds the saved text"
    assert up.read_bytes() != unsaved


def test_buffers_equal_to_the_disk_find_what_check_finds(tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(FIXTURES / "app", folder)
    files = sorted(folder.glob("*.sql"))[3:7]
    resolver = ConfigResolver({}, [])
    checked = lint([str(f) for f in files], resolver.for_path(folder), resolver.for_path)
    cache = MemoryCache()
    for _ in range(2):  # cold, then from the memory cache
        served = lint_buffers(files, {f: f.read_bytes() for f in files}, resolver.for_path, cache)
        assert served.diagnostics == checked.diagnostics and checked.active


def test_an_edit_parses_only_the_edited_file_and_its_counterpart(tmp_path, monkeypatch):
    folder = write_migrations(tmp_path / "m", table_history(20, "CREATE TABLE t{n} (id bigint PRIMARY KEY);\n"))
    up = folder / "000020_t20.up.sql"
    parsed = []
    real = engine.parse_bytes
    monkeypatch.setattr(engine, "parse_bytes", lambda data, config, *rest: parsed.append(data) or real(data, config, *rest))
    cache = MemoryCache()
    lint_buffers([up], {}, config_for, cache)
    assert len(parsed) == 21  # the file and its down, and the 19 other up files the replay reads
    parsed.clear()
    result = lint_buffers([up], {up: b"CREATE TABLE t20 (id bigint PRIMARY KEY, name text);\n"}, config_for, cache)
    assert len(parsed) == 2, "the edited up file and its down file; the other up files' ops come from the cache"
    assert not [d for d in result.active if d.code == "SM201"]


def test_the_memory_cache_keeps_the_most_recently_used_entries():
    cache = MemoryCache(directories=2, files=2)

    class Folder:
        def display_of(self, name: str) -> str:
            return f"m/{name}"

        def fits(self, name: str, line: int, end: int) -> bool:
            return True

    folder = Folder()
    for key in ("a", "b"):
        cache.store(Entry(key, {"x.up.sql"}), folder)
        cache.store_file(key, {"n": key})
    assert cache.load("a", folder) is not None and cache.load_file("a") == {"n": "a"}  # "a" is now the most recent
    cache.store(Entry("c"), folder)
    cache.store_file("c", {"n": "c"})
    assert cache.load("b", folder) is None and cache.load_file("b") is None
    assert cache.load("a", folder).covered == {"x.up.sql"} and cache.load_file("c") == {"n": "c"}
    assert cache.root is None, "nothing goes to disk"


def test_the_replayed_history_reads_the_buffers(tmp_path):
    folder = write_migrations(
        tmp_path / "m",
        {
            "000001_users.up.sql": "CREATE TABLE auth.users (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE TABLE legacy (id int);\n",
            "000001_users.down.sql": "DROP TABLE legacy;\nDROP TABLE auth.users;\n",
            "000002_email.up.sql": "SELECT 1;\n",
            "000002_email.down.sql": "SELECT 1;\n",
        },
    )
    up = folder / "000002_email.up.sql"
    text = "ALTER TABLE auth.users ADD COLUMN email text;\nUPDATE auth.users SET name = email;\nALTER TABLE legacy RENAME TO members;\n"
    directory, history = replayed_history(up, Config(), MemoryCache(), {up: text.encode()})
    file = next(f for f in directory.files() if f.path == up)

    def found(word: str, occurrence: int = 0) -> list[tuple]:
        offset = [i for i in range(len(text)) if text.startswith(word, i)][occurrence]
        named = name_at(history, file, offset + 1)
        return [(n.kind, n.table, n.before is not None, n.after is not None) for n in named.found] if named else []

    assert found("users") == [("table", "auth.users", True, True)]  # qualified
    assert found("email") == [("column", "auth.users", False, True)]  # added by this file
    assert found("name") == [("column", "auth.users", True, True)]  # in an UPDATE: its table from the statement's words
    assert found("legacy") == [("table", "legacy", True, False)]
    assert found("members") == [("table", "members", False, True)]
    assert found("ALTER") == [] and found("SET") == []

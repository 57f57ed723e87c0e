"""A folder linted in shares by several processes (shares.py) gives, byte for byte, what one process
gives: the report and the cache entry. Real files, real processes; the size from which a folder is
split is lowered so that small folders are split too."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import table_history, wide_history, write_migrations
from typer.testing import CliRunner

from safemig_lint import engine, shares
from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.reading.discovery import discover

runner = CliRunner()
SECRET = "Zq9-hunter2-Xy7"

# Five versions: however they are cut, a table created in the first share is dropped in a later one
# (SM101, and SM201 reads the columns an earlier share gave it), a directory rule's finding is
# suppressed (SM004) and another is not (SM005), as is a file's rule's (SM102), a suppression silences
# nothing (SM010), a template
# placeholder is used in two shares (SM407, one finding with a related place), a file holds a secret.
FOLDER = {
    "000001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n"
    "CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint, payload text);\n",
    "000001_users.down.sql": "DROP TABLE events;\nDROP TABLE users;\n",
    "000002_role.up.sql": f"CREATE ROLE app LOGIN PASSWORD '{SECRET}';\n"
    "-- safemig-lint: ignore-file SM004 roles are managed by hand\n"
    "CREATE TABLE {{ .Schema }}.audit (id bigint);\n",
    "000003_index.up.sql": "-- safemig-lint: ignore SM101 nothing to drop here\nCREATE INDEX users_email ON users (email);\n",
    "000003_index.down.sql": "",
    "000004_drop.up.sql": "DROP TABLE users;\n-- safemig-lint: ignore SM102 payloads live in event_payloads now\n"
    "ALTER TABLE events DROP COLUMN payload;\nINSERT INTO {{ .Schema }}.audit VALUES (1);\n",
    "000004_drop.down.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    "000005_cols.up.sql": "ALTER TABLE events ADD COLUMN kind text;\n",
    "000005_cols.down.sql": "DROP TABLE events;\n",
    "000006_binary.up.sql": b"\xff\xfe\x00\x01 not text",
}


@pytest.fixture
def linted_whole(monkeypatch):
    """Every folder split, and the names of those linted whole by one process (not in shares) in this one."""
    monkeypatch.setattr(shares, "SPLIT_MIN_COST", 0)
    monkeypatch.delenv("SAFEMIG_LINT_NO_CACHE", raising=False)  # the tests' default: these compare cache entries too
    names: list[str] = []
    real = engine.lint_directory

    def counting(work, *rest):
        names.append(work.directory.path.name)
        return real(work, *rest)

    monkeypatch.setattr(engine, "lint_directory", counting)
    monkeypatch.setattr(shares, "lint_directory", counting)  # its way back to one process
    return names


def _report(*args: str) -> str:
    result = runner.invoke(app, ["check", "--fail-on", "never", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _folder_entries(cache_dir) -> dict[str, bytes]:
    """The cache's folder entries (not the ops of files, nor PostgreSQL's verdicts), by name."""
    return {str(path.relative_to(cache_dir)): path.read_bytes() for path in cache_dir.glob("v*/??/*.json")}


def test_a_folder_in_shares_gives_the_report_and_the_cache_entry_of_one_process(tmp_path, monkeypatch, linted_whole):
    write_migrations(tmp_path / "m", FOLDER)
    monkeypatch.chdir(tmp_path)
    serial = _report("--jobs", "1", "--cache-dir", "serial", "m")
    assert linted_whole == ["m"]
    found = json.loads(serial)
    codes = {(d["code"], d["path"].removeprefix("m/")) for d in found["diagnostics"]}
    assert {
        ("SM101", "000004_drop.up.sql"),
        ("SM201", "000004_drop.down.sql"),
        ("SM005", "000003_index.down.sql"),
        ("SM010", "000003_index.up.sql"),
        ("SM402", "000002_role.up.sql"),
        ("SM407", "000002_role.up.sql"),
        ("SM008", "000006_binary.up.sql"),
    } <= codes
    assert [(d["code"], d["reason"]) for d in found["suppressed"]] == [
        ("SM004", "roles are managed by hand"),
        ("SM102", "payloads live in event_payloads now"),
    ]
    assert SECRET not in serial
    for jobs in ("2", "4"):
        linted_whole.clear()
        assert _report("--jobs", jobs, "--cache-dir", f"split{jobs}", "m") == serial
        assert linted_whole == []  # linted in shares, none of them fell back to one process
        assert _folder_entries(tmp_path / f"split{jobs}") == _folder_entries(tmp_path / "serial") != {}
    assert _report("--jobs", "2", "--cache-dir", "split2", "m") == serial  # read back from the entry


def test_an_edited_applied_file_is_reported_for_the_edit_alone(tmp_path, monkeypatch, linted_whole):
    folder = write_migrations(tmp_path / "m", FOLDER)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["lock", "m"]).exit_code == 0
    with (folder / "000004_drop.up.sql").open("a", encoding="utf-8") as file:
        file.write("DROP TABLE events;\n")
    serial = _report("--no-cache", "--jobs", "1", "m")
    edited = [d["code"] for d in json.loads(serial)["diagnostics"] if d["path"] == "m/000004_drop.up.sql"]
    assert edited == ["SM601"]
    linted_whole.clear()
    assert _report("--no-cache", "--jobs", "3", "m") == serial
    assert linted_whole == []


def test_a_staged_file_in_shares_gives_the_serial_report_with_or_without_cached_ops(tmp_path, monkeypatch, linted_whole):
    folder = write_migrations(tmp_path / "m", FOLDER)
    monkeypatch.chdir(tmp_path)
    staged = "m/000004_drop.up.sql"
    serial = _report("--no-cache", "--jobs", "1", staged)
    assert {d["path"] for d in json.loads(serial)["diagnostics"]} == {staged}
    linted_whole.clear()
    assert _report("--no-cache", "--jobs", "2", staged) == serial
    assert linted_whole == []
    # An earlier commit's run left the ops of the folder's files in the cache; then the staged file changed.
    _report("--jobs", "1", "--cache-dir", "serial", "m/000005_cols.up.sql")
    shutil.copytree(tmp_path / "serial", tmp_path / "split")
    with (folder / "000004_drop.up.sql").open("a", encoding="utf-8") as file:
        file.write("ALTER TABLE events DROP COLUMN user_id;\n")
    serial = _report("--jobs", "1", "--cache-dir", "serial", staged)
    assert "dropping column user_id" in serial
    linted_whole.clear()
    assert _report("--jobs", "2", "--cache-dir", "split", staged) == serial
    assert linted_whole == []
    assert _folder_entries(tmp_path / "split") == _folder_entries(tmp_path / "serial")


def test_a_folder_written_in_another_dialect_is_judged_once_for_all_shares(tmp_path, monkeypatch, linted_whole):
    """SM014 sits on one file; the statements it covers are not reported one by one (SM001), in any share."""
    files = {}
    for n in range(1, 7):
        files[f"00000{n}_t{n}.up.sql"] = f"CREATE TABLE `t{n}` (`id` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) ENGINE=InnoDB;\n"
        files[f"00000{n}_t{n}.down.sql"] = f"DROP TABLE `t{n}`;\n"
    write_migrations(tmp_path / "m", files)
    monkeypatch.chdir(tmp_path)
    serial = _report("--no-cache", "--jobs", "1", "m")
    codes = [d["code"] for d in json.loads(serial)["diagnostics"]]
    assert codes.count("SM014") == 1 and "SM001" not in codes
    linted_whole.clear()
    assert _report("--no-cache", "--jobs", "3", "m") == serial
    assert linted_whole == []


def test_folders_too_small_or_of_one_migration_or_not_dominating_are_linted_whole(tmp_path, monkeypatch, linted_whole):
    folder = write_migrations(tmp_path / "m", FOLDER)
    write_migrations(tmp_path / "one", {"000001_a.up.sql": "CREATE TABLE a (id int);\n", "000001_a.down.sql": "DROP TABLE a;\n"})
    monkeypatch.chdir(tmp_path)
    assert _report("--no-cache", "--jobs", "2", "one") == _report("--no-cache", "--jobs", "1", "one")
    assert linted_whole == ["one", "one"]  # one migration: one share, linted here
    discovery = discover([str(folder)], [])
    work = engine._work(discovery.directories[0], Config(), discovery, None, {})
    cost = shares.cost(work)
    assert shares.worth_splitting(work, cost, 2)
    assert not shares.worth_splitting(work, cost * 3, 2)  # a third of the run: the pool keeps both cores busy
    assert not shares.worth_splitting(work, cost, 1)
    monkeypatch.setattr(shares, "SPLIT_MIN_COST", 600_000)
    assert not shares.worth_splitting(work, cost, 2)  # too small to be worth the processes


def test_shares_are_contiguous_migrations_of_about_equal_cost(tmp_path):
    files = {}
    for n in range(1, 9):
        body = "-- padding\n" * (40 if n == 1 else 10)
        files[f"00000{n}_v{n}.up.sql"] = f"{body}CREATE TABLE t{n} (id int);\n"
        files[f"00000{n}_v{n}.down.sql"] = f"DROP TABLE t{n};\n"
    folder = write_migrations(tmp_path / "m", files)
    discovery = discover([str(folder)], [])
    work = engine._work(discovery.directories[0], Config(), discovery, None, {})
    cut = shares.cut(work, 3)
    assert len(cut) == 3
    versions = [sorted(int(name[:6]) for name in share) for share in cut]
    assert [v for share in versions for v in share] == sorted(v for n in range(1, 9) for v in (n, n))  # every file once, in order
    assert all(
        names == {name.replace(".up.", ".down.") for name in names if ".up." in name} | {n for n in names if ".up." in n} for names in cut
    )
    sizes = [shares.cost(work, share) for share in cut]
    assert max(sizes) < 2 * min(sizes)
    assert len(shares.cut(work, 20)) == 8  # no more shares than migrations


def test_the_progress_of_a_folder_in_shares_moves_forward_to_its_end(tmp_path, linted_whole):
    directory = write_migrations(tmp_path / "m", table_history(40))
    told: list[tuple[int, int]] = []
    engine.lint([str(directory)], Config(), jobs=2, progress=lambda done, total: told.append((done, total)))
    assert linted_whole == []
    assert told[0] == (0, 80) and told[-1] == (80, 80)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert len({done for done, _ in told}) > 40  # a step per file (once every share is in)


def _dies(connection, work, names):
    import os

    os._exit(3)  # a share's process killed before it sent anything


def test_a_folder_whose_share_dies_is_linted_in_this_process(tmp_path, monkeypatch, linted_whole):
    write_migrations(tmp_path / "m", FOLDER)
    monkeypatch.chdir(tmp_path)
    serial = _report("--no-cache", "--jobs", "1", "m")
    monkeypatch.setattr(shares, "_lint_share", _dies)
    linted_whole.clear()
    assert _report("--no-cache", "--jobs", "2", "m") == serial
    assert linted_whole == ["m"]


_FORCED_SPLIT = "import sys; from safemig_lint import shares; shares.SPLIT_MIN_COST = 0; from safemig_lint.launcher import main; main()"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads a process's children from /proc")
def test_ctrl_c_while_shares_run_stops_them_at_once_and_quietly(tmp_path):
    directory = write_migrations(tmp_path / "m", wide_history(300))
    process = subprocess.Popen(
        [sys.executable, "-c", _FORCED_SPLIT, "check", "--no-cache", "--jobs", "2", "--format", "json", str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C in a terminal reaches the whole group: the shares too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal, even under a background suite
    )
    children_file = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    children: list[str] = []
    while len(children) < 2:
        assert time.monotonic() < deadline and process.poll() is None, "the folder was never split"
        children = children_file.read_text().split()
    time.sleep(0.2)  # not while they fork: a signal that lands in Python's at-fork hooks is lost (CPython prints "Exception ignored")
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and stdout == "", stderr
    assert "Traceback" not in stderr
    gone = time.monotonic() + 10
    while any(Path(f"/proc/{child}").exists() for child in children):
        assert time.monotonic() < gone, "a share's process outlived the run"
        time.sleep(0.05)


def _lint_in_a_daemon(paths: list[str], jobs: int, results) -> None:
    results.put(engine.lint(paths, Config(), jobs=jobs).active)


def test_a_daemonic_process_lints_in_shares_and_in_a_pool_by_itself(tmp_path, monkeypatch, linted_whole):
    """A pool's worker (sqlfluff runs our plugin in one) may start no process: it lints as one does."""
    import multiprocessing

    split = write_migrations(tmp_path / "m", FOLDER)
    many = [
        str(write_migrations(tmp_path / f"f{n}", {f"{v:06d}_t.up.sql": f"CREATE TABLE t{v} (id int);\n" for v in range(1, 61)}))
        for n in range(6)
    ]
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    for paths in ([str(split)], many):
        serial = engine.lint(paths, Config(), jobs=1).active
        context = multiprocessing.get_context("fork")  # the lowered thresholds come along
        results = context.Queue()
        daemon = context.Process(target=_lint_in_a_daemon, args=(paths, 2, results), daemon=True)
        daemon.start()
        assert results.get(timeout=60) == serial and serial
        daemon.join(10)
        assert daemon.exitcode == 0


def test_a_files_facts_are_plain_values_that_travel_between_processes():
    import pickle

    from safemig_lint.analysis.file_facts import file_facts
    from safemig_lint.operations.read import Reading

    text = "CREATE TABLE {{ .Schema }}.t (id int);\nCREATE TABLE `u` (id int AUTO_INCREMENT);\nSET lock_timeout = '1s';\n"
    facts = file_facts(engine.parse_bytes(text.encode(), Config()), Reading("postgres"), "postgres")
    assert facts.readable and facts.has_statements and facts.changes_schema and not facts.nothing_to_undo
    assert [(p.text, p.span.line) for p in facts.placeholders] == [("{{ .Schema }}", 1)]
    assert facts.grammar.rejects_any and [s.span.line for s in facts.grammar.rejected] == [2]
    assert pickle.loads(pickle.dumps(facts)) == facts


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git binary")
def test_a_branch_linted_against_its_base_in_shares_gives_the_serial_report(tmp_path, monkeypatch, linted_whole):
    """--base: only the files changed since main are reported; an applied file edited on the branch
    is reported for the edit alone (SM601), a new one for all it does."""
    import subprocess

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path / "repo", check=True, capture_output=True)

    folder = write_migrations(tmp_path / "repo" / "m", FOLDER)
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "applied")
    git("checkout", "-qb", "feature")
    with (folder / "000001_users.up.sql").open("a", encoding="utf-8") as file:
        file.write("DROP TABLE events;\n")
    write_migrations(folder, {"000007_more.up.sql": "ALTER TABLE events DROP COLUMN user_id;\n", "000007_more.down.sql": ""})
    git("add", "-A")
    git("commit", "-qm", "feature")
    monkeypatch.chdir(tmp_path / "repo")
    serial = _report("--jobs", "1", "--base", "main", "m")
    found = {(d["code"], d["path"]) for d in json.loads(serial)["diagnostics"]}
    assert ("SM601", "m/000001_users.up.sql") in found and ("SM102", "m/000007_more.up.sql") in found
    assert {path for _, path in found} == {"m/000001_users.up.sql", "m/000007_more.up.sql", "m/000007_more.down.sql"}
    linted_whole.clear()
    assert _report("--jobs", "2", "--base", "main", "m") == serial
    assert linted_whole == []

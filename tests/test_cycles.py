"""The cycle collector's policy (cycles.py): taken over in processes of ours, never in a caller's."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_a_library_call_leaves_the_callers_collector_as_it_was():
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    result = lint([str(FIXTURES / "app")], Config())
    assert result.diagnostics  # it did lint
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # nothing of the caller's was frozen


def test_the_console_command_takes_the_collector_over_and_finds_the_same():
    """In its own process the collector is off while linting, the survivors of the directories'
    collections are frozen, and the findings are those of a library call."""
    probe = (
        "import gc, json, sys\n"
        "from safemig_lint import cli, cycles\n"
        "cycles.GARBAGE_BUDGET = 0  # collect between every two directories\n"
        "sys.argv = ['safemig-lint', 'check', '--no-cache', '--jobs', '1', '--format', 'json', '--fail-on', 'never', sys.argv[1]]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps({'enabled': gc.isenabled(), 'frozen': gc.get_freeze_count()}), file=sys.stderr)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe, str(FIXTURES)], capture_output=True, text=True, check=True)
    state = json.loads(ran.stderr.strip().splitlines()[-1])
    assert state["enabled"] is False and state["frozen"] > 0
    in_process = CliRunner().invoke(app, ["check", "--no-cache", "--format", "json", "--fail-on", "never", str(FIXTURES)])
    assert json.loads(ran.stdout) == json.loads(in_process.output)


def test_a_run_that_lints_runs_no_full_collection():
    """The collector is off before the command-line framework, sqlglot and the rules are imported:
    they make ~90,000 objects and next to no garbage, and it walked them over a hundred times (a
    full collection among them) in a staged file's run. Only the launcher's own first imports
    (cycles.py's) may see a young collection or two."""
    probe = (
        "import gc, sys\n"
        "from safemig_lint import launcher\n"
        "collections = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'stop' and collections.append(info['generation']))\n"
        "sys.argv = ['safemig-lint', 'check', '--no-cache', '--format', 'json', '--fail-on', 'never', sys.argv[1]]\n"
        "try:\n"
        "    launcher.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(collections, file=sys.stderr)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe, str(FIXTURES / "app")], capture_output=True, text=True, check=True)
    assert json.loads(ran.stdout)["diagnostics"]  # it did lint
    generations = json.loads(ran.stderr.strip().splitlines()[-1])
    assert len(generations) <= 5 and 2 not in generations, generations


_SQL = "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x' CHECK (length(name) > 0));\nCREATE VIEW v AS SELECT id, name FROM t WHERE id > 1;\n"


def _unreachable_after(paths: list[str], monkeypatch, count=gc.collect) -> int:
    """Objects a collection finds (or what else `count` counts) after linting `paths` as a process of
    ours does: no collection between directories."""
    from safemig_lint import cycles

    lint(paths, Config())  # first-use caches out of the count
    monkeypatch.setattr(cycles, "_owned", True)
    monkeypatch.setattr(cycles, "GARBAGE_BUDGET", 10**12)
    gc.collect()
    try:
        assert lint(paths, Config(), jobs=2).diagnostics
        return count()
    finally:
        gc.collect()
        gc.enable()


def test_a_directory_leaves_no_cycle_of_its_trees_behind(tmp_path, monkeypatch):
    """Its trees' parent links are cut when it is done: reference counting frees them, and a
    collection after it finds next to nothing more than after the last directory alone (it found
    every node of every tree before). The last directory is a single `DELETE`: what it made is
    left to the exiting process (next tests)."""
    from conftest import write_migrations

    first = write_migrations(tmp_path / "a", {f"{n}_a.up.sql": _SQL.replace("t", f"t{n}") for n in range(1, 41)})
    last = write_migrations(tmp_path / "b", {"1_a.up.sql": "DELETE FROM gone;\n"})
    alone = _unreachable_after([str(last)], monkeypatch)
    assert _unreachable_after([str(first), str(last)], monkeypatch) - alone < 100


def test_the_last_directory_of_a_process_of_ours_keeps_its_trees_for_the_exit(tmp_path, monkeypatch):
    """Nothing is linted after it in this process: cutting its trees' links would cost CPU for memory
    the exiting process never reuses (cycles.frees_trees). A later run's collection would free them."""
    from conftest import write_migrations

    directory = write_migrations(tmp_path / "m", {f"{n}_a.up.sql": _SQL.replace("t", f"t{n}") for n in range(1, 41)})
    assert _unreachable_after([str(directory)], monkeypatch) > 1000


def test_the_last_directory_leaves_its_objects_to_the_exit_and_only_it(tmp_path, monkeypatch):
    """Not only its trees: freeing the rest of what the last directory made (its parsed files, ops,
    history) when its work returns cost 4% of a big file's CPU (cycles.leave_to_exit). Any other
    directory's is freed as it goes."""
    from conftest import write_migrations

    from safemig_lint.reading.statements import ParsedFile

    first = write_migrations(tmp_path / "a", {f"{n}_a.up.sql": _SQL.replace("t", f"t{n}") for n in range(1, 31)})
    last = write_migrations(tmp_path / "b", {f"{n}_a.up.sql": _SQL.replace("t", f"t{n}") for n in range(1, 6)})

    def parsed_files_alive() -> int:
        return sum(isinstance(kept, ParsedFile) for kept in gc.get_objects())

    assert _unreachable_after([str(first), str(last)], monkeypatch, parsed_files_alive) == 5


def test_a_folder_linted_here_in_place_of_shares_is_the_last_too(tmp_path, monkeypatch):
    """A folder that dominates the run is cut into shares; when it makes a single share it is
    linted in this process, and when nothing follows it, its trees are left to the exit as well."""
    from conftest import write_migrations

    from safemig_lint import shares

    monkeypatch.setattr(shares, "SPLIT_MIN_COST", 0)
    directory = write_migrations(tmp_path / "m", {"1_a.up.sql": "".join(_SQL.replace("t", f"t{n}") for n in range(1, 41))})
    assert _unreachable_after([str(directory)], monkeypatch) > 1000


def test_a_run_answered_from_the_cache_runs_no_collection(tmp_path):
    """It lints no directory, yet reads back every finding: the collector would walk them again and again."""
    probe = (
        "import gc, sys\n"
        "from safemig_lint import cli\n"
        "collections = []\n"
        "gc.callbacks.append(lambda phase, info: collections.append(info['generation']) if phase == 'start' else None)\n"
        "sys.argv = ['safemig-lint', 'check', '--cache-dir', sys.argv[2], '--format', 'json', '--fail-on', 'never', sys.argv[1]]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(len(collections), file=sys.stderr)\n"
    )
    command = [sys.executable, "-c", probe, str(FIXTURES), str(tmp_path / "cache")]
    environment = {name: value for name, value in os.environ.items() if name != "SAFEMIG_LINT_NO_CACHE"}
    cold = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    warm = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    assert warm.stdout == cold.stdout and json.loads(warm.stdout)["diagnostics"]
    assert int(warm.stderr.strip().splitlines()[-1]) == 0

"""The cycle collector's policy (cycles.py): taken over in processes of ours, never in a caller's."""

from __future__ import annotations

import gc
import json
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


def test_the_console_command_holds_the_collector_back_from_its_start():
    """Held back before the command-line framework, sqlglot and the rules are imported, and off
    from the first directory: they make ~90,000 objects and next to no garbage, and the collector
    walked them over a hundred times (a full collection among them) in a staged file's run. Only
    the launcher's own first imports (cycles.py's) may see a young collection or two."""
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


def test_a_directory_leaves_no_cycle_of_its_trees_behind(tmp_path, monkeypatch):
    """Its trees' parent links are cut when it is done: reference counting frees them, and a
    collection after it finds next to nothing (it found every node of every tree before). As in a
    process of ours: no collection between directories."""
    from conftest import write_migrations

    from safemig_lint import cycles

    sql = "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x' CHECK (length(name) > 0));\nCREATE VIEW v AS SELECT id, name FROM t WHERE id > 1;\n"
    directory = write_migrations(tmp_path / "m", {f"{n}_a.up.sql": sql.replace("t", f"t{n}") for n in range(1, 41)})
    lint([str(directory)], Config())  # first-use caches out of the count
    monkeypatch.setattr(cycles, "_owned", True)
    monkeypatch.setattr(cycles, "GARBAGE_BUDGET", 10**12)
    gc.collect()
    try:
        assert lint([str(directory)], Config()).diagnostics
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 100, unreachable

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

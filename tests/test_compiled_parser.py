"""sqlglot's compiled parser (sqlglotc, a dependency where it has wheels) changes speed, never findings.

The same lint runs in two processes: as installed, and with every sqlglot module loaded from its
Python source (what an install without sqlglotc runs). The JSON reports must be equal, byte for
byte, on the fixtures of every dialect and on a generated history.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

# Finds sqlglot's modules as Python source ahead of the compiled ones that sqlglotc puts beside them.
PURE_PYTHON = """
import importlib.machinery, runpy, sys

class PurePythonSqlglot:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "sqlglot" and not name.startswith("sqlglot."):
            return None
        loaders = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
        for entry in path or sys.path:
            spec = importlib.machinery.FileFinder(entry or ".", loaders).find_spec(name)
            if spec is not None:
                return spec
        return None

sys.meta_path.insert(0, PurePythonSqlglot)
"""

SHOW_PARSER = "import sqlglot.parser; print(sqlglot.parser.__file__)"
# Every target's JSON report, in one process (importing sqlglot from source takes a while).
REPORTS = """
import io, json, sys
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reporters import get_reporter

for target, dialect in json.loads(sys.argv[1]):
    buffer = io.StringIO()
    get_reporter("json")(lint([target], Config(dialect=dialect)), buffer)
    print(buffer.getvalue())
"""


def _python(prelude: str, code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", prelude + code, *args], capture_output=True, text=True, timeout=300)


pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sqlglot.parser").origin.endswith(".py"), reason="sqlglotc is not installed here (no wheel for this platform)"
)


def test_the_compiled_parser_is_what_runs_and_the_fallback_is_pure_python():
    assert not _python("", SHOW_PARSER).stdout.strip().endswith(".py")
    assert _python(PURE_PYTHON, SHOW_PARSER).stdout.strip().endswith("parser.py")


def _history(directory: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from bench import synthetic_history
    finally:
        sys.path.pop(0)
    synthetic_history(directory, 120, seed=7)
    return directory


def test_findings_are_identical_with_the_compiled_and_the_pure_python_parser(tmp_path):
    targets = [
        (str(FIXTURES / name), dialect)
        for name, dialect in (("app", "postgres"), ("mysql", "mysql"), ("sqlite", "sqlite"), ("rerun", "postgres"))
    ]
    targets.append((str(_history(tmp_path / "history")), "postgres"))
    compiled = _python("", REPORTS, json.dumps(targets))
    assert compiled.returncode == 0 and compiled.stdout.count('"diagnostics": [') == len(targets), compiled.stderr
    assert compiled.stdout.count('"code": ') > 20  # the fixtures are full of findings
    assert _python(PURE_PYTHON, REPORTS, json.dumps(targets)).stdout == compiled.stdout

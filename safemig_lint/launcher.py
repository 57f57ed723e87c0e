"""The console entry point: answers `--version` before importing the command-line framework,
which costs more than the answer (see cli.py for every command)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from safemig_lint import __version__

        print(f"safemig-lint {__version__}")
        return
    from safemig_lint import cycles

    cycles.own_process()  # before the command-line framework is imported: its objects are never garbage
    from safemig_lint.cli import main as run

    run()

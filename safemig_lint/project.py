"""Where a project starts: the folder the tool's own files belong in, and that links may not leave.

The project root is the git top level above a path (a `.git` folder, or file for a worktree),
else the folder of the configuration file that applies to it, else the current folder (its
parent when it is itself a migrations folder). The
content cache lives there (never inside a migrations folder), and a migration that is a link
to a file outside it is not read (a pull request could otherwise print a CI runner's files).
"""

from __future__ import annotations

import os
from pathlib import Path


def git_top_level(start: Path) -> Path | None:
    """The nearest folder at or above `start` (absolute) holding `.git`, or None."""
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return None


def project_root(start: Path, config_source: Path | None = None) -> Path:
    """The root of the project `start` (a folder) is in, as the module says; absolute, real."""
    top = git_top_level(Path(os.path.realpath(start)))
    if top is not None:
        return top
    if config_source is not None:
        return Path(os.path.realpath(config_source)).parent
    here = Path(os.path.realpath(Path.cwd()))
    return here.parent if _holds_migrations(here) else here


def _holds_migrations(folder: Path) -> bool:
    from safemig_lint.reading.discovery import MIGRATION_NAME

    try:
        with os.scandir(folder) as entries:
            return any(MIGRATION_NAME.match(entry.name) for entry in entries)
    except OSError:
        return False


def is_within(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, lies in `root` (a real path)."""
    return Path(os.path.realpath(path)).is_relative_to(root)

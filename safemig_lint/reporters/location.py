"""Paths as CI services want them: relative to the repository root, with forward slashes.

GitHub resolves annotation and SARIF paths against the checkout, so a report must not
depend on the directory safemig-lint was started from.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def repository_root(cwd: Path) -> Path:
    """The git top-level above `cwd` (a `.git` directory, or file for worktrees), else `cwd`."""
    for directory in (cwd, *cwd.parents):
        if (directory / ".git").exists():
            return directory
    return cwd


def repository_path(display_path: str) -> str | None:
    """`display_path` (relative to the cwd, as diagnostics carry it) relative to the repository
    root, or None when the file lies outside it."""
    cwd = Path.cwd().resolve()
    absolute = (cwd / display_path).resolve()
    try:
        return absolute.relative_to(repository_root(cwd)).as_posix()
    except ValueError:
        return None

"""Paths as CI services want them: relative to the repository root, with forward slashes.

GitHub resolves annotation and SARIF paths against the checkout, so a report must not
depend on the directory safemig-lint was started from.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path


@cache
def repository_root(cwd: Path) -> Path:
    """The git top-level above `cwd` (a `.git` directory, or file for worktrees), else `cwd`."""
    for directory in (cwd, *cwd.parents):
        if (directory / ".git").exists():
            return directory
    return cwd


def memoized(resolve: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """`resolve` (repository_path) answered once per path for the length of one report: a
    report of 60,000 findings in one file resolves its path once, not 60,000 times."""
    return cache(resolve)


def repository_path(display_path: str) -> str | None:
    """`display_path` (relative to the cwd, as diagnostics carry it) relative to the root of the
    repository that holds it (wherever safemig-lint was started), or None outside any repository."""
    absolute = (Path.cwd() / display_path).resolve()
    root = root_of(display_path)
    if root is None:
        return None
    return absolute.relative_to(root).as_posix()


def root_of(display_path: str) -> Path | None:
    """The git top level above `display_path`, else the cwd if the path lies in it, else None."""
    absolute = (Path.cwd() / display_path).resolve()
    start = absolute if absolute.is_dir() else absolute.parent
    root = repository_root(start)
    if (root / ".git").exists():
        return root
    cwd = Path.cwd().resolve()
    return cwd if absolute.is_relative_to(cwd) else None

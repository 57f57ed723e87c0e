"""The `lock` and `baseline` commands: what they do to each migration directory, and what they say."""

from __future__ import annotations

from collections.abc import Callable

from safemig_lint.config import ConfigError
from safemig_lint.engine import LintResult
from safemig_lint.integrity import baseline, sumfile
from safemig_lint.integrity.files import child_display
from safemig_lint.integrity.review import IntegrityReview
from safemig_lint.reading.discovery import MigrationDirectory


def lock(directories: list[MigrationDirectory], echo: Callable[[str], None]) -> None:
    """Write each directory's safemig.sum (ConfigError when a file cannot be read or written)."""
    for directory in directories:
        shown = child_display(directory.display_path, sumfile.SUM_FILE)
        try:
            written = sumfile.lock(directory)
        except OSError as error:
            raise ConfigError(f"cannot lock {shown}: {error.filename or shown}: {error.strerror or error}") from None
        echo(f"{'wrote' if written else 'up to date:'} {shown} ({len(directory.files())} files)")


def check_locks(directories: list[MigrationDirectory], echo: Callable[[str], None]) -> int:
    """`lock --check`: every difference between a directory and its sum file, one line each;
    the number of differences (a missing sum file counts)."""
    mismatches = 0
    for directory in directories:
        shown = child_display(directory.display_path, sumfile.SUM_FILE)
        if sumfile.read(directory.path) is None:
            echo(f"{shown}: missing; run `safemig-lint lock {directory.display_path}`")
            mismatches += 1
            continue
        review = IntegrityReview(directory)
        problems = [f"{f.place.display_path}:{f.place.line}: SM604 {f.reason}" for f in review.corrupt]
        problems += [f"{f.file.display_path}:{f.line}: SM601 edited after it was locked" for f in review.edited]
        problems += [f"{f.place.display_path}:{f.place.line}: SM602 {f.name} was deleted" for f in review.removed]
        problems += [
            f"{f.file.display_path}:1: SM603 version {f.file.version} is below the newest locked, {f.newest_name}"
            for f in review.out_of_order
        ]
        problems += [f"{f.file.display_path}:1: SM605 not locked yet" for f in review.unlocked]
        for problem in problems:
            echo(problem)
        if not problems:
            echo(f"{shown} matches its {len(directory.files())} files")
        mismatches += len(problems)
    return mismatches


def record_baselines(directories: list[MigrationDirectory], result: LintResult, echo: Callable[[str], None]) -> None:
    """Write each directory's baseline from `result` (a run without baselines); a directory with
    no findings and no baseline yet gets none."""
    if result.missing_paths or result.internal_errors:
        problems = result.missing_paths + [f"{d.path}: {d.message}" for d in result.internal_errors]
        raise ConfigError("not every file could be checked; fix that before recording a baseline: " + ", ".join(problems))
    for directory in directories:
        found = baseline.in_directory(directory, result.diagnostics)
        path, shown = baseline.entry_path(directory)
        recorded = [d for d in found if d.suppression is None and baseline.baselined(d)]
        if not recorded and not path.exists():
            continue
        try:
            written = baseline.write(directory, found)
        except OSError as error:
            raise ConfigError(f"cannot write {shown}: {error.strerror or error}") from None
        echo(f"{'wrote' if written else 'up to date:'} {shown} ({len(recorded)} finding{'' if len(recorded) == 1 else 's'})")

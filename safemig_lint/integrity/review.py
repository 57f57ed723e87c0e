"""What changed in a migration directory against its lock file and against `--base REF`, as facts
the SM6xx checks turn into findings. Built once per directory, on first use."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from safemig_lint.integrity import sumfile
from safemig_lint.integrity.files import child_display, content_hash, normalised
from safemig_lint.reading.discovery import MigrationDirectory, MigrationFile
from safemig_lint.values import value

if TYPE_CHECKING:  # a run without --base never asks git
    from safemig_lint.integrity.git import BaseFile, BaseSnapshot


@value(unsafe_hash=True)
class Place:
    """Where a finding about a file that may no longer exist is shown."""

    path: Path
    display_path: str
    line: int


@value(unsafe_hash=True)
class Edited:
    file: MigrationFile
    line: int  # the first changed line when known, else 1
    against: str  # "safemig.sum" or the --base ref
    renamed_from: str | None = None


@value(unsafe_hash=True)
class Removed:
    name: str
    version: int
    direction: str
    against: str
    place: Place
    version_left: bool  # another file of the same version is still there


@value(unsafe_hash=True)
class OutOfOrder:
    file: MigrationFile
    newest_name: str  # the newest applied file it falls below (or collides with)
    newest_version: int
    against: str
    collides: bool = False  # same version and direction as a different file at REF


@value(unsafe_hash=True)
class Corrupt:
    place: Place
    reason: str


@value(unsafe_hash=True)
class Unlocked:
    file: MigrationFile
    renamed_from: str | None
    version_locked: bool  # the version already has locked files (a down file added later)


class IntegrityReview:
    """One migration directory against its safemig.sum and, with --base, against git; each lazily."""

    def __init__(self, directory: MigrationDirectory, base: BaseSnapshot | None = None) -> None:
        self.directory = directory
        self.base = base
        self._current = {file.path.name: file for file in directory.files()}

    @cached_property
    def unchanged_since_base(self) -> set[Path]:
        """With --base: the files whose content is as it was at the fork point (context, not reported)."""
        base = self.base
        if base is None:
            return set()
        unchanged = {
            file.path.resolve()
            for name, file in self._current.items()
            if name in base.at_fork and (name not in base.changed or self._changed_line(name) is None)
        }
        return unchanged | {
            path.resolve() for path, _ in self.directory.misnamed if path.name in base.at_fork and path.name not in base.changed
        }

    # -- the facts, lock and base combined (one fact per file) ------------------------------

    @property
    def edited(self) -> list[Edited]:
        return _unique(self._base_facts[0] + self._lock_facts[0], lambda fact: fact.file.path)

    @property
    def removed(self) -> list[Removed]:
        return _unique(self._lock_facts[1] + self._base_facts[1], lambda fact: fact.name)

    @property
    def out_of_order(self) -> list[OutOfOrder]:
        return _unique(self._base_facts[2] + self._lock_facts[2], lambda fact: fact.file.path)

    @property
    def corrupt(self) -> list[Corrupt]:
        return self._lock_facts[3]

    @property
    def unlocked(self) -> list[Unlocked]:
        return self._lock_facts[4]

    # -- against the lock file --------------------------------------------------------------

    @cached_property
    def _lock_facts(self) -> tuple[list[Edited], list[Removed], list[OutOfOrder], list[Corrupt], list[Unlocked]]:
        edited: list[Edited] = []
        removed: list[Removed] = []
        out_of_order: list[OutOfOrder] = []
        unlocked: list[Unlocked] = []
        locked = sumfile.read(self.directory.path)
        if locked is None:
            return edited, removed, out_of_order, [], unlocked
        sum_path = self.directory.path / sumfile.SUM_FILE
        sum_display = child_display(self.directory.display_path, sumfile.SUM_FILE)
        corrupt = [Corrupt(Place(sum_path, sum_display, line), reason) for line, reason in locked.problems]
        if corrupt and not locked.entries:  # nothing to compare with: every file would look new
            return edited, removed, out_of_order, corrupt, unlocked
        digests = self._digests()
        against = sumfile.SUM_FILE
        for name, entry in locked.entries.items():
            if name in digests and digests[name] != entry.digest:
                edited.append(Edited(self._current[name], self._changed_line(name) or 1, against))
        gone = [e for name, e in locked.entries.items() if name not in self._current and not (self.directory.path / name).exists()]
        new = [file for name, file in self._current.items() if name not in locked.entries and name in digests]
        locked_versions = {entry.version for entry in locked.entries.values()}
        newest = locked.newest
        for file in new:
            renamed = next((e for e in gone if (e.version, e.direction) == (file.version, file.direction)), None)
            if renamed is not None:
                gone.remove(renamed)
                if digests[file.path.name] != renamed.digest:
                    edited.append(Edited(file, self._changed_line(file.path.name) or 1, against, renamed.name))
                    continue
            if renamed is None and newest is not None and file.version < newest.version and file.version not in locked_versions:
                out_of_order.append(OutOfOrder(file, newest.name, newest.version, against))
            else:
                unlocked.append(Unlocked(file, renamed.name if renamed else None, file.version in locked_versions))
        for entry in gone:
            left = any(f.version == entry.version for f in self._current.values())
            removed.append(Removed(entry.name, entry.version, entry.direction, against, Place(sum_path, sum_display, entry.line), left))
        return edited, removed, out_of_order, corrupt, unlocked

    def _digests(self) -> dict[str, str]:
        digests = {}
        for name, file in self._current.items():
            try:
                digests[name] = content_hash(file.path.read_bytes())
            except OSError:
                continue  # SM008 reports an unreadable file
        return digests

    # -- against --base REF -----------------------------------------------------------------

    @cached_property
    def _base_facts(self) -> tuple[list[Edited], list[Removed], list[OutOfOrder]]:
        edited: list[Edited] = []
        removed: list[Removed] = []
        out_of_order: list[OutOfOrder] = []
        base = self.base
        if base is None:
            return edited, removed, out_of_order
        for name in sorted(base.changed & set(self._current)):
            if name in base.at_fork and (line := self._changed_line(name)) is not None:
                edited.append(Edited(self._current[name], line, base.ref))
        added = [file for name, file in self._current.items() if name not in base.at_fork]
        # (version, file) of the files golang-migrate reads (a misnamed .sql file has no version)
        gone = [
            (f.version, f)
            for name, f in base.at_fork.items()
            if f.version is not None and name not in self._current and not (self.directory.path / name).exists()
        ]
        applied = [(f.version, f) for f in (base.at_ref or base.at_fork).values() if f.version is not None]
        newest = max(applied, key=lambda applied_file: (applied_file[0], applied_file[1].name), default=None)
        for file in added:
            renamed = next((g for g in gone if (g[0], g[1].direction) == (file.version, file.direction)), None)
            if renamed is not None:
                gone.remove(renamed)
                line = _first_changed_line(self._blob(base, renamed[1]), _read(file.path))
                if line is not None:  # a rename alone changes nothing: golang-migrate reads only the version
                    edited.append(Edited(file, line, base.ref, renamed[1].name))
                continue
            if newest is None or file.version > newest[0]:
                continue
            taken = next(((v, f) for v, f in applied if (v, f.direction) == (file.version, file.direction)), None)
            if taken is not None:
                if taken[1].name not in self._current:  # when both are here, SM003 reports the duplicate
                    out_of_order.append(OutOfOrder(file, taken[1].name, taken[0], base.ref, collides=True))
            elif not any(v == file.version for v, _ in applied):
                out_of_order.append(OutOfOrder(file, newest[1].name, newest[0], base.ref))
        for version, gone_file in gone:
            display = child_display(self.directory.display_path, gone_file.name)
            left = any(f.version == version for f in self._current.values())
            place = Place(self.directory.path / gone_file.name, display, 1)
            removed.append(Removed(gone_file.name, version, gone_file.direction, base.ref, place, left))
        return edited, removed, out_of_order

    @staticmethod
    def _blob(base: BaseSnapshot, file: BaseFile) -> bytes:
        return base.repository.blobs([file.blob])[file.blob]

    def _changed_line(self, name: str) -> int | None:
        """The first line of `name` that differs from the fork point (1 without --base);
        None when only line endings or a byte order mark changed."""
        if self.base is None or name not in self.base.at_fork:
            return 1
        return _first_changed_line(self._blob(self.base, self.base.at_fork[name]), _read(self._current[name].path))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _first_changed_line(old: bytes, new: bytes) -> int | None:
    old_lines, new_lines = normalised(old).split(b"\n"), normalised(new).split(b"\n")
    for number, (before, after) in enumerate(zip(old_lines, new_lines), start=1):
        if before != after:
            return number
    if len(old_lines) == len(new_lines):
        return None
    return min(len(old_lines) + 1, len(new_lines))


_Fact = TypeVar("_Fact")


def _unique(facts: list[_Fact], key: Callable[[_Fact], Hashable]) -> list[_Fact]:
    """The facts in order, the first of each key."""
    first: dict[Hashable, _Fact] = {}
    for fact in facts:
        first.setdefault(key(fact), fact)
    return list(first.values())

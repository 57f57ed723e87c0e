"""Find migration files and group them the way golang-migrate does."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from safemig_lint.values import value

# golang-migrate's source.DefaultRegex.
MIGRATION_NAME = re.compile(r"^([0-9]+)_(.*)\.(up|down)\.(.*)$")
MAX_VERSION = 2**64 - 1


@value(unsafe_hash=True)
class MigrationFile:
    path: Path
    display_path: str  # as the user would write it, relative to where they pointed us
    version: int
    description: str
    direction: str  # "up" or "down"

    @property
    def out_of_range(self) -> bool:
        return self.version > MAX_VERSION


@dataclass
class Migration:
    """One version of a directory: its up and down files (a list, so duplicates are visible)."""

    version: int
    ups: list[MigrationFile] = field(default_factory=list)
    downs: list[MigrationFile] = field(default_factory=list)

    @property
    def up(self) -> MigrationFile | None:
        return self.ups[0] if self.ups else None

    @property
    def down(self) -> MigrationFile | None:
        return self.downs[0] if self.downs else None

    def counterpart(self, file: MigrationFile) -> MigrationFile | None:
        """The file of the other direction that undoes (or is undone by) `file`.

        With duplicate versions (reported by SM003), the one with the same title pairs up.
        """
        others = self.downs if file.direction == "up" else self.ups
        return next((o for o in others if o.description == file.description), others[0] if others else None)


@dataclass
class MigrationDirectory:
    """A folder of migrations: its versions' files in order, and the files beside them golang-migrate skips."""

    path: Path
    display_path: str
    migrations: list[Migration]  # ordered by version
    misnamed: list[tuple[Path, str]]  # (path, display path) of .sql files golang-migrate skips
    # (version, direction) of migration files an `exclude` hid: they exist, so they are not missing.
    excluded: set[tuple[int, str]] = field(default_factory=set)

    def files(self) -> list[MigrationFile]:
        return [f for m in self.migrations for f in (*m.ups, *m.downs)]


@dataclass
class Discovery:
    """What the paths given hold: the migration folders, and which of their files are reported on."""

    directories: list[MigrationDirectory]
    missing: list[str]  # command-line paths that do not exist
    # A file named on the command line is reported on; its neighbours are only context,
    # unless their directory was named too (pre-commit passes just the staged files).
    named_files: set[Path] = field(default_factory=set)
    named_directories: set[Path] = field(default_factory=set)
    # Paths that cannot be linted (a folder that cannot be listed, a symlink loop, a FIFO ...):
    # each becomes a diagnostic, never a silent skip.
    problems: list[PathProblem] = field(default_factory=list)
    # With --base REF: files unchanged since REF, read as context only.
    unchanged: set[Path] = field(default_factory=set)

    def is_reported(self, path: Path) -> bool:
        if self.unchanged and Path(os.path.realpath(path)) in self.unchanged:  # realpath: a loop does not raise
            return False
        # By the path as found, not where a symlink leads: a linked file is reported where it is linked.
        found = _absolute(path)
        return found in self.named_files or _under(found, self.named_directories)

    def empty_directories(self, paths: list[str], linted_elsewhere: list[Path]) -> list[str]:
        """The folders named in `paths` under which nothing is linted: no migration folder, no path that
        cannot be read, none of `linted_elsewhere` (absolute paths of other files linted)."""
        found = [_absolute(d.path) for d in self.directories] + [_absolute(p.path) for p in self.problems] + linted_elsewhere
        # Every folder something linted lies in: one pass over what was found, not one per path named.
        holding = {folder for path in found for folder in (path, *path.parents)}
        empty = []
        for raw in paths:
            root = _absolute(Path(raw))
            if raw not in self.missing and root in self.named_directories and root not in holding:
                empty.append(raw)
        return empty

    def reported_names(self, directory: Path, names: list[str]) -> set[str]:
        """Which of the files `names` in `directory` are reported: computed once per directory, not
        once per file. By the path as found (a linked file is reported where it is linked)."""
        found = _absolute(directory)
        if _under(found, self.named_directories) and not self.unchanged:
            return set(names)  # the common case: no real path to find
        resolved = Path(os.path.realpath(directory))
        if _under(found, self.named_directories):
            named = set(names)
        else:
            # The files named in this folder, from the few named (pre-commit's staged files), not a path
            # made for each of the folder's hundreds of names.
            here = {found, resolved}
            named = {path.name for path in self.named_files if path.parent in here}.intersection(names)
        return {name for name in named if resolved / name not in self.unchanged} if self.unchanged else named


@value(unsafe_hash=True)
class PathProblem:
    path: Path
    display_path: str
    reason: str


def _under(path: Path, folders: set[Path]) -> bool:
    """Whether `path` is one of `folders` or lies under one (as Path.is_relative_to reads it: by the
    path's parts, no file system): one set lookup per ancestor, not one comparison per folder."""
    return path in folders or not folders.isdisjoint(path.parents)


def _absolute(path: Path) -> Path:
    """The path made absolute without following symlinks (`..` folded, as the shell does)."""
    return Path(os.path.abspath(path))


def _special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file nor a folder is, in words."""
    for test, what in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return None


def _stat_problem(path: Path) -> tuple[os.stat_result | None, str | None]:
    """The path's status (following symlinks), or why it cannot be linted."""
    try:
        status = path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return None, "it is a symlink loop (the link leads back to itself), so it cannot be read"
        if error.errno == errno.ENOENT and path.is_symlink():
            return None, f"it is a symlink to {os.readlink(path)}, which does not exist"
        return None, f"cannot read it: {error.strerror or error}"
    special = _special_kind(status.st_mode)
    return status, (f"it is {special}, not a regular file: it is not read" if special else None)


def _display(path: Path, root: Path, root_display: str) -> str:
    if path == root:
        return root_display
    rel = path.relative_to(root).as_posix()
    return rel if root_display in ("", ".") else f"{root_display.rstrip('/')}/{rel}"


def is_excluded(display_path: str, excludes: list[str]) -> bool:
    return any(fnmatch.fnmatch(display_path, pattern) or fnmatch.fnmatch(Path(display_path).name, pattern) for pattern in excludes)


# (folder, names in it) -> the names that form the folder (e.g. only what git tracks); None: all of them.
Listing = Callable[[Path, list[str]], list[str]]


def _scan_directory(
    directory: Path,
    display: str,
    explicit: bool,
    excludes: list[str],
    problems: list[PathProblem],
    boundary: Path,
    listing: Listing | None = None,
    virtual: frozenset[str] = frozenset(),
    real: str | None = None,
    listed: list[os.DirEntry] | None = None,
) -> MigrationDirectory | None:
    """The folder's migrations (`real`: where it really is, `listed`: its listing, when known). By
    name: a Path is made only for each file kept (a warm run over thousands of files spends much
    of its time on paths)."""
    by_version: dict[int, Migration] = {}
    misnamed: list[tuple[Path, str]] = []
    excluded: set[tuple[int, str]] = set()
    links: set[str] = set()
    regular: set[str] = set()
    names = _list(directory, display, problems, links, regular, listed)
    if listing is not None:
        kept = set(listing(directory, [name for name in names if name.lower().endswith(".sql")])) | virtual
        names = [name for name in names if name in kept or not name.lower().endswith(".sql")]
    names += [name for name in virtual if name not in names]
    # A folder reached through a link: each file's real place is asked; otherwise only links'.
    linked_folder = not Path(real or os.path.realpath(directory)).is_relative_to(boundary)
    prefix = f"{display.rstrip('/')}/" if display not in ("", ".") else ""
    # By name: the entries are all in this folder, and a name sorts as its path does.
    for name in sorted(names):
        if not name.lower().endswith(".sql"):
            continue
        entry = directory / name
        entry_display = prefix + name
        hidden = bool(excludes) and is_excluded(entry_display, excludes)
        if name in virtual:  # read from standard input: there may be no such file on disk
            pass
        elif not hidden:
            # A regular file as listed needs no stat of its own (a link, or an unknown type, does).
            status, problem = (None, None) if name in regular else _stat_problem(entry)
            if status is not None and stat.S_ISDIR(status.st_mode):
                continue
            if problem is None and (linked_folder or name in links):
                problem = _outside_problem(entry, boundary)
            if problem is not None:
                problems.append(PathProblem(entry, entry_display, problem))
                continue
        match = MIGRATION_NAME.match(name)
        if hidden:
            if match is not None:
                excluded.add((int(match.group(1)), match.group(3)))
            continue
        if match is None:
            misnamed.append((entry, entry_display))
            continue
        version, description, direction = int(match.group(1)), match.group(2), match.group(3)
        migration = by_version.get(version)
        if migration is None:
            migration = by_version[version] = Migration(version)
        (migration.ups if direction == "up" else migration.downs).append(
            MigrationFile(entry, entry_display, version, description, direction)
        )
    if not by_version and not (explicit and misnamed):
        return None
    return MigrationDirectory(directory, display, [by_version[v] for v in sorted(by_version)], misnamed, excluded)


def discover(
    paths: list[str], excludes: list[str] | None = None, listing: Listing | None = None, virtual: set[Path] | None = None
) -> Discovery:
    """Expand command-line paths into migration directories.

    A directory is searched recursively; every folder holding migration files is its own
    set, as golang-migrate reads one folder at a time. A file brings in its whole folder,
    because pairing and version checks need its neighbours. `listing` narrows what each folder
    holds (a pre-commit run: what git tracks); `virtual` files exist though not on disk (standard input).
    """
    excludes = excludes or []
    found: dict[Path, MigrationDirectory] = {}
    result = Discovery([], [])
    virtual_names: dict[Path, set[str]] = {}
    for path in virtual or ():
        virtual_names.setdefault(_absolute(path.parent), set()).add(path.name)

    listed: dict[Path, list[os.DirEntry]] = {}  # folder -> its listing, made by the search for folders

    def add(directory: Path, display: str, explicit: bool, boundary: Path) -> None:
        real = os.path.realpath(directory)  # as Path.resolve, in one call for both uses
        key = Path(real)
        if key not in found:
            names = frozenset(virtual_names.get(_absolute(directory), ())) if virtual_names else frozenset()
            scanned = _scan_directory(
                directory, display, explicit, excludes, result.problems, boundary, listing, names, real, listed.pop(directory, None)
            )
            if scanned is not None:
                found[key] = scanned

    for raw in paths:
        given = Path(raw)
        if given in (virtual or ()) and not given.is_file():
            result.named_files.add(_absolute(given))
            add(given.parent, given.parent.as_posix(), explicit=False, boundary=_boundary(given.parent))
            continue
        if not given.exists() and not given.is_symlink():
            result.missing.append(raw)
            continue
        status, problem = _stat_problem(given)
        if problem is not None:
            result.named_files.add(_absolute(given))
            result.problems.append(PathProblem(given, raw, problem))
        elif status is not None and stat.S_ISDIR(status.st_mode):
            result.named_directories.add(_absolute(given))
            root_display = raw.rstrip("/") or raw
            boundary = _boundary(given)
            subdirectories = _subdirectories(given, root_display, result.problems, listed)
            for directory in sorted([given, *subdirectories]):
                add(directory, _display(directory, given, root_display), explicit=directory == given, boundary=boundary)
        else:
            result.named_files.update((_absolute(given), given.resolve(), given.parent.resolve() / given.name))
            add(given.parent, given.parent.as_posix(), explicit=False, boundary=_boundary(given.parent))

    result.directories = sorted(found.values(), key=lambda d: d.display_path)
    return result


def _outside_problem(path: Path, boundary: Path) -> str | None:
    """Why a linked migration is not read: it leads out of the repository (or of the folder
    linted, outside any), where a pull request could point it at a CI runner's files."""
    if Path(os.path.realpath(path)).is_relative_to(boundary):
        return None
    return "it is a symlink to a file outside the repository: it is not read (copy the migration into the repository)"


def _boundary(given: Path) -> Path:
    """What links in a linted path may not leave: its repository, else the path itself."""
    from safemig_lint.project import git_top_level

    real = Path(os.path.realpath(given))
    folder = real if real.is_dir() else real.parent
    return git_top_level(folder) or folder


def _list(
    directory: Path, display: str, problems: list[PathProblem], links: set[str], regular: set[str], listed: list[os.DirEntry] | None
) -> list[str]:
    """The names in the folder (those of symlinks among them added to `links`, of regular files
    to `regular`, both from the listing itself, without a stat per file); `listed`: its listing,
    when the search for folders made it. A folder that cannot be listed is a problem, not an empty folder."""
    try:
        if listed is None:
            with os.scandir(directory) as entries:
                listed = list(entries)
    except OSError as error:
        problems.append(PathProblem(directory, display, f"cannot list this folder: {error.strerror or error}"))
        return []
    found = []
    for entry in listed:
        found.append(entry.name)
        if entry.is_symlink():
            links.add(entry.name)
        elif entry.is_file(follow_symlinks=False):
            regular.add(entry.name)
    return found


def _subdirectories(root: Path, root_display: str, problems: list[PathProblem], listed: dict[Path, list[os.DirEntry]]) -> list[Path]:
    """Every folder under `root`, hidden ones (.git ...) excepted. Symlinked folders are listed
    but not descended into, so a link back up the tree cannot loop; unreadable ones are problems.
    Each folder's listing is kept in `listed`, for the scan of its files (not listed twice)."""
    found: list[Path] = []
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as scanned:
                entries = listed[directory] = sorted(scanned, key=lambda e: e.name)
        except OSError:  # reported by _list when the folder itself is scanned
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir()
            except OSError:
                continue
            if is_dir:
                path = directory / entry.name
                found.append(path)
                if not is_link:
                    pending.append(path)
            elif (
                is_link and not (path := directory / entry.name).exists() and not entry.name.lower().endswith(".sql")
            ):  # .sql: _scan_directory
                _, problem = _stat_problem(path)
                if problem and "loop" in problem:
                    problems.append(PathProblem(path, _display(path, root, root_display), problem))
    return found

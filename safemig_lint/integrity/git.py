"""`--base REF`: each migration directory as it was at REF, read with read-only git commands only
(rev-parse, merge-base, ls-tree, diff --name-status, cat-file).

Two commits matter. The fork point (the merge base of REF and HEAD) holds the migrations that
were already applied when this branch started: an edit or removal of one of them is an edit of
an applied migration. REF itself holds the newest applied version: a file this branch adds
below it is skipped by every database already past it, even if REF moved on after the fork.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from safemig_lint.reading.discovery import MIGRATION_NAME, MigrationDirectory
from safemig_lint.values import value


class GitError(Exception):
    """`--base` cannot be honoured (no git, no repository, REF missing): reported plainly, exit code 2."""


@value(unsafe_hash=True)
class BaseFile:
    name: str
    version: int | None  # None: a .sql file golang-migrate does not read (misnamed)
    direction: str
    blob: str  # git object id


@dataclass
class Repository:
    top: Path
    _blobs: dict[str, bytes] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # --no-optional-locks: `git diff` must not refresh (write) the index; literal pathspecs: a
        # directory named with [ or * is a name, not a pattern.
        command = ["git", "--no-optional-locks", "--literal-pathspecs", "-C", str(self.top), *args]
        try:
            completed = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL)
        except OSError as error:
            raise GitError(f"--base needs git: {error.strerror or error}") from None
        if check and completed.returncode != 0:
            detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} failed: {detail[-1] if detail else f'exit {completed.returncode}'}")
        return completed

    def blobs(self, ids: list[str]) -> dict[str, bytes]:
        """Contents of blobs, read in one `git cat-file --batch`."""
        wanted = [blob for blob in dict.fromkeys(ids) if blob not in self._blobs]
        if wanted:
            command = ["git", "-C", str(self.top), "cat-file", "--batch"]
            completed = subprocess.run(command, input="".join(f"{b}\n" for b in wanted).encode(), capture_output=True)
            if completed.returncode != 0:
                raise GitError(f"git cat-file failed: {completed.stderr.decode('utf-8', 'replace').strip()}")
            output = completed.stdout
            position = 0
            for blob in wanted:
                header_end = output.index(b"\n", position)
                size = int(output[position:header_end].split()[2])
                self._blobs[blob] = output[header_end + 1 : header_end + 1 + size]
                position = header_end + 1 + size + 1
        return {blob: self._blobs[blob] for blob in ids}


@dataclass
class BaseSnapshot:
    """One migration directory at the base."""

    ref: str  # as the user wrote it
    at_fork: dict[str, BaseFile]  # by file name: the directory's .sql files where this branch left REF
    at_ref: dict[str, BaseFile]  # ... at REF itself
    changed: set[str]  # names git lists as modified since the fork point (working tree included)
    repository: Repository


def snapshots(directories: list[MigrationDirectory], ref: str) -> dict[Path, BaseSnapshot]:
    """{directory path: its BaseSnapshot} for every directory inside a git repository."""
    if ref.startswith("-"):
        raise GitError(f"--base {ref!r}: not a commit name")
    by_top: dict[Path, list[MigrationDirectory]] = {}
    for directory in directories:
        by_top.setdefault(_toplevel(directory.path), []).append(directory)
    result: dict[Path, BaseSnapshot] = {}
    for top, members in by_top.items():
        repository = Repository(top)
        ref_commit = _resolve(repository, ref)
        fork = _fork_point(repository, ref, ref_commit)
        relative = {d.path: d.path.resolve().relative_to(top).as_posix() for d in members}
        # A directory at the top of the repository needs the whole tree; otherwise only the folders.
        pathspecs = [] if "." in relative.values() else sorted(set(relative.values()))
        at_fork = _migration_files(repository, fork, pathspecs)
        at_ref = at_fork if fork == ref_commit else _migration_files(repository, ref_commit, pathspecs)
        changed = _modified(repository, fork, pathspecs)
        for directory in members:
            folder = relative[directory.path]
            result[directory.path] = BaseSnapshot(
                ref, at_fork.get(folder, {}), at_ref.get(folder, {}), changed.get(folder, set()), repository
            )
    return result


def _toplevel(directory: Path) -> Path:
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"], capture_output=True, stdin=subprocess.DEVNULL
        )
    except OSError as error:
        raise GitError(f"--base needs git: {error.strerror or error}") from None
    if completed.returncode != 0:
        raise GitError(f"--base: {directory} is not inside a git repository")
    return Path(completed.stdout.decode().strip()).resolve()


def _resolve(repository: Repository, ref: str) -> str:
    completed = repository.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if completed.returncode == 0:
        return completed.stdout.decode().strip()
    shallow = repository.run("rev-parse", "--is-shallow-repository", check=False).stdout.decode().strip() == "true"
    remote, _, branch = ref.partition("/")
    fetch = f"git fetch --depth=50 {remote} {branch}" if branch else f"git fetch --depth=50 origin {ref}"
    where = "this shallow clone" if shallow else "this repository"
    raise GitError(
        f"--base {ref}: no such commit in {where} ({repository.top}); fetch it first, e.g. `{fetch}` "
        "(actions/checkout: fetch-depth: 0, or a step running that fetch)"
    )


def _fork_point(repository: Repository, ref: str, ref_commit: str) -> str:
    completed = repository.run("merge-base", ref_commit, "HEAD", check=False)
    if completed.returncode == 0:
        return completed.stdout.decode().strip()
    # A shallow clone may not reach the common ancestor: compare with REF itself, which is exact
    # whenever the branch is up to date with REF.
    print(
        f"safemig-lint: warning: --base {ref}: no common ancestor with HEAD in the fetched history; "
        f"comparing with {ref} itself (fetch more history, e.g. `git fetch --deepen=100`, for exact results)",
        file=sys.stderr,
    )
    return ref_commit


def _migration_files(repository: Repository, commit: str, pathspecs: list[str]) -> dict[str, dict[str, BaseFile]]:
    """{folder relative to the top ('.' for the top): {name: BaseFile}} of .sql files at `commit`."""
    output = repository.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *pathspecs).stdout
    folders: dict[str, dict[str, BaseFile]] = {}
    for record in output.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        kind, blob = meta.split()[1:3]
        folder, _, name = path.rpartition("/")
        if kind != "blob" or not name.lower().endswith(".sql"):
            continue
        match = MIGRATION_NAME.match(name)
        # A misnamed file (version None) is kept too: unchanged, it is context like the others.
        version, direction = (int(match.group(1)), match.group(3)) if match else (None, "")
        folders.setdefault(folder or ".", {})[name] = BaseFile(name, version, direction, blob)
    return folders


def _modified(repository: Repository, commit: str, pathspecs: list[str]) -> dict[str, set[str]]:
    """{folder: names} that differ between `commit` and the working tree (tracked files)."""
    output = repository.run("diff", "--no-renames", "--name-status", "-z", commit, "--", *pathspecs).stdout
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    folders: dict[str, set[str]] = {}
    for status, path in zip(fields[0::2], fields[1::2]):
        if status == "M" or status.startswith("T"):
            folder, _, name = path.rpartition("/")
            folders.setdefault(folder or ".", set()).add(name)
    return folders


def tracked_names(folder: Path) -> set[str] | None:
    """Names of the files directly in `folder` that git tracks or has staged (the index), as the next
    commit will hold them; None when `folder` is not in a git work tree (or git is missing)."""
    try:
        completed = subprocess.run(
            ["git", "--no-optional-locks", "ls-files", "-z", "--cached", "--", "."],
            cwd=folder,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return None
    if completed.returncode != 0:
        return None
    return {name for name in completed.stdout.decode("utf-8", "surrogateescape").split("\0") if name and "/" not in name}


def tracked_listing(folder: Path, names: list[str]) -> list[str]:
    """Of `names` in `folder`, those git tracks or has staged (discovery's listing for a pre-commit
    run: the folder as the commit will hold it); all of them outside a git work tree."""
    tracked = tracked_names(folder)
    return names if tracked is None else [name for name in names if name in tracked]

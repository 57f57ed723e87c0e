"""The lock file, `safemig.sum`: a content hash of every migration file, up and down.

    safemig-sum 1
    # Written by `safemig-lint lock`; checked by `safemig-lint check`. Do not edit: run `safemig-lint lock`.
    # <SHA-256 of the file's content>  <file name>; content: leading UTF-8 BOM dropped, CRLF and CR read as LF.
    9f86d0...  000001_create_users.up.sql
    ...
    total 2c26b4...

The first line names the format and its version. Entries are in version order, then by name,
and `total` is the SHA-256 of the entry lines (each ending in LF), so a removed, reordered or
hand-edited line is caught. The file is read with the same line-ending normalisation it
describes, so git converting it to CRLF on checkout changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from safemig_lint.integrity import SUM_FILE
from safemig_lint.integrity.files import content_hash, normalised, write_atomically
from safemig_lint.patterns import lazy
from safemig_lint.reading.discovery import MIGRATION_NAME, MigrationDirectory
from safemig_lint.reading.source import READ_BACK_LIMIT, read_regular
from safemig_lint.values import value

FORMAT = "safemig-sum"
FORMAT_VERSION = 1
_HEADER = (
    f"{FORMAT} {FORMAT_VERSION}\n"
    "# Written by `safemig-lint lock`; checked by `safemig-lint check`. Do not edit: run `safemig-lint lock`.\n"
    "# <SHA-256 of the file's content>  <file name>; content: leading UTF-8 BOM dropped, CRLF and CR read as LF.\n"
)
_ENTRY = lazy(r"^([0-9a-f]{64})  (.+)$")
_TOTAL = lazy(r"^total ([0-9a-f]{64})$")
_FORMAT_LINE = lazy(rf"^{FORMAT} (\d+)$")


@value(unsafe_hash=True)
class LockedFile:
    name: str
    digest: str
    line: int  # where its entry is in the sum file
    version: int
    direction: str


@dataclass
class SumFile:
    entries: dict[str, LockedFile] = field(default_factory=dict)  # by file name
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)

    @property
    def newest(self) -> LockedFile | None:
        return max(self.entries.values(), key=lambda e: (e.version, e.name), default=None)


def sort_key(name: str) -> tuple[int, str]:
    match = MIGRATION_NAME.match(name)
    return (int(match.group(1)) if match else -1, name)


def render(digests: dict[str, str]) -> bytes:
    """The sum file for {file name: content hash}: the same input always gives the same bytes."""
    lines = "".join(f"{digests[name]}  {name}\n" for name in sorted(digests, key=sort_key))
    return (_HEADER + lines + f"total {_total(lines)}\n").encode("utf-8")


def _total(entry_lines: str) -> str:
    import hashlib  # here: as integrity/files.py's

    return hashlib.sha256(entry_lines.encode("utf-8")).hexdigest()


def digests_of(directory: MigrationDirectory) -> dict[str, str]:
    """{file name: content hash} of the directory's migration files, up and down (OSError if one is unreadable)."""
    return {file.path.name: content_hash(file.path.read_bytes()) for file in directory.files()}


def lock(directory: MigrationDirectory) -> bool:
    """Write the directory's sum file; False when it was already up to date."""
    return write_atomically(directory.path / SUM_FILE, render(digests_of(directory)))


def parse(data: bytes) -> SumFile:
    """Read a sum file; every way it can be wrong becomes a (line, problem) rather than an exception."""
    result = SumFile()
    try:
        text = normalised(data).decode("utf-8")
    except UnicodeDecodeError as error:
        return SumFile(problems=[(1, f"{SUM_FILE} is not UTF-8 text ({error.reason})")])
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return SumFile(problems=[(1, f"{SUM_FILE} is empty")])
    format_line = _FORMAT_LINE.match(lines[0])
    if format_line is None:
        return SumFile(problems=[(1, f"{SUM_FILE} does not start with '{FORMAT} {FORMAT_VERSION}'")])
    if int(format_line.group(1)) != FORMAT_VERSION:
        message = f"{SUM_FILE} is in format {format_line.group(1)}; this safemig-lint reads format {FORMAT_VERSION}"
        return SumFile(problems=[(1, message)])
    entry_lines: list[str] = []
    total: tuple[int, str] | None = None
    previous = ""
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("#") and not entry_lines:
            continue
        if total is not None:
            result.problems.append((number, "a line after the total"))
            continue
        if (match := _TOTAL.match(line)) is not None:
            total = (number, match.group(1))
            continue
        match = _ENTRY.match(line)
        name_match = MIGRATION_NAME.match(match.group(2)) if match else None
        if match is None or name_match is None:
            result.problems.append((number, f"not an entry ('<sha256>  <migration file name>'): {line[:80]!r}"))
            continue
        digest, name = match.groups()
        if name in result.entries:
            result.problems.append((number, f"{name} is listed twice"))
            continue
        if entry_lines and sort_key(name) < sort_key(previous):
            result.problems.append((number, f"{name} is out of order (entries are sorted by version)"))
        previous = name
        entry_lines.append(f"{line}\n")
        result.entries[name] = LockedFile(name, digest, number, int(name_match.group(1)), name_match.group(3))
    if total is None:
        result.problems.append((len(lines), "the 'total' line is missing (the file is cut short?)"))
    elif total[1] != _total("".join(entry_lines)):
        result.problems.append((total[0], "the total does not match the entries: a line was edited, removed or reordered by hand"))
    return result


def read(directory: Path) -> SumFile | None:
    """The directory's sum file, or None when it has none."""
    try:
        data = read_regular(directory / SUM_FILE, READ_BACK_LIMIT)
    except FileNotFoundError:
        return None
    except OSError as error:
        return SumFile(problems=[(1, f"cannot read {SUM_FILE}: {error.strerror or error}")])
    return parse(data)

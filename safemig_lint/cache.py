"""The content cache: what linting a migration directory found, keyed on everything it read.

One entry per directory state: the key hashes the tool's version, the directory's settings,
and the name and bytes of every file in it (a file's findings depend on its neighbours: the
schema history, its counterpart, duplicate versions). An entry holds, per file whose rules
ran, its diagnostics and where its shown source is masked; a later run that needs another file
of the same directory state adds that file to the entry.

Beside them, one entry per file state holds what the schema replay reads of the file (its ops:
operations/file_ops.py), keyed on the tool, the settings that shape the reading and the file's
bytes. When a folder has changed, a run that lints only some of its files (pre-commit's staged
ones) replays the others from these instead of parsing them again.

And one entry per set of statements PostgreSQL's parser accepted whole (reading/grammar.py's
`accepted_key`: the parser's identity and the statements' text), written by such runs for the
files they lint and their counterparts: a file edited again outside its statements (a comment, a
suppression) is judged valid without importing or running the parser. The entry holds nothing
but that key: a file whose statements are not all accepted has none (nor has a file that held a
secret), and a missing one costs a parse.

A cache folder is input like any other (a checkout, an archive, a CI cache restored from
another branch): no entry may change what the tool reports or writes beyond what recomputing
would. So every entry is signed (HMAC-SHA256) with a key that is not in the cache folder: the
user's own (`cache-key` under $XDG_CACHE_HOME/safemig-lint, made on first use, 0600), or
$SAFEMIG_LINT_CACHE_KEY (CI shares one between runs from a secret). An entry that is not
signed with that key, or that is not a bounded regular file, is a miss: recomputed and
rewritten. What a signed entry holds is checked again as it is read (its types, and that each
line, edit and mask fits its file: Folder.fits), and it holds nothing recomputation derives
cheaply: masks are offsets (the `*` are put back here), and an entry holds no path: a
diagnostic's is that of the file it is stored under (a fix's target is that file), a related
place's that of a file named in the same folder. Each text is held once, in a table the
findings point into (a rule's advice recurs in each of its findings).

An entry holds no secret: shown sources are stored as where they are masked, and a directory
whose findings quote a secret (a statement's text kept for fingerprints) is not stored at all.
Entries are JSON, never pickle. Writes go to a temporary file in the same directory, then
os.replace: a concurrent run (pre-commit runs hooks in parallel) sees the old entry or the
new one, whole. They are not synced to disk: one torn by a crash fails its signature, a miss.

Caching the parsed files instead was measured: unpickling sqlglot trees costs ~40% of
parsing them, and a pickle cannot be trusted; final findings, and the ops, are the units that pay.
"""

from __future__ import annotations

import errno
import json
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from safemig_lint import __version__
from safemig_lint.atomic import replace_file
from safemig_lint.diagnostics import Diagnostic, Edit, Related, Severity, Span, Suppression
from safemig_lint.patterns import lazy
from safemig_lint.reading.source import READ_BACK_LIMIT, read_regular

if TYPE_CHECKING:
    import hashlib

DEFAULT_DIRECTORY = ".safemig-lint-cache"
KEY_VARIABLE = "SAFEMIG_LINT_CACHE_KEY"
_FORMAT = (
    5  # bump when the entry layout changes (2: fixes and related; 3: files' ops; 4: signed, masks as spans; 5: no paths, texts in a table)
)
_MAGIC = b"safemig-lint cache 5\n"
_MAC_LENGTH = 64  # hex
_CODE = lazy(r"SM[0-9]{3}")
_LARGEST = 1 << 40  # offsets, lines and columns: no file the tool reads comes near


class Corrupt(ValueError):
    """An entry that does not have the shape this version writes."""


# Compared by identity and shown by nothing: dataclass generates no __repr__ or __eq__ (~0.5 M instructions
# each at every start-up).
@dataclass(repr=False, eq=False)
class Entry:
    """What is known about one directory state: diagnostics by file (name within the directory;
    "" for the directory itself), and which files' own rules ran."""

    key: str
    covered: set[str] = field(default_factory=set)  # files whose rules ran
    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    masks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # file -> masked (start, end) offsets
    partial: bool = False  # read with only some files' diagnostics (Cache.load's `files`)


class Folder(Protocol):
    """The migration folder an entry is read for or written from (engine.DirectoryWork)."""

    def display_of(self, name: str) -> str:
        """The display path of file `name` of the folder ("": the folder itself)."""
        ...

    def fits(self, name: str, line: int, end: int) -> bool:
        """Whether file `name` has line `line` and character offset `end` (a file not linted: no offset)."""
        ...


def _sha256(data: bytes = b"") -> hashlib._Hash:
    """hashlib's SHA-256, imported when first used: a run whose cache keeps nothing hashes nothing, and
    importing hashlib (it starts OpenSSL) costs a one-file run ~1%."""
    import hashlib

    return hashlib.sha256(data)


@cache
def _tool_fingerprint() -> str:
    """The tool's version, and the size and time of each of its modules: an edited checkout
    (or an upgrade that kept the version number) never reuses findings of other code."""
    # os.scandir, one stat per module: every run pays for this, a warm one's CPU is ~0.1 s in all.
    package = os.path.dirname(os.path.abspath(__file__))
    stats, pending = [], [""]
    while pending:
        folder = pending.pop()
        with os.scandir(os.path.join(package, folder)) as entries:
            for entry in entries:
                name = f"{folder}/{entry.name}" if folder else entry.name
                if entry.is_dir():
                    pending.append(name)
                elif entry.name.endswith(".py"):
                    status = entry.stat()
                    stats.append((name, status.st_size, status.st_mtime_ns))
    stats.sort()
    readers = " ".join(reader_versions())
    return f"safemig-lint {__version__} format {_FORMAT} {readers} {_sha256(repr(stats).encode()).hexdigest()}"


# The libraries whose readings findings are made of (sqlglotc and sqlfluffrs: their compiled parsers).
_READERS = frozenset({"sqlglot", "sqlglotc", "pglast", "sqlfluff", "sqlfluffrs"})


def reader_versions() -> list[str]:
    """The installed distributions of the parsers (their dist-info names: project and version), found
    without importing them: an upgrade of one in place never reuses what the other version read."""
    import importlib.util

    found: set[str] = set()
    folders = set()  # where each is installed (most often one site-packages for all)
    for module in ("sqlglot", "pglast", "sqlfluff"):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            found.add(f"{module}-absent")
        else:
            folders.add(os.path.dirname(os.path.dirname(spec.origin)))
    for folder in folders:
        with os.scandir(folder) as entries:
            found.update(e.name for e in entries if e.name.endswith(".dist-info") and e.name.partition("-")[0].lower() in _READERS)
    return sorted(found)


def file_key(settings: str, data: bytes) -> str:
    """The key of one file's state: `settings` (what shapes reading it) and its bytes."""
    return _sha256(f"{_tool_fingerprint()}\0file\0{settings}\0".encode() + _sha256(data).digest()).hexdigest()


def directory_key(settings: str, files: list[tuple[str, bytes]]) -> str:
    """The key of a directory state: `settings` (what configures the run) and (name, bytes) of every file."""
    digest = _sha256(f"{_tool_fingerprint()}\0{settings}\0".encode())
    for name, data in files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_sha256(data).digest())
    return digest.hexdigest()


def _accepted_entry_key(key: str) -> str:
    """Where PostgreSQL's acceptance of `key`'s statements is kept: for this tool only (its checks
    decide which statements are handed to the parser, and how a file is cut into them)."""
    return _sha256(f"{_tool_fingerprint()}\0grammar\0{key}".encode("utf-8", "surrogateescape")).hexdigest()


def key_file() -> Path:
    """Where the user's signing key lives: outside every cache folder, private to the user."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "safemig-lint" / "cache-key"


@cache
def _signing_key() -> bytes | None:
    """$SAFEMIG_LINT_CACHE_KEY, else the user's key (made on first use); None when there is
    none to be had (no writable home): then nothing is read from or written to the cache."""
    shared = os.environ.get(KEY_VARIABLE)
    if shared:
        return _sha256(shared.encode("utf-8", "surrogateescape")).digest()
    path = key_file()
    for _ in range(2):
        try:
            key = bytes.fromhex(read_regular(path, 2 * _MAC_LENGTH).decode("ascii"))
            return key if len(key) >= 32 else None
        except FileNotFoundError:
            _make_key(path)
        except (OSError, ValueError):
            return None
    return None


def _make_key(path: Path) -> None:
    """Write a new random key, whole or not at all: a concurrent run either makes it or reads
    the one that won (os.link fails when the name exists)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, os.urandom(32).hex().encode("ascii"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    except OSError:
        pass


def _mac(key: bytes, body: bytes | memoryview) -> bytes:
    import hashlib
    import hmac

    return hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")


def _signed_alike(mac: bytes, expected: bytes) -> bool:
    """Whether an entry's signature is the one expected (compared in constant time)."""
    import hmac

    return hmac.compare_digest(mac, expected)


def _entry_path(root: Path, key: str, kind: str) -> Path:
    return root.joinpath(f"v{_FORMAT}", kind, key[:2], f"{key}.json")  # one join: a staged file's run makes hundreds


class Cache:
    """Entries under `root`, one signed JSON file each; root None disables caching."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def load(self, key: str, folder: Folder, files: Callable[[str], bool] | None = None) -> Entry | None:
        """The directory state's entry, or None. Each diagnostic's path, and each related place's,
        is `folder.display_of(name)` of the file it is stored under ("" the folder): never a path
        from the entry; every line, edit and mask must fit its file (`folder.fits`). With `files`,
        only the findings of the files it accepts are decoded (and so checked): a run that reports
        a few files of a large folder uses no other; such an entry is partial, to read, never to store."""
        try:
            return _entry_from_json(self._load(key, ""), key, folder, files)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            return None  # missing, corrupt, unsigned or foreign: recompute and overwrite

    def store(self, entry: Entry, folder: Folder) -> None:
        """Store `entry`, whose paths are `folder.display_of` the names of its files (else it is not stored)."""
        if entry.partial:
            raise ValueError("a partial entry would lose the findings it was not read with")
        if not self.keeps:
            return  # --no-cache: nothing to encode
        try:
            data = _entry_to_json(entry, folder.display_of)
        except Underivable:
            return  # reading it back could not give these paths: recomputed on each run instead
        self._store(entry.key, "", data)

    @property
    def keeps(self) -> bool:
        """Whether what is stored is kept (a root, and a key to sign entries with)."""
        return self.root is not None and _signing_key() is not None

    def load_file(self, key: str) -> dict | None:
        """A file state's entry (JSON, read by operations/file_ops.from_json), or None."""
        try:
            data = self._load(key, "files")
            return data["value"] if data["key"] == key and isinstance(data["value"], dict) else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            return None

    def store_file(self, key: str, value: dict) -> None:
        self._store(key, "files", {"key": key, "value": value})

    def accepted_before(self, key: str) -> bool:
        """Whether PostgreSQL accepted every statement of a file with these statements (grammar.accepted_key)."""
        try:
            entry = _accepted_entry_key(key)
            data = self._load(entry, "grammar")
            return data["key"] == entry and data["value"] == "accepted"
        except (OSError, ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            return False

    def store_accepted(self, key: str) -> None:
        entry = _accepted_entry_key(key)
        self._store(entry, "grammar", {"key": entry, "value": "accepted"})

    def _load(self, key: str, kind: str) -> dict:
        root = self.root
        signing_key = _signing_key() if root is not None else None
        if root is None or signing_key is None:
            raise OSError("no cache")
        # A regular file, bounded, never waited on (a FIFO or a link to /dev/zero is a miss).
        data = read_regular(_entry_path(root, key, kind), READ_BACK_LIMIT)
        header, mac = data[: len(_MAGIC)], data[len(_MAGIC) : len(_MAGIC) + _MAC_LENGTH]
        body = memoryview(data)[len(_MAGIC) + _MAC_LENGTH + 1 :]  # not copied: an entry may be megabytes
        if header != _MAGIC or not _signed_alike(mac, _mac(signing_key, body)):
            raise Corrupt("not an entry this user's key signed")
        value = json.loads(str(body, "utf-8"), parse_constant=_no_constant)
        if not isinstance(value, dict):
            raise Corrupt("not an entry")
        return value

    def _store(self, key: str, kind: str, data: dict) -> None:
        root = self.root
        signing_key = _signing_key() if root is not None else None
        if root is None or signing_key is None:
            return
        target = _entry_path(root, key, kind)
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # A folder of the cache that is a link out of it is not written through.
            if not Path(os.path.realpath(target.parent)).is_relative_to(os.path.realpath(root)):
                raise OSError(errno.EXDEV, "a cache folder links out of the cache")
            # Not synced to disk: an entry torn by a crash fails its signature, and is a miss.
            replace_file(target, _MAGIC + _mac(signing_key, body) + b"\n" + body, mode=0o600, durable=False)
            _ignore_in_git(root)
        except OSError:
            pass  # a read-only or full disk costs speed, never the run


def _no_constant(name: str):
    raise Corrupt(f"{name} is not in an entry")  # NaN, Infinity: never written by this version


class MemoryCache(Cache):
    """Entries kept in this process only, the most recently used of each kind: the language
    server's. An editor's buffers change with every keystroke, and an entry on disk for each
    state would fill the cache folder with states no later run reads. A file state's ops stay
    as long as they are used, so an edit parses only the edited file again."""

    keeps = True

    def __init__(self, directories: int = 64, files: int = 50_000) -> None:
        super().__init__(None)
        self._limits = {"": directories, "files": files, "grammar": files}
        self._kept: dict[str, OrderedDict[str, dict]] = {kind: OrderedDict() for kind in self._limits}

    def _load(self, key: str, kind: str) -> dict:
        kept = self._kept[kind]
        kept.move_to_end(key)  # KeyError: a miss
        return kept[key]

    def _store(self, key: str, kind: str, data: dict) -> None:
        kept = self._kept[kind]
        kept[key] = data
        kept.move_to_end(key)
        while len(kept) > self._limits[kind]:
            kept.popitem(last=False)


def _ignore_in_git(root: Path) -> None:
    """Keep the cache out of `git add .` even when nobody added it to .gitignore (as ruff and mypy do)."""
    marker = root / ".gitignore"
    if not marker.exists():
        replace_file(marker, b"# Created by safemig-lint: the cache is local to this machine.\n*\n", mode=0o600)


def _diagnostic_to_json(d: Diagnostic, display_of: Callable[[str], str], text: Callable[[str], int]) -> list:
    """One diagnostic, flat, without its path (its file's, given by the folder when read), its
    texts by their place in the entry's table (`text`)."""
    s, span = d.suppression, d.span
    return [
        text(d.code),
        text(d.name),
        d.severity.value,
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        text(d.message),
        text(d.help),
        text(d.snippet),
        None if s is None else [s.line, s.reason],
        [[e.start, e.end, e.replacement] for e in d.fix],
        [[_name_in_folder(r.path, display_of), *_span_to_json(r.span), text(r.message)] for r in d.related],
    ]


class Underivable(ValueError):
    """A diagnostic's path that is not one the folder gives a file of it: such an entry is not stored."""


def _name_in_folder(path: str, display_of: Callable[[str], str]) -> str:
    """The name within the folder ("": the folder) of display path `path`, which reading the entry gives back."""
    name = "" if path == display_of("") else path.rpartition("/")[2]
    if display_of(name) != path:
        raise Underivable(path)
    return name


def _span_to_json(span: Span) -> list[int]:
    return [span.line, span.column, span.end_line, span.end_column]


def _number(value: object) -> int:
    if type(value) is not int or not 0 <= value <= _LARGEST:
        raise Corrupt("not an offset, line or column")
    return value


def _text(value: object) -> str:
    if type(value) is not str:
        raise Corrupt("not a text")
    return value


def _list(value: object, length: int | None = None) -> list:
    if type(value) is not list or (length is not None and len(value) != length):
        raise Corrupt("not a list of the expected length")
    return value


_SEVERITIES = {severity.value: severity for severity in Severity}


def _diagnostics_from_json(
    table: dict, folder: Folder, strings: list[str], reach: _Reach, files: Callable[[str], bool] | None
) -> dict[str, list[Diagnostic]]:
    """By file name, the diagnostics of the files `files` accepts (all without it), each given
    the path of its file (never one from the entry), their texts taken from `strings` (the
    entry's table), how far they reach into each file noted in `reach`. Checked inline, not
    by a helper per field or per file: a warm run decodes thousands of both."""
    decoded: dict[str, list[Diagnostic]] = {}
    count = len(strings)
    codes: set[str] = set()  # those checked already
    for name, items in table.items():
        if files is not None and not files(name):
            continue
        path = folder.display_of(_name(name))
        found: list[Diagnostic] = []
        append = found.append
        furthest = 1
        for item in _list(items):
            if type(item) is not list or len(item) != 13:
                raise Corrupt("not a diagnostic")
            code, label, severity, line, column, end_line, end_column, message, help, snippet, suppression, fix, related = item
            if not (type(code) is type(label) is type(message) is type(help) is type(snippet) is int) or not (
                0 <= code < count and 0 <= label < count and 0 <= message < count and 0 <= help < count and 0 <= snippet < count
            ):
                raise Corrupt("not a text of the entry's")
            code = strings[code]
            if code not in codes:
                if not _CODE.fullmatch(code):
                    raise Corrupt("not a rule code")
                codes.add(code)
            if type(severity) is not str or severity not in _SEVERITIES:
                raise Corrupt("not a severity")
            _check_span(line, column, end_line, end_column)
            if end_line > furthest:
                furthest = end_line
            edits = () if fix == _NONE else tuple(_edit(edit) for edit in _list(fix))
            if edits:
                reach.note(name, 1, max(edit.end for edit in edits))
            append(
                Diagnostic(
                    code,
                    strings[label],
                    _SEVERITIES[severity],
                    path,
                    Span(line, column, end_line, end_column),
                    strings[message],
                    strings[help],
                    strings[snippet],
                    None if suppression is None else Suppression(*_suppression(suppression)),
                    edits,
                    () if related == _NONE else _related(related, folder, strings, reach),
                )
            )
        reach.note(name, furthest, 0)
        decoded[name] = found
    return decoded


class _Reach(dict):
    """By file name, the furthest line an entry's findings point at and the furthest character
    its edits and masks reach: checked once per file (Folder.fits), not once per finding."""

    def note(self, name: str, line: int, end: int) -> None:
        known = self.get(name)
        self[name] = (line, end) if known is None else (max(known[0], line), max(known[1], end))

    def check(self, folder: Folder) -> None:
        for name, (line, end) in self.items():
            if not folder.fits(name, line, end):
                raise Corrupt(f"past the end of {name}")


_NONE: list = []  # compared with, never changed: no fix, no related place


def _suppression(item: object) -> tuple[int, str]:
    line, reason = _list(item, 2)
    return _number(line), _text(reason)


def _edit(item: object) -> Edit:
    start, end, replacement = _list(item, 3)
    if _number(start) > _number(end):
        raise Corrupt("not an edit")
    return Edit(start, end, _text(replacement))


def _related(items: object, folder: Folder, strings: list[str], reach: _Reach) -> tuple[Related, ...]:
    """The places a finding is about besides its own (each of a name in the folder), checked inline as
    _diagnostics_from_json checks: some findings name every other file of their folder."""
    found = []
    count = len(strings)
    for item in _list(items):
        if type(item) is not list or len(item) != 6:
            raise Corrupt("not a related place")
        name, line, column, end_line, end_column, message = item
        if type(name) is not str or "/" in name or type(message) is not int or not 0 <= message < count:
            raise Corrupt("not a name in the folder, or a text of the entry's")
        _check_span(line, column, end_line, end_column)
        if reach.get(name, _NOWHERE)[0] < end_line:
            reach.note(name, end_line, 0)
        found.append(Related(folder.display_of(name), Span(line, column, end_line, end_column), strings[message]))
    return tuple(found)


_NOWHERE = (0, 0)


def _name(value: object) -> str:
    """A file's name in the folder ("": the folder itself), never a path elsewhere."""
    if type(value) is not str or "/" in value:
        raise Corrupt("not a name in the folder")
    return value


def _entry_to_json(entry: Entry, display_of: Callable[[str], str]) -> dict:
    for name, found in entry.diagnostics.items():
        shown = display_of(name)  # once per file, not per finding
        if any(d.path != shown for d in found):
            raise Underivable(name)
    # Each text once: a rule's advice, a message, a statement recur across a folder's findings.
    table: dict[str, int] = {}

    def text(value: str) -> int:
        return table.setdefault(value, len(table))

    diagnostics = {name: [_diagnostic_to_json(d, display_of, text) for d in found] for name, found in entry.diagnostics.items()}
    return {
        "key": entry.key,
        "covered": sorted(entry.covered),
        "strings": list(table),
        "diagnostics": diagnostics,
        "masks": {name: [[start, end] for start, end in masks] for name, masks in entry.masks.items()},
    }


def _entry_from_json(data: dict, key: str, folder: Folder, files: Callable[[str], bool] | None = None) -> Entry:
    if data["key"] != key:
        raise Corrupt("entry of another key")
    reach = _Reach()
    masks = {}
    for name, items in _dict(data["masks"]).items():
        spans = [(_number(start), _number(end)) for start, end in map(lambda m: _list(m, 2), _list(items))]
        if any(start >= end for start, end in spans) or any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
            raise Corrupt("masks out of order")
        masks[_name(name)] = spans
        if spans:
            reach.note(name, 1, spans[-1][1])
    strings = _list(data["strings"])
    if not all(type(value) is str for value in strings):
        raise Corrupt("not a text")
    diagnostics = _diagnostics_from_json(_dict(data["diagnostics"]), folder, strings, reach, files)
    reach.check(folder)
    return Entry(key, {_text(name) for name in _list(data["covered"])}, diagnostics, masks, partial=files is not None)


def _dict(value: object) -> dict:
    if type(value) is not dict:
        raise Corrupt("not a table")
    return value


def masks_of(text: str, masked: str) -> list[tuple[int, int]]:
    """Where `masked` (same length as `text`, secrets replaced by `*`) differs from it: the
    (start, end) of each masked run, to store how a file's shown source is masked without
    storing the file, its secrets or any text to put in their place."""
    if masked == text:
        return []
    runs: list[tuple[int, int]] = []
    start = None
    for offset, (original, shown) in enumerate(zip(text, masked)):
        if original != shown and start is None:
            start = offset
        elif original == shown and start is not None:
            runs.append((start, offset))
            start = None
    if start is not None:
        runs.append((start, len(text)))
    return runs


def apply_masks(text: str, masks: list[tuple[int, int]]) -> str:
    """`text` with each masked run replaced by `*` (line breaks kept, as masking.py does), in one
    pass; runs past the end of the text are cut there (masks are in file order)."""
    pieces, position = [], 0
    for start, end in masks:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        pieces += [text[position:start], "".join(c if c in "\r\n" else "*" for c in text[start:end])]
        position = end
    return "".join(pieces) + text[position:]


def _check_span(line: Any, column: Any, end_line: Any, end_column: Any) -> None:
    """A span an entry gives (read from JSON): whole numbers, in order, within what any file can hold; else Corrupt."""
    if not (type(line) is type(column) is type(end_line) is type(end_column) is int):
        raise Corrupt("not a span")
    if not (1 <= line <= end_line <= _LARGEST and 1 <= column <= _LARGEST and 0 <= end_column <= _LARGEST) or (
        end_line == line and end_column < column
    ):
        raise Corrupt("not a span")

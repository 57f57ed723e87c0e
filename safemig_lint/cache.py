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
rewritten. What a signed entry holds is checked again where it is used (engine.py: types,
spans within the file, paths derived from the folder, not taken from the entry), and it holds
nothing recomputation derives cheaply: masks are offsets (the `*` are put back here), and a
fix's target is the file it was found in, never a path from the entry.

An entry holds no secret: shown sources are stored as where they are masked, and a directory
whose findings quote a secret (a statement's text kept for fingerprints) is not stored at all.
Entries are JSON, never pickle. Writes go to a temporary file in the same directory, then
os.replace: a concurrent run (pre-commit runs hooks in parallel) sees the old entry or the
new one, whole.

Caching the parsed files instead was measured: unpickling sqlglot trees costs ~40% of
parsing them, and a pickle cannot be trusted; final findings, and the ops, are the units that pay.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from safemig_lint import __version__
from safemig_lint.atomic import replace_file
from safemig_lint.diagnostics import Diagnostic, Edit, Related, Severity, Span, Suppression
from safemig_lint.reading.source import READ_BACK_LIMIT, read_regular

DEFAULT_DIRECTORY = ".safemig-lint-cache"
KEY_VARIABLE = "SAFEMIG_LINT_CACHE_KEY"
_FORMAT = 4  # bump when the entry layout changes (2: fixes and related; 3: files' ops; 4: signed, masks as spans)
_MAGIC = b"safemig-lint cache 4\n"
_MAC_LENGTH = 64  # hex
_CODE = re.compile(r"SM[0-9]{3}")
_LARGEST = 1 << 40  # offsets, lines and columns: no file the tool reads comes near


class Corrupt(ValueError):
    """An entry that does not have the shape this version writes."""


@dataclass
class Entry:
    """What is known about one directory state: diagnostics by file (name within the directory;
    "" for the directory itself), and which files' own rules ran."""

    key: str
    covered: set[str] = field(default_factory=set)  # files whose rules ran
    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    masks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # file -> masked (start, end) offsets
    partial: bool = False  # read with only some files' diagnostics (Cache.load's `files`)


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
    return f"safemig-lint {__version__} format {_FORMAT} {hashlib.sha256(repr(stats).encode()).hexdigest()}"


def file_key(settings: str, data: bytes) -> str:
    """The key of one file's state: `settings` (what shapes reading it) and its bytes."""
    return hashlib.sha256(f"{_tool_fingerprint()}\0file\0{settings}\0".encode() + hashlib.sha256(data).digest()).hexdigest()


def directory_key(settings: str, files: list[tuple[str, bytes]]) -> str:
    """The key of a directory state: `settings` (what configures the run) and (name, bytes) of every file."""
    digest = hashlib.sha256(f"{_tool_fingerprint()}\0{settings}\0".encode())
    for name, data in files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _accepted_entry_key(key: str) -> str:
    """Where PostgreSQL's acceptance of `key`'s statements is kept: for this tool only (its checks
    decide which statements are handed to the parser, and how a file is cut into them)."""
    return hashlib.sha256(f"{_tool_fingerprint()}\0grammar\0{key}".encode("utf-8", "surrogateescape")).hexdigest()


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
        return hashlib.sha256(shared.encode("utf-8", "surrogateescape")).digest()
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


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")


def _entry_path(root: Path, key: str, kind: str) -> Path:
    return root.joinpath(f"v{_FORMAT}", kind, key[:2], f"{key}.json")  # one join: a staged file's run makes hundreds


class Cache:
    """Entries under `root`, one signed JSON file each; root None disables caching."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def load(self, key: str, files: Callable[[str], bool] | None = None) -> Entry | None:
        """The directory state's entry, or None. With `files`, only the findings of the files it
        accepts are decoded (and so checked): a run that reports a few files of a large folder
        uses no other; such an entry is partial, to read, never to store."""
        try:
            return _entry_from_json(self._load(key, ""), key, files)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            return None  # missing, corrupt, unsigned or foreign: recompute and overwrite

    def store(self, entry: Entry) -> None:
        if entry.partial:
            raise ValueError("a partial entry would lose the findings it was not read with")
        self._store(entry.key, "", _entry_to_json(entry))

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
        header, mac, body = data[: len(_MAGIC)], data[len(_MAGIC) : len(_MAGIC) + _MAC_LENGTH], data[len(_MAGIC) + _MAC_LENGTH + 1 :]
        if header != _MAGIC or not hmac.compare_digest(mac, _mac(signing_key, body)):
            raise Corrupt("not an entry this user's key signed")
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
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
            replace_file(target, _MAGIC + _mac(signing_key, body) + b"\n" + body, mode=0o600)
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


def _diagnostic_to_json(d: Diagnostic) -> list:
    s = d.suppression
    return [
        d.code,
        d.name,
        d.severity.value,
        d.path,
        _span_to_json(d.span),
        d.message,
        d.help,
        d.snippet,
        None if s is None else [s.line, s.reason],
        [[e.start, e.end, e.replacement] for e in d.fix],
        [[r.path, _span_to_json(r.span), r.message] for r in d.related],
    ]


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


def _span_from_json(item: object) -> Span:
    # Unrolled (no generator): a warm run decodes a span per finding, thousands of them.
    if type(item) is not list or len(item) != 4:
        raise Corrupt("not a span")
    line, column, end_line, end_column = item
    if not (type(line) is type(column) is type(end_line) is type(end_column) is int):
        raise Corrupt("not a span")
    if not (1 <= line <= end_line <= _LARGEST and 1 <= column <= _LARGEST and 0 <= end_column <= _LARGEST) or (
        end_line == line and end_column < column
    ):
        raise Corrupt("not a span")
    return Span(line, column, end_line, end_column)


_SEVERITIES = {severity.value: severity for severity in Severity}


def _diagnostic_from_json(item: object) -> Diagnostic:
    code, name, severity, path, span, message, help, snippet, suppression, fix, related = _list(item, 11)
    if not _CODE.fullmatch(_text(code)) or type(severity) is not str or severity not in _SEVERITIES:
        raise Corrupt("not a rule code or a severity")
    return Diagnostic(
        code,
        _text(name),
        _SEVERITIES[severity],
        _text(path),
        _span_from_json(span),
        _text(message),
        _text(help),
        _text(snippet),
        None if suppression is None else Suppression(*_suppression(suppression)),
        tuple(_edit(edit) for edit in _list(fix)),
        tuple(Related(_text(where), _span_from_json(at), _text(why)) for where, at, why in map(lambda r: _list(r, 3), _list(related))),
    )


def _suppression(item: object) -> tuple[int, str]:
    line, reason = _list(item, 2)
    return _number(line), _text(reason)


def _edit(item: object) -> Edit:
    start, end, replacement = _list(item, 3)
    if _number(start) > _number(end):
        raise Corrupt("not an edit")
    return Edit(start, end, _text(replacement))


def _entry_to_json(entry: Entry) -> dict:
    return {
        "key": entry.key,
        "covered": sorted(entry.covered),
        "diagnostics": {name: [_diagnostic_to_json(d) for d in found] for name, found in entry.diagnostics.items()},
        "masks": {name: [[start, end] for start, end in masks] for name, masks in entry.masks.items()},
    }


def _entry_from_json(data: dict, key: str, files: Callable[[str], bool] | None = None) -> Entry:
    if data["key"] != key:
        raise Corrupt("entry of another key")
    masks = {}
    for name, items in _dict(data["masks"]).items():
        spans = [(_number(start), _number(end)) for start, end in map(lambda m: _list(m, 2), _list(items))]
        if any(start >= end for start, end in spans) or any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
            raise Corrupt("masks out of order")
        masks[name] = spans
    return Entry(
        key,
        {_text(name) for name in _list(data["covered"])},
        {
            _text(name): [_diagnostic_from_json(item) for item in _list(found)]
            for name, found in _dict(data["diagnostics"]).items()
            if files is None or files(name)
        },
        masks,
        partial=files is not None,
    )


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

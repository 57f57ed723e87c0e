"""The content cache: what linting a migration directory found, keyed on everything it read.

One entry per directory state: the key hashes the tool's version, the directory's settings,
and the name and bytes of every file in it (a file's findings depend on its neighbours: the
schema history, its counterpart, duplicate versions). An entry holds, per file whose rules
ran, its diagnostics and how its shown source is masked; a later run that needs another file
of the same directory state adds that file to the entry.

Beside them, one entry per file state holds what the schema replay reads of the file (its ops:
operations/file_ops.py), keyed on the tool, the settings that shape the reading and the file's
bytes. When a folder has changed, a run that lints only some of its files (pre-commit's staged
ones) replays the others from these instead of parsing them again.

An entry holds no secret: shown sources are stored as where they are masked, and a directory
whose findings quote a secret (a statement's text kept for fingerprints) is not stored at all.

Entries are JSON, never pickle: a cache directory can come from anywhere (a checkout, an
archive), and a foreign or corrupt entry must be ignored and rewritten, never trusted or
executed. Each entry names its own key, and anything that does not parse into the expected
shape is a miss. Writes go to a temporary file in the same directory, then os.replace: a
concurrent run (pre-commit runs hooks in parallel) sees the old entry or the new one, whole.

Caching the parsed files instead was measured: unpickling sqlglot trees costs ~40% of
parsing them, and a pickle cannot be trusted; final findings, and the ops, are the units that pay.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from safemig_lint import __version__
from safemig_lint.atomic import replace_file
from safemig_lint.diagnostics import Diagnostic, Edit, Related, Severity, Span, Suppression

DEFAULT_DIRECTORY = ".safemig-lint-cache"
_FORMAT = 3  # bump when the entry layout changes (2: fixes and related locations; 3: files' ops)


@dataclass
class Entry:
    """What is known about one directory state: diagnostics by file (name within the directory;
    "" for the directory itself), and which files' own rules ran."""

    key: str
    covered: set[str] = field(default_factory=set)  # files whose rules ran
    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    masks: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # file -> (offset, masked text)


@cache
def _tool_fingerprint() -> str:
    """The tool's version, and the size and time of each of its modules: an edited checkout
    (or an upgrade that kept the version number) never reuses findings of other code."""
    package = Path(__file__).parent
    stats = sorted((str(p.relative_to(package)), p.stat().st_size, p.stat().st_mtime_ns) for p in package.rglob("*.py"))
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


class Cache:
    """Entries under `root`, one JSON file each; root None disables caching."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, key: str, kind: str = "") -> Path:
        return self.root / f"v{_FORMAT}" / kind / key[:2] / f"{key}.json"

    def load(self, key: str) -> Entry | None:
        try:
            return _entry_from_json(self._load(key, ""), key)
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # missing, corrupt or foreign: recompute and overwrite

    def store(self, entry: Entry) -> None:
        self._store(entry.key, "", _entry_to_json(entry))

    def load_file(self, key: str) -> dict | None:
        """A file state's entry (JSON, read by operations/file_ops.from_json), or None."""
        try:
            data = self._load(key, "files")
            return data["value"] if data["key"] == key else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def store_file(self, key: str, value: dict) -> None:
        self._store(key, "files", {"key": key, "value": value})

    def _load(self, key: str, kind: str) -> dict:
        if self.root is None:
            raise OSError("no cache")
        return json.loads(self._path(key, kind).read_text(encoding="utf-8"))

    def _store(self, key: str, kind: str, data: dict) -> None:
        if self.root is None:
            return
        target = self._path(key, kind)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_file(target, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), mode=0o600)
            _ignore_in_git(self.root)
        except OSError:
            pass  # a read-only or full disk costs speed, never the run


class MemoryCache(Cache):
    """Entries kept in this process only, the most recently used of each kind: the language
    server's. An editor's buffers change with every keystroke, and an entry on disk for each
    state would fill the cache folder with states no later run reads. A file state's ops stay
    as long as they are used, so an edit parses only the edited file again."""

    def __init__(self, directories: int = 64, files: int = 50_000) -> None:
        super().__init__(None)
        self._limits = {"": directories, "files": files}
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


def _span_from_json(item: list) -> Span:
    line, column, end_line, end_column = (int(v) for v in item)
    return Span(line, column, end_line, end_column)


def _diagnostic_from_json(item: list) -> Diagnostic:
    code, name, severity, path, span, message, help, snippet, suppression, fix, related = item
    if not all(isinstance(v, str) for v in (code, name, path, message, help, snippet)):
        raise TypeError("not a diagnostic")
    return Diagnostic(
        code,
        name,
        Severity(severity),
        path,
        _span_from_json(span),
        message,
        help,
        snippet,
        None if suppression is None else Suppression(int(suppression[0]), str(suppression[1])),
        tuple(Edit(int(start), int(end), str(text)) for start, end, text in fix),
        tuple(Related(str(where), _span_from_json(at), str(why)) for where, at, why in related),
    )


def _entry_to_json(entry: Entry) -> dict:
    return {
        "key": entry.key,
        "covered": sorted(entry.covered),
        "diagnostics": {name: [_diagnostic_to_json(d) for d in found] for name, found in entry.diagnostics.items()},
        "masks": {name: [[offset, text] for offset, text in masks] for name, masks in entry.masks.items()},
    }


def _entry_from_json(data: dict, key: str) -> Entry:
    if data["key"] != key:
        raise ValueError("entry of another key")
    masks = {str(name): [(int(offset), str(text)) for offset, text in items] for name, items in data["masks"].items()}
    return Entry(
        key,
        {str(name) for name in data["covered"]},
        {str(name): [_diagnostic_from_json(item) for item in found] for name, found in data["diagnostics"].items()},
        masks,
    )


def masks_of(text: str, masked: str) -> list[tuple[int, str]]:
    """Where `masked` (same length as `text`) differs from it: (offset, masked run), to store
    how a file's shown source is masked without storing the file or its secrets."""
    if masked == text:
        return []
    runs: list[tuple[int, str]] = []
    start = None
    for offset, (original, shown) in enumerate(zip(text, masked)):
        if original != shown and start is None:
            start = offset
        elif original == shown and start is not None:
            runs.append((start, masked[start:offset]))
            start = None
    if start is not None:
        runs.append((start, masked[start:]))
    return runs


def apply_masks(text: str, masks: list[tuple[int, str]]) -> str:
    """`text` with each masked run put in place, in one pass (masks are in file order)."""
    pieces, position = [], 0
    for offset, run in sorted(masks):
        if offset < position:
            continue
        pieces += [text[position:offset], run]
        position = offset + len(run)
    return "".join(pieces) + text[position:]

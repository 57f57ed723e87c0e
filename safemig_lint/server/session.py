"""The open migration files by folder, and the lints that keep their findings current.

A folder is linted as `check` lints it (engine.lint_buffers): every open migration file of it is
reported on, with its unsaved text read instead of the disk, so an edit to an up file updates
its down file's findings too. The content cache lives in memory (cache.MemoryCache): an edit
parses the edited file again and takes every other file's ops from the cache.

Each lint's findings are kept per document with the text and version they came from; code
actions and hovers use them only while the document is still at that version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pygls.workspace import PositionCodec

from safemig_lint.cache import MemoryCache
from safemig_lint.config import Config, ConfigResolver
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.reading.discovery import MIGRATION_NAME
from safemig_lint.reading.source import DEFAULT_MAX_FILE_BYTES, decode, read_limited
from safemig_lint.server.convert import Text
from safemig_lint.values import value


def is_migration(path: Path) -> bool:
    """A name golang-migrate runs and safemig-lint lints: `000042_add_email.up.sql`."""
    return path.name.lower().endswith(".sql") and MIGRATION_NAME.match(path.name) is not None


@value(unsafe_hash=True)
class Buffer:
    """An open document: where it is, which version the client is at, and its text."""

    uri: str
    path: Path
    version: int | None
    source: str

    @property
    def data(self) -> bytes:
        # A lone surrogate (JSON allows one) becomes bytes that are not UTF-8: reported as such.
        return self.source.encode("utf-8", "surrogatepass")


@dataclass
class Linted:
    """One document as one lint saw it, and its active findings (suppressed ones left out)."""

    buffer: Buffer
    text: Text
    found: list[Diagnostic]


@dataclass
class FolderLint:
    linted: dict[str, Linted]  # by URI
    not_on_disk: list[str]  # open files that are not saved yet: golang-migrate cannot see them either


@dataclass
class Session:
    """What the server keeps between requests: the memory cache, each open document's last lint,
    and one replayed history per folder for hovers."""

    codec: PositionCodec = field(default_factory=PositionCodec)
    cache: MemoryCache = field(default_factory=MemoryCache)
    results: dict[str, Linted] = field(default_factory=dict)  # by URI
    _histories: dict[Path, tuple[tuple, object]] = field(default_factory=dict)
    _generation: dict[Path, int] = field(default_factory=dict)  # lints of each folder so far

    @staticmethod
    def settings() -> ConfigResolver:
        """Each folder's configuration, read afresh: an edit to it applies at the next lint."""
        from safemig_lint.checks import rule_codes

        return ConfigResolver({}, rule_codes())

    def lint(self, folder: Path, buffers: list[Buffer]) -> FolderLint:
        """Lint `folder` with `buffers` (its open migration files) read instead of the disk.
        ConfigError when its configuration is invalid."""
        from safemig_lint.engine import lint_buffers

        result = lint_buffers([b.path for b in buffers], {b.path: b.data for b in buffers}, self.settings().for_path, self.cache)
        found: dict[Path, list[Diagnostic]] = {}
        for diagnostic in result.active:
            found.setdefault(Path(diagnostic.path), []).append(diagnostic)
        linted = {b.uri: Linted(b, Text(b.source, self.codec), found.get(b.path, [])) for b in buffers}
        self.results.update(linted)
        self._generation[folder] = self._generation.get(folder, 0) + 1
        return FolderLint(linted, list(result.missing_paths))

    def forget(self, uri: str, folder: Path, folder_still_open: bool) -> None:
        """A document was closed; with the folder's last one, what was kept for its hovers goes too."""
        self.results.pop(uri, None)
        if not folder_still_open:
            self._histories.pop(folder, None)

    def history(self, folder: Path, buffers: list[Buffer], path: Path):
        """(MigrationDirectory, History) of `folder` with `buffers` read instead of the disk, kept
        until the folder is linted again or a buffer changes; None when `path` is not linted."""
        from safemig_lint.engine import replayed_history

        key = (path, self._generation.get(folder, 0), tuple((b.path, b.version) for b in buffers))
        kept = self._histories.get(folder)
        if kept is None or kept[0] != key:
            config = self.settings().for_path(folder)
            kept = self._histories[folder] = (key, replayed_history(path, config, self.cache, {b.path: b.data for b in buffers}))
        return kept[1]

    def config(self, folder: Path) -> Config:
        return self.settings().for_path(folder)

    def text_of(self, path: Path, open_buffers: dict[Path, Buffer]) -> Text | None:
        """A file's text, for a finding that points into it: its open buffer's, else the disk's."""
        buffer = open_buffers.get(path)
        if buffer is not None:
            return Text(buffer.source, self.codec)
        try:
            text = decode(read_limited(path, DEFAULT_MAX_FILE_BYTES))
        except OSError:
            return None
        return Text(text, self.codec) if isinstance(text, str) else None

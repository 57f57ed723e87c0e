"""Run the selected checks over discovered migrations and collect diagnostics.

The work is split in two so that it can be cached and spread over processes:

- `lint` (the driver, in the main process): discover the directories, read every file's bytes
  once, look each directory state up in the content cache (cache.py), run what is missing
  (serially, or with helper processes when the work is large: `_run`; a folder that dominates the
  run is cut in shares linted over every process: shares.py), then keep the diagnostics
  of the files that are reported, less those the directory's baseline waives, in sorted order.
  Nothing that depends on more than the directory's files and settings is cached: with
  `--base`, the run is not cached; the baseline is applied after the cache. Files that run
  golang-migrate (Makefiles, CI and compose files: reading/invocations.py) are read on each run.
- `lint_directory(work)` (a pure unit, run anywhere): one directory's files ->
  ParsedFile (statements.parse_file) -> checks -> suppressions -> diagnostics by file name.
  It runs the per-file rules only on the files asked for (pre-commit passes the staged
  files); the whole directory is still read, since the history is their context. Its steps
  (_lint_files, then _finish_directory: the directory rules from the files' facts, and what
  needs every finding) are those a folder linted in shares takes in its processes and here.

Heavy modules (sqlglot, the checks) are imported by `lint_directory` only, so a run answered
from the cache never loads them.
"""

from __future__ import annotations

import os
import traceback
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, partial
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from safemig_lint import cycles, values
from safemig_lint.cache import Cache, Entry, apply_masks, directory_key, file_key, masks_of
from safemig_lint.config import Config
from safemig_lint.diagnostics import Diagnostic, Finding, Severity, Span, Suppression
from safemig_lint.integrity import BASELINE_FILE, SUM_FILE
from safemig_lint.reading.discovery import Discovery, Listing, MigrationDirectory, discover, is_excluded
from safemig_lint.reading.invocation_files import find_invocation_files, invocation_kind
from safemig_lint.reading.source import (
    READ_BACK_LIMIT,
    LineIndex,
    Unreadable,
    decode,
    open_folder,
    read_limited,
    read_regular,
    read_source,
)

if TYPE_CHECKING:
    import multiprocessing
    import re
    from multiprocessing.process import BaseProcess
    from multiprocessing.sharedctypes import Synchronized

    from sqlglot.tokens import TokenType

    from safemig_lint.analysis.file_facts import FolderFacts
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.checks.base import FileContext, FileFinding, Rule
    from safemig_lint.integrity.git import BaseSnapshot
    from safemig_lint.operations.file_ops import FileOps
    from safemig_lint.operations.read import Reading
    from safemig_lint.reading.invocations import InvocationFile
    from safemig_lint.reading.statements import ParsedFile, Statement
    from safemig_lint.reading.suppressions import InlineSuppression, SuppressionIndex
    from safemig_lint.streaming import Streaming

INTERNAL_ERROR = "SM000"
INVALID_SUPPRESSION = "SM009"
UNUSED_SUPPRESSION = "SM010"
EDITED_APPLIED = "SM601"


@values.value(unsafe_hash=True)
class Verification:
    """What a `verify` run covered, for the reports' summaries: versions given a verdict, of those asked for."""

    verified: int
    total: int


class ShownSources(Mapping[str, LineIndex]):
    """Display path -> the file's lines as reporters may show them (every secret masked), each
    made the first time it is asked for: a JSON report shows none, and a run answered from the
    cache would otherwise decode every file with a finding for nothing."""

    def __init__(self) -> None:
        self._made: dict[str, LineIndex] = {}
        self._to_make: dict[str, Callable[[], LineIndex | None]] = {}

    def add(self, path: str, source: LineIndex) -> None:
        self._made[path] = source

    def defer(self, path: str, make: Callable[[], LineIndex | None]) -> None:
        """`make()` gives the source of `path` when asked for (None: there is none to show)."""
        self._to_make[path] = make

    def __getitem__(self, path: str) -> LineIndex:
        make = self._to_make.pop(path, None)
        if make is not None and (made := make()) is not None:
            self._made[path] = made
        return self._made[path]

    def __iter__(self) -> Iterator[str]:
        for path in list(self._to_make):
            self.get(path)
        return iter(self._made)

    def __len__(self) -> int:
        return sum(1 for _ in self)


# Compared by identity and shown by nothing: dataclass generates no __repr__ or __eq__ (~0.5 M instructions
# each at every start-up).
@dataclass(repr=False, eq=False)
class LintResult:
    """What a run found: the diagnostics to report, and what the reports say of the run."""

    diagnostics: list[Diagnostic]  # sorted; suppressed ones carry .suppression
    files_checked: int
    missing_paths: list[str]
    sources: Mapping[str, LineIndex] = field(default_factory=dict)  # display path -> its text's LineIndex, for reporters
    paths: list[str] = field(default_factory=list)  # as given on the command line
    verification: Verification | None = None  # set by `verify`, None for `check`
    # ids of the active diagnostics `--fix` would fix (worked out by the CLI, fixing.py); None: not asked
    fixable: set[int] | None = None
    empty_paths: list[str] = field(default_factory=list)  # folders named that hold nothing to lint

    def is_fixable(self, diagnostic: Diagnostic) -> bool:
        return bool(diagnostic.fix) if self.fixable is None else id(diagnostic) in self.fixable

    @property
    def active(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.suppression is None]

    @property
    def internal_errors(self) -> list[Diagnostic]:
        return [d for d in self.active if d.code == INTERNAL_ERROR]

    def exit_code(self, fail_on: str) -> int:
        if self.internal_errors or self.missing_paths:
            return 2
        if fail_on == "never":
            return 0
        threshold = Severity(fail_on).rank
        return 1 if any(d.severity.rank >= threshold for d in self.active) else 0


def read_and_parse(path: Path, config: Config) -> ParsedFile:
    try:
        data = read_limited(path, config.max_file_bytes)
    except OSError as error:
        return parse_bytes(error, config)
    return parse_bytes(data, config)


def parse_bytes(
    data: bytes | OSError, config: Config, accepted_before: Callable[[str], bool] | None = None, streaming: Streaming | None = None
) -> ParsedFile:
    """`accepted_before`: PostgreSQL's verdicts the content cache remembers (grammar.check_grammar);
    a file read again with its secrets masked asks the parser, and is remembered by no key.
    `streaming`: a large file's statements are read as they are parsed, their trees let go (streaming.py)."""
    from safemig_lint.analysis.masking import SecretsAsParsed, masked_text, masks
    from safemig_lint.reading.statements import parse_file

    if isinstance(data, OSError):
        return parse_file(Unreadable(f"cannot read file: {data.strerror or data}"), config.dialect)
    text = decode(data, config.max_file_bytes)
    reader = streaming.reader(text) if streaming is not None and isinstance(text, str) else None
    # A streamed statement's tokens are gone once it is read: the credential finders read them first.
    taker = SecretsAsParsed(config.dialect, reader) if reader is not None else None
    parsed = parse_file(text, config.dialect, accepted_before, taker)
    # Every credential masked before anything downstream reads the file (analysis/masking.py).
    secrets, spans = masks(parsed, config.dialect, taker)
    if not spans:
        return parsed
    # Read again with its secrets masked: the first reading is garbage, freed before the second
    # is made (a big file is never held twice), and a large file is read again as it is parsed.
    if streaming is not None and reader is not None:
        streaming.reading.forget(parsed)
    text = parsed.text
    parsed.release_trees()
    del parsed, taker
    text = masked_text(text, spans)
    masked = parse_file(text, config.dialect, None, streaming.reader(text) if streaming is not None else None)
    masked.secrets = secrets
    return masked


# Helper processes pay for their start-up (~0.1 s each) only on large runs.
PARALLEL_MIN_FILES = 300


def lint(
    paths: list[str],
    config: Config,
    config_for: Callable[[Path], Config] | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    base: str | None = None,
    use_baseline: bool = True,
    progress: Callable[[int, int], None] | None = None,
    tracked_only: bool = False,
    buffers: Mapping[Path, bytes] | None = None,
) -> LintResult:
    """Lint `paths`. `config` drives discovery; `config_for(directory)`, when given, supplies
    each migration directory's own settings (a monorepo's mysql/ and postgres/ folders).
    `cache` answers unchanged directories; `jobs` caps the processes that lint (default: every core).
    `base`: report only on files changed since that git commit (GitError when it cannot).
    `use_baseline`: drop the findings each directory's baseline lists.
    `progress(files done, files in all)` is told as files are done.
    `tracked_only`: each folder holds only the files git tracks or has staged (a pre-commit run).
    `buffers`: what to read instead of the disk for these migration files (by path as discovered:
    an editor's unsaved buffer, standard input); such a file need not exist on disk."""
    listing: Listing | None = None
    if tracked_only:
        from safemig_lint.integrity.git import tracked_listing as listing
    discovery = discover(paths, list(config.exclude), listing, set(buffers or ()))
    snapshots = _base_snapshots(discovery, base)
    cache = cache if cache is not None and base is None else Cache(None)
    diagnostics: list[Diagnostic] = []
    sources = ShownSources()
    files_checked = 0
    pending: list[tuple[DirectoryWork, Entry]] = []
    answered: list[tuple[DirectoryWork, Entry]] = []
    for directory in discovery.directories:
        settings = config_for(directory.path) if config_for else config
        work = _work(directory, settings, discovery, snapshots.get(directory.path), buffers or {}, cache.keeps)
        files_checked += sum(1 for name in work.data if name in work.reported)  # by name: the folder's files
        # Misnamed files are reported on (SM002), so they count as files checked too.
        files_checked += sum(1 for path, _ in directory.misnamed if path.name in work.reported)
        # Only the findings this run reports are read from the entry (and checked): a staged file's
        # run does not decode its folder's hundreds of others.
        entry = cache.load(work.key, work, partial(work.is_reported, discovery=discovery))
        if entry is not None and not work.accepts(entry):
            entry = None  # not what this folder's files could have produced: recomputed
        if entry is not None and work.wanted() <= entry.covered:
            answered.append((work, entry))
        else:
            if entry is not None:  # to be completed and stored again: read whole
                entry = cache.load(work.key, work)
                entry = entry if entry is not None and work.accepts(entry) else None
            work.known = _known_file_ops(work, cache)
            work.cache = cache
            pending.append((work, entry or Entry(work.key)))
    total = sum(len(work.data) for work, _ in (*answered, *pending))
    done = sum(len(work.data) for work, _ in answered)
    if progress is not None:
        progress(done, total)
    linted_here = 0  # files of the directory being linted in this process, for a bar that moves per file

    def file_done() -> None:
        nonlocal linted_here
        linted_here += 1
        if progress is not None:  # only then is it called (on_file)
            progress(done + linted_here, total)

    on_file = file_done if progress is not None else None
    for index, outcome in _run([work for work, _ in pending], jobs, on_file):
        work, entry = pending[index]
        linted_here = 0
        outcome.merge_into(entry, work)
        if outcome.cacheable:
            cache.store(entry, work)
        for name, value in outcome.file_ops.items():
            cache.store_file(work.file_key(name), value)
        for key in outcome.accepted:
            cache.store_accepted(key)
        answered.append((work, entry))
        done += len(work.data)
        if progress is not None:
            progress(done, total)
    for work, entry in answered:
        found = []
        for name, in_file in entry.diagnostics.items():
            if work.is_reported(name, discovery):
                found.extend(in_file)
                if in_file and name in work.data:
                    sources.defer(in_file[0].path, partial(work.shown_source, name, entry.masks.get(name, [])))
        diagnostics.extend(_apply_baseline(work, found, discovery) if use_baseline else found)
    invocation_files = []
    for path, display, kind in _invocation_files(paths, config):
        file_config = config_for(path.parent) if config_for else config
        if file_config.invocations and (file := _read_invocation_file(path, display, kind, file_config)):
            invocation_files.append((file, file_config))
    if invocation_files:
        from safemig_lint.reading.invocations import share_compose_services

        share_compose_services([file for file, _ in invocation_files])
    for file, file_config in invocation_files:
        found, source = _lint_invocation_file(file, file_config)
        reported = discovery.is_reported(file.path)
        files_checked += reported
        if reported:
            diagnostics.extend(found)
            if source is not None:
                sources.add(file.display_path, source)
    diagnostics += _path_problems(discovery, config, config_for)
    diagnostics.sort(key=lambda d: d.sort_key)
    linted_elsewhere = [Path(os.path.abspath(file.path)) for file, _ in invocation_files]
    empty = discovery.empty_directories(paths, linted_elsewhere)
    return LintResult(diagnostics, files_checked, discovery.missing, sources, list(paths), empty_paths=empty)


def lint_buffers(files: list[Path], buffers: Mapping[Path, bytes], config_for: Callable[[Path], Config], cache: Cache) -> LintResult:
    """What `check FILES` reports on `files` (each one's whole folder is read as its context),
    with `buffers` (an editor's unsaved text, by path) read instead of what the disk holds: the
    language server's run. In this process (a keystroke's run is small; the server lives on)."""
    return lint([str(path) for path in files], config_for(files[0].parent), config_for, cache, jobs=1, buffers=buffers)


def replayed_history(file: Path, config: Config, cache: Cache, buffers: Mapping[Path, bytes]) -> tuple[MigrationDirectory, History] | None:
    """The schema history of `file`'s folder, replayed as a run that lints `file` replays it
    (the other files' ops from the content cache where it has them), with `buffers` read
    instead of the disk; None when `file` is no migration of a folder."""
    from safemig_lint.analysis.schema.history import History

    discovery = discover([str(file)], list(config.exclude))
    directory = next((d for d in discovery.directories if any(f.path == file for f in d.files())), None)
    if directory is None:
        return None
    work = _work(directory, config, discovery, None, buffers, cache.keeps)
    work.known = _known_file_ops(work, cache)
    return directory, History(directory, _ParsedFiles(work, config), config.dialect, _decoded_known(work), config.mysql_version)


def _path_problems(discovery: Discovery, config: Config, config_for) -> list[Diagnostic]:
    """Paths that cannot be linted (folders that cannot be listed, symlink loops, FIFOs): SM013."""
    if not discovery.problems:
        return []  # a cached run must not import the checks (and sqlglot with them)
    from safemig_lint.checks.base import FILE_SPAN
    from safemig_lint.checks.sm013_unreadable_path import UnreadablePath as Rule013

    found = []
    for problem in discovery.problems:
        settings = config_for(problem.path.parent) if config_for else config
        if settings.is_enabled(Rule013.code) and discovery.is_reported(problem.path):
            found.append(
                Diagnostic(
                    Rule013.code,
                    Rule013.name,
                    settings.severity_for(Rule013.code, Rule013.severity),
                    problem.display_path,
                    FILE_SPAN,
                    f"cannot lint {problem.display_path}: {problem.reason}",
                    "Fix the permissions or the link, or move the file out of the migrations folder (or `exclude` it).",
                )
            )
    return found


@dataclass(repr=False, eq=False)  # as LintResult
class DirectoryWork:
    """One directory to lint: what was read (bytes, or why not, by file name), with which
    settings, and which names are reported ("" is the directory itself)."""

    directory: MigrationDirectory
    config: Config
    data: dict[str, bytes | OSError]
    reported: frozenset[str]
    key: str = ""  # the content cache's key of the folder's state ("": none, where no cache keeps anything)
    base: BaseSnapshot | None = None  # the directory at --base, for the SM6xx checks
    # By file name, the cached ops (JSON) of files that are only history in this run.
    known: dict[str, dict] = field(default_factory=dict)
    # Where PostgreSQL's remembered verdicts are looked up, for the files a run that lints part of
    # the folder lints and their counterparts (a full run parses every file: one look-up each would
    # cost more than it saves).
    cache: Cache | None = None
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)  # decoded once, by text_of
    _displays: dict[str, str] = field(default_factory=dict, repr=False)  # by display_of, each asked of many times

    def is_reported(self, name: str, discovery: Discovery) -> bool:
        """Whether findings in file `name` are reported: a migration or misnamed file by the
        names worked out once, any other (a lock file, a file gone since --base) by asking."""
        if name in self.reported or name in self.data or any(path.name == name for path, _ in self.directory.misnamed):
            return name in self.reported
        return name != "" and discovery.is_reported(self.directory.path / name)

    def wanted(self) -> set[str]:
        """The migration files whose own rules must run."""
        return {name for name in self.data if name in self.reported}

    def lints_every_file(self) -> bool:
        return len(self.wanted()) == len(self.data)

    def history_only(self) -> set[str]:
        """The migration files that are only history in this run: not linted themselves, nor the
        counterpart of one that is. Empty when every file is linted (nothing to gain)."""
        if self.lints_every_file():
            return set()
        wanted = self.wanted()
        needed = set(wanted)
        for migration in self.directory.migrations:
            files = [*migration.ups, *migration.downs]
            if any(file.path.name in wanted for file in files):
                needed.update(file.path.name for file in files)
        return {name for name, value in self.data.items() if name not in needed and isinstance(value, bytes)}

    @property
    def cost(self) -> int:
        """What linting it will cost, roughly: the bytes of its files."""
        return sum(len(data) for data in self.data.values() if isinstance(data, bytes))

    def accepted_before(self) -> Callable[[str], bool] | None:
        """What PostgreSQL accepted before, as the cache remembers it (parse_bytes), when this run may use it."""
        return self.cache.accepted_before if self.cache is not None and not self.lints_every_file() else None

    def file_key(self, name: str) -> str:
        """The content cache's key of what reading file `name` gives, with these settings."""
        data = self.data[name]
        settings = f"{self.config.dialect}\0{self.config.max_file_bytes}\0{self.config.mysql_version}"
        return file_key(settings, data if isinstance(data, bytes) else b"")

    def display_of(self, name: str) -> str:
        """The display path of file `name` of this folder ("": the folder), as discovery spells it."""
        shown = self._displays.get(name)
        if shown is None:
            from safemig_lint.integrity.files import child_display

            shown = self._displays[name] = self.directory.display_path if name == "" else child_display(self.directory.display_path, name)
        return shown

    def text_of(self, name: str) -> str | None:
        """File `name`'s text as written (None: not a migration of this folder, or unreadable)."""
        if name not in self._texts:
            data = self.data.get(name)
            text = decode(data, self.config.max_file_bytes) if isinstance(data, bytes) else None
            self._texts[name] = text if isinstance(text, str) else None
        return self._texts[name]

    def shown_source(self, name: str, masks: list[tuple[int, int]]) -> LineIndex | None:
        """The file's lines as reporters may show them: with every secret masked."""
        text = self.text_of(name)
        return LineIndex(apply_masks(text, masks)) if text is not None else None

    def accepts(self, entry: Entry) -> bool:
        """Whether a cache entry is one linting these files could have produced: its files are
        this folder's. (Reading it, cache.py gave each diagnostic the path of the file it is
        stored under, --fix writes to it, and checked that each line, edit and mask fits its file.)
        The entry is signed (cache.py); this keeps a reader of a bad one safe too."""
        names = set(self.data) | {path.name for path, _ in self.directory.misnamed}
        return entry.covered <= names and set(entry.masks) <= set(self.data)

    def fits(self, name: str, line: int, end: int) -> bool:
        """Whether file `name` has line `line` and character offset `end`. The folder itself, a sum
        file or a file removed has no source shown and nothing to edit; an unreadable file is not shown."""
        if name not in self.data:
            return end == 0
        data = self.data[name]
        if end == 0 and isinstance(data, bytes):
            # No decoding to count lines: a text has the line breaks of its bytes (and a file that does
            # not decode shows nothing; its one finding is about a place in its bytes).
            return line <= data.count(b"\n") + 1
        text = self.text_of(name)
        return text is None or (line <= text.count("\n") + 1 and end <= len(text))


def _work(
    directory: MigrationDirectory,
    config: Config,
    discovery: Discovery,
    base: BaseSnapshot | None,
    buffers: Mapping[Path, bytes],
    keyed: bool = True,
) -> DirectoryWork:
    """`keyed`: work out the folder's cache key (a cache that keeps nothing has no use for it: it costs a one-file
    run ~1%, the tool's fingerprint and a hash of every file)."""
    data: dict[str, bytes | OSError] = {}
    folder = open_folder(directory.path)
    try:
        for file in directory.files():
            if buffers and file.path in buffers:
                data[file.path.name] = buffers[file.path]
                continue
            try:
                data[file.path.name] = read_limited(file.path if folder is None else file.path.name, config.max_file_bytes, folder)
            except OSError as error:
                data[file.path.name] = error
    finally:
        if folder is not None:
            os.close(folder)
    names = [*data, *(path.name for path, _ in directory.misnamed)]
    reported = discovery.reported_names(directory.path, names)
    if discovery.is_reported(directory.path):
        reported.add("")
    work = DirectoryWork(directory, config, data, frozenset(reported), base=base)
    if not keyed:
        return work
    state = (
        [(f"{d.display_path}", b"") for d in (directory,)]
        + [(f"file {name}", value if isinstance(value, bytes) else f"unreadable {value}".encode()) for name, value in data.items()]
        + [(f"misnamed {display}", b"") for _, display in directory.misnamed]
        + [(SUM_FILE, _read_or_empty(directory.path / SUM_FILE))]
    )
    if not reported >= {*names, ""}:
        # A folder's one finding of a cause (SM004, SM007, SM014, SM407) sits on the first file reported, so a
        # run reporting some files has findings of its own: it never reads those of a run that reported others.
        state.append(("reported", "\0".join(sorted(reported)).encode()))
    work.key = directory_key(config.cache_key, state)
    return work


def _known_file_ops(work: DirectoryWork, cache: Cache) -> dict[str, dict]:
    """The cached ops of the files that are only history in this run (those the cache has)."""
    known = {}
    for name in work.history_only():
        value = cache.load_file(work.file_key(name))
        if value is not None:
            known[name] = value
    return known


def _read_or_empty(path: Path) -> bytes:
    try:
        return read_regular(path, READ_BACK_LIMIT)
    except OSError:
        return b""


def _base_snapshots(discovery: Discovery, base: str | None) -> dict[Path, BaseSnapshot]:
    """With --base: each directory as it was at that commit; its unchanged files become context."""
    if base is None:
        return {}
    from safemig_lint.integrity.git import snapshots as base_snapshots
    from safemig_lint.integrity.review import IntegrityReview

    snapshots = base_snapshots(discovery.directories, base)
    for directory in discovery.directories:
        discovery.unchanged |= IntegrityReview(directory, snapshots.get(directory.path)).unchanged_since_base
    return snapshots


def _apply_baseline(work: DirectoryWork, found: list[Diagnostic], discovery: Discovery) -> list[Diagnostic]:
    """`found` less the findings the directory's baseline lists, plus its stale entries (SM606)."""
    if not os.path.lexists(work.directory.path / BASELINE_FILE):
        return found  # no baseline (its reader is not even imported)
    from safemig_lint.integrity import baseline

    directory, config = work.directory, work.config
    entries = baseline.read(directory)
    if entries is None:
        return found
    names = {f.path.name for f in directory.files()} | {path.name for path, _ in directory.misnamed}

    def still_checked(entry: baseline.Entry) -> bool:
        path = directory.path / entry.file
        present = entry.file in names and discovery.is_reported(path)
        return config.is_enabled(entry.code) and (present or not path.exists())

    waived, stale = baseline.apply(entries, found, still_checked)
    kept = [d for d in found if id(d) not in waived]
    if stale:
        from safemig_lint.checks.sm606_stale_baseline_entry import StaleBaselineEntry as Rule606

        path, display = baseline.entry_path(directory)
        if config.is_enabled(Rule606.code) and discovery.is_reported(path):
            for entry in stale:
                finding = Rule606.finding(entry)
                kept.append(
                    Diagnostic(
                        Rule606.code,
                        Rule606.name,
                        config.severity_for(Rule606.code, Rule606.severity),
                        display,
                        finding.span,
                        finding.message,
                        finding.help,
                        finding.snippet,
                    )
                )
    return kept


@dataclass(repr=False, eq=False)  # as LintResult
class DirectoryOutcome:
    """What `lint_directory` found: diagnostics by file name (every name it ran the rules of, and
    the directory-level names), and how the shown source of each file is masked."""

    covered: set[str]
    diagnostics: dict[str, list[Diagnostic]]
    masks: dict[str, list[tuple[int, int]]]
    cacheable: bool = True  # False when a diagnostic's text holds a secret: never written to disk
    # By file name, the ops (JSON) of files this run parsed for the history, for the cache.
    file_ops: dict[str, dict] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)  # keys of files PostgreSQL accepted whole, for the cache

    def merge_into(self, entry: Entry, work: DirectoryWork) -> None:
        for name in set(entry.diagnostics) - entry.covered:  # directory-level names: recomputed whole
            del entry.diagnostics[name]
        entry.covered |= self.covered
        entry.diagnostics.update(self.diagnostics)
        entry.masks.update(self.masks)


def _run(works: list[DirectoryWork], jobs: int | None, on_file: Callable[[], None] | None = None) -> Iterator[tuple[int, DirectoryOutcome]]:
    """Each work's index and outcome, as it is ready (for progress): first those of the folders that
    dominate the run, each linted in shares over every process (shares.py), then the others in order,
    with helper processes when there is enough to do. `on_file()` is told of each file linted here."""
    processes = jobs or os.cpu_count() or 1
    split: list[int] = []
    if processes >= 2 and works:  # (a run answered from the cache imports nothing more)
        from safemig_lint.shares import cost, lint_in_shares, worth_splitting

        total = sum(cost(work) for work in works)
        split = [index for index, work in enumerate(works) if worth_splitting(work, total, processes)]
        if split:
            _import_before_forking(works)
        for index in split:
            last = index == split[-1] and len(split) == len(works)  # no folder follows it here
            yield index, lint_in_shares(works[index], processes, on_file, last)
    rest = [index for index in range(len(works)) if index not in split]
    yield from zip(rest, _run_whole([works[index] for index in rest], jobs, on_file))


def _import_before_forking(works: list[DirectoryWork]) -> None:
    """sqlglot, its dialects, their rules and what linting any folder imports on its way (every file
    is read through masking.py and searched for suppressions; PostgreSQL's grammar judges each
    statement of a postgres folder; each folder has its history, its files' facts and its integrity
    review) imported once, here: forked helpers start with them. So are the few modules rules import
    only when a file needs them (a run this large needs them): each helper would import them again. So are the
    patterns compiled on first use (patterns.py)."""
    from importlib import import_module

    from sqlglot.dialects.dialect import Dialect

    from safemig_lint.checks import rules_for
    from safemig_lint.patterns import compile_all
    from safemig_lint.reading.grammar import POSTGRES_DIALECTS

    dialects = {work.config.dialect for work in works}
    for dialect in dialects:
        Dialect.get_or_raise(dialect)
        rules_for(dialect)
    on_the_way = [
        "safemig_lint.analysis.masking",
        "safemig_lint.reading.suppressions",
        "safemig_lint.analysis.schema.history",
        "safemig_lint.analysis.file_facts",
        "safemig_lint.integrity.review",
        "safemig_lint.analysis.dataflow",  # SM401's, for a file with dynamic SQL
        "safemig_lint.checks.backfills",  # FileContext.row_changes
        "sqlglot.optimizer.annotate_types",  # sqlglot's parser, for to_char() and trunc()
        "safemig_lint.streaming",  # each folder's run makes a Streaming
    ]
    for module in on_the_way + (["pglast.parser"] if dialects & POSTGRES_DIALECTS else []):
        import_module(module)
    compile_all()  # the patterns, which helpers would each compile again


def _run_whole(works: list[DirectoryWork], jobs: int | None, on_file: Callable[[], None] | None = None) -> Iterator[DirectoryOutcome]:
    """Each work's outcome, in order, each folder linted whole by one process: when there is enough to
    do, by this process and `jobs - 1` helper processes at once, each taking the costliest work left
    (so that a big folder does not start last). This process lints too, rather than wait on a worker
    in its place: each costs ~50 ms of start-up, and its outcomes pickled. `on_file()` is told of
    each file linted when no helper does (else the outcomes are told as they come)."""
    workers = min(jobs or os.cpu_count() or 1, len(works))
    helped = workers >= 2 and sum(len(work.wanted()) for work in works) >= PARALLEL_MIN_FILES and may_start_processes()
    shared = _shared_state() if helped else None
    if shared is None:
        for index, work in enumerate(works):
            yield lint_directory(work, on_file, index == len(works) - 1)  # last: see cycles.frees_trees
        return
    import multiprocessing

    taken, sent = shared
    _import_before_forking(works)
    order = sorted(range(len(works)), key=lambda index: -works[index].cost)
    first = _take(order, taken)  # this process starts on the costliest
    context = multiprocessing.get_context()
    helpers = [context.Process(target=_lint_alongside, args=(works, order, taken, sent), daemon=True) for _ in range(workers - 1)]
    try:
        for helper in helpers:
            helper.start()
    except OSError:  # no processes to be had here (a sandbox): this process lints every work
        pass
    ready: dict[int, DirectoryOutcome] = {}
    done = 0
    try:
        mine = first
        while mine is not None:
            ready[mine] = lint_directory(works[mine])
            _received(sent, ready)
            while done < len(works) and done in ready:
                yield ready.pop(done)
                done += 1
            mine = _take(order, taken)
        while done < len(works):  # the helpers' last outcomes
            while done not in ready:
                if not _wait_for_one(sent, ready, helpers):
                    # Every helper ended, and a work one took never came: it was killed (out of memory ...).
                    ready[done] = lint_directory(works[done], on_file)
            yield ready.pop(done)
            done += 1
    finally:
        for helper in helpers:
            if helper.pid is not None:
                helper.join(_HELPER_EXIT_WAIT if done == len(works) else 0)  # done: each one exits by itself
                if helper.is_alive():
                    helper.terminate()
                    helper.join()


# How long a helper process is given to exit once every outcome is in, before it is ended.
_HELPER_EXIT_WAIT = 5.0


def _shared_state() -> tuple[Synchronized[int], multiprocessing.Queue[tuple[int, DirectoryOutcome]]] | None:
    """What this process and its helpers share: how many works they took, and the queue the helpers send
    their outcomes by; None where these cannot be had (a sandbox without shared memory or semaphores)."""
    import multiprocessing

    context = multiprocessing.get_context()
    try:
        return context.Value("q", 0), context.Queue()
    except OSError:
        return None


def _take(order: list[int], taken: Synchronized[int]) -> int | None:
    """The next work of `order` nobody took yet, now taken (by this process or a helper); None when none is left."""
    with taken.get_lock():
        if taken.value == len(order):
            return None
        taken.value += 1
        return order[taken.value - 1]


def _lint_alongside(works: list[DirectoryWork], order: list[int], taken: Synchronized[int], sent: multiprocessing.Queue) -> None:
    """A helper process: lints the costliest work left until none is, and sends each outcome back. Forked
    (Linux's way), it has the works as they are in memory, with nothing pickled; its queue pickles each
    outcome in a thread of its own, so it never waits on the busy process that reads them."""
    cycles.own_process()
    try:
        while (index := _take(order, taken)) is not None:
            sent.put((index, lint_directory(works[index])))
    except KeyboardInterrupt:
        pass  # Ctrl-C: the main process reports what there is to report


def _received(sent: multiprocessing.Queue, ready: dict[int, DirectoryOutcome]) -> None:
    """Add to `ready` the outcomes the helpers have sent so far."""
    import queue

    try:
        while True:
            index, outcome = sent.get_nowait()
            ready[index] = outcome
    except queue.Empty:
        pass


def _wait_for_one(sent: multiprocessing.Queue, ready: dict[int, DirectoryOutcome], helpers: Sequence[BaseProcess]) -> bool:
    """Wait for the helpers' next outcome and add it to `ready`; False when none can come any more
    (every helper ended, and nothing they sent is left to read)."""
    import queue

    while True:
        try:
            index, outcome = sent.get(timeout=0.5)
        except queue.Empty:
            if any(helper.is_alive() for helper in helpers):
                continue
            try:
                index, outcome = sent.get_nowait()  # sent just before its helper ended
            except queue.Empty:
                return False
        ready[index] = outcome
        return True


def may_start_processes() -> bool:
    """Whether this process may start worker processes: a daemonic one (a pool's worker, such as
    sqlfluff's, which runs our plugin) may not. Asked only where processes would start: importing
    multiprocessing costs a small run ~20 ms."""
    import multiprocessing

    return not multiprocessing.current_process().daemon


def enabled_rules(config: Config) -> list[Rule]:
    """An instance of each rule these settings enable that may find something in a folder of their dialect
    (checks.rules_for): new ones for each folder, as some keep what they worked out of the file they are on."""
    from safemig_lint.checks import rules_for

    return [rule() for rule in _enabled_rule_types(rules_for(config.dialect), config.select, config.ignore)]


@cache
def _enabled_rule_types(rules: tuple[type[Rule], ...], select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[type[Rule], ...]:
    """Which of `rules` `select` and `ignore` enable (Config.is_enabled), chosen once per run and not
    per folder: a history of one folder per release has hundreds, and each asked it of ~90 rules."""
    enabled = _enabled_codes(select, ignore)
    return tuple(rule for rule in rules if rule.code in enabled)


@cache
def _enabled_codes(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """The codes of every rule `select` and `ignore` enable, those of other dialects' rules included (a
    suppression of one is as unused as any other), read without importing the rules (checks.rule_codes)."""
    from safemig_lint.checks import rule_codes

    settings = Config(select=select, ignore=ignore)
    return frozenset(code for code in rule_codes() if settings.is_enabled(code))


def lint_directory(work: DirectoryWork, on_file: Callable[[], None] | None = None, last: bool = False) -> DirectoryOutcome:
    """`last`: no other directory is linted after it in this process (cycles.frees_trees)."""
    config = work.config
    rules = enabled_rules(config)
    files, wanted_names = work.directory.files(), work.wanted()  # work.data holds the files, by name
    wanted = {file.path for file in files if file.path.name in wanted_names}
    collector = _Collector(config, work.directory.path, {file.path for file in files}, wanted)
    with cycles.directory():
        file_ops = _lint_directory(work, rules, config, collector, on_file, cycles.frees_trees(last))
    return DirectoryOutcome(work.wanted(), collector.diagnostics, collector.masks, not collector.holds_secret, file_ops, collector.accepted)


class _Collector:
    """Turns findings into diagnostics: severity, suppression, and the report's focus.

    Keeps the findings in the files asked for, and those about the directory or files that
    are not migrations (the driver decides whether those are reported)."""

    def __init__(self, config: Config, directory: Path, migration_files: set[Path], wanted: set[Path]) -> None:
        self.config = config
        self.directory = directory
        self.migration_files = migration_files
        self.wanted = wanted
        self.diagnostics: dict[str, list[Diagnostic]] = {}  # by file name within the directory
        self.masks: dict[str, list[tuple[int, int]]] = {}
        self.holds_secret = False
        self.placeholders: dict[Path, dict[str, str]] = {}  # the current directory's templates: stand-in -> text
        self.parsed: Mapping[Path, ParsedFile] = {}  # the current directory's files, to vet fixes against
        self.accepted: list[str] = []  # keys of the files PostgreSQL accepted whole, for the cache

    def add(self, rule: type[Rule], path: Path, display: str, finding: Finding, suppressions: SuppressionIndex | None) -> None:
        if path in self.migration_files and path not in self.wanted:
            return
        suppression = None
        found = suppressions.find(rule.code, finding.span.line) if suppressions is not None else None
        if found is not None:
            inline, matched = found
            inline.used_codes.add(matched)
            suppression = Suppression(inline.line, inline.reason)
        severity = self.config.severity_for(rule.code, rule.severity)
        if finding.severity is not None and finding.severity.rank < severity.rank:
            severity = finding.severity
        if finding.fix and path in self.parsed and _reads_a_stand_in(self.parsed[path], finding.fix):
            # The edits were built from the masked text: applied, they would write the stand-in into the file.
            note = "(No automatic fix: the statement holds a template placeholder or a masked value.)"
            finding = replace(finding, fix=(), help=f"{finding.help} {note}".strip())
        from safemig_lint.reading.statements import unmask

        # Names in messages and advice come from the masked SQL; show the template placeholders as written.
        message = unmask(finding.message, self.placeholders.get(path, {}))
        help = unmask(finding.help, self.placeholders.get(path, {}))
        self.diagnostics.setdefault("" if path == self.directory else path.name, []).append(
            Diagnostic(
                rule.code,
                rule.name,
                severity,
                display,
                finding.span,
                message,
                help,
                finding.snippet,
                suppression,
                finding.fix,
                finding.related,
            )
        )


def _reads_a_stand_in(parsed: ParsedFile, edits: tuple) -> bool:
    """Whether an edit lands in a statement whose text the checks read masked: a template placeholder
    (read as a stand-in) or a secret (read as `****`)."""
    regions = [(p.start, p.end) for p in parsed.placeholders] + [(s.start, s.end) for s in parsed.secrets]
    if not regions:
        return False
    statements = [s for s in parsed.statements if any(s.start <= e.start <= s.end for e in edits)]
    return not statements or any(a < s.end and s.start < b for s in statements for a, b in regions)


def _lint_directory(
    work: DirectoryWork,
    rules: list[Rule],
    config: Config,
    collector: _Collector,
    on_file: Callable[[], None] | None = None,
    release: bool = True,
) -> dict[str, dict]:
    """Run the rules; return the ops (JSON) of the files parsed only for the history, for the cache."""
    from safemig_lint.analysis.file_facts import FolderFacts
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.streaming import Streaming

    parsed = _ParsedFiles(work, config)
    history = History(work.directory, parsed, config.dialect, _decoded_known(work), config.mysql_version)  # replayed only if a rule asks
    parsed.streaming = Streaming(history.reading, rules)
    folder = FolderFacts(work.directory, _FactsOfParsed(parsed, history.reading, config.dialect), config.dialect)
    suppressions = _lint_files(work, rules, parsed, history, folder, collector, on_file)
    _finish_directory(work, rules, folder, suppressions, _masked_runs(work, parsed, collector.wanted), collector)
    file_ops = _ops_for_cache(work, history, parsed)
    if work.accepted_before() is not None:  # remembered where they are looked up: a run that lints part of the folder
        collector.accepted = [key for parsed_file in parsed.values() if (key := parsed_file.accepted_key) is not None]
    if release:
        for parsed_file in parsed.values():
            parsed_file.release_trees()
    else:
        cycles.leave_to_exit(parsed, history, folder)
    return file_ops


def _lint_files(
    work: DirectoryWork,
    rules: list[Rule],
    parsed: _ParsedFiles,
    history: History,
    folder: FolderFacts,
    collector: _Collector,
    on_file: Callable[[], None] | None = None,
) -> dict[Path, list[InlineSuppression]]:
    """Run the per-file rules on the files `collector` wants; return their inline suppressions, by
    path, each marked with the codes it silenced (the directory's rules may silence more)."""
    from safemig_lint.checks.base import FileContext
    from safemig_lint.checks.sm000_internal_error import InternalError
    from safemig_lint.reading.statements import stand_ins
    from safemig_lint.reading.suppressions import SuppressionIndex, find_suppressions

    config = work.config
    suppressions = {path: find_suppressions(parsed[path]) for path in sorted(collector.wanted)}
    collector.placeholders = {path: stand_ins(parsed[path].placeholders) for path in suppressions if parsed[path].placeholders}
    collector.parsed = parsed
    # Which hooks each rule has, and which statements its check_statement reads, asked once: most
    # rules have one of the two hooks, a third of them neither (they read the folder, or run it), and
    # some only read another dialect's files.
    hooks = []
    for rule in rules:
        kind = type(rule)
        file_hook, statement_hook = kind.overrides("check_file"), kind.overrides("check_statement")
        if (file_hook or statement_hook) and (kind.dialects is None or config.dialect in kind.dialects):
            hooks.append(_Hook(rule, file_hook, statement_hook, _reads(kind) if statement_hook else None, kind.reads_words))
    dispatch = _Dispatch(hooks)
    for migration in work.directory.migrations:
        for file in (*migration.ups, *migration.downs):
            if file.path not in collector.wanted:
                continue
            counterpart_file = migration.counterpart(file)
            context = FileContext(
                file,
                parsed[file.path],
                migration,
                parsed.get(counterpart_file.path) if counterpart_file else None,
                config.dialect,
                history,
                config=config,
                folder=folder,
            )
            file_suppressions = SuppressionIndex(suppressions[file.path])
            may_hold = _words_test(context)
            try:
                runs = dispatch.file(context)
            except Exception as error:  # no statement chosen: each rule that reads some is told so, the others run
                choosing, runs = dispatch.unchosen()
                for hook in choosing:
                    if hook.words is None or may_hold(hook.rule, hook.words):
                        collector.add(InternalError, file.path, file.display_path, _internal_error(hook.rule, error), None)
            for (rule, file_hook, _, _, words), statements in runs:
                if words is not None and not may_hold(rule, words):
                    continue
                try:
                    findings = list(rule.check_file(context)) if file_hook else []
                    for statement in statements if statements is not None else context.parsed.statements:
                        findings.extend(rule.check_statement(statement, context))
                except Exception as error:  # one broken check must not stop the run
                    collector.add(InternalError, file.path, file.display_path, _internal_error(rule, error), None)
                    continue
                for finding in findings:
                    collector.add(type(rule), file.path, file.display_path, finding, file_suppressions)
            context.release()
            if on_file is not None:
                on_file()
    return suppressions


def _words_test(context: FileContext) -> Callable[[Rule, re.Pattern[str]], bool]:
    """Whether a file may hold a rule's words: a streamed file's reader told already (ParsedFile.words_held);
    any other file's lowered text is searched (bodies.file_may_hold_words)."""
    from safemig_lint.analysis.bodies import file_may_hold_words

    held = context.parsed.words_held
    if held is not None:
        return lambda rule, words: rule.code in held
    return lambda rule, words: file_may_hold_words(words, context.lowered)


def _masked_runs(work: DirectoryWork, parsed: _ParsedFiles, paths: Iterable[Path]) -> dict[str, list[tuple[int, int]]]:
    """How the shown source of each of these files that held a secret is masked (cache.masks_of), by
    name: any other file is shown as written."""
    found = {}
    for path in paths:
        if parsed[path].secrets:
            text = work.text_of(path.name)
            found[path.name] = masks_of(text, parsed[path].text) if text is not None else []
    return found


def _finish_directory(
    work: DirectoryWork,
    rules: list[Rule],
    folder: FolderFacts,
    suppressions: dict[Path, list[InlineSuppression]],
    masked: dict[str, list[tuple[int, int]]],
    collector: _Collector,
) -> None:
    """Once the per-file rules ran on every file wanted: the directory's rules (from the files' facts),
    the suppressions that silenced nothing, the edit of applied files alone, how each file with
    findings is shown (`masked`: see _masked_runs) and whether a finding quotes a secret."""
    from safemig_lint.checks.base import DirectoryContext
    from safemig_lint.checks.sm000_internal_error import InternalError
    from safemig_lint.integrity.review import IntegrityReview
    from safemig_lint.reading.suppressions import SuppressionIndex

    directory, config = work.directory, work.config
    indexes = {path: SuppressionIndex(found) for path, found in suppressions.items()}
    directory_context = DirectoryContext(
        directory, folder, config.dialect, IntegrityReview(directory, work.base), frozenset(collector.wanted)
    )
    for rule in rules:
        if not type(rule).overrides("check_directory"):
            continue
        try:
            located: list[FileFinding] = list(rule.check_directory(directory_context))
        except Exception as error:
            collector.add(InternalError, directory.path, directory.display_path, _internal_error(rule, error), None)
            continue
        for item in located:
            collector.add(type(rule), item.path, item.display_path, item.finding, indexes.get(item.path))

    enabled = _enabled_codes(config.select, config.ignore)
    for file in directory.files():
        if file.path in collector.wanted:
            _report_suppression_problems(file.path, file.display_path, suppressions[file.path], enabled, collector)
    _only_the_edit_of_applied_files(collector)
    secret_words: set[str] = set()
    for file in directory.files():
        if file.path in collector.wanted and file.path.name in collector.diagnostics:  # only a file with findings shows its source
            text = work.text_of(file.path.name)  # decoded once: the report shows it (shown_source)
            if text is None:
                continue
            masks = collector.masks[file.path.name] = masked.get(file.path.name, [])
            secret_words.update(w for start, end in masks for w in text[start:end].split() if len(w) >= 4)
    # Every text of a finding comes from the masked file; never cache one that still held a secret
    # (words compared as a set: one pass over the findings, not one per secret).
    collector.holds_secret = quotes_a_secret(collector.diagnostics, secret_words)


# What a rule's check_statement declares it reads: (Rule.reads_ops, reads_tokens, reads_effects).
_Reads = tuple[tuple[type, ...] | None, frozenset | None, tuple[type, ...] | None]
# What a statement holds of what rules read: the kinds of its ops, its token types and the kinds of
# its effects (each None when no rule reads it).
_Shape = tuple[frozenset | None, frozenset | None, frozenset | None]
# What a statement holds, as it comes: its ops' kinds and its effects' kinds in order, and all its token types.
_Held = tuple[tuple[type, ...], frozenset, tuple[type, ...]]


def _reads(rule: type[Rule]) -> _Reads | None:
    """None: it declares nothing, and reads every statement."""
    reads = (rule.reads_ops, rule.reads_tokens, rule.reads_effects)
    return None if reads == (None, None, None) else reads


class _Hook(NamedTuple):
    """A rule run on a folder's files: which of its hooks it has, and what its check_statement reads."""

    rule: Rule
    file_hook: bool
    statement_hook: bool
    reads: _Reads | None  # None: every statement (or no check_statement)
    words: re.Pattern[str] | None  # Rule.reads_words


_START = attrgetter("start")  # a statement's place in its file

# _Dispatch.readers, by the declarations of a run's rules (one entry, unless a run's folders enable different rules).
_READERS_OF_SHAPE: dict[tuple[_Reads, ...], dict[_Shape, tuple[_Reads, ...]]] = {}
_READERS_OF_HELD: dict[tuple[_Reads, ...], dict[_Held, tuple[_Reads, ...]]] = {}


class _Dispatch:
    """Which hooks run on a file, and which statements each rule's check_statement is called on: those
    holding an op, a token or an effect it reads (_reads), or every one when it declares none. Decided
    once per shape of statement in a folder, not per rule and file: statements share a few shapes, and
    a history of thousands of one-statement files would otherwise pay for each rule's choice in each.
    A rule with only a check_statement that declares what it reads is not looked at on a file holding
    none of it (most such rules on most files: a loop over every rule for every file cost ~1% of a run)."""

    def __init__(self, hooks: list[_Hook]) -> None:
        self.hooks = hooks
        self.declared = list(dict.fromkeys(hook.reads for hook in hooks if hook.reads is not None))
        self.reads_ops = any(ops for ops, _, _ in self.declared)
        # The token types some rule reads: a statement's shape holds only those (fewer shapes to decide).
        self.token_types: frozenset[TokenType] = frozenset().union(*(tokens for _, tokens, _ in self.declared if tokens))
        self.reads_effects = any(effects for _, _, effects in self.declared)
        # The declarations that read a shape: a function of the two alone, so decided once per run for the
        # rules' declarations, not once per folder (the PG corpus's 65 folders decided its 146 shapes ~8 times over).
        self.readers = _READERS_OF_SHAPE.setdefault(tuple(self.declared), {})
        self.held_readers = _READERS_OF_HELD.setdefault(tuple(self.declared), {})  # the same, by what statements hold
        # The hooks run on every file (by their place in the rules' order), and, by declaration, those
        # (only a check_statement) run on a file holding a statement it reads.
        self.every_file = [place for place, hook in enumerate(hooks) if hook.file_hook or hook.reads is None]
        self.by_reads: dict[_Reads, list[int]] = {reads: [] for reads in self.declared}
        for place, hook in enumerate(hooks):
            if hook.reads is not None and not hook.file_hook:
                self.by_reads[hook.reads].append(place)

    def file(self, context: FileContext) -> list[tuple[_Hook, Sequence[Statement] | None]]:
        """The hooks to run on this file, in the rules' order, each with the statements its check_statement
        is called on (None: every one)."""
        chosen = self._choose(context) if self.declared else {}
        places = self.every_file + [place for reads in chosen for place in self.by_reads[reads]]
        places.sort()
        return [(hook, _statements_of(hook, chosen)) for hook in map(self.hooks.__getitem__, places)]

    def unchosen(self) -> tuple[list[_Hook], list[tuple[_Hook, Sequence[Statement] | None]]]:
        """Where a file's statements could not be chosen (a defect): the hooks that declare what they read, each
        to be told so, and the others, to run."""
        return (
            [hook for hook in self.hooks if hook.reads is not None],
            [(hook, _statements_of(hook, {})) for hook in self.hooks if hook.reads is None],
        )

    def _choose(self, context: FileContext) -> dict[_Reads, list[Statement]]:
        """The statements each declaration reads, for those that read any."""
        history = context.history if self.reads_effects else None
        effects = history.effects(context.file) if history is not None else {}
        operations = context.operations_by_start if self.reads_ops else None
        # The file's statements grouped by what they hold, as it comes: one look-up and one append each (a statement
        # handed to each declaration reading it cost ~2.5 appends). The declarations reading a group are then looked
        # up once, and its statements handed to each of them.
        groups: dict[_Held, list[Statement]] = {}
        none: tuple = ()
        for statement in context.parsed.statements:
            start = statement.start
            held = (
                tuple(map(type, operations[start])) if operations is not None else none,
                statement.token_types,  # interned by the parser: its hash is worked out once
                tuple(map(type, effects.get(start, none))),
            )
            group = groups.get(held)
            if group is None:
                groups[held] = [statement]
            else:
                group.append(statement)
        read: defaultdict[_Reads, list[list[Statement]]] = defaultdict(list)
        known = self.held_readers
        for held, group in groups.items():
            readers = known.get(held)
            if readers is None:
                readers = known[held] = self._readers(held)
            for reads in readers:
                read[reads].append(group)
        # A declaration reading several groups gets their statements in the file's order.
        return {reads: found[0] if len(found) == 1 else sorted(chain.from_iterable(found), key=_START) for reads, found in read.items()}

    def _readers(self, held: _Held) -> tuple[_Reads, ...]:
        """The declarations that read statements holding `held`, decided once per run for its shape."""
        op_kinds, token_types, effect_kinds = held
        shape = (
            frozenset(op_kinds) if self.reads_ops else None,
            self.token_types.intersection(token_types) if self.token_types else None,
            frozenset(effect_kinds) if self.reads_effects else None,
        )
        readers = self.readers.get(shape)
        if readers is None:
            readers = self.readers[shape] = tuple(reads for reads in self.declared if _reads_shape(reads, shape))
        return readers


def _statements_of(hook: _Hook, chosen: dict[_Reads, list[Statement]]) -> Sequence[Statement] | None:
    """The statements a hook's check_statement is called on: every one (None), those chosen for its declaration, or none."""
    if not hook.statement_hook:
        return ()
    return None if hook.reads is None else chosen.get(hook.reads, ())


def _reads_shape(reads: _Reads, shape: _Shape) -> bool:
    ops, tokens, effects = reads
    op_kinds, token_types, effect_kinds = shape
    if ops and op_kinds and any(issubclass(kind, ops) for kind in op_kinds):
        return True
    if tokens and token_types and not tokens.isdisjoint(token_types):
        return True
    return bool(effects and effect_kinds and any(issubclass(kind, effects) for kind in effect_kinds))


def quotes_a_secret(diagnostics: dict[str, list[Diagnostic]], secret_words: set[str]) -> bool:
    """Whether a finding's text holds one of `secret_words` (words compared as a set: one pass
    over the findings, not one per secret; no set at all when there is no secret)."""
    if not secret_words:
        return False
    # Each distinct text split once: the findings of one statement share its (long) snippet.
    texts = {text for found in diagnostics.values() for d in found for text in (d.snippet, d.message, d.help)}
    if len(secret_words) <= _SEARCHED_WORDS:
        # A word in no text is among no text's words: a search per word (str.find runs at memory
        # speed) costs far less than splitting every text, and answers for most directories.
        joined = "\n".join(texts)
        if not any(word in joined for word in secret_words):
            return False
    return any(not secret_words.isdisjoint(text.split()) for text in texts)


# Up to this many secret words, the findings' texts are searched for each before any is split.
_SEARCHED_WORDS = 16


def _only_the_edit_of_applied_files(collector: _Collector) -> None:
    """An applied migration that was edited (SM601) is reported for the edit alone: its other findings
    would say to edit it further, and the fix is to undo the edit and write a new migration."""
    for name, found in collector.diagnostics.items():
        if any(d.code == EDITED_APPLIED and d.suppression is None for d in found):
            collector.diagnostics[name] = [d for d in found if d.code.startswith("SM6") or d.code == INTERNAL_ERROR]


def _decoded_known(work: DirectoryWork) -> dict[Path, FileOps]:
    """The cached ops of `work.known`, by path; a corrupt entry is left out (the file is parsed instead)."""
    from safemig_lint.operations import file_ops

    known = {}
    paths = {file.path.name: file.path for file in work.directory.files()}  # made once, by discovery
    for name, value in work.known.items():
        try:
            known[paths[name]] = file_ops.from_json(value)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
            pass
    return known


class _ParsedFiles(dict):
    """A directory's files, each parsed on first use: a run that lints only some of them parses
    those, their counterparts, and the history files the cache has no ops of."""

    def __init__(self, work: DirectoryWork, config: Config) -> None:
        super().__init__()
        self.work, self.config = work, config
        self.accepted_before = work.accepted_before()
        self.history_only = work.history_only() if self.accepted_before is not None else set()
        self.streaming: Streaming | None = None  # set by a run of rules: large files are then read as parsed

    def __missing__(self, path: Path) -> ParsedFile:
        # PostgreSQL's remembered verdicts for the files linted (those a developer edits) and their
        # counterparts, not for their history.
        accepted_before = self.accepted_before if path.name not in self.history_only else None
        parsed = self[path] = parse_bytes(self.work.data[path.name], self.config, accepted_before, self.streaming)
        return parsed

    def get(self, path: Path, default=None):
        return self[path] if path in self.paths else default

    @cached_property
    def paths(self) -> frozenset[Path]:
        """The folder's files, each read into work.data (a set: making a path's parent to compare
        costs ten times a look-up)."""
        return frozenset(file.path for file in self.work.directory.files())


class _FactsOfParsed(dict):
    """The facts of a folder's files (analysis/file_facts.py), each worked out from its parsed file when first asked for."""

    def __init__(self, parsed: _ParsedFiles, reading: Reading, dialect: str) -> None:
        super().__init__()
        self.parsed, self.reading, self.dialect = parsed, reading, dialect

    def get(self, path: Path, default=None):
        if path not in self:
            from safemig_lint.analysis.file_facts import file_facts

            parsed = self.parsed.get(path)
            if parsed is None:
                return default
            self[path] = file_facts(parsed, self.reading, self.dialect)
        return self[path]


def _ops_for_cache(work: DirectoryWork, history, parsed: _ParsedFiles) -> dict[str, dict]:
    """For a later run that lints other files of this folder: the ops the history read from the
    files parsed in this run. Only when the run lints part of the folder (a full run parses every
    file anyway), and never of a file that held a secret, masked or not."""
    if work.lints_every_file():
        return {}
    from safemig_lint.operations.file_ops import to_json

    return {path.name: to_json(read) for path, read in history.built.items() if not parsed[path].secrets}


def _invocation_files(paths: list[str], config: Config) -> list[tuple[Path, str, str]]:
    """The Makefiles, CI files, compose files ... under the linted paths (or named), that may run golang-migrate."""

    def excluded(display: str) -> bool:
        return is_excluded(display, list(config.exclude))

    found: dict[Path, tuple[Path, str, str]] = {}
    for raw in paths:
        given = Path(raw)
        if given.is_dir():
            for item in find_invocation_files(given, raw.rstrip("/") or raw, excluded):
                found.setdefault(item[0].resolve(), item)
        elif given.is_file() and (kind := invocation_kind(given)) is not None:
            found.setdefault(given.resolve(), (given, raw, kind))
    return sorted(found.values(), key=lambda item: item[1])


def _read_invocation_file(path: Path, display: str, kind: str, config: Config) -> InvocationFile | None:
    # Not a migration: a file we cannot read is not ours to report (read_source never waits on a FIFO).
    from safemig_lint.reading.invocations import read_invocations

    text = read_source(path, config.max_file_bytes)
    return None if isinstance(text, Unreadable) else read_invocations(path, display, kind, text)


def _lint_invocation_file(file: InvocationFile, config: Config) -> tuple[list[Diagnostic], LineIndex | None]:
    """The file's diagnostics, and its masked lines when a report may show them."""
    from safemig_lint.checks import all_rules
    from safemig_lint.checks.sm000_internal_error import InternalError
    from safemig_lint.reading.suppressions import SuppressionIndex, find_line_suppressions

    path, display = file.path, file.display_path
    collector = _Collector(config, path.parent, set(), set())
    enabled = {rule.code: rule for rule in _enabled_rule_types(all_rules(), config.select, config.ignore)}
    rules = [rule() for rule in enabled.values() if rule.overrides("check_invocation")]
    suppressions = find_line_suppressions(file.text, file.lines)
    findings = []
    for rule in rules:
        try:
            findings += [(type(rule), finding) for finding in rule.check_invocation(file)]
        except Exception as error:
            collector.add(InternalError, path, display, _internal_error(rule, error), None)
    index = SuppressionIndex(suppressions)
    for rule_type, finding in findings:
        collector.add(rule_type, path, display, finding, index)
    _report_suppression_problems(path, display, suppressions, enabled, collector)
    from safemig_lint.analysis.masking import mask_plain_text

    source = LineIndex(mask_plain_text(file.masked_text)) if findings or suppressions else None
    return [d for found in collector.diagnostics.values() for d in found], source


def _internal_error(rule: Rule, error: Exception) -> Finding:
    from safemig_lint.checks.base import FILE_SPAN

    where = traceback.extract_tb(error.__traceback__)[-1]
    return Finding(
        FILE_SPAN,
        f"internal error in {type(rule).code} ({type(rule).name}): {type(error).__name__}: {error} "
        f"[{Path(where.filename).name}:{where.lineno}]; this file was not fully checked by that rule",
        "Please report this with the migration that triggers it.",
    )


def _report_suppression_problems(
    path: Path, display: str, suppressions: list[InlineSuppression], enabled: Collection[str], collector: _Collector
) -> None:
    """`enabled`: the codes of the rules enabled."""
    if not suppressions:  # most files: the rules' codes are not read for them
        return
    from safemig_lint.checks import rule_codes
    from safemig_lint.checks.sm009_invalid_suppression import InvalidSuppression
    from safemig_lint.checks.sm010_unused_suppression import UnusedSuppression

    known = rule_codes()
    problem: tuple[type[Rule], str]
    for inline in suppressions:
        span = Span(inline.line, inline.column, inline.line, inline.end_column)
        if not inline.codes:
            problem = (InvalidSuppression, f"`safemig-lint: {inline.kind}` names no rule code, so it silences nothing")
            _add_if_enabled(collector, enabled, path, display, span, *problem)
            continue
        for code in inline.codes:
            if not any(c.startswith(code) for c in known):
                problem = (InvalidSuppression, f"suppression names unknown rule code {code}")
            elif code not in inline.used_codes and any(c.startswith(code) for c in enabled):
                problem = (UnusedSuppression, f"suppression of {code} silenced nothing here; remove it")
            else:
                continue
            _add_if_enabled(collector, enabled, path, display, span, *problem)


_SUPPRESSION_HELP = {
    INVALID_SUPPRESSION: "Name the rule codes (or names) to ignore, e.g. `-- safemig-lint: ignore SM101 <reason>`.",
    UNUSED_SUPPRESSION: "Delete the comment; if a finding is still expected here, put it on (or just above) the statement that has it.",
}


def _add_if_enabled(
    collector: _Collector, enabled: Collection[str], path: Path, display: str, span: Span, rule: type[Rule], message: str
) -> None:
    if rule.code in enabled:
        collector.add(rule, path, display, Finding(span, message, _SUPPRESSION_HELP[rule.code]), None)

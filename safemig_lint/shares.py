"""A folder that dominates a run, linted in shares by several processes.

Most projects have one migrations folder: linted whole by one process, a cold run would use one
core of the machine (CI runners have four). When one folder costs more than its fair share of the
run, its migrations are cut into contiguous shares of about equal cost (an up and its down stay
together), and each share gets a process of its own, which parses its files once and keeps them:

1. it reads its files' ops (as JSON, operations/file_ops.py, as the content cache keeps them) and
   their facts (analysis/file_facts.py), and sends them here;
2. given the other shares' ops (and the folder's verdict on its dialect, judged here from the
   facts), it replays the whole history and runs the per-file rules on its own files, as a run
   that lints part of a folder does with the ops the cache knows; it sends back their findings
   and their inline suppressions, marked with what they silenced.

Here, the directory rules run once, from the facts, and the rest is done as in one process
(engine._finish_directory): the outcome is the same, byte for byte. Where processes cannot be had
(a sandbox), or one dies, the folder is linted here instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from safemig_lint import cycles
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.engine import (
    DirectoryOutcome,
    DirectoryWork,
    _Collector,
    _decoded_known,
    _FactsOfParsed,
    _finish_directory,
    _lint_files,
    _masked_runs,
    _ParsedFiles,
    enabled_rules,
    lint_directory,
    may_start_processes,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from safemig_lint.reading.suppressions import InlineSuppression

# What linting a file costs besides its bytes, in bytes' worth: measured on real and generated folders,
# a file costs about 0.6 ms whatever its size, and each byte of SQL about 1.5 us (2 cores, compiled parser).
FILE_COST = 400
# A MySQL folder costs about twice as much (sqlfluff's grammar judges its statements too): 2.3 s of CPU
# against 0.9 s for the same history in PostgreSQL (ory/kratos), 1.7 s against 0.9 s (ory/hydra).
_DIALECT_WEIGHT = {"mysql": 2}
# A folder is linted in shares only from this cost on (about a second of CPU). Each share costs a process
# and repeats the folder's replay (+13-25% CPU in all); on 2 cores with one left to us, the wall time
# gained: x1.4 for a generated 4,000-file history (1.9 MB's worth), x1.3-1.4 for real MySQL folders
# of 500-800 files (0.7-0.9 MB's worth), x1.23 for a real 1,425-file SQLite folder (780 kB's worth);
# x1.17 for a real 537-file folder (440 kB's worth, 0.6 s: +25% CPU for 0.1 s), and nothing for real
# folders of 400 kB's worth or less (benchmarks/bench.py scaling).
SPLIT_MIN_COST = 600_000

# How long a share's process is given to exit once its work is done or abandoned, before it is ended.
_EXIT_WAIT = 5.0


def cost(work: DirectoryWork, names: Iterable[str] | None = None) -> int:
    """What linting a folder (or these files of it) costs, roughly, in bytes' worth: the files the cache
    has no ops of (FILE_COST), in its dialect."""
    chosen = work.data if names is None else names
    files = sum(len(data) + FILE_COST for name in chosen if isinstance(data := work.data[name], bytes) and name not in work.known)
    return files * _DIALECT_WEIGHT.get(work.config.dialect, 1)


def worth_splitting(work: DirectoryWork, total: int, processes: int) -> bool:
    """Whether the folder costs enough, and more than its fair share of a run that costs `total`."""
    folder = cost(work)
    return processes >= 2 and folder >= SPLIT_MIN_COST and folder * processes > total


def cut(work: DirectoryWork, count: int) -> list[frozenset[str]]:
    """The names of the folder's files in at most `count` shares of contiguous migrations, of about
    equal cost (an up and its down in the same share)."""
    migrations = work.directory.migrations
    costs = [cost(work, [file.path.name for file in (*m.ups, *m.downs)]) for m in migrations]
    total = sum(costs)
    shares: list[frozenset[str]] = []
    names: set[str] = set()
    done = 0
    for migration, its_cost in zip(migrations, costs):
        names.update(file.path.name for file in (*migration.ups, *migration.downs))
        done += its_cost
        if len(shares) < count - 1 and done * count >= total * (len(shares) + 1):
            shares.append(frozenset(names))
            names = set()
    if names:
        shares.append(frozenset(names))
    return shares


def lint_in_shares(work: DirectoryWork, processes: int, on_file: Callable[[], None] | None = None, last: bool = False) -> DirectoryOutcome:
    """The folder's outcome, as lint_directory gives it, from `processes` shares linted at once.
    `on_file()` is told of each file linted, once they all are. `last`: should the folder be linted
    here after all, no other follows it in this process (engine.lint_directory)."""
    import multiprocessing

    shares = cut(work, processes)
    if len(shares) < 2 or not may_start_processes():
        return lint_directory(work, on_file, last)
    context = multiprocessing.get_context()
    started: list[tuple[BaseProcess, Connection]] = []
    gathered = False
    try:
        for names in shares:
            here, there = context.Pipe()
            process = context.Process(target=_lint_share, args=(there, work, names), daemon=True)
            started.append((process, here))
            try:
                process.start()
            finally:
                there.close()  # this end is the share's now: when its process ends, reading here ends too
        outcome = _gather(work, started, on_file)
        gathered = True
        return outcome
    except (OSError, EOFError):  # no processes to be had here (a sandbox), or one was killed
        pass
    finally:
        _stop(started, gathered)
    return lint_directory(work, on_file, last)


def _stop(started: list[tuple[BaseProcess, Connection]], gathered: bool) -> None:
    """End the shares' processes: once gathered, each exits by itself; otherwise (a share lost, an
    interruption) their work is not wanted and they are ended at once."""
    for process, connection in started:
        connection.close()  # a share still waiting to be told more stops
        if process.pid is None:
            continue
        if gathered:
            process.join(_EXIT_WAIT)
        if process.is_alive():
            process.terminate()
            process.join()


@dataclass(repr=False, eq=False)  # compared by identity and shown by nothing (as engine.LintResult)
class _ShareOutcome:
    """What a share's process sends back once its rules ran."""

    diagnostics: dict[str, list[Diagnostic]]  # by file name, in the folder's order
    placeholders: dict[Path, dict[str, str]]  # the stand-ins of each file's template placeholders
    suppressions: dict[Path, list[InlineSuppression]]  # of each file linted, marked with the codes they silenced
    masked: dict[str, list[tuple[int, int]]]  # engine._masked_runs
    accepted: list[str]  # keys of the files PostgreSQL accepted whole, for the cache


def _gather(work: DirectoryWork, started: list[tuple[BaseProcess, Connection]], on_file: Callable[[], None] | None) -> DirectoryOutcome:
    import pickle  # here, not at the top: most runs import this module only to ask worth_splitting

    from safemig_lint.analysis.file_facts import FolderFacts
    from safemig_lint.operations.read import Reading

    config, directory = work.config, work.directory
    read = []  # of each share: (facts by name, names of the files that held a secret, ops by name as pickled JSON)
    for process, connection in started:
        facts_and_secrets = _receive(process, connection)
        read.append((*facts_and_secrets, _receive(process, connection, whole=True)))
    # The facts of a file no share parsed (its ops came from the cache) are worked out here, should a rule ask.
    facts = _FactsOfParsed(_ParsedFiles(work, config), Reading(config.dialect, config.mysql_version), config.dialect)
    for share_facts, _, _ in read:
        facts.update((directory.path / name, found) for name, found in share_facts.items())
    folder = FolderFacts(directory, facts, config.dialect)
    wanted = {directory.path / name for name in work.wanted()}
    # A file's rules ask for the folder's verdict on its dialect only about statements its grammar rejects.
    verdict = folder.wrong_dialect if any(facts[path].grammar.rejected for path in wanted if path in facts) else None
    blobs = [blob for _, _, blob in read]
    for index, (_, connection) in enumerate(started):
        connection.send((verdict, blobs[:index] + blobs[index + 1 :]))

    collector = _Collector(config, directory.path, {file.path for file in directory.files()}, wanted)
    suppressions: dict[Path, list[InlineSuppression]] = {}
    masked: dict[str, list[tuple[int, int]]] = {}
    accepted: list[str] = []
    for process, connection in started:  # shares are contiguous: their findings come in the folder's order
        share: _ShareOutcome = _receive(process, connection)
        collector.diagnostics.update(share.diagnostics)
        collector.placeholders.update(share.placeholders)
        suppressions.update(share.suppressions)
        masked.update(share.masked)
        accepted += share.accepted
    # Told once every share is in: a share lost on the way would have the folder linted again from its start.
    if on_file is not None:
        for _ in wanted:
            on_file()
    # collector.parsed stays empty: it vets fixes, and directory rules give none.
    _finish_directory(work, enabled_rules(config), folder, suppressions, masked, collector)
    for parsed in facts.parsed.values():  # files parsed here for their facts alone (cycles.py)
        parsed.release_trees()
    file_ops: dict[str, dict] = {}
    if not work.lints_every_file():  # as engine._ops_for_cache: for a later run that lints other files
        for _, secret, blob in read:
            file_ops.update((name, value) for name, value in pickle.loads(blob).items() if name not in secret)
    return DirectoryOutcome(work.wanted(), collector.diagnostics, collector.masks, not collector.holds_secret, file_ops, accepted)


def _receive(process: BaseProcess, connection: Connection, whole: bool = False):
    """What the share's process sends next (`whole`: as bytes); EOFError when it ended first."""
    from multiprocessing.connection import wait

    wait([connection, process.sentinel])
    if not connection.poll():
        raise EOFError(f"a share's process ended with {process.exitcode}")
    return connection.recv_bytes() if whole else connection.recv()


def _lint_share(connection: Connection, work: DirectoryWork, names: frozenset[str]) -> None:
    """In a share's own process (see the module's text)."""
    try:
        _lint_own_files(connection, work, names)
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass  # Ctrl-C, or the main process stopped listening: it reports what there is to report


def _lint_own_files(connection: Connection, work: DirectoryWork, names: frozenset[str]) -> None:
    import pickle

    from safemig_lint.analysis.file_facts import FolderFacts, file_facts
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.operations.file_ops import from_json, to_json
    from safemig_lint.streaming import Streaming

    cycles.own_process()
    config, directory = work.config, work.directory
    parsed = _ParsedFiles(work, config)
    known = _decoded_known(work)
    history = History(directory, parsed, config.dialect, known, config.mysql_version)  # replayed once it knows every file
    rules = enabled_rules(config)
    parsed.streaming = Streaming(history.reading, rules)  # a large file's trees go as it is read, as in a whole folder's run
    mine = [file for file in directory.files() if file.path.name in names and file.path not in known]
    facts = {file.path.name: file_facts(parsed[file.path], history.reading, config.dialect) for file in mine}
    ops = {file.path.name: to_json(history.file_ops(file)) for file in mine}
    connection.send((facts, {file.path.name for file in mine if parsed[file.path].secrets}))
    connection.send_bytes(pickle.dumps(ops, pickle.HIGHEST_PROTOCOL))
    del ops

    verdict, others = connection.recv()
    paths = {file.path.name: file.path for file in directory.files()}
    for blob in others:
        known.update((paths[name], from_json(value)) for name, value in pickle.loads(blob).items())
    wanted = {paths[name] for name in work.wanted() if name in names}
    collector = _Collector(config, directory.path, set(paths.values()), wanted)
    suppressions = _lint_files(work, rules, parsed, history, FolderFacts(directory, {}, config.dialect, verdict), collector)
    accepted = [key for file in parsed.values() if (key := file.accepted_key) is not None] if work.accepted_before() is not None else []
    masked = _masked_runs(work, parsed, wanted)
    connection.send(_ShareOutcome(collector.diagnostics, collector.placeholders, suppressions, masked, accepted))
    connection.close()
    cycles.leave_to_exit(parsed, history)  # the process ends with this share

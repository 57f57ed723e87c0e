"""One database per dialect: created by verify, given each file exactly as golang-migrate's driver
gives it (database/postgres, database/sqlite3, database/mysql in golang-migrate), read back from
the catalog, and dropped at the end.

- postgres: the whole file in one argument-less Exec, i.e. one simple-protocol query, which
  PostgreSQL runs as one implicit transaction; with x-multi-statement=true the file is cut at
  every `;` byte (golang-migrate's multistmt does not look at quotes) and each piece is sent alone.
- sqlite3: `BEGIN`, every statement of the file, `COMMIT` (rolled back on error); with
  x-no-tx-wrap=true, no transaction around them.
- mysql: the whole file in one Exec on a multiStatements connection; each statement commits on
  its own, and the first one that fails stops the rest.

Verify runs code nobody reviewed yet, so it contains it. Time limits are enforced from outside the
session (a watchdog cancels the PostgreSQL backend or kills the MySQL query; SQLite's progress
handler), since a migration can undo any limit set inside it (`SET statement_timeout = 0`). On
PostgreSQL, migrations run as a role verify creates, which owns the database but is no superuser:
COPY TO/FROM files and programs, pg_read_file, untrusted extensions (dblink, file_fdw) and
languages are refused, and a statement that needs them is unverifiable here (SM708) unless
--superuser. On SQLite, migrations cannot attach other database files or VACUUM INTO one.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from safemig_lint.values import value
from safemig_lint.verify import catalog
from safemig_lint.verify.migrations_table import MigrationsTable
from safemig_lint.verify.urls import DatabaseUrl

if TYPE_CHECKING:
    import psycopg
    import pymysql
    from psycopg.rows import TupleRow


@value(unsafe_hash=True)
class ApplyError:
    """The database rejected the file. `offset` (into the file's text) points at the failing statement
    or the database's error position when known; `statement_index` counts statements when only that is known.
    `timed_out`: "statement" or "run" when a time limit stopped it (`limit`: the statement limit in seconds)."""

    message: str
    offset: int | None = None
    statement_index: int | None = None
    sqlstate: str = ""
    timed_out: str = ""
    limit: float = 0.0
    statement_text: str = ""  # the failing statement, where the database runs statements one by one (SQLite)


class TargetError(RuntimeError):
    """A database verify cannot create, use or refuses to use; the message is safe to show."""


def one_row(connection: psycopg.Connection[TupleRow], query: str) -> TupleRow:
    """The row a query that always returns one (SHOW, a lookup of the current role) returns."""
    row = connection.execute(query).fetchone()
    if row is None:
        raise TargetError(f"PostgreSQL returned no row for {query!r}")
    return row


def unique_database_name() -> str:
    return f"safemig_verify_{uuid.uuid4().hex[:12]}"


def split_at_every_semicolon(text: str) -> list[tuple[int, str]]:
    """golang-migrate's multistmt.Parse: pieces ending in `;`, quotes and comments ignored."""
    pieces, start = [], 0
    for match in re.finditer(";", text):
        pieces.append((start, text[start : match.end()]))
        start = match.end()
    if start < len(text):
        pieces.append((start, text[start:]))
    return pieces


class Watchdog:
    """Stops what runs longer than its limit, from outside the session: `cancel` is called from a timer
    thread (it must be safe there: psycopg's cancel, a KILL QUERY on another connection)."""

    def __init__(self, cancel, statement_timeout: float) -> None:
        self._cancel = cancel
        self.statement_timeout = statement_timeout
        self.deadline = float("inf")  # the run's (--timeout), as time.monotonic()
        self._lock = threading.Lock()
        self._running: object | None = None
        self.fired = ""  # "statement" or "run": why the last guarded call was stopped

    def __enter__(self) -> Watchdog:
        now = time.monotonic()
        left = self.deadline - now
        limit, why = (self.statement_timeout, "statement") if self.statement_timeout <= left else (max(left, 0.0), "run")
        ticket = object()
        with self._lock:
            self._running, self.fired = ticket, ""
        self._timer = threading.Timer(limit, self._fire, (ticket, why))
        self._timer.daemon = True
        self._timer.start()
        return self

    def _fire(self, ticket: object, why: str) -> None:
        with self._lock:
            if self._running is not ticket:
                return  # that call is over
            self.fired = why
        try:
            self._cancel()
        except Exception:  # noqa: BLE001 - a failed cancel leaves the statement to the server's own limit
            pass

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        with self._lock:
            self._running = None


class _Role:
    """The role migrations run as: it logs in, owns its databases, and is no superuser. Shared by a
    database and its copies, and dropped with the last of them."""

    def __init__(self, admin) -> None:
        self.name = unique_database_name().replace("safemig_verify_", "safemig_verify_role_")
        self.password = secrets.token_hex(16)
        admin.execute(
            f"CREATE ROLE \"{self.name}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '{self.password}'"
        )
        self.users = 0

    def release(self, admin, error: type[Exception]) -> None:
        self.users -= 1
        if self.users > 0:
            return
        try:
            admin.execute(f'DROP OWNED BY "{self.name}"')  # what the migrations granted it here
            admin.execute(f'DROP ROLE IF EXISTS "{self.name}"')
        except error:
            pass  # something of it is left in a database verify did not create; the server is a throwaway one, or the user's


class PostgresTarget:
    dialect = "postgres"

    def __init__(
        self,
        connect_kwargs: dict,
        statement_timeout: float,
        multi_statement: bool = False,
        url: DatabaseUrl | None = None,
        template: str | None = None,
        superuser: bool = False,
        migrations_table: MigrationsTable | None = None,
        role: _Role | None = None,
    ) -> None:
        import psycopg

        self._psycopg = psycopg
        self._admin_kwargs = connect_kwargs
        self._url = url
        self._statement_timeout = statement_timeout
        self._superuser = superuser
        self.multi_statement = multi_statement
        self.migrations_table = migrations_table or MigrationsTable("postgres")
        self.database = unique_database_name()
        self.connection: psycopg.Connection[TupleRow] | None = None  # the migrations' session: open from _open to close
        self.standins: set[str] = set()  # extension stand-ins set up on this connection (extensions.py)
        self.watchdog = Watchdog(self._cancel, statement_timeout)
        self._created = False
        self._role: _Role | None = None
        admin = self._connect(connect_kwargs)
        self._admin: psycopg.Connection[TupleRow] | None = admin
        try:
            self.server_version = int(one_row(admin, "SHOW server_version_num")[0]) // 10000
            admin_is_superuser = one_row(admin, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0]
            if role is None and admin_is_superuser and not superuser:
                role = _Role(admin)
            if role is not None:
                role.users += 1
                self._role = role
            # A --database-url user that is no superuser is restricted already, and runs the migrations itself.
            self.restricted = self._role is not None or not admin_is_superuser
            owner = f' OWNER "{self._role.name}"' if self._role else ""
            admin.execute(f'CREATE DATABASE "{self.database}"' + (f' TEMPLATE "{template}"' if template else "") + owner)
            self._created = True
            self._open()
            if template is None and self.has_tables():
                raise TargetError(f"the new database {self.database} already has tables (copied from template1); verify needs an empty one")
        except psycopg.Error as error:
            self.close()
            raise TargetError(f"cannot create a database to verify in: {self._hide(str(error).strip())}") from None
        except BaseException:
            self.close()
            raise

    @property
    def deadline(self) -> float:
        return self.watchdog.deadline

    @deadline.setter
    def deadline(self, value: float) -> None:
        self.watchdog.deadline = value

    def _open(self) -> None:
        kwargs = {**self._admin_kwargs, "dbname": self.database}
        if self._role is not None:
            kwargs.update(user=self._role.name, password=self._role.password)
        try:
            connection = self.connection = self._connect(kwargs)
        except TargetError as error:
            raise TargetError(
                f"{error}; verify runs migrations as a role it creates, which is no superuser, and that role must be able "
                "to log in (or pass --superuser)"
            ) from None
        # A first line of defence; the watchdog enforces it whatever the migration sets.
        connection.execute(f"SET statement_timeout = {max(1, round(self._statement_timeout * 1000))}")
        if self.standins:
            connection.execute(f'SET search_path = "$user", public, {catalog.STANDIN_SCHEMA}')

    def _cancel(self) -> None:
        connection = self.connection
        if connection is not None:
            connection.cancel_safe() if hasattr(connection, "cancel_safe") else connection.cancel()

    def _ensure_open(self) -> None:
        """A migration may have ended this session (pg_terminate_backend): open a new one to the same database."""
        if self.connection is None or self.connection.closed or self.connection.broken:
            if self.connection is not None:
                self.connection.close()
            self._open()

    def _hide(self, message: str) -> str:
        return self._url.hide(message) if self._url else message

    def clone(self) -> PostgresTarget:
        """A new database that starts as a copy of this one (CREATE DATABASE ... TEMPLATE, which needs
        this one's connection closed for the moment)."""
        self._session.close()
        try:
            copy = PostgresTarget(
                self._admin_kwargs,
                self._statement_timeout,
                self.multi_statement,
                self._url,
                template=self.database,
                superuser=self._superuser,
                migrations_table=self.migrations_table,
                role=self._role,
            )
        finally:
            self._open()
        return copy

    @property
    def _session(self) -> psycopg.Connection[TupleRow]:
        if self.connection is None:
            raise TargetError("verify's database session is closed")
        return self.connection

    def _connect(self, kwargs: dict) -> psycopg.Connection[TupleRow]:
        try:
            return self._psycopg.connect(**kwargs, autocommit=True, connect_timeout=15)
        except self._psycopg.Error as error:
            raise TargetError(f"cannot connect to PostgreSQL: {self._hide(str(error).strip())}") from None

    def has_tables(self) -> bool:
        row = one_row(
            self._session,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
        )
        return row[0] > 0

    def all_or_nothing(self, text: str) -> bool:
        """Does a failure of this file leave nothing of it applied? (One implicit transaction.)"""
        return not self.multi_statement

    def available_extensions(self) -> set[str]:
        return {row[0] for row in self._session.execute("SELECT name FROM pg_available_extensions").fetchall()}

    def execute_admin(self, sql: str) -> None:
        self._ensure_open()
        self._session.execute(sql)

    def bookkeeping(self, statements: list[str]) -> None:
        """golang-migrate's own statements (its table), in one transaction; a history that dropped or
        changed the table makes them fail, as golang-migrate's would, which is not verify's to report."""
        self._ensure_open()
        try:
            with self.watchdog:
                self._session.execute("; ".join(["BEGIN", *statements, "COMMIT"]), prepare=False)
        except self._psycopg.Error:
            self._ensure_open()
            self._end_failed_transaction()

    def apply(self, text: str, within_transaction: bool = False) -> ApplyError | None:
        """`within_transaction`: the caller's BEGIN is open (--with-data); the file joins it."""
        self._ensure_open()
        pieces = split_at_every_semicolon(text) if self.multi_statement else [(0, text)]
        for start, piece in pieces:
            if not piece.strip():
                continue
            try:
                # No parameters: psycopg sends the text as one simple-protocol Query message, as lib/pq does.
                with self.watchdog:
                    self._session.execute(piece, prepare=False)
            except self._psycopg.Error as error:
                return self._failed(error, start, piece)
        return None

    def _failed(self, error, start: int, piece: str) -> ApplyError:
        diagnostic = error.diag
        message = diagnostic.message_primary or str(error).strip()
        if diagnostic.message_detail:
            message += f" ({diagnostic.message_detail})"
        position = diagnostic.statement_position
        offset = start + int(position) - 1 if position and position.isdigit() else None
        if offset is None and self.multi_statement:
            offset = start + len(piece) - len(piece.lstrip())
        sqlstate = diagnostic.sqlstate or ""
        if self._session.broken or self._session.closed:
            # The file ended this session (pg_terminate_backend, or a crash it caused): its transaction is gone.
            self._ensure_open()
            return ApplyError(f"the file ended verify's database session: {message}", offset, None, sqlstate)
        self._end_failed_transaction()
        timed_out = self.watchdog.fired or ("statement" if sqlstate == "57014" and "statement timeout" in message else "")
        return ApplyError(message, offset, None, sqlstate, timed_out, self._statement_timeout)

    # --- --with-data (data.py): one explicit transaction, rolled back; savepoints around each try

    def begin(self) -> None:
        self._session.execute("BEGIN")

    def rollback(self) -> None:
        self._ensure_open()
        self._end_failed_transaction()

    def try_statement(self, sql: str) -> bool:
        self._session.execute("SAVEPOINT safemig_verify_try")
        try:
            with self.watchdog:
                self._session.execute(sql)
        except self._psycopg.Error:
            self._session.execute("ROLLBACK TO SAVEPOINT safemig_verify_try")
            return False
        self._session.execute("RELEASE SAVEPOINT safemig_verify_try")
        return True

    def rows(self, table: str, columns: list[str]) -> list[tuple] | None:
        self._session.execute("SAVEPOINT safemig_verify_read")
        try:
            with self.watchdog:
                found = self._session.execute(f"SELECT {', '.join(c + '::text' for c in columns)} FROM {table}").fetchall()
        except self._psycopg.Error:
            self._session.execute("ROLLBACK TO SAVEPOINT safemig_verify_read")
            return None
        self._session.execute("RELEASE SAVEPOINT safemig_verify_read")
        return found

    def first_value(self, table: str, column: str):
        found = self.rows(f"{table} WHERE {column} IS NOT NULL", [column])
        return found[0][0] if found else None

    def _end_failed_transaction(self) -> None:
        """A file with its own BEGIN leaves an aborted transaction behind; nothing of it was committed."""
        if self._session.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
            self._session.execute("ROLLBACK")

    def locate(self, statements: list[tuple[int, str]]) -> int | None:
        """Which statement fails, when the error had no position: run them one by one in a transaction
        that is rolled back. Only asked for files without transaction control of their own."""
        self._ensure_open()
        try:
            self._session.execute("BEGIN")
            for start, text in statements:
                try:
                    with self.watchdog:
                        self._session.execute(text, prepare=False)
                except self._psycopg.Error:
                    return start
            return None
        finally:
            self._ensure_open()
            self._end_failed_transaction()

    def snapshot(self) -> catalog.Snapshot:
        self._ensure_open()
        with self._session.cursor() as cursor:
            return catalog.postgres_snapshot(cursor)

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()
            self.connection = None
        admin = getattr(self, "_admin", None)
        if admin is None:
            return
        if getattr(self, "_created", False):
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            except self._psycopg.Error:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
            self._created = False
        role = getattr(self, "_role", None)
        if role is not None:
            role.release(admin, self._psycopg.Error)
            self._role = None
        admin.close()
        self._admin = None


def sqlite_statements(text: str) -> list[tuple[int, str]]:
    """The file cut into statements the way SQLite's own tokenizer ends them (sqlite3_complete)."""
    found, start = [], 0
    for match in re.finditer(";", text):
        candidate = text[start : match.end()]
        if sqlite3.complete_statement(candidate):
            found.append((start, candidate))
            start = match.end()
    if text[start:].strip():
        found.append((start, text[start:]))
    return found


def _first_argument(*arguments):
    """verify's stand-in for an application-defined SQLite function: its first argument, or NULL."""
    return arguments[0] if arguments else None


_NO_SUCH_FUNCTION = re.compile(r"^no such function: (\w+)$")


def _no_other_files(action: int, *arguments) -> int:
    """SQLite authorizer: a migration may not attach another database file, nor VACUUM INTO one."""
    return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_ATTACH else sqlite3.SQLITE_OK


class SqliteTarget:
    dialect = "sqlite"
    restricted = True

    def __init__(
        self,
        directory: Path,
        statement_timeout: float,
        no_tx_wrap: bool = False,
        url: DatabaseUrl | None = None,
        migrations_table: MigrationsTable | None = None,
    ) -> None:
        if url is not None:
            named = Path(url.database).resolve()
            if named.exists() and _sqlite_has_tables(named):
                raise TargetError(f"{named} already has tables; verify runs only in a database it creates")
            directory = named.parent
        if not directory.is_dir():
            raise TargetError(f"{directory}: no such directory for the SQLite database")
        self.path = directory / f"{unique_database_name()}.sqlite"
        self.no_tx_wrap = no_tx_wrap
        self.migrations_table = migrations_table or MigrationsTable("sqlite")
        self._timeout = statement_timeout
        self.deadline = float("inf")  # the run's (--timeout)
        self._stop_at = 0.0  # this statement's: the earlier of its limit and the run's
        connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection: sqlite3.Connection | None = connection  # open until close
        # A time limit per statement, from outside the SQL: SQLite calls this every few thousand instructions.
        connection.set_progress_handler(lambda: int(time.monotonic() > self._stop_at), 10_000)
        connection.set_authorizer(_no_other_files)
        # Functions the program registers through its driver (stash's durationToTinyInt) that SQLite does not have:
        # name -> where the last apply first needed it (an offset into the file), for the runner to report.
        self.standin_functions: dict[str, int | None] = {}

    @property
    def _session(self) -> sqlite3.Connection:
        if self.connection is None:
            raise TargetError("verify's database is closed")
        return self.connection

    def _limit(self, seconds: float | None = None) -> str:
        """Start a statement's clock; returns why it would stop: "statement" or "run"."""
        now = time.monotonic()
        limit = self._timeout if seconds is None else seconds
        if now + limit <= self.deadline:
            self._stop_at = now + limit
            return "statement"
        self._stop_at = self.deadline
        return "run"

    def all_or_nothing(self, text: str) -> bool:
        return not self.no_tx_wrap

    def clone(self) -> SqliteTarget:
        """A new database file that starts as a copy of this one (SQLite's online backup)."""
        copy = SqliteTarget(self.path.parent, self._timeout, self.no_tx_wrap, migrations_table=self.migrations_table)
        copy.deadline = self.deadline
        for name in self.standin_functions:
            copy.stand_in_for(name)
        self._limit(60)
        self._session.backup(copy._session)
        return copy

    def bookkeeping(self, statements: list[str]) -> None:
        """golang-migrate's own statements (its table), in one transaction; failures are not verify's to report."""
        self._limit(60)
        try:
            self._session.execute("BEGIN")
            for statement in statements:
                self._session.execute(statement)
            self._session.execute("COMMIT")
        except sqlite3.Error:
            if self._session.in_transaction:
                self._session.execute("ROLLBACK")

    def stand_in_for(self, name: str, offset: int | None = None) -> None:
        self._session.create_function(name, -1, _first_argument)
        self.standin_functions.setdefault(name, offset)

    def apply(self, text: str, within_transaction: bool = False) -> ApplyError | None:
        """`within_transaction`: inside the caller's transaction (--with-data), so no BEGIN/COMMIT of its own.
        A function SQLite does not have gets a stand-in (its first argument) and the statement runs again:
        a failing statement leaves SQLite's transaction open, so nothing else is repeated."""
        in_transaction = not self.no_tx_wrap and not within_transaction
        if in_transaction:
            self._session.execute("BEGIN")
        for start, statement in sqlite_statements(text):
            why = self._limit()
            try:
                try:
                    self._session.execute(statement)
                except sqlite3.OperationalError as error:
                    missing = _NO_SUCH_FUNCTION.match(str(error))
                    if missing is None or missing.group(1).lower() in self.standin_functions:
                        raise
                    self.stand_in_for(missing.group(1).lower(), start + len(statement) - len(statement.lstrip()))
                    self._session.execute(statement)
            except (sqlite3.Error, sqlite3.Warning) as error:  # Warning: more than one statement where sqlite3_complete saw one
                if self._session.in_transaction:
                    self._session.execute("ROLLBACK")
                message, timed_out = str(error), ""
                if message == "interrupted":
                    if time.monotonic() <= self._stop_at:
                        raise KeyboardInterrupt from None  # Ctrl-C reached the progress handler: not a time limit
                    timed_out = why
                    message = f"interrupted: the statement ran longer than {self._timeout:g} s"
                elif message in ("not authorized", "authorization denied"):
                    message = f"{message}: verify does not let a migration attach another database file or VACUUM INTO one"
                offset = start + len(statement) - len(statement.lstrip())
                return ApplyError(message, offset, None, "", timed_out, self._timeout, statement)
        if in_transaction and self._session.in_transaction:
            self._session.execute("COMMIT")
        return None

    def locate(self, statements) -> int | None:
        return None  # errors always carry the statement's offset

    def begin(self) -> None:
        self._session.execute("BEGIN")

    def rollback(self) -> None:
        if self._session.in_transaction:
            self._session.execute("ROLLBACK")

    def try_statement(self, sql: str) -> bool:
        self._limit()
        self._session.execute("SAVEPOINT safemig_verify_try")
        try:
            self._session.execute(sql)
        except sqlite3.Error:
            self._session.execute("ROLLBACK TO safemig_verify_try")
            return False
        finally:
            self._session.execute("RELEASE safemig_verify_try")
        return True

    def rows(self, table: str, columns: list[str]) -> list[tuple] | None:
        self._limit()
        try:
            return self._session.execute(f"SELECT {', '.join(f'CAST({c} AS TEXT)' for c in columns)} FROM {table}").fetchall()
        except sqlite3.Error:
            return None

    def first_value(self, table: str, column: str):
        found = self.rows(f"{table} WHERE {column} IS NOT NULL", [column])
        return found[0][0] if found else None

    def snapshot(self) -> catalog.Snapshot:
        self._limit(60)
        return catalog.sqlite_snapshot(self.connection)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _sqlite_has_tables(path: Path) -> bool:
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise TargetError(f"{path}: not a SQLite database verify can read ({error})") from None


class _MysqlArguments(TypedDict, total=False):
    """What verify passes to pymysql.connect, for its session and for the one that stops a query."""

    user: str
    password: str
    autocommit: bool
    connect_timeout: int
    charset: str
    unix_socket: str
    host: str
    port: int


class MysqlTarget:
    dialect = "mysql"
    restricted = False  # it runs as the --database-url user, on the user's server

    def __init__(
        self, url: DatabaseUrl, statement_timeout: float, unix_socket: str | None = None, migrations_table: MigrationsTable | None = None
    ) -> None:
        import pymysql
        from pymysql.constants import CLIENT

        self._pymysql = pymysql
        self._url = url
        self.database = unique_database_name()
        self.migrations_table = migrations_table or MigrationsTable("mysql")
        self._statement_timeout = statement_timeout
        self._arguments: _MysqlArguments = {
            "user": url.user or "root",
            "password": url.password or "",
            "autocommit": True,
            "connect_timeout": 15,
            "charset": "utf8mb4",
        }
        if unix_socket:
            self._arguments["unix_socket"] = unix_socket
        else:
            self._arguments["host"], self._arguments["port"] = url.host or "127.0.0.1", url.port or 3306
        try:
            connection = pymysql.connect(**self._arguments, client_flag=CLIENT.MULTI_STATEMENTS)
        except pymysql.Error as error:
            raise TargetError(f"cannot connect to MySQL: {url.hide(str(error))}") from None
        self.connection: pymysql.Connection | None = connection  # open until close
        self.watchdog = Watchdog(self._kill_query, statement_timeout)
        self._created = False
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{self.database}`")
                self._created = True
                cursor.execute(f"USE `{self.database}`")
                try:  # MariaDB's limit covers every statement; MySQL's max_execution_time only SELECTs
                    cursor.execute(f"SET SESSION max_statement_time = {statement_timeout:g}")
                except pymysql.Error:
                    cursor.execute(f"SET SESSION max_execution_time = {max(1, round(statement_timeout * 1000))}")
        except BaseException:
            self.close()
            raise

    @property
    def deadline(self) -> float:
        return self.watchdog.deadline

    @deadline.setter
    def deadline(self, value: float) -> None:
        self.watchdog.deadline = value

    @property
    def _session(self) -> pymysql.Connection:
        if self.connection is None:
            raise TargetError("verify's database session is closed")
        return self.connection

    def _kill_query(self) -> None:
        """From another connection, as the limit set in the session can be undone by the migration."""
        thread = self._session.thread_id()
        killer = self._pymysql.connect(**self._arguments)
        try:
            with killer.cursor() as cursor:
                cursor.execute(f"KILL QUERY {int(thread)}")
        finally:
            killer.close()

    def all_or_nothing(self, text: str) -> bool:
        return False  # every statement commits on its own

    def bookkeeping(self, statements: list[str]) -> None:
        """golang-migrate's own statements (its table), in one transaction; failures are not verify's to report."""
        try:
            with self.watchdog, self._session.cursor() as cursor:
                cursor.execute("START TRANSACTION")
                for statement in statements:
                    cursor.execute(statement)
                cursor.execute("COMMIT")
        except self._pymysql.err.MySQLError:
            self._session.rollback()

    def apply(self, text: str) -> ApplyError | None:
        if not text.strip():
            return None
        succeeded = 0
        cursor = self._session.cursor()
        try:
            with self.watchdog:
                cursor.execute(text)
                succeeded = 1
                while cursor.nextset():
                    succeeded += 1
        except self._pymysql.err.MySQLError as error:
            # The server stops at the failing statement: no results are left pending on the connection.
            code, message = (error.args + ("",))[:2] if error.args else (0, str(error))
            # 1317: interrupted (KILL QUERY); 1969 (MariaDB), 3024 (MySQL): the session's own limit.
            timed_out = self.watchdog.fired or ("statement" if code in (1969, 3024) else "")
            return ApplyError(f"{message} (error {code})", None, succeeded, str(code), timed_out, self._statement_timeout)
        finally:
            cursor.close()
        return None

    def locate(self, statements) -> int | None:
        return None

    def snapshot(self) -> catalog.Snapshot:
        with self._session.cursor() as cursor:
            return catalog.mysql_snapshot(cursor, self.database)

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is None:
            return
        try:
            if self._created:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{self.database}`")
                self._created = False
        finally:
            connection.close()
            self.connection = None

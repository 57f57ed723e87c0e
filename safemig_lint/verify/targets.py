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
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from safemig_lint.verify import catalog
from safemig_lint.verify.urls import DatabaseUrl


@dataclass(frozen=True)
class ApplyError:
    """The database rejected the file. `offset` (into the file's text) points at the failing statement
    or the database's error position when known; `statement_index` counts statements when only that is known."""

    message: str
    offset: int | None = None
    statement_index: int | None = None
    sqlstate: str = ""


class TargetError(RuntimeError):
    """A database verify cannot create, use or refuses to use; the message is safe to show."""


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


class PostgresTarget:
    dialect = "postgres"

    def __init__(
        self,
        connect_kwargs: dict,
        statement_timeout: float,
        multi_statement: bool = False,
        url: DatabaseUrl | None = None,
        template: str | None = None,
    ) -> None:
        import psycopg

        self._psycopg = psycopg
        self._admin_kwargs = connect_kwargs
        self._url = url
        self._statement_timeout = statement_timeout
        self.multi_statement = multi_statement
        self.database = unique_database_name()
        self.connection = None
        self.standins: set[str] = set()  # extension stand-ins set up on this connection (extensions.py)
        self._created = False
        self._admin = self._connect(connect_kwargs)
        try:
            self._admin.execute(f'CREATE DATABASE "{self.database}"' + (f' TEMPLATE "{template}"' if template else ""))
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

    def _open(self) -> None:
        self.connection = self._connect({**self._admin_kwargs, "dbname": self.database})
        self.connection.execute(f"SET statement_timeout = {int(self._statement_timeout * 1000)}")

    def _hide(self, message: str) -> str:
        return self._url.hide(message) if self._url else message

    def clone(self) -> PostgresTarget:
        """A new database that starts as a copy of this one (CREATE DATABASE ... TEMPLATE, which needs
        this one's connection closed for the moment)."""
        self.connection.close()
        try:
            return PostgresTarget(self._admin_kwargs, self._statement_timeout, self.multi_statement, self._url, template=self.database)
        finally:
            self._open()

    def _connect(self, kwargs: dict):
        try:
            return self._psycopg.connect(**kwargs, autocommit=True, connect_timeout=15)
        except self._psycopg.Error as error:
            raise TargetError(f"cannot connect to PostgreSQL: {self._hide(str(error).strip())}") from None

    def has_tables(self) -> bool:
        row = self.connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        ).fetchone()
        return row[0] > 0

    def all_or_nothing(self, text: str) -> bool:
        """Does a failure of this file leave nothing of it applied? (One implicit transaction.)"""
        return not self.multi_statement

    def available_extensions(self) -> set[str]:
        return {row[0] for row in self.connection.execute("SELECT name FROM pg_available_extensions").fetchall()}

    def execute_admin(self, sql: str) -> None:
        self.connection.execute(sql)

    def apply(self, text: str, within_transaction: bool = False) -> ApplyError | None:
        """`within_transaction`: the caller's BEGIN is open (--with-data); the file joins it."""
        pieces = split_at_every_semicolon(text) if self.multi_statement else [(0, text)]
        for start, piece in pieces:
            if not piece.strip():
                continue
            try:
                # No parameters: psycopg sends the text as one simple-protocol Query message, as lib/pq does.
                self.connection.execute(piece, prepare=False)
            except self._psycopg.Error as error:
                self._end_failed_transaction()
                diagnostic = error.diag
                message = diagnostic.message_primary or str(error).strip()
                if diagnostic.message_detail:
                    message += f" ({diagnostic.message_detail})"
                position = diagnostic.statement_position
                offset = start + int(position) - 1 if position and position.isdigit() else None
                if offset is None and self.multi_statement:
                    offset = start + len(piece) - len(piece.lstrip())
                return ApplyError(message, offset, None, diagnostic.sqlstate or "")
        return None

    # --- --with-data (data.py): one explicit transaction, rolled back; savepoints around each try

    def begin(self) -> None:
        self.connection.execute("BEGIN")

    def rollback(self) -> None:
        self._end_failed_transaction()

    def try_statement(self, sql: str) -> bool:
        self.connection.execute("SAVEPOINT safemig_verify_try")
        try:
            self.connection.execute(sql)
        except self._psycopg.Error:
            self.connection.execute("ROLLBACK TO SAVEPOINT safemig_verify_try")
            return False
        self.connection.execute("RELEASE SAVEPOINT safemig_verify_try")
        return True

    def rows(self, table: str, columns: list[str]) -> list[tuple] | None:
        self.connection.execute("SAVEPOINT safemig_verify_read")
        try:
            found = self.connection.execute(f"SELECT {', '.join(c + '::text' for c in columns)} FROM {table}").fetchall()
        except self._psycopg.Error:
            self.connection.execute("ROLLBACK TO SAVEPOINT safemig_verify_read")
            return None
        self.connection.execute("RELEASE SAVEPOINT safemig_verify_read")
        return found

    def first_value(self, table: str, column: str):
        found = self.rows(f"{table} WHERE {column} IS NOT NULL", [column])
        return found[0][0] if found else None

    def _end_failed_transaction(self) -> None:
        """A file with its own BEGIN leaves an aborted transaction behind; nothing of it was committed."""
        if self.connection.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
            self.connection.execute("ROLLBACK")

    def locate(self, statements: list[tuple[int, str]]) -> int | None:
        """Which statement fails, when the error had no position: run them one by one in a transaction
        that is rolled back. Only asked for files without transaction control of their own."""
        try:
            self.connection.execute("BEGIN")
            for start, text in statements:
                try:
                    self.connection.execute(text, prepare=False)
                except self._psycopg.Error:
                    return start
            return None
        finally:
            self._end_failed_transaction()

    def snapshot(self) -> catalog.Snapshot:
        with self.connection.cursor() as cursor:
            return catalog.postgres_snapshot(cursor)

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()
            self.connection = None
        if getattr(self, "_created", False):
            try:
                self._admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            except self._psycopg.Error:
                self._admin.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
            self._created = False
        admin = getattr(self, "_admin", None)
        if admin is not None:
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


class SqliteTarget:
    dialect = "sqlite"

    def __init__(self, directory: Path, statement_timeout: float, no_tx_wrap: bool = False, url: DatabaseUrl | None = None) -> None:
        if url is not None:
            named = Path(url.database).resolve()
            if named.exists() and _sqlite_has_tables(named):
                raise TargetError(f"{named} already has tables; verify runs only in a database it creates")
            directory = named.parent
        if not directory.is_dir():
            raise TargetError(f"{directory}: no such directory for the SQLite database")
        self.path = directory / f"{unique_database_name()}.sqlite"
        self.no_tx_wrap = no_tx_wrap
        self._timeout = statement_timeout
        self._deadline = 0.0
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        # Like a time limit per statement: SQLite calls this every few thousand instructions.
        self.connection.set_progress_handler(lambda: int(time.monotonic() > self._deadline), 10_000)

    def all_or_nothing(self, text: str) -> bool:
        return not self.no_tx_wrap

    def clone(self) -> SqliteTarget:
        """A new database file that starts as a copy of this one (SQLite's online backup)."""
        copy = SqliteTarget(self.path.parent, self._timeout, self.no_tx_wrap)
        self._deadline = copy._deadline = time.monotonic() + 60
        self.connection.backup(copy.connection)
        return copy

    def apply(self, text: str, within_transaction: bool = False) -> ApplyError | None:
        """`within_transaction`: inside the caller's transaction (--with-data), so no BEGIN/COMMIT of its own."""
        in_transaction = not self.no_tx_wrap and not within_transaction
        if in_transaction:
            self.connection.execute("BEGIN")
        for start, statement in sqlite_statements(text):
            self._deadline = time.monotonic() + self._timeout
            try:
                self.connection.execute(statement)
            except sqlite3.Error as error:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                message = str(error)
                if message == "interrupted":
                    message = f"interrupted: the statement ran longer than {self._timeout:g} s"
                return ApplyError(message, start + len(statement) - len(statement.lstrip()))
            except sqlite3.Warning as error:  # e.g. more than one statement where sqlite3_complete saw one
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                return ApplyError(str(error), start + len(statement) - len(statement.lstrip()))
        if in_transaction and self.connection.in_transaction:
            self.connection.execute("COMMIT")
        return None

    def locate(self, statements) -> int | None:
        return None  # errors always carry the statement's offset

    def begin(self) -> None:
        self.connection.execute("BEGIN")

    def rollback(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")

    def try_statement(self, sql: str) -> bool:
        self._deadline = time.monotonic() + self._timeout
        self.connection.execute("SAVEPOINT safemig_verify_try")
        try:
            self.connection.execute(sql)
        except sqlite3.Error:
            self.connection.execute("ROLLBACK TO safemig_verify_try")
            return False
        finally:
            self.connection.execute("RELEASE safemig_verify_try")
        return True

    def rows(self, table: str, columns: list[str]) -> list[tuple] | None:
        self._deadline = time.monotonic() + self._timeout
        try:
            return self.connection.execute(f"SELECT {', '.join(f'CAST({c} AS TEXT)' for c in columns)} FROM {table}").fetchall()
        except sqlite3.Error:
            return None

    def first_value(self, table: str, column: str):
        found = self.rows(f"{table} WHERE {column} IS NOT NULL", [column])
        return found[0][0] if found else None

    def snapshot(self) -> catalog.Snapshot:
        self._deadline = time.monotonic() + 60
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


class MysqlTarget:
    dialect = "mysql"

    def __init__(self, url: DatabaseUrl, statement_timeout: float, unix_socket: str | None = None) -> None:
        import pymysql
        from pymysql.constants import CLIENT

        self._pymysql = pymysql
        self._url = url
        self.database = unique_database_name()
        arguments = {
            "user": url.user or "root",
            "password": url.password or "",
            "autocommit": True,
            "client_flag": CLIENT.MULTI_STATEMENTS,
            "connect_timeout": 15,
            "charset": "utf8mb4",
        }
        if unix_socket:
            arguments["unix_socket"] = unix_socket
        else:
            arguments.update(host=url.host or "127.0.0.1", port=url.port or 3306)
        try:
            self.connection = pymysql.connect(**arguments)
        except pymysql.Error as error:
            raise TargetError(f"cannot connect to MySQL: {url.hide(str(error))}") from None
        self._created = False
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{self.database}`")
                self._created = True
                cursor.execute(f"USE `{self.database}`")
                try:  # MariaDB's limit covers every statement; MySQL's max_execution_time only SELECTs
                    cursor.execute(f"SET SESSION max_statement_time = {statement_timeout:g}")
                except pymysql.Error:
                    cursor.execute(f"SET SESSION max_execution_time = {int(statement_timeout * 1000)}")
        except BaseException:
            self.close()
            raise

    def all_or_nothing(self, text: str) -> bool:
        return False  # every statement commits on its own

    def apply(self, text: str) -> ApplyError | None:
        if not text.strip():
            return None
        succeeded = 0
        cursor = self.connection.cursor()
        try:
            cursor.execute(text)
            succeeded = 1
            while cursor.nextset():
                succeeded += 1
        except self._pymysql.err.MySQLError as error:
            # The server stops at the failing statement: no results are left pending on the connection.
            code, message = (error.args + ("",))[:2] if error.args else (0, str(error))
            return ApplyError(f"{message} (error {code})", None, succeeded, str(code))
        finally:
            cursor.close()
        return None

    def locate(self, statements) -> int | None:
        return None

    def snapshot(self) -> catalog.Snapshot:
        with self.connection.cursor() as cursor:
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

"""What golang-migrate does with a file: which statements share a transaction, which commit alone.

Grounded in golang-migrate's drivers (database/*/ in github.com/golang-migrate/migrate/v4):

- postgres, pgx (lib/pq and pgx both send an argument-less Exec over the simple query protocol):
  `Run` sends the whole file in one Exec. PostgreSQL runs a multi-statement simple query as one
  implicit transaction; an explicit `BEGIN` takes the statements before it into its block, and a
  `COMMIT` in the middle commits what came before and opens a new implicit block. A file of one
  statement runs as that statement alone (no transaction block). With `x-multi-statement=true` the
  driver splits the file at every `;` and sends each piece on its own: each commits by itself
  unless an explicit `BEGIN` ... `COMMIT` surrounds it.
- mysql: `Open` sets `multiStatements=true` and sends the whole file in one Exec. MySQL commits
  every statement on its own (autocommit); DDL also ends any open transaction implicitly. When a
  statement fails, the server stops, and every statement before it stays applied.
- sqlite3, sqlite, sqlcipher: `Run` wraps the file in `db.Begin()` ... `tx.Commit()` (one
  transaction), unless `x-no-tx-wrap=true`, when each statement commits on its own.

A statement that cannot fail (a SQLite pragma setting a connection flag, as the `PRAGMA
foreign_keys=ON` after a rebuild's COMMIT) is no "later failure": it leaves nothing before it applied.

Other drivers are not modelled: for them every statement is taken to commit on its own, the
cautious answer, and the reason says the driver was not modelled.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING

from safemig_lint.patterns import lazy
from safemig_lint.reading.source import lowered_may_hold  # no sqlglot on its way
from safemig_lint.values import value

if TYPE_CHECKING:  # annotations only: validating driver-options must not load sqlglot
    from safemig_lint.config import Config
    from safemig_lint.reading.statements import Statement

POSTGRES_DRIVERS = frozenset({"postgres", "postgresql", "pgx", "pgx4", "pgx5"})
MYSQL_DRIVERS = frozenset({"mysql"})
SQLITE_DRIVERS = frozenset({"sqlite3", "sqlite", "sqlcipher"})
# CockroachDB speaks an extended PostgreSQL dialect: PostgreSQL's grammar cannot judge its files.
COCKROACH_DRIVERS = frozenset({"cockroachdb", "cockroach", "crdb-postgres"})
DEFAULT_DRIVER = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite3"}

# golang-migrate URL options this model reads (the rest of a URL's options change nothing here).
MULTI_STATEMENT = "x-multi-statement"
NO_TX_WRAP = "x-no-tx-wrap"


@value(unsafe_hash=True)
class ExecutionSettings:
    """The project's driver and the URL options that change how a file is run."""

    driver: str
    multi_statement: bool = False  # postgres/pgx x-multi-statement=true
    no_tx_wrap: bool = False  # sqlite3 x-no-tx-wrap=true
    postgres_version: int | None = None  # the server's major version; None: a supported one (12+)


def default_driver(dialect: str) -> str:
    return DEFAULT_DRIVER.get(dialect, dialect)


def settings_for(config: Config | None, dialect: str) -> ExecutionSettings:
    """The execution settings a project's configuration describes (validated when it was loaded); None:
    the defaults' (as Config()'s, without making one for every file linted without a configuration)."""
    if config is None:
        return ExecutionSettings(driver=default_driver(dialect))
    options = config.driver_options
    return ExecutionSettings(
        driver=config.driver or default_driver(dialect),
        multi_statement=parse_go_bool(options.get(MULTI_STATEMENT, "false")),
        no_tx_wrap=parse_go_bool(options.get(NO_TX_WRAP, "false")),
        postgres_version=config.postgres_version,
    )


GO_TRUE = frozenset({"1", "t", "true"})
GO_FALSE = frozenset({"0", "f", "false"})


def parse_go_bool(value: str) -> bool:
    """Go's strconv.ParseBool, as golang-migrate reads its URL options; ValueError otherwise."""
    if value.lower() in GO_TRUE:
        return True
    if value.lower() in GO_FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (true, false, 1, 0, t, f)")


def transaction_control(statement: Statement) -> str | None:
    """'begin', 'commit' or 'rollback' for a statement that opens or ends a transaction."""
    if statement.first_word not in _TRANSACTION_WORDS:
        return None
    words = leading_words(statement, 3)
    if not words:
        return None
    first, second = words[0], words[1] if len(words) > 1 else ""
    if first == "BEGIN" and second not in ("NOT",):  # MariaDB's `BEGIN NOT ATOMIC` is a block
        return "begin"
    if first == "START" and second == "TRANSACTION":
        return "begin"
    if first in ("COMMIT", "END") and second != "PREPARED":
        return "commit"
    if first in ("ROLLBACK", "ABORT") and second not in ("TO", "PREPARED"):
        return "rollback"
    return None


def refuses_transaction_block(statement: Statement, postgres_version: int | None = None) -> str | None:
    """The name of a command PostgreSQL refuses inside a transaction block, as its error names it.

    PostgreSQL's PreventInTransactionBlock callers: CREATE/DROP INDEX CONCURRENTLY, REINDEX
    CONCURRENTLY and REINDEX SCHEMA/DATABASE/SYSTEM, VACUUM, CREATE/DROP DATABASE, ALTER DATABASE
    SET TABLESPACE, CREATE/DROP TABLESPACE, ALTER SYSTEM, CLUSTER of every table, DISCARD ALL,
    ALTER TABLE DETACH PARTITION CONCURRENTLY, and before PostgreSQL 12 ALTER TYPE ... ADD VALUE.
    """
    if statement.first_word not in _REFUSING_WORDS:
        return None
    # Two words decide most statements (CREATE TABLE, ALTER TABLE ... ADD): each branch reads more
    # only where they can change its answer, as reading twelve words of every statement cost more
    # than the rest.
    words = leading_words(statement, 2)
    if not words:
        return None
    first, second = words[0], words[1] if len(words) > 1 else ""
    if first == "CREATE":
        rest = leading_words(statement, 4)[1:] if second in ("UNIQUE", "INDEX") else words[1:]
        if rest[:1] == ["UNIQUE"]:
            rest = rest[1:]
        if rest[:2] == ["INDEX", "CONCURRENTLY"]:
            return "CREATE INDEX CONCURRENTLY"
        if rest[:1] in (["DATABASE"], ["TABLESPACE"]):
            return f"CREATE {rest[0]}"
    elif first == "DROP":
        if second == "INDEX" and leading_words(statement, 3)[2:] == ["CONCURRENTLY"]:
            return "DROP INDEX CONCURRENTLY"
        if second in ("DATABASE", "TABLESPACE"):
            return f"DROP {second}"
    elif first == "REINDEX":
        words = leading_words(statement, 12)
        if "CONCURRENTLY" in words:
            return "REINDEX CONCURRENTLY"
        kind = next((w for w in words[1:] if w in ("INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM")), "")
        if kind in ("SCHEMA", "DATABASE", "SYSTEM"):
            return f"REINDEX {kind}"
    elif first == "VACUUM":
        return "VACUUM"
    elif first == "ALTER":
        if second == "SYSTEM":
            return "ALTER SYSTEM"
        if second == "DATABASE":
            words = leading_words(statement, 12)
            if "SET" in words and "TABLESPACE" in words:
                return "ALTER DATABASE SET TABLESPACE"
        # DETACH is among its words only if it is in its text.
        if second == "TABLE" and "detach" in statement.text.lower() and "DETACH" in leading_words(statement, 12):
            if "CONCURRENTLY" in leading_words(statement, 64):
                return "ALTER TABLE DETACH PARTITION CONCURRENTLY"
        if second == "TYPE" and postgres_version is not None and postgres_version < 12:
            if _adds_enum_value(leading_words(statement, 12)):
                return "ALTER TYPE ... ADD"
    elif first == "CLUSTER":
        # Only CLUSTER of every clustered table (no table named) refuses a transaction block.
        if all(w in ("VERBOSE", "(", ")") for w in leading_words(statement, 12)[1:]):
            return "CLUSTER"
    elif first == "DISCARD" and second == "ALL":
        return "DISCARD ALL"
    return None


# Each command refuses_transaction_block names holds one of these words (lower-cased) among its own, and
# SQLite's VACUUM the last (ADD VALUE only matters before PostgreSQL 12: _VALUE_WORD).
_REFUSED_WORDS = ("concurrently", "database", "tablespace", "system", "reindex", "cluster", "discard", "vacuum")
_VALUE_WORD = "value"


def file_may_refuse_transaction_block(lowered: str | None, postgres_version: int | None = None) -> bool:
    """False when no statement of the file can be one refuses_transaction_block names (or SQLite's VACUUM):
    each needs one of _REFUSED_WORDS among its words, which its text holds as written (a template
    placeholder's stand-in of `x`, digits and `_` joins into none of them), so the file's text does.
    `lowered`: the file's text lowered (source.words_lowered; None: each statement must be asked)."""
    old_postgres = postgres_version is not None and postgres_version < 12
    return lowered_may_hold(lowered, (*_REFUSED_WORDS, _VALUE_WORD) if old_postgres else _REFUSED_WORDS)


_TRANSACTION_WORDS = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", ""})
_CONTROL_WORDS = tuple(word.lower() for word in _TRANSACTION_WORDS if word)  # the first word of each (ASCII, from the text)
_REFUSING_WORDS = frozenset({"CREATE", "DROP", "REINDEX", "VACUUM", "ALTER", "CLUSTER", "DISCARD", ""})


# Words and parentheses; literals, quoted names and comments are skipped (their text is no keyword).
_WORD = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|`[^`]*`|--[^\n]*|#[^\n]*|/\*.*?\*/|(\$\w*\$).*?\1|([A-Za-z_][A-Za-z_0-9$]*|[()])", re.DOTALL)


def leading_words(statement: Statement, count: int) -> list[str]:
    """The statement's first `count` keywords and names, upper-cased.

    Read from the text, because sqlglot keeps what follows a command it does not model as one string.
    """
    words = []
    for match in _WORD.finditer(statement.text):
        if match.group(2):
            words.append(match.group(2).upper())
            if len(words) == count:
                break
    return words


def _adds_enum_value(words: list[str]) -> bool:
    return any(words[i : i + 2] == ["ADD", "VALUE"] for i in range(len(words) - 1))


class ExecutionModel:
    """Transactions of one file as golang-migrate's driver runs it.

    Statements shaped by a template are read like any other: the rendered file has them too.
    Its questions are asked of the file's own statements.
    """

    def __init__(self, statements: list[Statement], settings: ExecutionSettings, lowered: str | None = None) -> None:
        """`lowered`: the file's text lowered (source.words_lowered): a file whose text names none of the words that
        open or end a transaction (transaction_control reads them from the text) has no statement asked."""
        self.settings = settings
        self._statements = statements
        self._transaction: dict[int, int | None] = {}  # id(statement) -> transaction id or None
        self._persists: dict[int, str | None] = {}
        self._explicit: set[int] = set()  # id(statement) of those inside the file's own BEGIN ... COMMIT
        # read once (_build and runs_as_one_transaction ask), kept only for BEGIN, COMMIT and ROLLBACK: few statements
        may_control = lowered_may_hold(lowered, _CONTROL_WORDS)
        self._control = {id(s): control for s in statements if (control := transaction_control(s)) is not None} if may_control else {}
        # Most files: no BEGIN, COMMIT or ROLLBACK of their own, run whole in the driver's one transaction. Then
        # every statement is in transaction 0 and none persists after a later failure (everything after it rolls
        # back with it): nothing to work out statement by statement.
        self._one_transaction = not self._control and self.runs_as_one_transaction
        if not self._one_transaction:
            self._build()

    @cached_property
    def driver_family(self) -> str:
        driver = self.settings.driver
        if driver in POSTGRES_DRIVERS:
            return "postgres"
        if driver in MYSQL_DRIVERS:
            return "mysql"
        if driver in SQLITE_DRIVERS:
            return "sqlite"
        return "unknown"

    @property
    def runs_as_one_transaction(self) -> bool:
        """Does the driver send the file so that, without explicit BEGIN/COMMIT, it all commits at once?"""
        family = self.driver_family
        if family == "postgres":
            # more than one statement that does something (not BEGIN/COMMIT/ROLLBACK)
            return not self.settings.multi_statement and len(self._statements) - len(self._control) > 1
        return family == "sqlite" and not self.settings.no_tx_wrap

    def in_transaction(self, statement: Statement) -> bool:
        """Does the statement run inside a transaction block (explicit, or the driver's implicit one)?"""
        return self.transaction_id(statement) is not None

    def transaction_id(self, statement: Statement) -> int | None:
        """Same id: same transaction. None: the statement commits on its own (autocommit)."""
        return 0 if self._one_transaction else self._transaction.get(id(statement))

    def in_explicit_block(self, statement: Statement) -> bool:
        """Is the statement inside the file's own BEGIN ... COMMIT (rather than only the driver's transaction)?"""
        return id(statement) in self._explicit

    def partial_failure_persists(self, statement: Statement) -> str | None:
        """Why a failure later in the file leaves this statement applied, or None when it cannot."""
        return self._persists.get(id(statement))

    def _build(self) -> None:
        family = self.driver_family
        implicit = self.runs_as_one_transaction
        current: int | None = 0 if implicit else None  # the open transaction
        next_id = 1
        explicit = False
        ended: dict[int, str | None] = {}  # transaction id -> why it commits early (None: rolled back)
        for statement in self._statements:
            control = self._control.get(id(statement))
            if control == "begin":
                if current is None:  # postgres: a BEGIN inside the implicit block takes it over
                    current, next_id = next_id, next_id + 1
                explicit = True
            elif control is not None:
                self._transaction[id(statement)] = current
                if current is not None:
                    ended[current] = "the file's COMMIT commits it before the statements after it run" if control == "commit" else None
                current, explicit = None, False
                if implicit and family == "postgres":  # the rest of the query string: a new implicit block
                    current, next_id = next_id, next_id + 1
                continue
            elif family == "mysql" and current is not None and commits_implicitly(statement):
                # DDL commits the open transaction first, then itself; autocommit resumes after it.
                ended[current] = "MySQL commits the open transaction implicitly at the next DDL statement"
                current, explicit = None, False
            self._transaction[id(statement)] = current
            if explicit:
                self._explicit.add(id(statement))
        self._settle_persistence(ended)

    def _settle_persistence(self, ended: dict[int, str | None]) -> None:
        """One backward pass: what runs after each statement, and in which transactions. A statement
        that cannot fail is no later failure: the statements before it cannot be left applied by it."""
        later_work = 0
        later_by_transaction: dict[int | None, int] = {}
        sqlite = self.driver_family == "sqlite"
        for statement in reversed(self._statements):
            if id(statement) in self._control:
                continue
            if sqlite and sets_a_connection_flag(statement):
                continue
            transaction = self._transaction.get(id(statement))
            self._persists[id(statement)] = self._persistence(statement, transaction, later_work, later_by_transaction, ended)
            later_work += 1
            later_by_transaction[transaction] = later_by_transaction.get(transaction, 0) + 1

    def _persistence(
        self, statement: Statement, transaction: int | None, later_work: int, later_by_transaction: dict, ended: dict
    ) -> str | None:
        if transaction is None:
            if self.driver_family == "postgres" and refuses_transaction_block(statement) == "CREATE INDEX CONCURRENTLY":
                return "a failed CREATE INDEX CONCURRENTLY leaves an invalid index behind"
            return self._autocommit_reason(statement) if later_work else None
        if later_work > later_by_transaction.get(transaction, 0):
            # Committed before a later statement runs, unless the file rolls it back itself.
            return ended.get(transaction, "its transaction commits before the statements after it run")
        return None  # everything after it rolls back with it

    def _autocommit_reason(self, statement: Statement) -> str:
        family, driver = self.driver_family, self.settings.driver
        if family == "mysql":
            return "MySQL commits each statement on its own"
        if family == "postgres":
            refused = refuses_transaction_block(statement, self.settings.postgres_version)
            if refused:
                return f"{refused} runs outside any transaction"
            if self.settings.multi_statement:
                return f"golang-migrate's {driver} driver with {MULTI_STATEMENT}=true commits each statement on its own"
            return "it runs outside the file's BEGIN ... COMMIT and commits on its own"
        if family == "sqlite":
            return f"golang-migrate's {driver} driver with {NO_TX_WRAP}=true commits each statement on its own"
        return f"golang-migrate's {driver} driver is not modelled, so each statement is taken to commit on its own"


# SQLite pragmas that set (or read) a flag of the connection: they touch no table and never fail, whatever
# the value (https://www.sqlite.org/pragma.html), as `PRAGMA foreign_keys = ON` after a rebuild's COMMIT.
_SQLITE_FLAG_PRAGMAS = frozenset(
    {
        "automatic_index",
        "case_sensitive_like",
        "cell_size_check",
        "defer_foreign_keys",
        "foreign_keys",
        "ignore_check_constraints",
        "legacy_alter_table",
        "query_only",
        "recursive_triggers",
        "reverse_unordered_selects",
        "trusted_schema",
    }
)
_PRAGMA = lazy(
    r"(?:\s+|--[^\n]*\n?|/\*.*?\*/)*PRAGMA\s+(?:\w+\s*\.\s*)?(?P<name>\w+)\s*(?:=\s*[\w'\"-]+|\(\s*[\w'\"-]+\s*\))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def sets_a_connection_flag(statement: Statement) -> bool:
    """`PRAGMA foreign_keys = ON` and the like: a statement that only sets a flag of the connection."""
    if statement.first_word not in ("PRAGMA", ""):
        return False
    match = _PRAGMA.match(statement.text)
    return match is not None and match.group("name").lower() in _SQLITE_FLAG_PRAGMAS


_MYSQL_DDL = frozenset({"CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"})


def commits_implicitly(statement: Statement) -> bool:
    """MySQL data definition statements: each commits on its own and ends any open transaction."""
    words = leading_words(statement, 3)
    return bool(words) and words[0] in _MYSQL_DDL and not (words[0] == "CREATE" and words[1:3] == ["TEMPORARY", "TABLE"])

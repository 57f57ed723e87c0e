from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from safemig_lint.analysis.digests import digest, pointing_at
from safemig_lint.analysis.locks import command_locks, first_text_word, first_word_may_be, text_words
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.locator import identifiers_extent
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names

_REWRITING = ("VACUUM", "CLUSTER")


class TableRewriteCommand(Rule):
    code = "SM510"
    name = "table-rewrite-command"
    severity = Severity.WARNING
    summary = "VACUUM FULL, CLUSTER and ALTER TABLE ... SET TABLESPACE rewrite the whole table under an ACCESS EXCLUSIVE lock."
    dialects = frozenset({"postgres"})

    def check_file(self, context: FileContext):
        # Every statement is read, by its first word (a check_statement declaring nothing was called on each,
        # a generator made for each, ~2% of a 5 MB file's run); _rewrites only for an ALTER (SET TABLESPACE) or
        # a statement that may start with VACUUM or CLUSTER: it finds nothing in any other.
        if context.locks.postgres:
            for statement in context.parsed.statements:
                kind = statement.kind
                may_be_command = first_word_may_be(statement, _REWRITING)
                if may_be_command or (kind is not None and issubclass(kind, exp.Alter)):
                    yield from self._rewrites(statement, context, may_be_command)

    def _rewrites(self, statement: Statement, context: FileContext, may_be_command: bool):
        """`may_be_command`: first_word_may_be(statement, _REWRITING)."""
        locks = context.locks
        # The first word decides most statements (its first two letters, most of them): the next three are read
        # for VACUUM and CLUSTER alone.
        may_rewrite = may_be_command and first_text_word(statement) in _REWRITING
        words = text_words(statement, 4) if may_rewrite else []
        if words[:1] == ["VACUUM"] and "FULL" in words or words[:1] == ["CLUSTER"]:
            command = "VACUUM FULL" if words[0] == "VACUUM" else "CLUSTER"
            tables = [t for t, _ in command_locks(statement, context)]
            if not tables and command == "CLUSTER":
                tables = [""]  # CLUSTER alone: every table clustered before
            for table in tables:
                if table and locks.lock_is_moot(statement, table):
                    continue
                yield locks.finding(
                    statement,
                    table,
                    f"{command} {table or '(every clustered table)'} copies the whole table and rebuilds its "
                    f"indexes while holding an ACCESS EXCLUSIVE lock: no query can read or write it until it is done",
                    "Leave space reclaiming to autovacuum, or use an online tool such as pg_repack or pg_squeeze outside the migrations.",
                )
        else:
            for table, at in _tablespaces_set(statement, locks.names):
                if locks.lock_is_moot(statement, table):
                    continue
                finding = locks.finding(
                    statement,
                    table,
                    f"SET TABLESPACE copies every row of {table} and its indexes to the new tablespace while "
                    f"holding an ACCESS EXCLUSIVE lock: no query can read or write it until it is done",
                    "Move the table outside the migrations with an online tool (pg_repack --tablespace), "
                    "or while the application is stopped.",
                )
                yield pointing_at(context, finding, at)


@digest(kinds=(exp.Alter,), serves=("SM510",), dialects=("postgres",), absent=(), memo=False)
def _tablespaces_set(statement: Statement, names: Names | None) -> tuple[tuple[str, tuple[int, int] | None], ...]:
    """(table, where the action is written) of each SET TABLESPACE action of an ALTER TABLE."""
    alter = statement.expression
    assert isinstance(alter, exp.Alter) and names is not None  # selected by kinds; SM510 passes its file's names
    return tuple(
        (names.table(alter.this), identifiers_extent(action))
        for action in alter.args.get("actions") or []
        if isinstance(action, exp.AlterSet) and action.args.get("tablespace") is not None
    )

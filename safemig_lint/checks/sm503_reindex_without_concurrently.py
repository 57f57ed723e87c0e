from sqlglot.tokens import TokenType

from safemig_lint.analysis.locks import reindex_target
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class ReindexWithoutConcurrently(Rule):
    code = "SM503"
    name = "reindex-without-concurrently"
    severity = Severity.WARNING
    summary = "REINDEX without CONCURRENTLY blocks writes to the table, and every query that would use the index, until it is rebuilt."
    dialects = frozenset({"postgres"})
    reads_tokens = frozenset({TokenType.COMMAND})  # PostgreSQL's tokenizer reads REINDEX as a command

    def check_statement(self, statement: Statement, context: FileContext):
        if not context.locks.postgres:
            return
        target = reindex_target(statement)
        if target is None:
            return
        kind, name = target
        locks = context.locks
        names = locks.names
        table = names.text(name) if kind == "TABLE" else locks.table_of_index(statement, names.text(name)) if kind == "INDEX" else ""
        if kind in ("TABLE", "INDEX") and table and locks.lock_is_moot(statement, table):
            return
        if kind == "INDEX" and locks.index_is_new(statement, names.text(name)):
            return
        if locks.postgres_version >= 12:
            help = (
                "Use `REINDEX ... CONCURRENTLY` (PostgreSQL 12+) in a migration file of its own: it cannot "
                "run inside the transaction golang-migrate runs a multi-statement file in."
            )
        else:
            help = (
                "Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: build a new index with "
                "`CREATE INDEX CONCURRENTLY`, then drop the old one with `DROP INDEX CONCURRENTLY`, each in a "
                "migration file of its own."
            )
        yield locks.finding(
            statement,
            table,
            f"REINDEX {kind} {name} locks {table or 'the indexed tables'} against writes (SHARE) and the "
            f"rebuilt indexes against every query that would use them (ACCESS EXCLUSIVE) for the whole rebuild",
            help,
        )

from dataclasses import replace

from safemig_lint.analysis.execution import (
    NO_TX_WRAP,
    file_may_refuse_transaction_block,
    leading_words,
    refuses_transaction_block,
    transaction_control,
)
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Related, Severity
from safemig_lint.reading.statements import Statement


class CannotRunInTransaction(Rule):
    code = "SM012"
    name = "cannot-run-in-transaction"
    severity = Severity.ERROR
    summary = "A statement the database refuses inside a transaction, in a file golang-migrate runs as one."

    def check_file(self, context: FileContext):
        execution = context.execution
        begin = _begin_inside_driver_transaction(context)
        if begin is not None:
            # The run stops at this BEGIN, before any statement the transaction would refuse.
            driver = execution.settings.driver
            yield context.finding(
                begin,
                f"the migration fails here with 'cannot start a transaction within a transaction': golang-migrate's "
                f"{driver} driver already runs this file inside a transaction of its own, and SQLite does not nest them",
                f"Remove the file's BEGIN and COMMIT: the {driver} driver commits the file as one transaction. Or, if the file "
                f"must control its own transactions, configure {NO_TX_WRAP}=true in the migration URL (driver-options).",
            )
            return
        if not file_may_refuse_transaction_block(context.lowered, execution.settings.postgres_version):
            return  # most files: no statement need be asked
        # One finding per file, at the first statement refused: the migration fails there, and one
        # change (its own file, or x-multi-statement) settles every such statement of the file.
        refused = [(statement, error) for statement in context.parsed.statements if (error := _refused(statement, context))]
        if not refused:
            return
        statement, error = refused[0]
        if execution.in_explicit_block(statement):
            where = "the file's BEGIN ... COMMIT runs it inside a transaction"
        else:
            where = f"golang-migrate's {execution.settings.driver} driver runs this file as one transaction"
        also = ""
        if len(refused) > 1:
            lines = ", ".join(str(context.span(s.start, s.end).line) for s, _ in refused[1:])
            also = (
                f"; the statement{'s' if len(refused) > 2 else ''} on line{'s' if len(refused) > 2 else ''} {lines} would fail the same way"
            )
        help = "Put it in a migration file of its own, alone and without BEGIN/COMMIT: the driver then runs it outside any transaction."
        if execution.driver_family == "postgres":
            help += (
                " Or configure x-multi-statement=true, which sends statements one by one (it splits the file at"
                " every `;`, including those inside function bodies)."
            )
        related = tuple(Related(context.file.display_path, context.span(s.start, s.end), f"'{e}' here too") for s, e in refused[1:])
        finding = context.finding(statement, f"the migration fails here with '{error}': {where}{also}", help)
        yield replace(finding, related=related)


def _refused(statement: Statement, context: FileContext) -> str | None:
    """The error the database gives for this statement inside the file's transaction, or None."""
    execution = context.execution
    if not execution.in_transaction(statement):
        return None
    if execution.driver_family == "postgres":
        refused = refuses_transaction_block(statement, execution.settings.postgres_version)
        if refused is None or _enum_created_in_same_transaction(refused, statement, context):
            return None
        return f"{refused} cannot run inside a transaction block"
    if execution.driver_family == "sqlite" and leading_words(statement, 1) == ["VACUUM"]:
        return "cannot VACUUM from within a transaction"
    return None


def _begin_inside_driver_transaction(context: FileContext) -> Statement | None:
    """The file's first BEGIN, in a file the sqlite3 driver wraps in BEGIN ... COMMIT: where the run stops."""
    execution = context.execution
    if execution.driver_family != "sqlite" or not execution.runs_as_one_transaction:
        return None
    return next((s for s in context.parsed.statements if transaction_control(s) == "begin"), None)


def _enum_created_in_same_transaction(refused: str, statement: Statement, context: FileContext) -> bool:
    """Before PostgreSQL 12, ADD VALUE is allowed on an enum created in the same transaction."""
    if refused != "ALTER TYPE ... ADD":
        return False
    name = leading_words(statement, 3)[2:]
    transaction = context.execution.transaction_id(statement)
    return any(
        leading_words(other, 3) == ["CREATE", "TYPE", *name] and context.execution.transaction_id(other) == transaction
        for other in context.parsed.statements
        if other.start < statement.start
    )

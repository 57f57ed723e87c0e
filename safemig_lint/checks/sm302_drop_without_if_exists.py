from safemig_lint.operations.changes import spelled_kind
from safemig_lint.checks import fixes
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.dialects import DROP_IF_EXISTS
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class DropWithoutIfExists(Rule):
    code = "SM302"
    name = "drop-without-if-exists"
    severity = Severity.WARNING
    summary = "DROP without IF EXISTS fails when a half-applied migration is run again."
    fixable = True

    def check_statement(self, statement: Statement, context: FileContext):
        # Only where golang-migrate can leave this statement applied when a later one fails.
        persists = context.rerun_reason(statement)
        if persists is None:
            return
        supported = DROP_IF_EXISTS.get(context.dialect, set())
        for change in context.changes(statement):
            kind = spelled_kind(change, statement)
            if change.action != "drop" or change.guarded or kind not in supported:
                continue
            # An object this file created a moment ago is there on every run: dropping it cannot fail.
            if context.created_earlier_in_file(change.target, statement):
                continue
            if kind == "column":
                table, column = change.target.name.split(".", 1)
                what, fix = f"DROP COLUMN {column} of {table}", "DROP COLUMN IF EXISTS"
            else:
                what, fix = f"DROP {kind.upper()} {change.target.name}", f"DROP {kind.upper()} IF EXISTS"
            yield context.finding(
                statement,
                f"{what} fails with 'does not exist' if this migration is run again after failing part-way ({persists})",
                f"Write `{fix}` so a re-run after a partial failure succeeds.",
                change.node,
                fix=fixes.if_exists(statement, kind, change.node, context.dialect),
            )

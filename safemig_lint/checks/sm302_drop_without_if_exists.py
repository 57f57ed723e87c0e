from safemig_lint.checks import fixes
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import DROP_IF_EXISTS
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class DropWithoutIfExists(Rule):
    code = "SM302"
    name = "drop-without-if-exists"
    severity = Severity.WARNING
    reads_ops = (o.DropTable, o.DropIndex, o.DropObject, o.DropColumn)
    summary = "DROP without IF EXISTS fails when a half-applied migration is run again."
    fixable = True

    def check_statement(self, statement: Statement, context: FileContext):
        # Only where golang-migrate can leave this statement applied when a later one fails.
        persists = context.rerun_reason(statement)
        if persists is None:
            return
        supported = DROP_IF_EXISTS.get(context.dialect, set())
        for op in context.operations(statement):
            if isinstance(op, o.DropTable):
                kind, name = "table", op.table
            elif isinstance(op, o.DropIndex):
                kind, name = "index", op.name
            elif isinstance(op, o.DropObject):
                kind, name = op.written_kind, op.name
            elif isinstance(op, o.DropColumn):
                kind, name = "column", f"{op.table}.{op.column}"
            else:
                continue
            if op.if_exists or kind not in supported:
                continue
            # An object this file created a moment ago is there on every run: dropping it cannot fail.
            if context.created_earlier_in_file(op.kind if isinstance(op, o.DropObject) else kind, name, statement):
                continue
            if isinstance(op, o.DropColumn):
                what, fix = f"DROP COLUMN {op.column} of {shown_name(op.table)}", "DROP COLUMN IF EXISTS"
            else:
                what, fix = f"DROP {kind.upper()} {shown_name(name, op.at)}", f"DROP {kind.upper()} IF EXISTS"
            yield context.finding(
                statement,
                f"{what} fails with 'does not exist' if this migration is run again after failing part-way ({persists})",
                f"Write `{fix}` so a re-run after a partial failure succeeds.",
                op.at,
                fix=fixes.if_exists(statement, kind, op.at, context),
            )

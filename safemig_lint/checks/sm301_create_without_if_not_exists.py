from safemig_lint.checks import fixes
from safemig_lint.checks.base import FileContext, Rule, shown_name
from safemig_lint.diagnostics import Severity
from safemig_lint.dialects import CREATE_IF_NOT_EXISTS, CREATE_OR_REPLACE
from safemig_lint.operations import ops as o
from safemig_lint.reading.statements import Statement


class CreateWithoutIfNotExists(Rule):
    code = "SM301"
    name = "create-without-if-not-exists"
    severity = Severity.WARNING
    reads_ops = (o.CreateTable, o.CreateIndex, o.CreateObject)
    summary = "CREATE without IF NOT EXISTS fails when a half-applied migration is run again."
    fixable = True

    def check_statement(self, statement: Statement, context: FileContext):
        # Only where golang-migrate can leave this statement applied when a later one fails.
        persists = context.rerun_reason(statement)
        if persists is None:
            return
        if_not_exists = CREATE_IF_NOT_EXISTS.get(context.dialect, set())
        or_replace = CREATE_OR_REPLACE.get(context.dialect, set())
        for op in context.operations(statement):
            if isinstance(op, o.CreateTable) and not op.if_not_exists and not op.temporary:
                kind, name = "table", op.table
            elif isinstance(op, o.CreateIndex) and not op.if_not_exists:
                kind, name = "index", op.index.name
            elif isinstance(op, o.CreateObject) and not op.guarded:
                kind, name = op.written_kind, op.name
            else:
                continue
            if kind in if_not_exists:
                fix = f"CREATE {kind.upper()} IF NOT EXISTS"
            elif kind in or_replace:
                fix = f"CREATE OR REPLACE {kind.upper()}"
            else:
                continue
            if kind == "index" and not name:  # PostgreSQL names it; a re-run quietly builds a second one
                message = f"CREATE {kind.upper()} without a name creates a duplicate each time this migration is run again after failing part-way ({persists})"
                help = f"Name it and write `{fix} <name> ...` so a re-run after a partial failure skips it."
            else:
                name = shown_name(name, op.at)
                message = f"CREATE {kind.upper()} {name} fails with 'already exists' if this migration is run again after failing part-way ({persists})"
                help = f"Write `{fix} {name}` so a re-run after a partial failure succeeds."
            if isinstance(op, o.CreateIndex) and op.concurrently and name:
                # A failed concurrent build leaves an INVALID index that IF NOT EXISTS would then keep.
                help = (
                    f"Put `DROP INDEX CONCURRENTLY IF EXISTS {name};` before it, so a re-run after a failure "
                    "rebuilds the invalid index the failed build left behind (IF NOT EXISTS would keep it)."
                )
            yield context.finding(statement, message, help, op.at, fix=fixes.if_not_exists(statement, kind, context))

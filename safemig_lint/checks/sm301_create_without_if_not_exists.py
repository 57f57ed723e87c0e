from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.dialects import CREATE_IF_NOT_EXISTS, CREATE_OR_REPLACE
from safemig_lint.diagnostics import Severity
from safemig_lint.statements import Statement


class CreateWithoutIfNotExists(Rule):
    code = "SM301"
    name = "create-without-if-not-exists"
    severity = Severity.WARNING
    summary = "CREATE without IF NOT EXISTS fails when a half-applied migration is run again."

    def check_statement(self, statement: Statement, context: FileContext):
        if_not_exists = CREATE_IF_NOT_EXISTS.get(context.dialect, set())
        or_replace = CREATE_OR_REPLACE.get(context.dialect, set())
        for change in context.changes(statement):
            kind = change.target.kind
            if change.action != "create" or change.guarded or kind == "column":
                continue
            if kind in if_not_exists:
                fix = f"CREATE {kind.upper()} IF NOT EXISTS"
            elif kind in or_replace:
                fix = f"CREATE OR REPLACE {kind.upper()}"
            else:
                continue
            yield context.finding(
                statement,
                f"CREATE {kind.upper()} {change.target.name} fails with 'already exists' if this "
                "migration is run again after failing part-way",
                f"Write `{fix} {change.target.name}` so a re-run after a partial failure succeeds.",
                change.node,
            )

from safemig_lint.analysis.schema.diff import Difference, describe, differences, find
from safemig_lint.checks.base import FILE_SPAN, FileContext, Rule
from safemig_lint.checks.related import up_statement
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name

# Left behind on purpose by many downs, and shared with other migrations.
_NOT_COMPARED = {"extension"}
# Hold no data: a down that loses one the up left in place without naming it (a DROP COLUMN takes the
# indexes on it) is reported here, as no rule on data loss does.
_KEYS = {"index", "constraint"}


class DownDoesNotReverseUp(Rule):
    code = "SM201"
    name = "down-does-not-reverse-up"
    severity = Severity.WARNING
    summary = "The down migration does not leave the schema as it was before the up migration."

    def check_file(self, context: FileContext):
        history, migration = context.history, context.migration
        if history is None or not context.is_down or len(migration.downs) != 1 or len(migration.ups) != 1:
            return  # no pair to compare, or several files for one version (SM003)
        if not context.parsed.statements:
            return  # an empty down is SM005's
        if history.uncertain(context.file) or any(history.uncertain(up) for up in migration.ups):
            return  # a statement the model could not follow may account for any difference
        version = context.file.version
        before, after_up = history.before(version), history.after(version)
        dropped = _dropped_by_name(context)
        found = differences(before, history.after_down(version), history.tables_touched(version))
        lost_columns = {d.name for d in found if d.kind == "column" and d.change == "removed"}
        for difference in found:
            if difference.unknown or difference.kind in _NOT_COMPARED:
                continue
            left_by_up = find(after_up, difference.kind, difference.name)
            if difference.change == "removed" and left_by_up is not None:
                if difference.kind not in _KEYS:
                    continue  # the down removed data itself: SM101, SM102, SM203
                table, _, key = difference.name.partition(" ")[0].rpartition(".")
                if " " in difference.name or bare_name(key) in dropped:
                    continue  # an unnamed key (known by its definition, which a rename rewrites), or dropped by name, as meant
                if any(f"{table}.{c}" in lost_columns for c in getattr(difference.before, "columns", ())):
                    continue  # lost with a column the down lost: reported as such
            if difference.change == "changed" and left_by_up == difference.before:
                continue  # the down changed what its up left alone
            yield Finding(
                FILE_SPAN,
                _message(difference, left_by_up is not None),
                _HELP,
                related=up_statement(context, difference.kind, difference.name, "the up migration's change"),
            )


def _dropped_by_name(context: FileContext) -> set[str]:
    """Indexes and constraints the down file drops by name and does not create again after."""
    last: dict[str, bool] = {}
    for statement in context.parsed.statements:
        for op in context.operations(statement):
            if isinstance(op, (o.DropIndex, o.DropConstraint)) and op.name:
                last[bare_name(op.name)] = True
            elif isinstance(op, o.CreateIndex) and op.index.name:
                last[bare_name(op.index.name)] = False
            elif isinstance(op, o.AddConstraint) and (key := op.constraint or op.index) is not None and key.name:
                last[bare_name(key.name)] = False
    return {name for name, gone in last.items() if gone}


_HELP = (
    "A down migration should leave the schema exactly as it was before its up migration: undo "
    "every change the up makes, in reverse order, and nothing else."
)


def _message(difference: Difference, up_has_it: bool) -> str:
    what = f"{difference.kind} {difference.name}"
    if difference.change == "added":
        if up_has_it:
            return f"the up migration creates {what}, and this down migration does not remove it"
        return f"this down migration creates {what}, which did not exist before the up migration"
    if difference.change == "removed":
        if up_has_it:
            return f"this down migration removes {what}, which was there before the up migration and after it"
        return f"the up migration removes {what}, and this down migration does not bring it back"
    return (
        f"{what} is {describe(difference.before) or 'defined differently'} before the up migration but "
        f"{describe(difference.after) or 'differently'} after the up and this down migration"
    )

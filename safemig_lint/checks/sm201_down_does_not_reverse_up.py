from safemig_lint.analysis.schema.diff import Difference, describe, differences, find
from safemig_lint.checks.base import FILE_SPAN, FileContext, Rule
from safemig_lint.checks.related import up_statement
from safemig_lint.diagnostics import Finding, Severity

# Left behind on purpose by many downs, and shared with other migrations.
_NOT_COMPARED = {"extension"}


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
        for difference in differences(before, history.after_down(version), history.tables_touched(version)):
            if difference.unknown or difference.kind in _NOT_COMPARED:
                continue
            left_by_up = find(after_up, difference.kind, difference.name)
            if difference.change == "removed" and left_by_up is not None:
                continue  # the down removed it itself: SM101, SM102, SM203
            if difference.change == "changed" and left_by_up == difference.before:
                continue  # the down changed what its up left alone
            yield Finding(
                FILE_SPAN,
                _message(difference, left_by_up is not None),
                _HELP,
                related=up_statement(context, difference.kind, difference.name, "the up migration's change"),
            )


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
        return f"the up migration removes {what}, and this down migration does not bring it back"
    return (
        f"{what} is {describe(difference.before) or 'defined differently'} before the up migration but "
        f"{describe(difference.after) or 'differently'} after the up and this down migration"
    )

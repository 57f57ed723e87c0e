from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.read import Reading
from safemig_lint.reading.statements import ParsedFile, Statement

_DATA_ONLY = (o.CopyRows, o.CopyOut, o.Truncate, o.FillColumn, o.DeleteRows, o.Uses, o.InsertRows)


def changes_schema(parsed: ParsedFile, reading: Reading) -> bool:
    """Does any statement change the schema (or may it have: a valid statement the reading could not follow)?"""
    operations = reading.of(parsed)
    return any(_changes_schema(op, statement) for statement in parsed.statements for op in operations[statement.start])


def _changes_schema(op: o.Op, statement: Statement) -> bool:
    if isinstance(op, o.Unknown):
        return statement.error is None  # text that is not SQL at all is SM001's
    return not isinstance(op, _DATA_ONLY) and not (isinstance(op, o.CreateTable) and op.temporary)


class EmptyDown(Rule):
    code = "SM005"
    name = "empty-down"
    severity = Severity.WARNING
    summary = "A down file has no statements although its up file changes the schema."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            up, down = migration.up, migration.down
            if up is None or down is None or not context.reports_on(down.path):
                continue
            up_parsed, down_parsed = context.parsed.get(up.path), context.parsed.get(down.path)
            if not up_parsed or not down_parsed or down_parsed.unreadable or up_parsed.unreadable:
                continue
            if not down_parsed.statements and changes_schema(up_parsed, context.reading):
                finding = Finding(
                    FILE_SPAN,
                    f"{down.path.name} is empty but {up.path.name} changes the schema: rolling back "
                    "marks the version as undone while leaving every change in place",
                    "Write the statements that undo the up file, or, if it cannot be undone, "
                    "say so with `-- safemig-lint: ignore-file SM005 <reason>`.",
                    down.path.name,
                )
                yield FileFinding(down.path, down.display_path, finding)

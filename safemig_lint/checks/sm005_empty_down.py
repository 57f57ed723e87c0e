from sqlglot import exp

from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.reading.statements import ParsedFile

_SCHEMA_CHANGES = (exp.Create, exp.Alter, exp.Drop)
_RAW_SCHEMA_KEYWORDS = {"CREATE", "ALTER", "DROP", "RENAME"}


def changes_schema(parsed: ParsedFile) -> bool:
    return any(
        isinstance(s.expression, _SCHEMA_CHANGES) or (s.tokens and s.tokens[0].text.upper() in _RAW_SCHEMA_KEYWORDS)
        for s in parsed.statements
    )


class EmptyDown(Rule):
    code = "SM005"
    name = "empty-down"
    severity = Severity.WARNING
    summary = "A down file has no statements although its up file changes the schema."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            up, down = migration.up, migration.down
            if up is None or down is None:
                continue
            up_parsed, down_parsed = context.parsed.get(up.path), context.parsed.get(down.path)
            if not up_parsed or not down_parsed or down_parsed.unreadable or up_parsed.unreadable:
                continue
            if not down_parsed.statements and changes_schema(up_parsed):
                finding = Finding(
                    FILE_SPAN,
                    f"{down.path.name} is empty but {up.path.name} changes the schema: rolling back "
                    "marks the version as undone while leaving every change in place",
                    "Write the statements that undo the up file, or, if it cannot be undone, "
                    "say so with `-- safemig-lint: ignore-file SM005 <reason>`.",
                    down.path.name,
                )
                yield FileFinding(down.path, down.display_path, finding)

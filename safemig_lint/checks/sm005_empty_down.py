from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity


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
            up_facts, down_facts = context.facts.get(up.path), context.facts.get(down.path)
            if not up_facts or not down_facts or not down_facts.readable or not up_facts.readable:
                continue
            if not down_facts.has_statements and up_facts.changes_schema:
                finding = Finding(
                    FILE_SPAN,
                    f"{down.path.name} is empty but {up.path.name} changes the schema: rolling back "
                    "marks the version as undone while leaving every change in place",
                    "Write the statements that undo the up file, or, if it cannot be undone, "
                    "say so with `-- safemig-lint: ignore-file SM005 <reason>`.",
                    down.path.name,
                )
                yield FileFinding(down.path, down.display_path, finding)

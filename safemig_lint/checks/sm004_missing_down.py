from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.operations.read import leaves_nothing_to_undo


class MissingDown(Rule):
    code = "SM004"
    name = "missing-down"
    severity = Severity.WARNING
    summary = "An up migration has no down file, so it cannot be rolled back."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            if migration.up is not None and not migration.downs and (migration.version, "down") not in context.directory.excluded:
                up = migration.up
                if not context.reports_on(up.path):
                    continue
                parsed = context.parsed.get(up.path)
                # golang-migrate runs a missing down file as an empty one: right for an up that
                # changes nothing (only comments, or only validates constraints).
                if parsed is not None and not parsed.unreadable and _nothing_to_undo(context, parsed):
                    continue
                suggestion = up.path.name.replace(".up.", ".down.", 1)
                finding = Finding(
                    FILE_SPAN,
                    f"version {migration.version} has no down migration; `migrate down` cannot undo it",
                    f"Add {suggestion} that reverses this file; if it truly cannot be undone, "
                    "say why with `-- safemig-lint: ignore-file SM004 <reason>`.",
                    up.path.name,
                )
                yield FileFinding(up.path, up.display_path, finding)


def _nothing_to_undo(context: DirectoryContext, parsed) -> bool:
    operations = context.reading.of(parsed)
    return all(leaves_nothing_to_undo(s, operations[s.start]) for s in parsed.statements)

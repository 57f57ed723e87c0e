from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity


class MissingDown(Rule):
    code = "SM004"
    name = "missing-down"
    severity = Severity.WARNING
    summary = "An up migration has no down file, so it cannot be rolled back."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            if migration.up is not None and not migration.downs and (migration.version, "down") not in context.directory.excluded:
                up = migration.up
                suggestion = up.path.name.replace(".up.", ".down.", 1)
                finding = Finding(
                    FILE_SPAN,
                    f"version {migration.version} has no down migration; `migrate down` cannot undo it",
                    f"Add {suggestion} that reverses this file; if it truly cannot be undone, "
                    "say why with `-- safemig-lint: ignore-file SM004 <reason>`.",
                    up.path.name,
                )
                yield FileFinding(up.path, up.display_path, finding)

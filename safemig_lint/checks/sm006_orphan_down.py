from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity


class OrphanDown(Rule):
    code = "SM006"
    name = "orphan-down"
    severity = Severity.WARNING
    summary = "A down file has no up file with the same version."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            if migration.downs and not migration.ups and (migration.version, "up") not in context.directory.excluded:
                down = migration.downs[0]
                finding = Finding(
                    FILE_SPAN,
                    f"version {migration.version} has a down file but no up file; golang-migrate "
                    "treats it as a migration that does nothing on the way up",
                    "Restore the up file (was it renamed to another version?) or delete this file.",
                    down.path.name,
                )
                yield FileFinding(down.path, down.display_path, finding)

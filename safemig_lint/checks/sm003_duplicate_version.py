from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity


class DuplicateVersion(Rule):
    code = "SM003"
    name = "duplicate-version"
    severity = Severity.ERROR
    summary = "Two up (or two down) files share a version; golang-migrate refuses to load the directory."

    def check_directory(self, context: DirectoryContext):
        for migration in context.directory.migrations:
            for files in (migration.ups, migration.downs):
                if not files:
                    continue
                first = files[0]
                for duplicate in files[1:]:
                    message = (
                        f"version {migration.version} already has {first.direction} file {first.path.name}; "
                        f"golang-migrate stops with 'duplicate migration file: {duplicate.path.name}' and applies nothing"
                    )
                    help = "Give one of them the next free version number (versions compare as numbers: 001 and 1 are the same)."
                    finding = Finding(FILE_SPAN, message, help, duplicate.path.name)
                    yield FileFinding(duplicate.path, duplicate.display_path, finding)

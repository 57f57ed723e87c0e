from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.discovery import MAX_VERSION


class VersionOutOfRange(Rule):
    code = "SM007"
    name = "version-out-of-range"
    severity = Severity.ERROR
    summary = "A version number does not fit in an unsigned 64-bit integer; golang-migrate cannot load it."

    def check_directory(self, context: DirectoryContext):
        for file in context.directory.files():
            if file.out_of_range:
                digits = len(str(file.version))
                finding = Finding(
                    FILE_SPAN,
                    f"version {file.path.name.split('_', 1)[0]} ({digits} digits) is larger than {MAX_VERSION}; "
                    "golang-migrate cannot parse it and skips the file",
                    "Use a version of at most 20 digits, e.g. a timestamp such as 20240131120000.",
                    file.path.name,
                )
                yield FileFinding(file.path, file.display_path, finding)

from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.reading.discovery import MAX_VERSION

# golang-migrate parses versions as uint64 but applies and records them as Go ints (int64;
# the version column is a bigint), so anything above this turns negative when it runs.
MAX_SIGNED_VERSION = 2**63 - 1


class VersionOutOfRange(Rule):
    code = "SM007"
    name = "version-out-of-range"
    severity = Severity.ERROR
    summary = "A version number does not fit in a signed 64-bit integer; golang-migrate cannot apply it."

    def check_directory(self, context: DirectoryContext):
        for file in context.directory.files():
            if file.version <= MAX_SIGNED_VERSION:
                continue
            spelled = file.path.name.split("_", 1)[0]
            if file.out_of_range:
                consequence = f"is larger than {MAX_VERSION}: golang-migrate cannot parse it and silently skips the file"
            else:
                consequence = (
                    f"is larger than {MAX_SIGNED_VERSION}: golang-migrate loads it, but the version turns negative "
                    "when applied, so it is not recorded and the run panics"
                )
            finding = Finding(
                FILE_SPAN,
                f"version {spelled} ({len(str(file.version))} digits) {consequence}",
                "Use a smaller version, e.g. a timestamp such as 20240131120000 (at most 19 digits).",
                file.path.name,
            )
            yield FileFinding(file.path, file.display_path, finding)

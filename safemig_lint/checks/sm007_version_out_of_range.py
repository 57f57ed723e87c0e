from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Related, Severity
from safemig_lint.reading.discovery import MAX_VERSION

# golang-migrate parses versions as uint64 but applies and records them as Go ints (int64;
# the version column is a bigint), so anything above this turns negative when it runs.
MAX_SIGNED_VERSION = 2**63 - 1

_SKIPPED = f"larger than {MAX_VERSION}: golang-migrate cannot parse it and silently skips the file"
_NEGATIVE = (
    f"larger than {MAX_SIGNED_VERSION}: golang-migrate loads it, but the version turns negative "
    "when applied, so it is not recorded and the run panics"
)


class VersionOutOfRange(Rule):
    code = "SM007"
    name = "version-out-of-range"
    severity = Severity.ERROR
    summary = "A version number does not fit in a signed 64-bit integer; golang-migrate cannot apply it."

    def check_directory(self, context: DirectoryContext):
        # One finding per folder: its files share one cause (the project's version scheme), and the
        # reviewer one decision. It sits on the first file reported; the others are related locations.
        files = [file for file in context.directory.files() if file.version > MAX_SIGNED_VERSION]
        reported = [file for file in files if context.reports_on(file.path)]
        if not reported:
            return
        first = reported[0]
        spelled = first.path.name.split("_", 1)[0]
        message = f"version {spelled} ({len(str(first.version))} digits) is {_SKIPPED if first.out_of_range else _NEGATIVE}"
        if len(files) > 1:
            skipped = sum(1 for file in files if file.out_of_range)
            parts = [f"{skipped} too large to parse, so skipped"] if skipped else []
            parts += [f"{len(files) - skipped} turning negative"] if skipped < len(files) else []
            message += f"; {len(files)} files of this folder have versions out of range: {', '.join(parts)}"
        finding = Finding(
            FILE_SPAN,
            message,
            "Use a smaller version, e.g. a timestamp such as 20240131120000 (at most 19 digits).",
            first.path.name,
            related=tuple(
                Related(file.display_path, FILE_SPAN, f"version {file.version} is out of range too") for file in files if file is not first
            ),
        )
        yield FileFinding(first.path, first.display_path, finding)

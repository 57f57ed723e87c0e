import re

from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.patterns import lazy

_FLYWAY = lazy(r"^([VU])(\d+(?:[._]\d+)*)__(.+?)(?:\.(up|down))?\.sql$", re.IGNORECASE)
_LETTER_PREFIX = lazy(r"^[A-Z]+(\d+)[._-](.+)\.(up|down)\.sql$", re.IGNORECASE)
_UNDERSCORE_DIRECTION = lazy(r"^(\d+)[_-](.+?)[_-](up|down)\.sql$", re.IGNORECASE)
_CASED_DIRECTION = lazy(r"^(\d+)_(.+)\.(up|down)\.sql$", re.IGNORECASE)
_DASH_AFTER_VERSION = lazy(r"^(\d+)-(.+)\.(up|down)\.sql$")


def diagnose_name(name: str) -> tuple[str, str]:
    """Why golang-migrate skips this file name, and the name it would accept (or "")."""
    if match := _FLYWAY.match(name):
        prefix, version, title, direction = match.groups()
        direction = (direction or ("down" if prefix.upper() == "U" else "up")).lower()  # U: Flyway's undo
        return "it uses Flyway's naming", f"{re.sub('[._]', '', version)}_{title}.{direction}.sql"
    if match := _LETTER_PREFIX.match(name):
        return "the version has a letter prefix", f"{match.group(1)}_{match.group(2)}.{match.group(3).lower()}.sql"
    if match := _DASH_AFTER_VERSION.match(name):
        return "the version is followed by '-' instead of '_'", f"{match.group(1)}_{match.group(2)}.{match.group(3)}.sql"
    if match := _CASED_DIRECTION.match(name):
        return "the direction must be lower-case '.up.' or '.down.'", f"{match.group(1)}_{match.group(2)}.{match.group(3).lower()}.sql"
    if match := _UNDERSCORE_DIRECTION.match(name):
        direction = match.group(3).lower()
        return f"the direction is joined with '_' or '-' instead of '.{direction}.'", f"{match.group(1)}_{match.group(2)}.{direction}.sql"
    if not name[:1].isdigit():
        return "it does not start with a version number", ""
    if not re.match(r"^\d+_", name):
        return "the version number is not followed by '_'", ""
    return "it has no '.up.' or '.down.' direction", ""


class MisnamedMigration(Rule):
    code = "SM002"
    name = "misnamed-migration"
    severity = Severity.ERROR
    summary = "A .sql file in a migrations directory that golang-migrate silently skips."

    def check_directory(self, context: DirectoryContext):
        for path, display in context.directory.misnamed:
            reason, suggestion = diagnose_name(path.name)
            rename = f"Rename it to `{suggestion}`." if suggestion else "Name it `<version>_<title>.up.sql` / `.down.sql`."
            message = f"golang-migrate silently skips {path.name}: {reason}, so this migration never runs"
            yield FileFinding(path, display, Finding(FILE_SPAN, message, rename, path.name))

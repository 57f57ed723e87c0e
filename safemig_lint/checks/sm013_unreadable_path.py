from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class UnreadablePath(Rule):
    """Reported by the engine from discovery: the path is not something it can read."""

    code = "SM013"
    name = "unreadable-path"
    severity = Severity.ERROR
    summary = "A path to lint is a folder that cannot be listed, a symlink loop, or not a regular file."

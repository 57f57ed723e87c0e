from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class InvalidSuppression(Rule):
    """Reported by the engine for a suppression comment naming no code or an unknown one."""

    code = "SM009"
    name = "invalid-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment names no rule code, or a code that does not exist."

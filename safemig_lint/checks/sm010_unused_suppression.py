from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class UnusedSuppression(Rule):
    """Reported by the engine for a suppression that silenced nothing."""

    code = "SM010"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment silenced nothing; it would hide a future finding."

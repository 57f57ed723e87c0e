from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class InternalError(Rule):
    """Reported by the engine when a check crashes on a file; the run goes on without it."""

    code = "SM000"
    name = "internal-error"
    severity = Severity.ERROR
    summary = "A check crashed on this file; the file was not fully checked."

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class ReappliedUpDiffers(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM705"
    name = "reapplied-up-differs"
    severity = Severity.WARNING
    summary = "Up, down and up again leaves a different schema than the first up."

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class UpFailsAfterDown(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM704"
    name = "up-fails-after-down"
    severity = Severity.ERROR
    summary = "The up file fails when run again after its down file."

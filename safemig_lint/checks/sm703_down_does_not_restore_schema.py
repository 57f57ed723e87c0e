from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class DownDoesNotRestoreSchema(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM703"
    name = "down-does-not-restore-schema"
    severity = Severity.ERROR
    summary = "After up and down, the database's schema differs from the schema before the up."

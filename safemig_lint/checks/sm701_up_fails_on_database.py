from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class UpFailsOnDatabase(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM701"
    name = "up-fails-on-database"
    severity = Severity.ERROR
    summary = "The database rejects a statement of the up file."

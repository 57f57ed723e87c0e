from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class UnverifiableOnThisDatabase(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM708"
    name = "unverifiable-on-this-database"
    severity = Severity.WARNING
    summary = "A statement fails for want of something the verify database lacks, not for a fault of its own; the version is not verified."

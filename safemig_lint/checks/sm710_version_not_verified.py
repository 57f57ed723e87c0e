from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class VersionNotVerified(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM710"
    name = "version-not-verified"
    severity = Severity.WARNING
    summary = "verify could not give a version a verdict (a stop, a timeout, a file it cannot read, no database for it); it says why."

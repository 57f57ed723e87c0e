from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class ExtensionNotAvailable(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM706"
    name = "extension-not-available"
    severity = Severity.INFO
    summary = "The verify server lacks an extension the migration creates; verify says what it did instead."

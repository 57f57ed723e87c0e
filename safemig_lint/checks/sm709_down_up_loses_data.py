from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class DownUpLosesData(Rule):
    """Reported by `safemig-lint verify --with-data` (safemig_lint/verify/data.py), which runs the
    migrations on a real database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM709"
    name = "down-up-loses-data"
    severity = Severity.WARNING
    summary = "Rows or values of columns that existed before the up file do not survive its down and up again (verify --with-data)."

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class FunctionStandIn(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM711"
    name = "function-stand-in"
    severity = Severity.INFO
    summary = "A SQLite migration calls a function SQLite does not have; verify ran it with a stand-in that returns its first argument."

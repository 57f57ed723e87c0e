from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Severity


class StaticModelDiverges(Rule):
    """Reported by `safemig-lint verify` (safemig_lint/verify/), which runs the migrations on a real
    database; `check` never executes SQL, so this rule has no hooks."""

    code = "SM707"
    name = "static-model-diverges"
    severity = Severity.INFO
    summary = "The static schema model disagrees with the schema the database built (verify --compare-model)."

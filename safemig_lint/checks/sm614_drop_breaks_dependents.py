from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.resolve import DEPENDENTS
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import rejection_finding, rejections
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

_HELP = "Drop or change what depends on it first (the views, foreign keys, triggers or defaults the message names), in the same migration; its down file should then restore them."


class DropBreaksDependents(Rule):
    code = "SM614"
    name = "drop-breaks-dependents"
    severity = Severity.ERROR
    summary = "The statement drops a table, column, key, function, sequence, type or view that other objects depend on, without CASCADE: the database refuses it."
    reads_effects = (Rejected,)  # the resolver's verdicts

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in rejections(context, statement, DEPENDENTS):
            yield rejection_finding(context, statement, effect, _HELP)

from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.resolve import EXISTS
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import rejection_finding, rejections
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

_HELP = "Drop or rename the existing object first, give the new one another name, or remove the statement if an earlier migration already made it."


class ObjectAlreadyExists(Rule):
    code = "SM611"
    name = "object-already-exists"
    severity = Severity.ERROR
    summary = "The statement creates a table, column, index, constraint or other object that already exists at that point: the database rejects it."
    reads_effects = (Rejected,)  # the resolver's verdicts

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in rejections(context, statement, EXISTS):
            yield rejection_finding(context, statement, effect, _HELP)

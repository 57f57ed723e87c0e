from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.resolve import MISSING
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import rejection_finding, rejections
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

_HELP = "Check the name against the schema the earlier migrations build (`safemig-lint schema DIR --at VERSION`): it may have been dropped or renamed by an earlier statement, or be created only by a later one. In a down file, undo what the up file did, using the names it left."


class MissingObject(Rule):
    code = "SM610"
    name = "missing-object"
    severity = Severity.ERROR
    summary = (
        "The statement names a table, column, index, constraint or other object that does not exist at that point: the database rejects it."
    )
    reads_effects = (Rejected,)  # the resolver's verdicts

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in rejections(context, statement, MISSING):
            yield rejection_finding(context, statement, effect, _HELP)

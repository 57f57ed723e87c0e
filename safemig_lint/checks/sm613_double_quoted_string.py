from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.resolve import QUOTED
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import rejection_finding, rejections
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

_HELP = "Write strings in single quotes ('active'); double quotes are for names."


class DoubleQuotedString(Rule):
    code = "SM613"
    name = "double-quoted-string"
    severity = Severity.ERROR
    summary = 'A string in double quotes where a value is meant: PostgreSQL reads "x" as a column name, and there is no such column.'
    reads_effects = (Rejected,)  # the resolver's verdicts

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in rejections(context, statement, QUOTED):
            yield rejection_finding(context, statement, effect, _HELP)

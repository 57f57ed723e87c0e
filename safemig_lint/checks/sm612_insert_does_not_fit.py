from safemig_lint.analysis.schema.effects import Rejected
from safemig_lint.analysis.schema.resolve import INSERT
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import rejection_finding, rejections
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement

_HELP = (
    "Name the columns (`INSERT INTO t (a, b) VALUES ...`) and give exactly one value for each, in every row; "
    "where a value has another type than its column, pick the right column or convert it explicitly (`CAST(x AS timestamp)`)."
)


class InsertDoesNotFit(Rule):
    code = "SM612"
    name = "insert-does-not-fit"
    severity = Severity.ERROR
    summary = "INSERT gives more or fewer values than the columns it fills, or a value PostgreSQL cannot convert to its column's type: the database rejects it."
    reads_effects = (Rejected,)  # the resolver's verdicts

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in rejections(context, statement, INSERT):
            yield rejection_finding(context, statement, effect, _HELP)

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity, Span


class UnreadableFile(Rule):
    code = "SM008"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "A migration file is binary, not UTF-8, or too large to lint."

    def check_file(self, context: FileContext):
        problem = context.parsed.unreadable
        if problem is not None:
            span = Span(problem.line, problem.column, problem.line, problem.column + 1)
            yield Finding(span, f"cannot lint this file: {problem.reason}", "Save the migration as UTF-8 text.")

from safemig_lint.analysis.execution import COCKROACH_DRIVERS
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity


class ParseError(Rule):
    code = "SM001"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "A statement the database's own grammar rejects, so the migration fails and no rule can check it."

    def check_file(self, context: FileContext):
        verdict = None
        for statement in context.parsed.statements:
            # Both branches of a template conditional are present here; SM407 says so instead.
            start, end = statement.error_start, statement.error_end  # set with the error
            if statement.error is None or start is None or end is None or context.parsed.shaped_by_template(statement):
                continue
            if not_judged_by_postgres_grammar(statement.rejected_by, context):
                continue  # SM011 says it was not analysed
            verdict = verdict or context.wrong_dialect()
            if verdict is not None and verdict.covers(context.file.path, statement):
                continue  # written in another dialect: SM014 says so, once for the folder
            yield Finding(
                context.span(start, end),
                statement.error,
                "golang-migrate sends the file as written, so the database stops here and the version is left dirty. "
                "Fix the syntax; if the database really accepts it, suppress with "
                "`-- safemig-lint: ignore SM001 <reason>`." + (_COCKROACH_HINT if statement.rejected_by == "PostgreSQL" else ""),
                statement.normalized_text,
            )


_COCKROACH_HINT = ' If these migrations run on CockroachDB, which extends PostgreSQL\'s grammar, set `driver = "cockroachdb"`.'


def not_judged_by_postgres_grammar(rejected_by: str | None, context: FileContext) -> bool:
    """CockroachDB extends PostgreSQL's grammar: PostgreSQL rejecting a statement proves nothing there."""
    return rejected_by == "PostgreSQL" and context.execution.settings.driver in COCKROACH_DRIVERS

from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity


class TemplatedSql(Rule):
    code = "SM407"
    name = "templated-sql"
    severity = Severity.INFO
    summary = "A template placeholder is filled in at deploy time, outside the linter's sight."
    security_severity = 3.0

    def check_file(self, context: FileContext):
        for placeholder in context.parsed.placeholders:
            yield Finding(
                context.span(placeholder.start, placeholder.end),
                f"template placeholder {placeholder.text.strip()} is substituted at deploy time; "
                "the SQL that finally runs was not linted",
                "Make sure the substituted value comes from trusted configuration, never from user input, "
                "and is an identifier or literal that cannot change the statement's shape.",
                placeholder.text,
            )

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
            if placeholder.is_control:
                continue
            yield Finding(
                context.span(placeholder.start, placeholder.end),
                f"template placeholder {placeholder.text.strip()} is substituted at deploy time; the SQL that finally runs was not linted",
                "Make sure the substituted value comes from trusted configuration, never from user input, "
                "and is an identifier or literal that cannot change the statement's shape.",
                placeholder.text,
            )
        for statement in context.parsed.statements:
            if statement.error is not None and context.parsed.shaped_by_template(statement):
                yield context.finding(
                    statement,
                    "this statement is assembled by template conditionals and cannot be parsed until they are rendered; it was not checked",
                    "Render the template for each target and lint the result, or keep dialect-specific "
                    "SQL in separate migration directories.",
                )

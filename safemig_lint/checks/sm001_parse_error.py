from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity


class ParseError(Rule):
    code = "SM001"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "A statement could not be parsed, so no other rule could check it."

    def check_file(self, context: FileContext):
        for statement in context.parsed.statements:
            # Both branches of a template conditional are present here; SM407 says so instead.
            if statement.error is None or context.parsed.shaped_by_template(statement):
                continue
            yield Finding(
                context.span(statement.error_start, statement.error_end),
                f"cannot parse this statement as {context.dialect}: {statement.error}",
                "Check the syntax, or pass the right --dialect. If the database accepts it, "
                "suppress with `-- safemig-lint: ignore SM001 <reason>` and review it by hand.",
                statement.normalized_text,
            )

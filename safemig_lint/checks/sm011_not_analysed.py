from safemig_lint.analysis.execution import transaction_control
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.sm001_parse_error import not_judged_by_postgres_grammar
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.reading.grammar import POSTGRES_DIALECTS, SQLITE_DIALECTS


class NotAnalysed(Rule):
    code = "SM011"
    name = "not-analysed"
    severity = Severity.INFO
    summary = "A statement no rule could read: valid as far as safemig-lint knows, but not checked."

    def check_file(self, context: FileContext):
        real_grammar = context.dialect in POSTGRES_DIALECTS or context.dialect in SQLITE_DIALECTS
        for statement in context.parsed.statements:
            if context.parsed.shaped_by_template(statement):
                continue  # SM407 reports statements the template writes
            why = statement.unanalysed
            if statement.error is not None and not_judged_by_postgres_grammar(statement.rejected_by, context):
                why = f"{statement.error}, but CockroachDB extends PostgreSQL's grammar and may accept it"
            elif why is None and statement.is_command and not real_grammar and transaction_control(statement) is None:
                if statement.error is None and not _routine(statement):
                    why = f"sqlglot reads only its first keyword as {context.dialect}, and no {context.dialect} grammar is at hand"
            if why is None:
                continue
            yield Finding(
                context.span(statement.start, statement.end),
                f"not analysed: {why}; no rule checked this statement",
                "Review this statement by hand: destructive changes, rollbacks and security problems in it go unseen.",
                statement.normalized_text,
            )


def _routine(statement) -> bool:
    """Routine definitions are kept as raw text on purpose: the body analysis reads them."""
    return statement.keywords[:1] == ["CREATE"] and any(w in ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT") for w in statement.keywords)

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from safemig_lint.analysis.digests import digest
from safemig_lint.analysis.execution import transaction_control
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.sm001_parse_error import not_judged_by_postgres_grammar
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.dialects import database_name
from safemig_lint.operations import ops as o
from safemig_lint.reading.grammar import POSTGRES_DIALECTS, SQLITE_DIALECTS
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.operations.read import Names


class NotAnalysed(Rule):
    code = "SM011"
    name = "not-analysed"
    severity = Severity.INFO
    summary = "A statement no rule could read: valid as far as safemig-lint knows, but not checked."

    def check_file(self, context: FileContext):
        real_grammar = context.dialect in POSTGRES_DIALECTS or context.dialect in SQLITE_DIALECTS
        database = database_name(context.dialect)
        for statement in context.parsed.statements:
            why = statement.unanalysed
            if statement.error is not None and not_judged_by_postgres_grammar(statement.rejected_by, context):
                why = f"{statement.error}, but CockroachDB extends PostgreSQL's grammar and may accept it; its syntax was not checked"
            elif not real_grammar and why is None and statement.kind is exp.Command and transaction_control(statement) is None:
                words = _leading_words(statement)
                if statement.error is None and not _routine(words):
                    first = words[0] if words else "?"
                    why = (
                        f"safemig-lint reads only the first word of this statement ({first}), and has no {database} grammar to tell "
                        f"whether {database} accepts it"
                    )
            # Most statements were analysed: asked first, before whether a template shaped them (SM407 reports those).
            if why is None or context.parsed.shaped_by_template(statement):
                continue
            if real_grammar and statement.error is None and _read_from_text(context.operations(statement)):
                continue  # valid (its database's grammar says so), and its text told what it does: the rules checked that
            if context.dialect == "mysql" and (verdict := context.wrong_dialect()) and verdict.covers(context.file.path, statement):
                continue  # written in another dialect: SM014 says so, once for the folder
            yield Finding(
                context.span(statement.start, statement.end),
                f"not analysed: {why}; rules that judge what a statement does (data loss, locks, rollbacks) did not check this one",
                "Review this statement by hand: destructive changes, rollbacks and security problems in it go unseen.",
                statement.normalized_text,
            )


def _read_from_text(operations: list[o.Op]) -> bool:
    """Did reading the statement's text (where its structure could not be read) tell all it does?"""
    return bool(operations) and not any(
        isinstance(op, o.Unknown) or (isinstance(op, o.CreateTable) and (op.unknown or op.keys_unknown)) for op in operations
    )


@digest(kinds=(exp.Command,), serves=("SM011",), absent=(), memo=False)
def _leading_words(statement: Statement, names: Names | None) -> tuple[str, ...]:
    """The first six tokens' texts, upper-cased, of a statement sqlglot read only the first word of."""
    return tuple(token.text.upper() for token in statement.tokens[:6])


def _routine(words: tuple[str, ...]) -> bool:
    """Routine definitions are kept as raw text on purpose: the body analysis reads them."""
    return words[:1] == ("CREATE",) and any(w in ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT") for w in words)

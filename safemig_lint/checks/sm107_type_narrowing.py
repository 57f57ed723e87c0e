from safemig_lint.analysis.schema.effects import RowsCopied, TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.types import holds, narrowing_reason
from safemig_lint.reading.statements import Statement


class TypeNarrowing(Rule):
    code = "SM107"
    name = "type-narrowing"
    severity = Severity.ERROR
    summary = "Changing a column to a type that cannot hold all of its values truncates them or makes the migration fail."

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None:
            return
        for effect in history.effects_of(context.file, statement):
            if isinstance(effect, TypeChanged) and holds(effect.old, effect.new, context.dialect) is False:
                if context.is_down and not _up_changed_type(context, effect.table, effect.column):
                    continue  # a down rewriting a column its up left alone: SM203
                yield self._type_change(effect, statement, context)
            elif isinstance(effect, RowsCopied) and effect.rebuild:
                for target, source, old, new in effect.pairs:
                    if old is not None and new is not None and holds(old, new, context.dialect) is False:
                        yield context.finding(
                            statement,
                            f"this table rebuild copies {effect.source}.{source} ({old.sql}) into "
                            f"{effect.target}.{target} ({new.sql}), which cannot hold every value: "
                            f"{narrowing_reason(old, new, context.dialect)}",
                            "Give the new table's column a type that holds every old value, or change the "
                            "data in a separate, checked step before the rebuild.",
                            effect.node,
                        )

    def _type_change(self, effect: TypeChanged, statement: Statement, context: FileContext):
        reason = narrowing_reason(effect.old, effect.new, context.dialect)
        column = f"{effect.table}.{effect.column}"
        if context.is_down:
            return context.finding(
                statement,
                f"rolling back changes {column} from {effect.old.sql} back to {effect.new.sql}, which cannot "
                f"hold every value written since the up ran: {reason}",
                "Keep the wider type in the down migration: the previous application version works with it, and no value is lost.",
                effect.node,
            )
        if effect.using:
            outcome = "its USING expression must convert them, or the migration fails"
        else:
            outcome = "the migration fails on such values, or they are cut"
        return context.finding(
            statement,
            f"changing {column} from {effect.old.sql} to {effect.new.sql} narrows it: {reason}; {outcome}",
            "Check the data first (for example the longest or largest value), or change the type in "
            "steps: add a column of the new type, copy and check the values, switch the application, "
            "then drop the old column in a later migration.",
            effect.node,
        )


def _up_changed_type(context: FileContext, table: str, column: str) -> bool:
    """Did this migration's up file create the column or change its type?"""
    history, version = context.history, context.file.version
    before, after = history.before(version).tables.get(table), history.after(version).tables.get(table)
    old = before.columns.get(column) if before is not None else None
    new = after.columns.get(column) if after is not None else None
    return old is None or new is None or old.type != new.type

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from safemig_lint.analysis.digests import digest
from safemig_lint.analysis.schema.effects import RowsCopied, TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.read import update_targets
from safemig_lint.operations.types import holds, narrowing_reason, same_family, text_limit
from safemig_lint.reading.statements import Statement

if TYPE_CHECKING:
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.operations.read import Names


class TypeNarrowing(Rule):
    code = "SM107"
    name = "type-narrowing"
    severity = Severity.ERROR
    summary = "Changing a column to a type that cannot hold all of its values truncates them or makes the migration fail."
    reads_effects = (TypeChanged, RowsCopied)

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None:
            return
        for effect in history.effects_of(context.file, statement):
            if isinstance(effect, TypeChanged) and holds(effect.old, effect.new, context.dialect) is False:
                if context.is_down and not _up_changed_type(context, history, effect.table, effect.column):
                    continue  # a down rewriting a column its up left alone: SM203
                if _converted(effect, context.operations(statement)) or self._cut_to_fit(effect, statement, context):
                    continue
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
                            effect.at,
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
                effect.at,
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
            effect.at,
        )

    def _cut_to_fit(self, effect: TypeChanged, statement: Statement, context: FileContext) -> bool:
        """Did an earlier statement of the file delete the rows whose values would not fit, or cut them to fit?"""
        limit = text_limit(effect.new, context.dialect)
        if limit is None or not same_family(effect.old, effect.new, context.dialect):
            return False
        if getattr(self, "_guards_of", (None,))[0] is not context.file:
            self._guards_of = (context.file, _length_guards(context))
        return any(
            start < statement.start and length <= limit for start, length in self._guards_of[1].get((effect.table, effect.column), ())
        )


def _converted(effect: TypeChanged, ops: list[o.Op]) -> bool:
    """A USING expression that converts the values (to_timestamp(c), extract(epoch from c), c * 100 ...): the
    author wrote how each value becomes one of the new type. A plain cast of the column (`c::date`) is the
    same conversion the type change makes, and cuts or fails on the same values (AlterColumn.converts; read
    from text, the model only knows there is a USING)."""
    return effect.using and any(isinstance(op, o.AlterColumn) and op.at is effect.at and op.converts for op in ops)


_LENGTHS = (exp.Length,)


def _length_guards(context: FileContext) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(table, column) -> (statement start, length) of each DELETE ... WHERE length(column) > length and
    UPDATE ... SET column = substr(column, 1, length) / left(column, length) of the file."""
    names = context.names
    guards: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for statement in context.parsed.statements:
        for key, length in _guards_in(statement, names):
            guards.setdefault(key, []).append((statement.start, length))
    return guards


@digest(kinds=(exp.Delete, exp.Update), serves=("SM107",), absent=(), memo=False)  # asked once per file
def _guards_in(statement: Statement, names: Names | None) -> tuple[tuple[tuple[str, str], int], ...]:
    """((table, column), length) of each length guard of a DELETE or UPDATE (_length_guards)."""
    expression = statement.expression
    assert isinstance(expression, (exp.Delete, exp.Update)) and names is not None  # selected by kinds; SM107 passes its file's names
    if not isinstance(expression.this, exp.Table):
        return ()
    table = names.table(expression.this)
    if isinstance(expression, exp.Delete):
        where = expression.args.get("where")
        return tuple(((table, column), length) for column, length in _longer_than(where.this if where is not None else None, names))
    found = []
    for item in expression.expressions:
        if not isinstance(item, exp.EQ) or not isinstance(target := update_targets(item), exp.Column):
            continue
        cut = _cut_to(item.expression, names.ident(target), names)
        if cut is not None:
            found.append(((table, names.ident(target)), cut))
    return tuple(found)


def _longer_than(condition: exp.Expr | None, names) -> list[tuple[str, int]]:
    """(column, n) for each `length(column) > n` (or >= n + 1) the condition deletes rows by: alone, or OR'ed."""
    if isinstance(condition, exp.Paren):
        return _longer_than(condition.this, names)
    if isinstance(condition, exp.Or):
        return _longer_than(condition.this, names) + _longer_than(condition.expression, names)
    if isinstance(condition, (exp.GT, exp.GTE)) and isinstance(condition.this, _LENGTHS) and isinstance(condition.this.this, exp.Column):
        bound = condition.expression
        if isinstance(bound, exp.Literal) and not bound.is_string and bound.this.isdigit():
            return [(names.ident(condition.this.this), int(bound.this) - (1 if isinstance(condition, exp.GTE) else 0))]
    return []


def _cut_to(value: exp.Expr, column: str, names) -> int | None:
    """n when the value is the column's own first n characters: substr(column, 1, n), left(column, n)."""
    if isinstance(value, exp.Substring) and isinstance(value.this, exp.Column) and names.ident(value.this) == column:
        start, length = value.args.get("start"), value.args.get("length")
        if isinstance(start, exp.Literal) and start.this == "1" and isinstance(length, exp.Literal) and length.this.isdigit():
            return int(length.this)
    if isinstance(value, exp.Left) and isinstance(value.this, exp.Column) and names.ident(value.this) == column:
        length = value.expression
        if isinstance(length, exp.Literal) and length.this.isdigit():
            return int(length.this)
    return None


def _up_changed_type(context: FileContext, history: History, table: str, column: str) -> bool:
    """Did this migration's up file create the column or change its type?"""
    version = context.file.version
    before, after = history.before(version).tables.get(table), history.after(version).tables.get(table)
    old = before.columns.get(column) if before is not None else None
    new = after.columns.get(column) if after is not None else None
    return old is None or new is None or old.type != new.type

from safemig_lint.analysis.schema.effects import Dropped, TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations.model import Column, Table
from safemig_lint.operations.types import holds, narrowing_reason, resolve
from safemig_lint.reading.statements import Statement

_HELP = (
    "A down migration should undo only what its up migration did. Remove this statement, or, if "
    "the object really must go, drop it in an up migration of its own, after a backup."
)


class DestructiveDown(Rule):
    code = "SM203"
    name = "destructive-down"
    severity = Severity.ERROR
    summary = "A down migration destroys data that existed before its up migration ran."
    reads_effects = (Dropped, TypeChanged)

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None or not context.is_down:
            return
        version = context.file.version
        before, after_up = history.before(version), history.after(version)
        for effect in history.effects_of(context.file, statement):
            if isinstance(effect, Dropped) and effect.kind == "table" and isinstance(effect.before, Table):
                old = before.tables.get(effect.name)
                # Same identity as before the migration: the up did not create it (it may have
                # said CREATE TABLE IF NOT EXISTS, which is why SM101 stays quiet).
                if old is None or old.unknown or old.oid != effect.before.oid:
                    continue
                if self._core_rule_reports(context, statement, "table", effect.name):
                    continue
                yield context.finding(
                    statement,
                    f"this down migration drops table {effect.name}, which existed before its up migration "
                    "(the up only claimed to create it): rolling back deletes rows that predate the migration",
                    _HELP,
                    effect.at,
                )
            elif isinstance(effect, Dropped) and effect.kind == "column" and isinstance(effect.before, Column):
                old_table = before.tables.get(effect.table)
                column = old_table.columns.get(effect.name) if old_table is not None else None
                if column is None or column.unknown or column.cid != effect.before.cid:
                    continue  # a column the up added, maybe in place of an old one of that name
                if self._core_rule_reports(context, statement, "column", f"{effect.table}.{effect.name}"):
                    continue
                yield context.finding(
                    statement,
                    f"this down migration drops column {effect.name} of {effect.table}, which existed before "
                    "its up migration (the up only claimed to add it): rolling back deletes its values",
                    _HELP,
                    effect.at,
                )
            elif isinstance(effect, Dropped) and effect.kind == "sequence":
                sequence = before.sequences.get(effect.name)
                if sequence is None or sequence.unknown or sequence.owned_by:
                    continue
                yield context.finding(
                    statement,
                    f"this down migration drops sequence {effect.name}, which existed before its up migration: "
                    "its current value is lost, and ids it hands out start over",
                    _HELP,
                    effect.at,
                )
            elif isinstance(effect, TypeChanged) and holds(effect.old, effect.new, context.dialect) is False:
                old_table, new_table = before.tables.get(effect.table), after_up.tables.get(effect.table)
                old_column = old_table.columns.get(effect.column) if old_table is not None else None
                new_column = new_table.columns.get(effect.column) if new_table is not None else None
                if old_column is None or new_column is None or old_column.type is None or new_column.type is None:
                    continue
                start = resolve(new_column.type, after_up.types)
                if resolve(old_column.type, before.types) != start:
                    continue  # the up created or changed it (or the enum it is of): undoing that is SM107's business
                # Retyped earlier in this file, its values are still those it held when the down began.
                if holds(start, effect.new, context.dialect) is not False:
                    continue
                yield context.finding(
                    statement,
                    f"this down migration narrows {effect.table}.{effect.column} from {start.sql} to "
                    f"{effect.new.sql}, a column its up migration did not change: "
                    f"{narrowing_reason(start, effect.new, context.dialect)}",
                    _HELP,
                    effect.at,
                )

    @staticmethod
    def _core_rule_reports(context: FileContext, statement: Statement, kind: str, name: str) -> bool:
        """SM101 and SM102 already report drops of what the up's statements did not create."""
        return not context.created_in_migration(kind, name, statement)

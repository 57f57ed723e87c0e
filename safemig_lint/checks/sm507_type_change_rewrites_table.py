from safemig_lint.analysis.locks import binary_coercible
from safemig_lint.analysis.schema.effects import TypeChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class TypeChangeRewritesTable(Rule):
    code = "SM507"
    name = "type-change-rewrites-table"
    severity = Severity.WARNING
    summary = "ALTER COLUMN ... TYPE to a type that is not binary coercible rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock."
    dialects = frozenset({"postgres"})
    reads_effects = (TypeChanged,)  # live_type_changes

    def check_statement(self, statement: Statement, context: FileContext):
        locks = context.locks
        if not locks.postgres:
            return
        for effect in locks.live_type_changes(statement):
            if binary_coercible(effect.old, effect.new):
                continue
            column = f"{effect.table}.{effect.column}"
            note = ""
            if {effect.old.base, effect.new.base} == {"TIMESTAMP", "TIMESTAMPTZ"}:
                note = " (PostgreSQL 12+ skips the rewrite only when the session's TimeZone is UTC)"
            yield locks.finding(
                statement,
                effect.table,
                f"changing {column} from {effect.old.sql} to {effect.new.sql} rewrites every row of "
                f"{effect.table} and rebuilds its indexes while holding an ACCESS EXCLUSIVE lock{note}: "
                f"no query can read or write {effect.table} until it is done",
                "Changes that only grow or drop a limit are free (varchar(n) to a longer varchar or text, "
                "numeric(p,s) to a larger precision at the same scale). Otherwise add a column of the new "
                "type, fill it in batches (a trigger keeps it current), switch the application to it, and "
                "drop the old column in a later migration.",
                effect.at,
            )

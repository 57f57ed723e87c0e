from safemig_lint.analysis.schema.effects import Cascaded
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.checks.rejections import cascades
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class CascadeDropsDependents(Rule):
    code = "SM615"
    name = "cascade-drops-dependents"
    severity = Severity.WARNING
    summary = "DROP ... CASCADE also drops the views, foreign keys, triggers, defaults or columns that depend on what it drops."
    reads_effects = (Cascaded,)  # what a CASCADE took with it

    def check_statement(self, statement: Statement, context: FileContext):
        for effect in cascades(context, statement):
            # What belongs to objects this migration made is its own to drop (a down undoing its up), and so
            # is what belongs to a table or view this statement (DROP TABLE a, b CASCADE) or a later one drops anyway.
            kept = [
                what
                for what, kind, key in effect.taken
                if not context.created_in_migration(kind, key, statement) and not context.dropped_from_here_in_file(kind, key, statement)
            ]
            if not kept:
                continue
            taken = ", ".join(kept)
            yield context.finding(
                statement,
                f"dropping {effect.dropped} with CASCADE also drops {taken}",
                "Drop what depends on it by name first, in the same migration, so that the migration says what it "
                "removes and its down file can restore each object; then drop it without CASCADE.",
                effect.at,
            )

from safemig_lint.analysis.schema.effects import Renamed
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import Statement


class RenameBreaksClients(Rule):
    code = "SM108"
    name = "rename-breaks-clients"
    severity = Severity.WARNING
    summary = "Renaming a table or column breaks the application version still running during a rolling deploy."
    reads_effects = (Renamed,)

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None:
            return
        before = history.before(context.file.version)
        for effect in history.effects_of(context.file, statement):
            if not isinstance(effect, Renamed) or effect.restored:
                continue  # a rebuild that gives a table back its name changes nothing for clients
            # Only names that existed before this migration can be in use; this also leaves
            # alone a down file undoing its up file's rename.
            if effect.kind == "table":
                table = before.tables.get(effect.old)
                if table is None or table.unknown or table.oid != effect.identity:
                    continue
                yield context.finding(
                    statement,
                    f"renaming table {effect.old} to {effect.new} breaks the application version still "
                    f"running during a rolling deploy: it still queries {effect.old}",
                    f"Create {effect.new} alongside {effect.old} (or rename and leave a view named "
                    f"{effect.old}), switch the application, and drop the old name in a later release.",
                    effect.at,
                )
            else:
                table = before.tables.get(effect.table)
                column = table.columns.get(effect.old) if table is not None else None
                if column is None or column.unknown or column.cid != effect.identity:
                    continue
                yield context.finding(
                    statement,
                    f"renaming column {effect.old} of {effect.table} to {effect.new} breaks the application "
                    f"version still running during a rolling deploy: it still reads and writes {effect.old}",
                    f"Add {effect.new} next to {effect.old}, copy the data and keep both written, switch "
                    f"the application to {effect.new}, and drop {effect.old} in a later release.",
                    effect.at,
                )

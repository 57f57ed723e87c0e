from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity, Span
from safemig_lint.integrity.sumfile import SUM_FILE


class RemovedAppliedMigration(Rule):
    code = "SM602"
    name = "removed-applied-migration"
    severity = Severity.ERROR
    summary = "A migration file that was locked (or on the --base branch) was deleted."

    def check_directory(self, context: DirectoryContext):
        if context.integrity is None:
            return
        for fact in context.integrity.removed:
            where = f"is listed in {SUM_FILE}" if fact.against == SUM_FILE else f"is on {fact.against}"
            if fact.direction == "down":
                effect = f"rolling back version {fact.version} now only changes the recorded version and leaves its schema changes in place"
            elif fact.version_left:
                effect = f"new databases run nothing for version {fact.version}, so they miss what it did"
            else:
                effect = (
                    f"new databases never get what it did, and `migrate up` on a database at version "
                    f"{fact.version} stops with 'no migration found for version {fact.version}'"
                )
            message = f"{fact.name} {where} but was deleted: {effect}"
            help = (
                "Restore the file; undo what it did in a new migration instead. If it was never applied anywhere, run `safemig-lint lock`."
            )
            span = Span(fact.place.line, 1, fact.place.line, 1)
            yield FileFinding(fact.place.path, fact.place.display_path, Finding(span, message, help, fact.name))

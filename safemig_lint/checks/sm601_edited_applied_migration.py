from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity, Span
from safemig_lint.integrity.sumfile import SUM_FILE


class EditedAppliedMigration(Rule):
    code = "SM601"
    name = "edited-applied-migration"
    severity = Severity.ERROR
    summary = (
        "A migration file changed after it was locked (or after it reached the --base branch): databases that ran it keep the old version."
    )

    def check_directory(self, context: DirectoryContext):
        if context.integrity is None:
            return
        for fact in context.integrity.edited:
            when = f"it was locked in {SUM_FILE}" if fact.against == SUM_FILE else f"it was on {fact.against}"
            renamed = f" (renamed from {fact.renamed_from})" if fact.renamed_from else ""
            message = (
                f"{fact.file.path.name}{renamed} changed after {when}: golang-migrate never runs an applied "
                f"version again, so databases that applied version {fact.file.version} keep the old content "
                "and new databases get this one"
            )
            help = (
                "Undo the edit and put the change in a new migration. If the edit cannot change what runs "
                "(a comment), record it with `safemig-lint lock`."
            )
            span = Span(fact.line, 1, fact.line, 1)
            yield FileFinding(fact.file.path, fact.file.display_path, Finding(span, message, help, fact.file.path.name))

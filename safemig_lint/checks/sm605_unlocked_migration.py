from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity, Span
from safemig_lint.integrity.sumfile import SUM_FILE


class UnlockedMigration(Rule):
    code = "SM605"
    name = "unlocked-migration"
    severity = Severity.INFO
    summary = "A migration file is not in the lock file safemig.sum yet."

    def check_directory(self, context: DirectoryContext):
        if context.integrity is None:
            return
        for fact in context.integrity.unlocked:
            if fact.renamed_from:
                message = f"{fact.file.path.name} is {fact.renamed_from} renamed, same content; {SUM_FILE} still lists the old name"
            elif fact.version_locked:
                message = f"{fact.file.path.name} is not in {SUM_FILE}; it adds a {fact.file.direction} file to version {fact.file.version}, which is locked"
            else:
                message = f"{fact.file.path.name} is not in {SUM_FILE} yet"
            help = f"Run `safemig-lint lock` and commit {SUM_FILE} with the migration (`safemig-lint lock --check` fails until then)."
            yield FileFinding(fact.file.path, fact.file.display_path, Finding(Span(1, 1, 1, 1), message, help, fact.file.path.name))

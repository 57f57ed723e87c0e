from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity, Span
from safemig_lint.integrity.sumfile import SUM_FILE


class MigrationOutOfOrder(Rule):
    code = "SM603"
    name = "migration-out-of-order"
    severity = Severity.ERROR
    summary = "A new migration's version is not above the newest applied one: golang-migrate skips it on every database already past that."

    def check_directory(self, context: DirectoryContext):
        if context.integrity is None:
            return
        for fact in context.integrity.out_of_order:
            where = f"locked in {SUM_FILE}" if fact.against == SUM_FILE else f"on {fact.against}"
            if fact.collides:
                message = (
                    f"version {fact.file.version} is already taken by {fact.newest_name} {where}: after the merge "
                    f"golang-migrate refuses the directory ('duplicate migration file')"
                )
            else:
                message = (
                    f"version {fact.file.version} is below {fact.newest_name} (version {fact.newest_version}), "
                    f"{where}: golang-migrate only applies versions above a database's current one, so every "
                    f"database already at {fact.newest_version} skips this migration without a word"
                )
            help = f"Renumber it (its up and down files) above {fact.newest_version}, e.g. with the current timestamp."
            yield FileFinding(fact.file.path, fact.file.display_path, Finding(Span(1, 1, 1, 1), message, help, fact.file.path.name))

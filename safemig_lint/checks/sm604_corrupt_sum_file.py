from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity, Span
from safemig_lint.integrity.sumfile import SUM_FILE


class CorruptSumFile(Rule):
    code = "SM604"
    name = "corrupt-sum-file"
    severity = Severity.ERROR
    summary = "The lock file safemig.sum is damaged or was edited by hand, so it no longer vouches for the migrations."

    def check_directory(self, context: DirectoryContext):
        if context.integrity is None:
            return
        for fact in context.integrity.corrupt:
            message = f"{SUM_FILE}: {fact.reason}"
            help = f"Check with `git log -p {SUM_FILE}` that no applied migration was edited, then write it again with `safemig-lint lock`."
            span = Span(fact.place.line, 1, fact.place.line, 1)
            yield FileFinding(fact.place.path, fact.place.display_path, Finding(span, message, help, f"{SUM_FILE}:{fact.reason}"))

from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.dialects import database_name


class WrongDialect(Rule):
    code = "SM014"
    name = "wrong-dialect"
    severity = Severity.ERROR
    summary = "Most statements of the folder are not in the configured dialect, and another dialect reads them: the configuration names the wrong database."

    def check_directory(self, context: DirectoryContext):
        # Only when a file reported holds a statement its grammar rejects is the folder looked at whole.
        reported = [
            (file, facts) for file in context.directory.files() if context.reports_on(file.path) and (facts := context.facts.get(file.path))
        ]
        if not any(facts.grammar.rejects_any for _, facts in reported):
            return
        verdict = context.facts.wrong_dialect
        if verdict is None:
            return
        anchor = next(((file, facts) for file, facts in reported if any(path == file.path for path, _ in verdict.accepted)), None)
        if anchor is None:
            return
        file, facts = anchor
        start = min(start for path, start in verdict.accepted if path == file.path)
        statement = next(s for s in facts.grammar.rejected if s.start == start)
        configured, suggested = database_name(verdict.configured), database_name(verdict.suggested)
        yield FileFinding(
            file.path,
            file.display_path,
            Finding(
                statement.span,
                f"this folder is set to {verdict.configured}, but {configured} rejects {verdict.rejected} of its "
                f"{verdict.statements} statements, and {suggested} {'reads' if verdict.suggested == 'mysql' else 'accepts'} {len(verdict.accepted)} of those: the folder "
                f"is written for {suggested}. Until the dialect is set right, its statements are not reported one by one",
                f'Set `dialect = "{verdict.suggested}"` in the configuration (.safemig-lint.toml, or [tool.safemig-lint] '
                f"in pyproject.toml; a folder can have its own), or pass `--dialect {verdict.suggested}`.",
                statement.snippet,
            ),
        )

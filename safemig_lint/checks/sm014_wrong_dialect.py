from safemig_lint.checks.base import DirectoryContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.dialects import database_name
from safemig_lint.reading.dialect_check import rejected_by_own_grammar, wrong_dialect


class WrongDialect(Rule):
    code = "SM014"
    name = "wrong-dialect"
    severity = Severity.ERROR
    summary = "Most statements of the folder are not in the configured dialect, and another dialect reads them: the configuration names the wrong database."

    def check_directory(self, context: DirectoryContext):
        parsed = context.parsed
        # Only when a file reported holds a statement its grammar rejects is the folder looked at whole.
        reported = [file for file in context.directory.files() if context.reports_on(file.path)]
        if not any(rejected_by_own_grammar(s, context.dialect) for file in reported for s in _statements(parsed, file.path)):
            return
        verdict = wrong_dialect(context.history)
        if verdict is None:
            return
        anchor = next((file for file in reported if any(path == file.path for path, _ in verdict.accepted)), None)
        if anchor is None:
            return
        lines = parsed[anchor.path].lines
        start = min(start for path, start in verdict.accepted if path == anchor.path)
        statement = next(s for s in parsed[anchor.path].statements if s.start == start)
        configured, suggested = database_name(verdict.configured), database_name(verdict.suggested)
        yield FileFinding(
            anchor.path,
            anchor.display_path,
            Finding(
                lines.span(statement.start, statement.end),
                f"this folder is set to {verdict.configured}, but {configured} rejects {verdict.rejected} of its "
                f"{verdict.statements} statements, and {suggested} {'reads' if verdict.suggested == 'mysql' else 'accepts'} {len(verdict.accepted)} of those: the folder "
                f"is written for {suggested}. Until the dialect is set right, its statements are not reported one by one",
                f'Set `dialect = "{verdict.suggested}"` in the configuration (.safemig-lint.toml, or [tool.safemig-lint] '
                f"in pyproject.toml; a folder can have its own), or pass `--dialect {verdict.suggested}`.",
                statement.normalized_text,
            ),
        )


def _statements(parsed, path):
    found = parsed.get(path)
    return found.statements if found is not None and not found.unreadable else ()

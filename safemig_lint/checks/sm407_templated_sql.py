from safemig_lint.checks.base import DirectoryContext, FileContext, FileFinding, Rule
from safemig_lint.diagnostics import Finding, Related, Severity


class TemplatedSql(Rule):
    code = "SM407"
    name = "templated-sql"
    severity = Severity.INFO
    summary = "A template placeholder is filled in at deploy time, outside the linter's sight."
    security_severity = 3.0

    def check_directory(self, context: DirectoryContext):
        """One finding per placeholder and folder, at its first use among the files reported: the
        reviewer decides once whether a value is trusted, however often the files use it."""
        found: dict[str, tuple] = {}  # placeholder -> (file, span, text) of its first use
        uses: dict[str, list[tuple]] = {}  # placeholder -> (display path, span) of each later use
        for file in context.directory.files():
            if not context.reports_on(file.path):
                continue
            facts = context.facts.get(file.path)
            for placeholder in facts.placeholders if facts is not None else ():
                key, span = spelled(placeholder.text), placeholder.span
                if key not in found:
                    found[key] = (file, span, placeholder.text)
                    uses[key] = []
                else:
                    uses[key].append((file.display_path, span))
        for key, (file, span, text) in found.items():
            others = uses[key]
            again = f"; used {len(others)} more time{'s' if len(others) > 1 else ''} in this folder" if others else ""
            yield FileFinding(
                file.path,
                file.display_path,
                Finding(
                    span,
                    f"template placeholder {text.strip()} is substituted at deploy time{again}; the SQL that finally runs was not linted",
                    "Make sure the substituted value comes from trusted configuration, never from user input, "
                    "and is an identifier or literal that cannot change the statement's shape.",
                    text,
                    related=tuple(Related(path, where, f"{text.strip()} again") for path, where in others),
                ),
            )

    def check_file(self, context: FileContext):
        for statement in context.parsed.statements:
            if statement.error is not None and context.parsed.shaped_by_template(statement):
                yield context.finding(
                    statement,
                    "this statement is assembled by template conditionals and cannot be parsed until they are rendered; it was not checked",
                    "Render the template for each target and lint the result, or keep dialect-specific "
                    "SQL in separate migration directories.",
                )


def spelled(text: str) -> str:
    """A placeholder as one spelling, whatever its inner spacing: `{{.Schema}}` is `{{ .Schema }}`."""
    inner = text.strip()
    for opener, closer in (("{{", "}}"), ("${", "}")):
        if inner.startswith(opener) and inner.endswith(closer):
            body = " ".join(inner[len(opener) : -len(closer)].strip("- ").split())
            return f"{opener} {body} {closer}" if opener == "{{" else f"{opener}{body}{closer}"
    return " ".join(inner.split())

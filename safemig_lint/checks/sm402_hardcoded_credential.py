from safemig_lint.analysis.credentials import Secret, redacted, secrets_within
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity

_HELP = (
    "Keep credentials out of migrations: create the account without a password (or with a "
    "placeholder your deploy tool fills in from a secret store), and set it outside version "
    "control, e.g. with psql's \\password or your platform's secret manager. This one is in "
    "the repository's history now: rotate it."
)


class HardcodedCredential(Rule):
    code = "SM402"
    name = "hardcoded-credential"
    severity = Severity.ERROR
    summary = "A password, key or token is written into the migration, and so into version control."
    security_severity = 9.3

    def check_file(self, context: FileContext):
        # Found (and masked) when the file was read: analysis/masking.py.
        statements = iter(context.parsed.statements)
        statement, statement_snippet = next(statements, None), None
        for secret in context.parsed.secrets:
            if not secret.reported:
                continue
            while statement is not None and statement.end <= secret.start:
                statement, statement_snippet = next(statements, None), None
            if statement is not None and statement.start <= secret.start:
                if statement_snippet is None:
                    statement_snippet = redacted(statement.text, statement.start, secrets_within(context.parsed, statement))
                snippet = statement_snippet
            else:  # in a comment
                start, end = secret.around
                snippet = redacted(context.parsed.text[start:end], start, [secret])
            yield self._report(secret, snippet, context)

    def _report(self, secret: Secret, snippet: str, context: FileContext) -> Finding:
        return Finding(
            context.span(*secret.around),
            f"hardcoded {secret.what}: anyone who can read this repository or its history can use it",
            _HELP,
            snippet,
        )

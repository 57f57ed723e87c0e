from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.analysis.credentials import Secret, comment_secrets, redacted, statement_secrets
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
        reported: set[tuple[int, int]] = set()
        for statement in context.parsed.statements:
            secrets = statement_secrets(statement, context)
            snippet = redacted(statement.text, statement.start, secrets)
            for secret in secrets:
                yield from self._report(secret, snippet, context, reported)
        for secret in comment_secrets(context):
            start, end = secret.around
            snippet = redacted(context.parsed.text[start:end], start, [secret])
            yield from self._report(secret, snippet, context, reported)

    def _report(self, secret: Secret, snippet: str, context: FileContext, reported: set):
        if (secret.start, secret.end) in reported:
            return
        reported.add((secret.start, secret.end))
        yield Finding(
            context.span(*secret.around),
            f"hardcoded {secret.what}: anyone who can read this repository or its history can use it",
            _HELP,
            snippet,
        )

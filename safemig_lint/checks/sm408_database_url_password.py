from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.analysis.credentials import is_placeholder
from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    # only named in annotations: every run that lints loads the rules, few read invocation files
    from safemig_lint.reading.invocations import InvocationFile


class DatabaseUrlPassword(Rule):
    code = "SM408"
    name = "database-url-password"
    severity = Severity.ERROR
    summary = "A golang-migrate database URL carries its password, written into a file in version control."
    security_severity = 8.8

    def check_invocation(self, file: InvocationFile):
        for url in file.urls:
            password = url.password
            if not password or url.password_is_reference or is_placeholder(password) or url.is_example:
                continue
            if file.is_local(url.host):
                continue  # a database on this machine or started by this file: a development default
            where = f"`{url.host}`" if url.host and not url.host_is_templated else "a database"
            yield Finding(
                file.lines.span(url.start, url.end),
                f"the {url.scheme}:// URL for {where} has its password written in {file.kind_name}: "
                "everyone who can read the repository, its history or the logs of what runs it can connect",
                "Take the password from the environment or the CI secret store "
                '(`-database "$DATABASE_URL"`, `${{ secrets.DATABASE_URL }}`), and rotate this one: '
                "it stays in the repository's history.",
                file.masked_text[url.start : url.end],
            )

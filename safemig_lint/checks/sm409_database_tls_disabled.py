from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    # only named in annotations: every run that lints loads the rules, few read invocation files
    from safemig_lint.reading.invocations import InvocationFile


class DatabaseTlsDisabled(Rule):
    code = "SM409"
    name = "database-tls-disabled"
    severity = Severity.WARNING
    summary = "A golang-migrate database URL turns TLS off for a database on another host."
    security_severity = 5.9

    def check_invocation(self, file: InvocationFile):
        for url in file.urls:
            setting = url.tls_disabled
            if setting is None or url.is_example or url.host_is_templated or file.is_local(url.host):
                continue
            start = file.text.find(setting, url.start, url.end)
            yield Finding(
                file.lines.span(start, start + len(setting)) if start >= 0 else file.lines.span(url.start, url.end),
                f"`{setting}` sends the migration's credentials and SQL to `{url.host}` unencrypted, "
                "readable and changeable by anyone on the network path",
                "Use `sslmode=verify-full` (PostgreSQL), `tls=true` (MySQL) or `encrypt=true` (SQL Server) "
                "with the server's CA certificate.",
                file.masked_text[url.start : url.end],
            )

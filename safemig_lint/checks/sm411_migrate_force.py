from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    # only named in annotations: every run that lints loads the rules, few read invocation files
    from safemig_lint.reading.invocations import InvocationFile


class MigrateForce(Rule):
    code = "SM411"
    name = "migrate-force"
    severity = Severity.WARNING
    summary = "Automation runs `migrate force`, marking a dirty database clean without repairing it."
    security_severity = 5.3

    def check_invocation(self, file: InvocationFile):
        if not file.is_automation:
            return
        for command in file.commands:
            if command.subcommand == "force" and not file.runs_on_local_database(command):
                yield Finding(
                    file.lines.span(command.start, command.end),
                    "`migrate force` sets the version and clears the dirty flag without running anything: "
                    "a half-applied migration is then taken as done, and the schema silently differs from the files",
                    "Run `force` by hand, after repairing the database by hand; let automation stop on a dirty database.",
                    file.masked_text[command.start : command.end],
                )

from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    # only named in annotations: every run that lints loads the rules, few read invocation files
    from safemig_lint.reading.invocations import InvocationFile


class MigrateDownAll(Rule):
    code = "SM410"
    name = "migrate-down-all"
    severity = Severity.ERROR
    summary = "Automation runs `migrate down` without a count, or with `-all`: every migration is rolled back."
    security_severity = 7.1

    def check_invocation(self, file: InvocationFile):
        if not file.is_automation:
            return
        for command in file.commands:
            if command.subcommand != "down" or file.runs_on_local_database(command):
                continue
            counts = [a for a in command.arguments if a.isdigit()]
            if "-all" in command.arguments or "--all" in command.arguments:
                message = "`migrate down -all` rolls back every migration, dropping what they created, with no prompt"
            elif not counts:
                message = (
                    "`migrate down` without a count rolls back every migration once its prompt is answered; "
                    "run unattended it either aborts the job or, with `yes |`, empties the database"
                )
            else:
                continue
            yield Finding(
                file.lines.span(command.start, command.end),
                message,
                "Roll back a known number of versions (`migrate ... down 1`), or `goto` the version to return to.",
                file.masked_text[command.start : command.end],
            )

from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    # only named in annotations: every run that lints loads the rules, few read invocation files
    from safemig_lint.reading.invocations import InvocationFile


class MigrateDrop(Rule):
    code = "SM412"
    name = "migrate-drop"
    severity = Severity.ERROR
    summary = "Automation runs `migrate drop`, which deletes everything in the database."
    security_severity = 8.1

    def check_invocation(self, file: InvocationFile):
        if not file.is_automation:
            return
        for command in file.commands:
            if command.subcommand == "drop" and not file.runs_on_local_database(command):
                yield Finding(
                    file.lines.span(command.start, command.end),
                    "`migrate drop` deletes every table, view and type in the database it is pointed at; "
                    "in automation one wrong -database value empties production",
                    "Keep `drop` out of pipelines and scripts; create a fresh database for tests instead.",
                    file.masked_text[command.start : command.end],
                )

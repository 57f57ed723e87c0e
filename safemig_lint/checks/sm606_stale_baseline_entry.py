from __future__ import annotations

from typing import TYPE_CHECKING

from safemig_lint.checks.base import Rule
from safemig_lint.diagnostics import Finding, Severity, Span

if TYPE_CHECKING:
    from safemig_lint.integrity.baseline import Entry


class StaleBaselineEntry(Rule):
    """Reported by the engine for a baseline entry that matches no finding any more."""

    code = "SM606"
    name = "stale-baseline-entry"
    severity = Severity.WARNING
    summary = "An entry in safemig-baseline.json matches no finding any more."

    @staticmethod
    def finding(entry: Entry) -> Finding:
        message = f"baseline entry {entry.fingerprint} ({entry.code} in {entry.file}) matches no finding any more"
        help = "The finding was fixed (or its statement changed): run `safemig-lint baseline` to drop the entry."
        return Finding(Span(entry.line, 1, entry.line, 1), message, help, entry.fingerprint)

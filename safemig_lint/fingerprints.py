"""Stable fingerprints of diagnostics, shared by SARIF (partialFingerprints) and the baseline."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable

from safemig_lint.diagnostics import Diagnostic


def fingerprints(findings: list[Diagnostic], path_of: Callable[[Diagnostic], str]) -> list[str]:
    """Same rule, file and statement text -> same fingerprint, wherever the statement moves.

    `findings` in report order; `path_of` names the file (SARIF: relative to the repository;
    the baseline: relative to its migration directory). Identical statements in one file are
    told apart by their order, which edits elsewhere in the file do not change.
    """
    seen: Counter = Counter()
    values = []
    for d in findings:
        key = (d.code, path_of(d), d.snippet)
        occurrence = seen[key]
        seen[key] += 1
        values.append(hashlib.sha256("\x00".join([*key, str(occurrence)]).encode()).hexdigest()[:32])
    return values

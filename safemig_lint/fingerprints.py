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
    # The hash of "code\0path\0snippet\0", taken once per distinct key: the findings of one long
    # statement share its snippet, which is not hashed again for each (the values are unchanged).
    prefixes: dict[tuple[str, str, str], hashlib._Hash] = {}
    paths: dict[str, str] = {}
    values = []
    for d in findings:
        path = paths[d.path] if d.path in paths else paths.setdefault(d.path, path_of(d))
        key = (d.code, path, d.snippet)
        occurrence = seen[key]
        seen[key] += 1
        if key not in prefixes:
            prefixes[key] = hashlib.sha256("\x00".join([*key, ""]).encode())
        digest = prefixes[key].copy()
        digest.update(str(occurrence).encode())
        values.append(digest.hexdigest()[:32])
    return values

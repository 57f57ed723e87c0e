"""The baseline, `safemig-baseline.json` in a migration directory: today's findings, by fingerprint,
so a legacy repository adopts safemig-lint without fixing its history first.

`safemig-lint baseline DIR` writes it; `check` then drops the findings it lists and reports an
entry that matches nothing any more (SM606). Fingerprints are the SARIF ones (rule, file name,
statement text and occurrence), so lines inserted above a finding do not change them. The file
holds one finding per line, sorted, so it diffs well and the same findings give the same bytes.
It holds rule codes, file names and messages, never statement text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from safemig_lint.config import ConfigError
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.fingerprints import fingerprints
from safemig_lint.integrity import BASELINE_FILE
from safemig_lint.integrity.files import child_display, write_atomically
from safemig_lint.reading.discovery import MigrationDirectory
from safemig_lint.reading.source import READ_BACK_LIMIT, read_regular
from safemig_lint.values import value

FORMAT = "safemig-baseline"
FORMAT_VERSION = 1
# Tool failures and the history findings (fixed with `lock`, not waived) never go in a baseline.
_NEVER_BASELINED = ("SM000", "SM6")


@value(unsafe_hash=True)
class Entry:
    fingerprint: str
    code: str
    file: str  # name inside the migration directory
    message: str
    line: int  # of this entry in the baseline file


def baselined(diagnostic: Diagnostic) -> bool:
    return not diagnostic.code.startswith(_NEVER_BASELINED)


def in_directory(directory: MigrationDirectory, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics about files of `directory`, in report order."""
    members = {f.display_path for f in directory.files()} | {display for _, display in directory.misnamed}
    return sorted((d for d in diagnostics if d.path in members), key=lambda d: d.sort_key)


def _file_name(diagnostic: Diagnostic) -> str:
    return diagnostic.path.rpartition("/")[2]


def _fingerprinted(diagnostics: list[Diagnostic]) -> list[tuple[Diagnostic, str]]:
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    return list(zip(ordered, fingerprints(ordered, _file_name)))


def render(diagnostics: list[Diagnostic]) -> bytes:
    """The baseline for `diagnostics` (one directory's, suppressed ones included for stable numbering)."""
    entries = sorted(
        (_file_name(d), d.code, fingerprint, d.message)
        for d, fingerprint in _fingerprinted(diagnostics)
        if d.suppression is None and baselined(d)
    )
    lines = [
        json.dumps({"fingerprint": fingerprint, "rule": code, "file": name, "message": message}, ensure_ascii=False)
        for name, code, fingerprint, message in entries
    ]
    findings = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
    header = f'"format": "{FORMAT}",\n  "version": {FORMAT_VERSION},\n  "tool": "safemig-lint"'
    return f'{{\n  {header},\n  "findings": {findings}\n}}\n'.encode()


def write(directory: MigrationDirectory, diagnostics: list[Diagnostic]) -> bool:
    """Write the directory's baseline; False when it already held exactly these findings."""
    return write_atomically(directory.path / BASELINE_FILE, render(diagnostics))


def read(directory: MigrationDirectory) -> list[Entry] | None:
    """The directory's baseline entries, None without a baseline; ConfigError when it is unreadable."""
    path = directory.path / BASELINE_FILE
    shown = child_display(directory.display_path, BASELINE_FILE)
    try:
        text = read_regular(path, READ_BACK_LIMIT).decode("utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read the baseline: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"not a {FORMAT} {FORMAT_VERSION} file")
        items = [(str(i["fingerprint"]), str(i["rule"]), str(i["file"]), str(i.get("message", ""))) for i in data["findings"]]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise ConfigError(f"{shown}: not a safemig-lint baseline ({error}); write it again with `safemig-lint baseline`") from None
    line_of: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for item in items:
            if f'"{item[0]}"' in line:
                line_of.setdefault(item[0], number)
    return [Entry(fingerprint, code, name, message, line_of.get(fingerprint, 1)) for fingerprint, code, name, message in items]


def apply(entries: list[Entry], diagnostics: list[Diagnostic], still_checked: Callable[[Entry], bool]) -> tuple[set[int], list[Entry]]:
    """(ids of the diagnostics the baseline waives, entries that match nothing though their file
    and rule were checked)."""
    wanted = {entry.fingerprint for entry in entries}
    waived: set[int] = set()
    matched: set[str] = set()
    for d, fingerprint in _fingerprinted(diagnostics):
        if fingerprint in wanted and d.suppression is None and baselined(d):
            waived.add(id(d))
            matched.add(fingerprint)
    stale = [entry for entry in entries if entry.fingerprint not in matched and still_checked(entry)]
    return waived, stale


def entry_path(directory: MigrationDirectory) -> tuple[Path, str]:
    return directory.path / BASELINE_FILE, child_display(directory.display_path, BASELINE_FILE)

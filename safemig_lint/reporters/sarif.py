"""`--format sarif`: a SARIF 2.1.0 log for GitHub code scanning (and any other SARIF viewer).

What GitHub reads from it: rule metadata (help from rules/SMxxx.md, tags, security-severity
for security rules), one location per result with a repository-relative path, fingerprints
that survive edits above a finding, in-source suppressions, and tool errors as notifications.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from safemig_lint import __version__
from safemig_lint.checks import all_rules
from safemig_lint.checks.base import Rule
from safemig_lint.checks.sm000_internal_error import InternalError
from safemig_lint.diagnostics import Diagnostic, Related, Severity
from safemig_lint.engine import INTERNAL_ERROR, LintResult
from safemig_lint.fingerprints import fingerprints as shared_fingerprints
from safemig_lint.reading.source import LineIndex
from safemig_lint.reporters import PROJECT_URL, rule_url, verification_summary
from safemig_lint.reporters.location import repository_path, repository_root, root_of
from safemig_lint.rule_pages import load_page

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "safemigLintHash/v1"
# What GitHub code scanning accepts in one upload.
MAX_RESULTS = 25_000
MAX_GZIPPED_BYTES = 10 * 1024 * 1024

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Rule code prefix -> the tag GitHub shows and filters alerts by.
_CATEGORY_TAG = {
    "SM0": "migration-files",
    "SM1": "data-loss",
    "SM2": "rollback",
    "SM3": "idempotency",
    "SM4": "security",
    "SM6": "migration-history",
}


def report(result: LintResult, stream: TextIO) -> None:
    stream.write(render(result))
    stream.write("\n")


def render(result: LintResult) -> str:
    """The SARIF log as JSON text, cut down to GitHub's upload limits (with a warning) if needed."""
    log = as_dict(result)
    results = log["runs"][0]["results"]
    if len(results) > MAX_RESULTS:
        _warn(f"{len(results):,} results exceed GitHub's limit of {MAX_RESULTS:,} per run")
        _keep_most_important(results, MAX_RESULTS)
    text = json.dumps(log, indent=2, ensure_ascii=False)
    # A log within the limit before compression is within it after, so small logs skip gzip.
    while results and len(text.encode()) > MAX_GZIPPED_BYTES and (size := len(gzip.compress(text.encode()))) > MAX_GZIPPED_BYTES:
        _warn(f"the SARIF log is {size:,} bytes gzipped, over GitHub's limit of {MAX_GZIPPED_BYTES:,}")
        _keep_most_important(results, int(len(results) * MAX_GZIPPED_BYTES / size * 0.9))
        text = json.dumps(log, indent=2, ensure_ascii=False)
    return text


def as_dict(result: LintResult) -> dict:
    rules = [rule for rule in all_rules() if rule.code != INTERNAL_ERROR]
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    root = _root(result)
    findings = [d for d in result.diagnostics if d.code != INTERNAL_ERROR]
    fingerprints = shared_fingerprints(findings, lambda d: repository_path(d.path) or d.path)
    errors = result.internal_errors
    notifications = [_notification(d, result.sources.get(d.path)) for d in errors] + [
        {"level": "error", "message": {"text": f"{path}: no such file or directory"}} for path in result.missing_paths
    ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "safemig-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_descriptor(rule) for rule in rules],
                        # Crashed checks are the tool's failures, not findings in the code.
                        "notifications": [
                            {"id": InternalError.code, "name": InternalError.name, "shortDescription": {"text": InternalError.summary}}
                        ],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                # GitHub tells runs apart by this id ("category/"): one per set of linted paths, and per command.
                "automationDetails": {"id": _automation_id(result, root)},
                **_properties(result),
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
                # Our columns count characters, not the UTF-16 code units SARIF assumes by default.
                "columnKind": "unicodeCodePoints",
                "results": [
                    _result(d, rule_index[d.code], fingerprint, result.sources.get(d.path))
                    for d, fingerprint in zip(findings, fingerprints)
                ],
            }
        ],
    }


def _root(result: LintResult) -> Path:
    """The repository the linted paths are in (its git top level), wherever safemig-lint was started."""
    for path in result.paths:
        root = root_of(path)
        if root is not None:
            return root
    return repository_root(Path.cwd().resolve())


def _automation_id(result: LintResult, root: Path) -> str:
    """`safemig-lint/db/migrations/`: the tool and the linted paths, relative to the repository;
    `safemig-lint-verify/db/migrations/` for `verify`, so that its upload does not replace `check`'s."""
    where = []
    for path in result.paths:
        absolute = (Path.cwd() / path).resolve()
        where.append(absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else absolute.as_posix())
    tool = "safemig-lint" if result.verification is None else "safemig-lint-verify"
    return "/".join([tool, ",".join(where) or "."]) + "/"


def _properties(result: LintResult) -> dict:
    """A verify run's coverage: versions given a verdict, of those asked for."""
    covered = result.verification
    if covered is None:
        return {}
    return {"properties": {"versionsVerified": covered.verified, "versions": covered.total, "summary": verification_summary(result)}}


def _descriptor(rule: type[Rule]) -> dict:
    page = load_page(rule.code)
    if page is not None:
        full = page.section_text("What it flags") or rule.summary
        help_text = "\n\n".join(filter(None, [rule.summary, page.section_text("What it flags", "Why it matters", "How to suppress")]))
        help_markdown = page.markdown.partition("\n")[2].strip()
    else:
        full = help_text = help_markdown = rule.summary
    tags = ["sql", "migrations"] + [tag for prefix, tag in _CATEGORY_TAG.items() if rule.code.startswith(prefix)]
    properties: dict = {"tags": tags}
    if rule.security_severity is not None:
        if "security" not in tags:
            tags.append("security")
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": f"{help_markdown}\n\n[{rule.code} {rule.name}]({rule_url(rule.code)})"},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": properties,
    }


def _result(d: Diagnostic, rule_index: int, fingerprint: str, lines: LineIndex | None) -> dict:
    result = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": f"{d.message}\n\n{d.help}" if d.help else d.message},
        "locations": [_location(d, lines)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if d.related:  # a down file's finding, pointing at the up-file statement it is about
        result["relatedLocations"] = [
            {"id": index, **_location(related, None), "message": {"text": related.message}} for index, related in enumerate(d.related, 1)
        ]
    if d.suppression is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": d.suppression.reason}]
    return result


def _notification(d: Diagnostic, lines: LineIndex | None) -> dict:
    return {
        "descriptor": {"id": d.code, "index": 0},
        "level": "error",
        "message": {"text": d.message},
        "locations": [_location(d, lines)],
    }


def _location(d: Diagnostic | Related, lines: LineIndex | None) -> dict:
    relative = repository_path(d.path)
    if relative is not None:
        artifact = {"uri": quote(relative), "uriBaseId": SOURCE_ROOT}
    else:
        artifact = {"uri": (Path.cwd() / d.path).resolve().as_uri()}
    return {"physicalLocation": {"artifactLocation": artifact, "region": _region(d, lines)}}


def _region(d: Diagnostic | Related, lines: LineIndex | None) -> dict:
    span = d.span
    end_column = span.end_column
    if span.is_empty:
        # An empty span (a finding about the whole file) would be an invisible insertion
        # point on GitHub: mark the rest of its line instead, or at least one character.
        width = len(lines.line_text(span.line)) if lines is not None and span.line <= lines.line_count else 0
        end_column = max(span.column + 1, width + 1)
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": end_column}


def _keep_most_important(results: list[dict], limit: int) -> None:
    """Keep `limit` results in place: active before suppressed, errors before warnings before notes."""
    rank = {"error": 0, "warning": 1, "note": 2}
    ordered = sorted(range(len(results)), key=lambda i: ("suppressions" in results[i], rank[results[i]["level"]], i))
    kept = sorted(ordered[: max(limit, 0)])
    results[:] = [results[i] for i in kept]
    _warn(f"the SARIF report keeps the {len(results):,} most severe results; run the text report to see them all")


def _warn(message: str) -> None:
    print(f"safemig-lint: warning: {message}", file=sys.stderr)

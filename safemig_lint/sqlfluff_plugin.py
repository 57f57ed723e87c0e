"""safemig-lint's rules inside `sqlfluff lint`: a plugin registered under sqlfluff's entry point.

Each safemig-lint rule becomes a sqlfluff rule with the same code (SM101 ...), in the groups
`all` and `safemig`, so sqlfluff's `rules` / `exclude_rules` select them like its own (globs
such as `SM1*` too). A file is linted once, the way `safemig-lint check FILE` lints it (its
folder read for context, its nearest configuration applied); each rule then reports its
code's findings, anchored at the finding's line and column.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from sqlfluff.core.plugin import hookimpl
from sqlfluff.core.rules import BaseRule, LintResult, RuleContext
from sqlfluff.core.rules.crawlers import RootOnlyCrawler

# sqlfluff dialects whose names sqlglot reads the same way; others fall back to postgres.
_DIALECTS = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite", "duckdb": "duckdb", "mariadb": "mysql"}


@hookimpl
def get_rules() -> list[type[BaseRule]]:
    from safemig_lint.checks import all_rules

    return [_sqlfluff_rule(rule) for rule in all_rules()]


def __getattr__(name: str) -> type[BaseRule]:
    """A rule's class, made on first use: sqlfluff's worker processes (--processes) send back findings
    that refer to it by module and name, and the process that reads them may not have asked for the rules."""
    if name.startswith("Rule_Safemig_"):
        get_rules()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _sqlfluff_rule(rule) -> type[BaseRule]:
    # sqlfluff derives a code from the class name (four characters at most), so the class gets
    # a placeholder name and the real code is set afterwards: SM101 is SM101 in sqlfluff too.
    name = f"Rule_Safemig_{rule.code[2:].rjust(4, '0')}"
    if name not in globals():
        cls: type[BaseRule] = type(
            name,
            (BaseRule,),
            {
                "__doc__": f"{rule.summary}\n",
                "__module__": __name__,
                "name": "safemig." + rule.name.replace("-", "_"),
                "groups": ("all", "safemig"),
                "crawl_behaviour": RootOnlyCrawler(),
                "_eval": _evaluate,
                "safemig_code": rule.code,
            },
        )
        cls.code = rule.code
        globals()[name] = cls  # found by module and name, as pickle finds a class (see __getattr__)
    return globals()[name]


def _evaluate(self, context: RuleContext) -> list[LintResult]:
    templated = context.templated_file
    if templated is None or not templated.fname or not Path(templated.fname).is_file():
        return []
    diagnostics = _diagnostics(str(Path(templated.fname).resolve()), templated.source_str, context.dialect.name)
    raw = [segment for segment in context.segment.raw_segments if segment.pos_marker and not segment.is_meta]
    offsets = _line_offsets(templated.source_str)
    return [
        LintResult(anchor=_anchor(raw, offsets[min(line, len(offsets)) - 1] + column - 1, templated), description=message)
        for code, line, column, message in diagnostics
        if code == self.safemig_code and raw
    ]


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    offsets.extend(index + 1 for index, char in enumerate(text) if char == "\n")
    return offsets


def _anchor(raw: list, offset: int, templated):
    """A segment at exactly `offset` in the source, so sqlfluff shows safemig-lint's line and column.

    A finding inside a long segment (a `$$` function body is one literal to sqlfluff) gets a
    copy of that segment whose position is narrowed to the finding's character.
    """
    from sqlfluff.core.parser.markers import PositionMarker

    containing = next((s for s in raw if s.pos_marker.source_slice.start <= offset < s.pos_marker.source_slice.stop), None)
    if containing is None or containing.is_whitespace:
        later = [s for s in raw if s.pos_marker.source_slice.start >= offset and not s.is_whitespace]
        return later[0] if later else raw[-1]
    marker = containing.pos_marker
    if marker.source_slice.start == offset or not marker.is_literal():
        return containing
    shift = offset - marker.source_slice.start
    narrowed = containing.copy()
    narrowed.pos_marker = PositionMarker(
        slice(offset, offset + 1), slice(marker.templated_slice.start + shift, marker.templated_slice.start + shift + 1), templated
    )
    return narrowed


@lru_cache(maxsize=64)
def _diagnostics(path: str, source: str, sqlfluff_dialect: str) -> tuple[tuple[str, int, int, str], ...]:
    """(code, line, column, message) of every active finding in `path`; `source` keys the cache."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.config import ConfigError, ConfigResolver
    from safemig_lint.engine import lint

    # jobs=1: sqlfluff spreads files over its own processes (--processes); its workers may start none.
    try:
        resolver = ConfigResolver({}, list(rules_by_code()))
        config = resolver.for_path(Path(path))
        if config.source is None:  # no configuration file: sqlfluff's dialect says how to read the SQL
            config = replace(config, dialect=_DIALECTS.get(sqlfluff_dialect, config.dialect))
            result = lint([path], config, jobs=1)
        else:
            result = lint([path], config, resolver.for_path, jobs=1)
    except ConfigError:
        return ()  # `safemig-lint check` reports a broken configuration; sqlfluff has no place for it
    return tuple((d.code, d.span.line, d.span.column, d.message) for d in result.active)

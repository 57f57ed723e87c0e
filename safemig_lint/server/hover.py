"""Hover text: the rule page of a finding under the cursor (or of a rule code written there, as
in a suppression comment), and what the replayed schema holds for a table or column name there.

Nothing here reads the buffer's own words: names come from the history's parse of the file, with
every secret masked (analysis/schema/lookup.py), and rule pages are the tool's own text.
"""

from __future__ import annotations

import re

from safemig_lint.analysis.schema.diff import describe
from safemig_lint.analysis.schema.lookup import NameAt, Named
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.operations.model import Column, Constraint, Index, Table
from safemig_lint.reading.discovery import MigrationFile

_CODE = re.compile(r"\bSM\d{3}\b", re.IGNORECASE)


def code_at(text: str, offset: int) -> str | None:
    """A rule code written at `offset` (`-- safemig-lint: ignore SM101 ...`)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return next((m.group().upper() for m in _CODE.finditer(line) if m.start() <= offset - line_start <= m.end()), None)


def rule_pages(codes: list[str]) -> list[str]:
    """Each rule's page (rules/SMxxx.md), once."""
    from safemig_lint.checks import rules_by_code
    from safemig_lint.rule_pages import load_page

    known = rules_by_code()
    pages = []
    for code in dict.fromkeys(codes):
        rule = known.get(code)
        if rule is None:
            continue
        page = load_page(code)
        pages.append(page.markdown.strip() if page else f"# {rule.code} {rule.name}\n{rule.summary}")
    return pages


def findings_at(found: list[Diagnostic], line: int, column: int) -> list[str]:
    """The codes of the findings whose span holds (line, column); a finding about the whole
    file, on its first line."""

    def holds(d: Diagnostic) -> bool:
        span = d.span
        if span.is_empty:
            return line == span.line
        return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)

    return [d.code for d in found if holds(d)]


def schema_text(name: NameAt, file: MigrationFile) -> str:
    """What the schema holds for each table or column the word names, before and after the file."""
    version = file.path.name.split("_", 1)[0]
    if file.direction == "up":
        moments = (f"before {version} (after the migrations before it)", f"after {version}'s up")
    else:
        moments = (f"before this down (after {version}'s up)", "after this down")
    return "\n\n".join(_named(item, moments) for item in name.found)


def _named(item: Named, moments: tuple[str, str]) -> str:
    shown = item.before if item.before is not None else item.after
    if isinstance(shown, Column):
        title = f"**column** {_code(item.table + '.' + shown.name)}"
    else:
        title = f"**table** {_code(item.table)}"
    states = [_describe(state, keys) if state is not None else None for state, keys in zip((item.before, item.after), item.keys)]
    if states[0] == states[1]:
        return f"{title}\n\n{moments[0]}, unchanged by this file:\n\n{states[0]}"
    return title + "".join(
        f"\n\n{moment}: " + ("not in the schema" if state is None else f"\n\n{state}") for moment, state in zip(moments, states)
    )


def _describe(state: Table | Column, keys: tuple) -> str:
    if isinstance(state, Column):
        return "\n".join([f"- {_column(state)}", *(_key(key) for key in keys)])
    lines = [f"- {_code(column.name)} {_column(column)}" for column in state.columns.values()]
    table_keys: list[Index | Constraint] = [*state.constraints.values(), *state.indexes.values()]
    lines += [_key(key) for key in table_keys]
    if state.unknown:
        lines.append(f"- the model is unsure of this table: {state.unknown}")
    elif state.keys_unknown:
        lines.append(f"- its keys may differ from these: {state.keys_unknown}")
    return "\n".join(lines) or "- no columns known"


def _key(key: Index | Constraint) -> str:
    kind = "index" if isinstance(key, Index) else "constraint"
    return f"- {kind} {_code(key.name)} {_code(describe(key))}"


def _column(column: Column) -> str:
    text = _code(describe(column))
    if column.generated:
        text += " (generated)"
    if column.unknown:
        text += f" (the model is unsure of it: {column.unknown})"
    return text


def _code(text: str) -> str:
    """Inline code that a backtick in the name cannot break out of."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"

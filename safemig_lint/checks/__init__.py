"""The rule registry: every check safemig-lint knows, by stable code.

Each rule lives in its own module, `smNNN_name.py`, and is found here by that name;
adding a rule means adding its module and its page in rules/.
"""

from __future__ import annotations

import importlib
import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safemig_lint.checks.base import Rule

_RULE_FILE = re.compile(r"^(sm\d{3}_\w+)\.py$")


def _rule_modules() -> list[str]:
    """The names of the rule modules (`sm101_drop_table`), from the package's folder: listed, not
    imported (nor looked up through the import system, which costs a warm run ~1 ms)."""
    return sorted(match[1] for name in os.listdir(__path__[0]) if (match := _RULE_FILE.match(name)))


def rule_codes() -> list[str]:
    """Every rule's code, read from the module names (`sm101_drop_table` holds SM101) without
    importing the checks, so that validating settings does not load sqlglot."""
    return [name[:5].upper() for name in _rule_modules()]


def rule_table() -> list[tuple[str, str, str, bool, str]]:
    """(code, name, default severity, fixable, summary) of every rule, read from the modules' source:
    `safemig-lint rules` answers without importing sqlglot. Rules declare these as literals;
    should one not, the rules are imported instead."""
    import ast

    table: list[tuple[str, str, str, bool, str]] = []
    for module in _rule_modules():
        tree = ast.parse(Path(__path__[0], f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id == "Rule" for b in node.bases):
                values: dict[str, str] = {}
                flags: dict[str, bool] = {}
                for item in node.body:
                    if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                        value = item.value
                        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
                            flags[item.targets[0].id] = value.value
                        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                            values[item.targets[0].id] = value.value
                        elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "Severity":
                            values[item.targets[0].id] = value.attr.lower()
                if not {"code", "name", "severity", "summary"} <= set(values):
                    return [(r.code, r.name, r.severity.value, r.fixable, r.summary) for r in all_rules()]
                table.append((values["code"], values["name"], values["severity"], flags.get("fixable") is True, values["summary"]))
    return sorted(table)


@cache
def all_rules() -> tuple[type[Rule], ...]:
    return _rules_in(_rule_modules())


def _rules_in(modules: list[str]) -> tuple[type[Rule], ...]:
    """The rules these rule modules define (imported), by code."""
    from safemig_lint.checks.base import Rule

    rules: list[type[Rule]] = []
    for name in modules:
        module = importlib.import_module(f"{__name__}.{name}")
        rules.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
        )
    return tuple(sorted(rules, key=lambda rule: rule.code))


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


# The rule modules a `check` of a folder of another dialect than these need not import: those whose rules read
# files of these dialects alone (their `dialects`) and have no other hook (check_directory, check_invocation),
# and those whose rules have no hook at all, for any dialect (the engine reports SM000, SM009, SM010, SM013 and
# SM606 itself, `verify` the SM7xx). Importing them cost a one-file run ~1%.
# tests/test_startup.py holds this table to the rules themselves.
_ONLY_FOR: dict[str, frozenset[str]] = {
    **dict.fromkeys(("sm109", "sm520", "sm521", "sm522", "sm630", "sm631"), frozenset({"mysql"})),
    **dict.fromkeys(("sm503", "sm507", "sm510", "sm632"), frozenset({"postgres"})),
    **dict.fromkeys(("sm530", "sm531"), frozenset({"sqlite"})),
    **dict.fromkeys(("sm000", "sm009", "sm010", "sm013", "sm606", *(f"sm{number}" for number in range(701, 712))), frozenset()),
}


@cache
def rules_for(dialect: str) -> tuple[type[Rule], ...]:
    """The rules that may find something in a `check` of a folder of this dialect: all_rules less those of
    _ONLY_FOR's modules for other dialects, which are not imported."""
    return _rules_in([name for name in _rule_modules() if dialect in _ONLY_FOR.get(name[:5], (dialect,))])

"""The rule registry: every check safemig-lint knows, by stable code.

Each rule lives in its own module, `smNNN_name.py`, and is found here by that name;
adding a rule means adding its module and its page in rules/.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safemig_lint.checks.base import Rule

_RULE_MODULE = re.compile(r"^sm\d{3}_\w+$")


def rule_codes() -> list[str]:
    """Every rule's code, read from the module names (`sm101_drop_table` holds SM101) without
    importing the checks, so that validating settings does not load sqlglot."""
    return sorted(info.name[:5].upper() for info in pkgutil.iter_modules(__path__) if _RULE_MODULE.match(info.name))


@lru_cache(maxsize=None)
def all_rules() -> tuple[type[Rule], ...]:
    from safemig_lint.checks.base import Rule

    rules = []
    for module_info in pkgutil.iter_modules(__path__):
        if _RULE_MODULE.match(module_info.name):
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            rules.extend(
                value
                for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
            )
    return tuple(sorted(rules, key=lambda rule: rule.code))


def rules_by_code() -> dict[str, type[Rule]]:
    return {rule.code: rule for rule in all_rules()}

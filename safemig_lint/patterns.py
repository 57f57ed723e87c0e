"""Regular expressions compiled when first used.

The readers and checks define hundreds of patterns at module level, and a pre-commit run on one
staged file uses a few dozen of them: compiling all of them at import was ~15 ms of that run's
CPU (issue 25). `lazy(pattern, flags)` stands for `re.compile(pattern, flags)` wherever a
pattern's methods are called (match, search, sub ...); it must not be handed to the `re`
module's functions, which want a compiled pattern or a string.
"""

from __future__ import annotations

import re
from typing import Any, cast

# What a compiled pattern offers; copied onto the stand-in at first use, so that each later call
# finds the compiled pattern's bound method directly (no __getattr__ on the way).
_ATTRIBUTES = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split", "pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold yet: the first use
        if name.startswith("_"):  # not a pattern's (copy and pickle ask for dunders, maybe before __init__)
            raise AttributeError(name)
        return getattr(self._compile(), name)

    def _compile(self) -> re.Pattern[str]:
        compiled = re.compile(*self._source)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return compiled


_MADE: list[_LazyPattern] = []


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on its first use."""
    made = _LazyPattern(pattern, flags)
    _MADE.append(made)
    return cast("re.Pattern[str]", made)  # it answers what a compiled pattern does


def compile_all() -> None:
    """Compile every pattern made so far that is not yet: for a process about to start helper processes, which
    would each compile again those they use (~15 ms of a helper's CPU on the PostgreSQL corpus, where ~80 of the
    ~110 patterns are used)."""
    for made in _MADE:
        if "search" not in vars(made):
            made._compile()

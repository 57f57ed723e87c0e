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
        compiled = re.compile(*self._source)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled on its first use."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))  # it answers what a compiled pattern does
